import Engine
import Policy
import Routing
import Topology

/// The exporter's decision for one importer: the mode it gets and whether it may use
/// `peer2peer` (reach the buffer in VRAM through the BAR or a vendor link).
struct AttachDecision: Sendable, Hashable {
    /// The effective mode (an importer without fences is attached pinned).
    var mode: AttachMode
    /// `attach->peer2peer` after the exporter's checks.
    var peer2peer: Bool
    /// Why, in words, with the kernel functions involved.
    var reason: String
}

/// The dma-buf attach rules of drivers/dma-buf/dma-buf.c and the exporters and importers this
/// module models.
///
/// - `dma_buf_dynamic_attach()`: an importer with `importer_ops` is dynamic and must provide
///   `move_notify`; when an importer and the exporter differ in dynamism the attachment is
///   pinned (`dma_buf_pin()`), so the exporter can never move the buffer under it.
/// - RDMA importers cannot wait for `dma_fence`s: `ib_umem_dmabuf_get_pinned()`
///   (drivers/infiniband/core/umem_dmabuf.c) attaches with `move_notify` reporting
///   "Invalidate callback should not be called when memory is pinned" and pins at once; only a
///   driver with on-demand paging (mlx5's dma-buf MRs, `mlx5_ib_dmabuf_invalidate_cb`) attaches
///   dynamically and takes faults after an invalidation.
/// - `peer2peer`: the importer's `allow_peer2peer`, cleared when the kernel's
///   `pci_p2pdma_distance()` refuses the pair or the bound drivers do (for amdgpu exporters,
///   `amdgpu_dma_buf_attach()` as reproduced in Policy, visible-VRAM window included).
enum DmaBufRules {
    static func decide(
        _ spec: AttachmentSpec, buffer: BufferSpec, planner: TransferPlanner, view: KernelView
    ) -> AttachDecision {
        var mode = spec.mode
        var notes: [String] = []
        if spec.isRegion {
            if spec.onDemandPaging {
                mode = .dynamic
                notes.append("ODP region: dynamic attachment, move_notify invalidates the NIC's mapping")
            } else {
                mode = .pinned
                notes.append(
                    "RDMA region without ODP: ib_umem_dmabuf_get_pinned() attaches and calls dma_buf_pin()")
            }
        } else if mode == .dynamic && !spec.supportsFences {
            mode = .pinned
            notes.append(
                "the importer cannot wait for dma_fences: attached pinned, as ib_umem_dmabuf_get_pinned() does")
        }
        let p2p = peerToPeer(spec, buffer: buffer, planner: planner, view: view)
        notes.append(p2p.reason)
        return AttachDecision(mode: mode, peer2peer: p2p.allowed, reason: notes.joined(separator: "; "))
    }

    private static func peerToPeer(
        _ spec: AttachmentSpec, buffer: BufferSpec, planner: TransferPlanner, view: KernelView
    ) -> (allowed: Bool, reason: String) {
        guard spec.allowsPeer2Peer else {
            return (false, "importer does not set allow_peer2peer: the exporter serves the buffer from system memory")
        }
        if spec.importer == buffer.exporter { return (true, "the exporter imports its own buffer") }
        let topology = planner.machine.topology
        if let exporter = amdgpuDevice(buffer.exporter, topology: topology, view: view) {
            let importer: DmaBufImporter =
                amdgpuDevice(spec.importer, topology: topology, view: view).map { .amdgpu($0) }
                ?? .device(.pci(view.functionOfNode[spec.importer]), allowsPeer2Peer: true)
            let decision = view.policy.amdgpuDmaBufAttach(
                exporter: exporter, importer: importer,
                buffer: DmaBufBuffer(vramOffset: 0, size: buffer.size))
            return (decision.sharesVRAM, "amdgpu_dma_buf_attach(): " + decision.reason)
        }
        let provider = view.functionOfNode[buffer.exporter]
        let kernel = view.policy.distance(provider: provider, client: .pci(view.functionOfNode[spec.importer]))
        guard let decision = kernel.decisions.first else { return (false, kernel.reason) }
        switch planner.driverDecision(provider: buffer.exporter, client: spec.importer, kernel: decision) {
        case .refused(let why):
            return (false, "peer2peer cleared: " + why)
        case .allowed(_, let note):
            return (true, "peer2peer kept: " + (note ?? "the driver allows it"))
        case .kernel:
            if kernel.distance < 0 {
                return (false, "pci_p2pdma_distance() < 0, peer2peer cleared: " + decision.reason)
            }
            return (true, "pci_p2pdma_distance() = \(kernel.distance): peer2peer kept")
        }
    }

    /// The amdgpu device `node` as the dma-buf rules see it, when it is an AMD GPU; its XGMI
    /// hive is the set of devices its XGMI links reach (numbered by the lowest node index + 1).
    static func amdgpuDevice(_ node: Int, topology: Topology, view: KernelView) -> AMDGPUDevice? {
        let spec = topology.nodes[node]
        guard spec.pciIdentity?.vendor == 0x1002, spec.endpoint?.kind == .gpu, let memory = spec.endpoint?.memory
        else { return nil }
        let aperture = topology.memoryAperture(of: node)
        let barIndex = spec.endpoint?.bars.firstIndex { $0.exposesMemory }
        let base = barIndex.map { view.machine.nodes[node].barRanges[$0].base } ?? 0
        return AMDGPUDevice(
            pciFunction: view.functionOfNode[node], vramSize: memory.capacity.bytes,
            visibleVRAMSize: min(aperture?.bar.size.bytes ?? 0, memory.capacity.bytes), apertureBase: base,
            xgmiHiveID: xgmiHive(of: node, topology: topology))
    }

    private static func xgmiHive(of node: Int, topology: Topology) -> UInt64 {
        var seen: Set<Int> = [node]
        var stack = [node]
        while let current = stack.popLast() {
            for link in topology.vendorLinks {
                guard case .xgmi = link.kind, case .node(let a) = link.a, case .node(let b) = link.b else { continue }
                for (from, to) in [(a, b), (b, a)] where from == current && seen.insert(to).inserted {
                    stack.append(to)
                }
            }
        }
        return seen.count > 1 ? UInt64(seen.min() ?? 0) + 1 : 0
    }
}
