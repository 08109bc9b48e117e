/// Who imports an amdgpu dma-buf.
public enum DmaBufImporter: Sendable, Hashable {
    /// Another amdgpu device (`amdgpu_dma_buf_attach_ops`, `allow_peer2peer = true`).
    case amdgpu(AMDGPUDevice)
    /// Any other importer device; `allowsPeer2Peer` is its `importer_ops->allow_peer2peer`.
    case device(DeviceRef, allowsPeer2Peer: Bool)
}

/// The exported buffer object (`struct amdgpu_bo`) as the attach/map rules see it.
public struct DmaBufBuffer: Sendable, Hashable {
    /// Current offset of the BO inside VRAM, in bytes.
    public var vramOffset: UInt64
    /// Size in bytes.
    public var size: UInt64
    /// `bo->preferred_domains & AMDGPU_GEM_DOMAIN_VRAM`.
    public var prefersVRAM: Bool
    /// `bo->flags & AMDGPU_GEM_CREATE_GFX12_DCC` on a GC 12.x exporter (recent kernels refuse P2P for these).
    public var gfx12DCC: Bool

    /// Creates a buffer description.
    public init(vramOffset: UInt64, size: UInt64, prefersVRAM: Bool = true, gfx12DCC: Bool = false) {
        self.vramOffset = vramOffset
        self.size = size
        self.prefersVRAM = prefersVRAM
        self.gfx12DCC = gfx12DCC
    }
}

/// Where the exported buffer ends up for this importer.
public enum DmaBufPlacement: Sendable, Hashable {
    /// Same XGMI hive: the importer reaches the exporter's VRAM over XGMI; no BAR window is involved.
    case vramOverXGMI
    /// PCIe peer-to-peer: the importer DMAs to `aper_base + offset` through the VRAM BAR.
    case vramThroughBAR(busAddress: UInt64, size: UInt64)
    /// PCIe peer-to-peer after TTM moves the BO into the CPU-visible window (`CPU_ACCESS_REQUIRED` limits
    /// the VRAM placement to `visible_vram_size`).
    case vramThroughBARAfterMove(size: UInt64, windowSize: UInt64)
    /// `peer2peer` is false, the BO does not prefer VRAM, or it cannot fit the visible window: it is served from
    /// system memory (GTT).
    case systemMemory
}

/// Outcome of the amdgpu dma-buf exporter's attach/map rules for one importer.
public struct DmaBufAttachDecision: Sendable, Hashable {
    /// `attach->peer2peer` after `amdgpu_dma_buf_attach()`.
    public var peer2peer: Bool
    /// `amdgpu_dmabuf_is_xgmi_accessible(attach_adev, bo)`.
    public var xgmiAccessible: Bool
    /// The `pci_p2pdma_distance(adev->pdev, attach->dev, false)` query, when it ran (skipped if XGMI-accessible).
    public var p2pdma: DistanceManyResult?
    /// Whether the GFX12 DCC rule cleared `peer2peer`.
    public var refusedForGFX12DCC: Bool
    /// Whether the whole buffer lies inside the CPU-visible VRAM window now.
    public var bufferWithinVisibleVRAM: Bool
    /// Where the importer's accesses go.
    public var placement: DmaBufPlacement
    /// Kernel log lines printed on the way.
    public var messages: [KernelMessage]
    /// Human-readable explanation.
    public var reason: String
    /// What would change the outcome.
    public var suggestions: [Suggestion]

    /// Whether VRAM is shared peer-to-peer (XGMI or through the BAR) instead of via system memory.
    public var sharesVRAM: Bool { placement != .systemMemory }
}

