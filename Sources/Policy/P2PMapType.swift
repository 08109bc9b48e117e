/// How a peer-to-peer transfer would be mapped (`enum pci_p2pdma_map_type`).
public enum P2PMapType: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `PCI_P2PDMA_MAP_BUS_ADDR`: TLPs route through a common switch using PCI bus addresses.
    case busAddress
    /// `PCI_P2PDMA_MAP_THRU_HOST_BRIDGE`: TLPs go up through the host bridge (CPU physical addresses, IOMMU-mapped).
    case throughHostBridge
    /// `PCI_P2PDMA_MAP_NOT_SUPPORTED`: the kernel refuses peer-to-peer DMA.
    case notSupported

    /// The kernel's enumerator suffix: `"BUS_ADDR"`, `"THRU_HOST_BRIDGE"` or `"NOT_SUPPORTED"`.
    public var kernelName: String {
        switch self {
        case .busAddress: return "BUS_ADDR"
        case .throughHostBridge: return "THRU_HOST_BRIDGE"
        case .notSupported: return "NOT_SUPPORTED"
        }
    }

    /// The full kernel enumerator, for example `"PCI_P2PDMA_MAP_BUS_ADDR"`.
    public var kernelEnumerator: String { "PCI_P2PDMA_MAP_" + kernelName }

    /// Same as ``kernelName``.
    public var description: String { kernelName }
}
