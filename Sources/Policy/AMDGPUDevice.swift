/// The facts of one amdgpu device (`struct amdgpu_device`) that its peer-to-peer rules read.
public struct AMDGPUDevice: Sendable, Hashable {
    /// The GPU's PCI function id (`adev->pdev`).
    public var pciFunction: Int
    /// Total VRAM in bytes (`adev->gmc.real_vram_size`).
    public var vramSize: UInt64
    /// CPU-visible VRAM in bytes, that is what the BAR aperture covers (`adev->gmc.visible_vram_size`).
    public var visibleVRAMSize: UInt64
    /// CPU physical / bus address of the VRAM BAR (`adev->gmc.aper_base`).
    public var apertureBase: UInt64
    /// Size of the VRAM BAR (`adev->gmc.aper_size`).
    public var apertureSize: UInt64
    /// XGMI hive id (`adev->gmc.xgmi.hive_id`); 0 means not in a hive.
    public var xgmiHiveID: UInt64
    /// `adev->gmc.xgmi.connected_to_cpu` (for example MI300A/MI250X on a CPU XGMI link).
    public var xgmiConnectedToCPU: Bool
    /// DMA mask width in bits (`*dev->dma_mask`); `nil` when the device has no mask (treated as 32-bit).
    public var dmaMaskBits: Int?
    /// Whether the IOMMU remaps this device's DMA (`amdgpu_device_check_iommu_remap()`: DMA or DMA_FQ domain).
    public var iommuRemapsDMA: Bool

    /// Creates a device; by default the BAR covers `visibleVRAMSize` at `apertureBase`.
    public init(
        pciFunction: Int, vramSize: UInt64, visibleVRAMSize: UInt64, apertureBase: UInt64,
        apertureSize: UInt64? = nil, xgmiHiveID: UInt64 = 0, xgmiConnectedToCPU: Bool = false,
        dmaMaskBits: Int? = 44, iommuRemapsDMA: Bool = false
    ) {
        self.pciFunction = pciFunction
        self.vramSize = vramSize
        self.visibleVRAMSize = visibleVRAMSize
        self.apertureBase = apertureBase
        self.apertureSize = apertureSize ?? visibleVRAMSize
        self.xgmiHiveID = xgmiHiveID
        self.xgmiConnectedToCPU = xgmiConnectedToCPU
        self.dmaMaskBits = dmaMaskBits
        self.iommuRemapsDMA = iommuRemapsDMA
    }

    /// "Large BAR": `visible_vram_size && real_vram_size == visible_vram_size` (`amdgpu_device_is_peer_accessible()`).
    public var isLargeBAR: Bool {
        visibleVRAMSize != 0 && vramSize == visibleVRAMSize
    }
}

/// amdgpu module parameters that gate peer-to-peer.
public struct AMDGPUModuleParameters: Sendable, Hashable {
    /// `amdgpu.use_xgmi_p2p` (default 1), read by `amdgpu_xgmi_same_hive()`.
    public var useXGMIP2P: Bool
    /// `amdgpu.pcie_p2p` (default true), read by `amdgpu_device_is_peer_accessible()`.
    public var pcieP2P: Bool

    /// Creates parameters; defaults are the kernel's.
    public init(useXGMIP2P: Bool = true, pcieP2P: Bool = true) {
        self.useXGMIP2P = useXGMIP2P
        self.pcieP2P = pcieP2P
    }
}

/// Mirrors `amdgpu_xgmi_same_hive()`: `use_xgmi_p2p && adev != bo_adev && adev->hive_id && ids equal`.
func amdgpuXGMISameHive(_ adev: AMDGPUDevice, _ boAdev: AMDGPUDevice, _ parameters: AMDGPUModuleParameters) -> Bool {
    parameters.useXGMIP2P && adev.pciFunction != boAdev.pciFunction && adev.xgmiHiveID != 0
        && adev.xgmiHiveID == boAdev.xgmiHiveID
}