extension P2PPolicy {
    /// Mirrors `amdgpu_dma_buf_attach()` plus the VRAM placement of `amdgpu_dma_buf_map()`/`pin()`.
    ///
    /// `peer2peer` starts as the importer's `allow_peer2peer`; the GFX12 DCC rule clears it; then
    /// `if (!amdgpu_dmabuf_is_xgmi_accessible(attach_adev, bo) && pci_p2pdma_distance(adev->pdev, attach->dev,
    /// false) < 0) attach->peer2peer = false;`. With `peer2peer` and a VRAM-preferring BO, map sets
    /// `AMDGPU_GEM_CREATE_CPU_ACCESS_REQUIRED`, so `amdgpu_bo_placement_from_domain()` limits VRAM to
    /// `visible_vram_size` (the BAR window); TTM falls back to GTT if the BO cannot fit there.
    public func amdgpuDmaBufAttach(
        exporter: AMDGPUDevice, importer: DmaBufImporter, buffer: DmaBufBuffer,
        parameters: AMDGPUModuleParameters = AMDGPUModuleParameters()
    ) -> DmaBufAttachDecision {
        var peer2peer: Bool
        let importerRef: DeviceRef
        var xgmi = false
        switch importer {
        case .amdgpu(let importerGPU):
            peer2peer = true
            importerRef = .pci(importerGPU.pciFunction)
            // amdgpu_dmabuf_is_xgmi_accessible(): same hive and the BO prefers VRAM.
            xgmi = amdgpuXGMISameHive(importerGPU, exporter, parameters) && buffer.prefersVRAM
        case .device(let ref, let allows):
            peer2peer = allows
            importerRef = ref
        // attach_adev is NULL for non-amdgpu importers: not XGMI accessible.
        }
        let dcc = buffer.gfx12DCC
        if dcc { peer2peer = false }
        var p2pdma: DistanceManyResult?
        var messages: [KernelMessage] = []
        if !xgmi {
            let result = distance(provider: exporter.pciFunction, client: importerRef, verbose: false)
            p2pdma = result
            messages += result.messages
            if result.distance < 0 { peer2peer = false }
        }
        let end = buffer.vramOffset &+ buffer.size
        let within = end <= exporter.visibleVRAMSize && end >= buffer.vramOffset
        let placement: DmaBufPlacement
        var reason: String
        var suggestions: [Suggestion] = []
        if !peer2peer || !buffer.prefersVRAM {
            placement = .systemMemory
            if dcc {
                reason = "GFX12 DCC-compressed BO: amdgpu_dma_buf_attach() clears peer2peer; served from GTT"
            } else if !buffer.prefersVRAM {
                reason = "BO does not prefer VRAM; it is mapped from GTT (system memory)"
            } else if case .device(_, false) = importer {
                reason = "importer does not set allow_peer2peer; VRAM is migrated to GTT (system memory)"
            } else {
                reason =
                    "not in one XGMI hive and pci_p2pdma_distance() = \(p2pdma?.distance ?? -1) < 0: "
                    + "peer2peer = false, VRAM is migrated to GTT (system memory)"
                if case .amdgpu(let importerGPU) = importer {
                    suggestions.append(
                        Suggestion(
                            action: .joinSameXGMIHive(
                                exporter: exporter.pciFunction, importer: importerGPU.pciFunction),
                            text: "GPUs in one XGMI hive share VRAM without PCIe P2P"))
                }
                suggestions += p2pdma?.decisions.flatMap(\.suggestions) ?? []
            }
        } else if xgmi {
            placement = .vramOverXGMI
            reason =
                "exporter and importer are in XGMI hive 0x\(String(exporter.xgmiHiveID, radix: 16)): "
                + "VRAM shared over XGMI (amdgpu_dmabuf_is_xgmi_accessible())"
        } else if within {
            placement = .vramThroughBAR(busAddress: exporter.apertureBase &+ buffer.vramOffset, size: buffer.size)
            reason =
                "pci_p2pdma_distance() = \(p2pdma?.distance ?? 0) >= 0 and the BO lies inside the "
                + "CPU-visible VRAM window: importer DMAs through the BAR"
        } else if buffer.size <= exporter.visibleVRAMSize {
            placement = .vramThroughBARAfterMove(size: buffer.size, windowSize: exporter.visibleVRAMSize)
            reason =
                "peer2peer allowed but the BO ends at 0x\(String(end, radix: 16)), beyond the "
                + "0x\(String(exporter.visibleVRAMSize, radix: 16))-byte visible window: "
                + "CPU_ACCESS_REQUIRED makes TTM move it into the window first"
            suggestions.append(
                Suggestion(
                    action: .placeBufferInVisibleVRAM(windowSize: exporter.visibleVRAMSize),
                    text: "allocate the BO with AMDGPU_GEM_CREATE_CPU_ACCESS_REQUIRED to avoid the move"))
            if !exporter.isLargeBAR { suggestions.append(resizableBARSuggestion(exporter)) }
        } else {
            placement = .systemMemory
            reason =
                "peer2peer allowed but the BO (\(buffer.size) bytes) is larger than the "
                + "\(exporter.visibleVRAMSize)-byte visible window: TTM places it in GTT (system memory)"
            if !exporter.isLargeBAR { suggestions.append(resizableBARSuggestion(exporter)) }
        }
        return DmaBufAttachDecision(
            peer2peer: peer2peer, xgmiAccessible: xgmi, p2pdma: p2pdma, refusedForGFX12DCC: dcc,
            bufferWithinVisibleVRAM: within, placement: placement, messages: messages, reason: reason,
            suggestions: suggestions)
    }
}
