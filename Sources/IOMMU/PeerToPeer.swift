/// How a peer-to-peer DMA travels between client and provider.
public enum P2PRouteKind: String, Sendable, Hashable, CaseIterable {
    /// Up to the root complex and back down: through the host bridge, and so through the IOMMU.
    case throughHostBridge
    /// Turned around in a PCIe switch below the root port: the IOMMU never sees it.
    case belowSwitch
}

/// Which kind of address a DMA engine was given for the provider's memory.
public enum DMAAddressKind: String, Sendable, Hashable, CaseIterable {
    /// The PCI bus address of the provider's BAR: what `pci_p2pdma_bus_addr_map` returns for a
    /// transfer the kernel maps as `PCI_P2PDMA_MAP_BUS_ADDR` (through a switch).
    case busAddress
    /// An IOVA mapped to the provider's BAR: what `dma_map_resource` (or `dma_map_sg` for
    /// `PCI_P2PDMA_MAP_THRU_HOST_BRIDGE`) returns with a translating IOMMU.
    case iova
}

/// What a P2P DMA with a given address reaches.
public enum P2PTargetOutcome: Sendable, Hashable {
    /// The request reaches this physical (bus) address.
    case ok(physical: UInt64)
    /// The IOMMU refuses it.
    case fault(IOMMUFault)
    /// A switch finds no BAR claiming the address and completes the request with Unsupported
    /// Request status (PCIe Base Specification, section 2.3.1, request handling rules).
    case unsupportedRequest
}

/// The rules that connect address kinds, routes, the IOMMU and ATS for peer-to-peer DMA.
public enum PeerToPeerAddressing {
    /// What a P2P DMA reaches, given its route, its address kind and the IOMMU.
    ///
    /// A DMA of `addressKind` at `address` travels by `route` under an IOMMU in `mode`.
    /// `mappedPhysical` is where the requester's domain maps `address` when read as an
    /// IOVA (nil when unmapped); `device` and `domain` name the requester for a fault.
    ///
    /// - Off or passthrough: addresses are not translated, so either kind reaches `address`
    ///   (the DMA API returns the physical address as the "IOVA").
    /// - Translated, through the host bridge: the IOMMU reads every address as an IOVA. A mapped
    ///   one reaches its mapping (even a bus address that happens to be mapped, which then lands
    ///   wherever that IOVA points); an unmapped one faults. This is the fault a bus address gets
    ///   when given to a device whose traffic crosses a translating IOMMU.
    /// - Translated, below a switch: the switch routes by address and the IOMMU is bypassed. A bus
    ///   address hits the provider's BAR; an IOVA hits no BAR and is completed as Unsupported
    ///   Request. This assumes the IOVA falls within the switch's bridge window, as the route
    ///   implies; an IOVA outside it would be forwarded upstream and translated like
    ///   `throughHostBridge`.
    ///
    /// Permissions are not checked here: `IOMMUUnit.translate` does that for mapped IOVAs.
    ///
    /// - Complexity: O(1).
    public static func target(
        mode: IOMMUMode, route: P2PRouteKind, addressKind: DMAAddressKind, address: UInt64,
        mappedPhysical: UInt64?, device: String, domain: IOMMUDomainID, access: DMAAccess
    ) -> P2PTargetOutcome {
        switch (mode, route, addressKind) {
        case (.off, _, _), (.passthrough, _, _):
            return .ok(physical: address)
        case (.translated, .throughHostBridge, _):
            guard let physical = mappedPhysical else {
                return .fault(
                    IOMMUFault(device: device, domain: domain, address: address, access: access, reason: .unmapped))
            }
            return .ok(physical: physical)
        case (.translated, .belowSwitch, .busAddress):
            return .ok(physical: address)
        case (.translated, .belowSwitch, .iova):
            return .unsupportedRequest
        }
    }

    /// The address kind a driver should hand the client's DMA engine for a route under `mode`:
    /// an IOVA through a translating host bridge, the bus address otherwise (the two coincide
    /// when the IOMMU does not translate).
    public static func expectedAddressKind(mode: IOMMUMode, route: P2PRouteKind) -> DMAAddressKind {
        mode == .translated && route == .throughHostBridge ? .iova : .busAddress
    }

    /// Whether a peer-to-peer memory request may go straight to the peer at a downstream port that
    /// has ACS P2P Request Redirect enabled (as Linux enables it when an IOMMU is on), rather than
    /// being redirected up to the root complex and the IOMMU.
    ///
    /// PCIe Base Specification, section 6.12.1.1 (ACS Downstream Ports), ACS Direct Translated P2P:
    /// when the DT bit is set, requests whose Address Type field says Translated (AT=10b, section
    /// 2.2.4.1; issued by a device after ATS gave it the translation) are routed directly to the
    /// peer, overriding P2P Request Redirect; untranslated requests are still redirected, so the
    /// IOMMU checks them.
    ///
    /// - Complexity: O(1).
    public static func mayRouteDirectly(translated: Bool, acsDirectTranslated: Bool) -> Bool {
        translated && acsDirectTranslated
    }
}