/// Result of `amdgpu_device_is_peer_accessible(adev, peer_adev)` (amdgpu_device.c, KFD/topology path).
public struct AMDGPUPeerAccess: Sendable, Hashable {
    /// The function's return value.
    public var accessible: Bool
    /// `amdgpu.pcie_p2p`.
    public var pcieP2PEnabled: Bool
    /// `is_large_bar` of the device owning the VRAM.
    public var isLargeBAR: Bool
    /// `p2p_access`: not CPU-connected XGMI and `pci_p2pdma_distance(adev->pdev, peer, false) >= 0`.
    public var p2pAccess: Bool
    /// `p2p_addressable`: peer's IOMMU remaps, or the whole BAR fits the peer's DMA mask.
    public var p2pAddressable: Bool
    /// The p2pdma distance query behind `p2pAccess`, when it ran.
    public var p2pdma: DistanceManyResult?
    /// Kernel log lines (`dev_info` when the chipset refuses).
    public var messages: [KernelMessage]
    /// What would change the outcome.
    public var suggestions: [Suggestion]
}

extension P2PPolicy {
    /// Mirrors `amdgpu_device_is_peer_accessible()` (mainline before the 2026 per-BAR rework):
    /// `pcie_p2p && is_large_bar && p2p_access && p2p_addressable`.
    public func amdgpuDeviceIsPeerAccessible(
        _ adev: AMDGPUDevice, peer: AMDGPUDevice, parameters: AMDGPUModuleParameters = AMDGPUModuleParameters()
    ) -> AMDGPUPeerAccess {
        var messages: [KernelMessage] = []
        var p2pdma: DistanceManyResult?
        // p2p_access = !connected_to_cpu && !(pci_p2pdma_distance(adev->pdev, peer_adev->dev, false) < 0)
        var p2pAccess = false
        if !adev.xgmiConnectedToCPU {
            let result = distance(provider: adev.pciFunction, client: .pci(peer.pciFunction), verbose: false)
            p2pdma = result
            messages += result.messages
            p2pAccess = result.distance >= 0
        }
        if !p2pAccess, let owner = topology.function(adev.pciFunction) {
            let peerName = topology.function(peer.pciFunction)?.name ?? "pci#\(peer.pciFunction)"
            messages.append(
                KernelMessage(
                    level: .info, device: owner.name, prefix: owner.driverName ?? "amdgpu",
                    text: "PCIe P2P access from peer device \(peerName) is not supported by the chipset"))
        }
        // p2p_addressable = check_iommu_remap(peer) || !(aper_base & mask || aper_limit & mask)
        var addressable = peer.iommuRemapsDMA
        if !addressable {
            let mask: UInt64 = Self.addressMask(dmaMaskBits: peer.dmaMaskBits)
            let limit = adev.apertureBase &+ adev.apertureSize &- 1
            addressable = (adev.apertureBase & mask) == 0 && (limit & mask) == 0
        }
        let accessible = parameters.pcieP2P && adev.isLargeBAR && p2pAccess && addressable
        var suggestions: [Suggestion] = []
        if !adev.isLargeBAR {
            suggestions.append(resizableBARSuggestion(adev))
        }
        if let decision = p2pdma?.decisions.first, !p2pAccess {
            suggestions += decision.suggestions
        }
        return AMDGPUPeerAccess(
            accessible: accessible, pcieP2PEnabled: parameters.pcieP2P, isLargeBAR: adev.isLargeBAR,
            p2pAccess: p2pAccess, p2pAddressable: addressable, p2pdma: p2pdma, messages: messages,
            suggestions: suggestions)
    }

    /// `~*dma_mask`, or `~((1ULL << 32) - 1)` when there is no mask.
    static func addressMask(dmaMaskBits: Int?) -> UInt64 {
        let bits = dmaMaskBits ?? 32
        if bits >= 64 { return 0 }
        if bits <= 0 { return ~UInt64(0) }
        return ~((UInt64(1) << UInt64(bits)) - 1)
    }

    func resizableBARSuggestion(_ adev: AMDGPUDevice) -> Suggestion {
        Suggestion(
            action: .enableResizableBAR(
                gpu: adev.pciFunction, vramSize: adev.vramSize, visibleVRAMSize: adev.visibleVRAMSize),
            text: "enable Resizable BAR (Above 4G decoding) so all \(adev.vramSize >> 20) MiB of VRAM are "
                + "CPU-visible; only \(adev.visibleVRAMSize >> 20) MiB are now")
    }
}
