import Fabric
import Foundation
import Policy
import Routing
import Topology
import Units

/// What `p2psim explain` prints: the kernel's P2P decision and what surrounds it.
public struct P2PExplanationReport: Sendable {
    /// The kernel's view of the machine.
    public let view: KernelView
    /// The decision.
    public let decision: P2PDecision
    /// The client (DMA initiator) id.
    public let clientID: String
    /// The provider (memory owner) id.
    public let providerID: String
    /// `pci_p2pdma_distance_many()` over several clients of the provider, when asked for.
    public var distanceMany: (clients: [String], result: DistanceManyResult)?

    /// Creates the report.
    public init(view: KernelView, decision: P2PDecision, clientID: String, providerID: String) {
        self.view = view
        self.decision = decision
        self.clientID = clientID
        self.providerID = providerID
    }

    private var topology: Topology { view.machine.topology }

    private func describe(_ function: Int) -> String {
        let address = view.pci.function(function)?.name ?? "?"
        return "\(view.name(ofFunction: function)) (\(address))"
    }

    /// The PCIe hops the transfer takes under this decision (empty when P2P is refused).
    public var path: [String] {
        guard let client = topology.nodeIndex(of: clientID), let provider = topology.nodeIndex(of: providerID) else {
            return []
        }
        switch decision.mapType {
        case .busAddress: return topology.pcieRoute(from: client, to: provider, throughHostBridge: false)
        case .throughHostBridge: return topology.pcieRoute(from: client, to: provider, throughHostBridge: true)
        case .notSupported: return []
        }
    }

    /// The vendor-link relation, if any ("NV12", "XGMI").
    public var vendorLink: String? {
        guard let client = topology.nodeIndex(of: clientID), let provider = topology.nodeIndex(of: providerID) else {
            return nil
        }
        switch topology.relation(between: client, and: provider) {
        case .nvlink(let links): return "NV\(links)"
        case .xgmi: return "XGMI"
        default: return nil
        }
    }

    /// Lines about the provider's BAR aperture.
    public var barVisibility: [String] {
        guard let provider = topology.nodeIndex(of: providerID) else { return [] }
        guard let aperture = topology.memoryAperture(of: provider) else {
            return ["\(providerID) declares no BAR that exposes device memory (no <bar exposes=\"memory\">)"]
        }
        let bar = aperture.bar
        let capacity = aperture.memory.capacity
        if bar.size.bytes >= capacity.bytes {
            return [
                "BAR\(bar.index) of \(providerID) is \(bar.size): all \(capacity) of its memory is visible to peers (large BAR)"
            ]
        }
        var lines = [
            "BAR\(bar.index) of \(providerID) is \(bar.size): only that window of its \(capacity) of memory is visible to peers; a buffer outside it cannot be reached peer-to-peer unless the driver moves the window (else it bounces through system memory)"
        ]
        if let largest = bar.resizableSizes.last, largest > bar.size {
            lines.append(
                "resizable BAR supports up to \(largest): enabling it (BIOS 'Re-Size BAR support' and 'Above 4G decoding') would expose \(largest.bytes >= capacity.bytes ? "all of" : largest.description + " of") the memory"
            )
        }
        return lines
    }

    /// The XGMI hive of each node: the connected component of XGMI links, numbered from 1 (0
    /// for a node in no hive), as amdgpu's `hive_id`.
    private var xgmiHives: [Int: UInt64] {
        var parent: [Int: Int] = [:]
        func find(_ x: Int) -> Int {
            var x = x
            while let p = parent[x], p != x { x = p }
            return x
        }
        for link in topology.vendorLinks {
            guard case .xgmi = link.kind, case .node(let a) = link.a, case .node(let b) = link.b else { continue }
            if parent[a] == nil { parent[a] = a }
            if parent[b] == nil { parent[b] = b }
            parent[find(a)] = find(b)
        }
        var roots: [Int: UInt64] = [:]
        var hives: [Int: UInt64] = [:]
        for node in parent.keys.sorted() {
            let root = find(node)
            if roots[root] == nil { roots[root] = UInt64(roots.count + 1) }
            hives[node] = roots[root]
        }
        return hives
    }

    /// The amdgpu device `node` as the dma-buf rules see it, when it is an AMD GPU.
    private func amdgpuDevice(_ node: Int) -> AMDGPUDevice? {
        let spec = topology.nodes[node]
        guard spec.pciIdentity?.vendor == 0x1002, spec.endpoint?.kind == .gpu,
            let memory = spec.endpoint?.memory
        else { return nil }
        let aperture = topology.memoryAperture(of: node)
        let barIndex = spec.endpoint?.bars.firstIndex { $0.exposesMemory }
        let base = barIndex.map { view.machine.nodes[node].barRanges[$0].base } ?? 0
        let visible = min(aperture?.bar.size.bytes ?? 0, memory.capacity.bytes)
        let translated = topology.rootComplexes[spec.rootComplex].iommu?.mode == .translated
        return AMDGPUDevice(
            pciFunction: view.functionOfNode[node], vramSize: memory.capacity.bytes, visibleVRAMSize: visible,
            apertureBase: base, xgmiHiveID: xgmiHives[node] ?? 0, iommuRemapsDMA: translated)
    }

    /// amdgpu's dma-buf importer decision when the provider is an AMD GPU exporting a 64 MiB
    /// buffer at the start of its VRAM (`amdgpu_dma_buf_attach`).
    public var dmaBuf: DmaBufAttachDecision? {
        guard let provider = topology.nodeIndex(of: providerID), let client = topology.nodeIndex(of: clientID),
            let exporter = amdgpuDevice(provider)
        else { return nil }
        let importer: DmaBufImporter =
            amdgpuDevice(client).map { .amdgpu($0) }
            ?? .device(.pci(view.functionOfNode[client]), allowsPeer2Peer: true)
        return view.policy.amdgpuDmaBufAttach(
            exporter: exporter, importer: importer, buffer: DmaBufBuffer(vramOffset: 0, size: 64 << 20))
    }

    /// What the IOMMU does to this transfer.
    public var iommuNote: String {
        guard let client = topology.nodeIndex(of: clientID) else { return "" }
        let mode = topology.rootComplexes[topology.nodes[client].rootComplex].iommu?.mode ?? .off
        switch (decision.mapType, mode) {
        case (.busAddress, _):
            return
                "BUS_ADDR: the DMA uses PCI bus addresses (pci_p2pdma_bus_addr_map) and stays below the switch: the IOMMU is not involved"
        case (.throughHostBridge, .translated):
            return
                "THRU_HOST_BRIDGE with a translating IOMMU: the client DMAs to an IOVA mapped to the provider's BAR (dma_map_resource); each IOTLB miss costs a page walk. iommu=pt would use identity addresses instead"
        case (.throughHostBridge, _):
            return
                "THRU_HOST_BRIDGE with the IOMMU \(mode.rawValue): the DMA address is the provider's BAR physical address"
        case (.notSupported, _):
            return "NOT_SUPPORTED: drivers fall back to a bounce through system memory"
        }
    }

    /// The report as text.
    public func text() -> String {
        var out =
            "P2P DMA: \(clientID) (client, DMA initiator) -> \(providerID) (provider, memory via BAR) on '\(topology.name)'\n\n"
        if let vendorLink {
            out +=
                "Vendor link: \(vendorLink). CUDA/HIP peer copies use it; the PCIe decision below governs in-kernel P2P DMA (p2pdma, dma-buf importers such as RDMA NICs and NVMe).\n\n"
        }
        out += "Linux P2P DMA decision (drivers/pci/p2pdma.c, calc_map_type_and_dist):\n"
        out += "  client chain:    " + decision.clientChain.map(describe).joined(separator: " -> ") + "\n"
        out += "  provider chain:  " + decision.providerChain.map(describe).joined(separator: " -> ") + "\n"
        out += "  common upstream bridge: " + (decision.commonUpstreamBridge.map(describe) ?? "none") + "\n"
        out += "  hops: provider \(decision.providerHops) + client \(decision.clientHops)\n"
        out +=
            "  ACS redirect (RR/CR/EC) on the path: "
            + (decision.acsRedirectingBridges.isEmpty
                ? "none" : decision.acsRedirectingBridges.map(describe).joined(separator: ", "))
            + "\n"
        out += "  host bridge check: \(hostBridgeText)\n"
        out += "  result: \(decision.mapType.kernelName), distance \(decision.distance)\n"
        out += "  reason: \(decision.reason)\n"
        if !decision.messages.isEmpty {
            out += "  kernel log:\n" + decision.messages.map { "    " + $0.line + "\n" }.joined()
        }
        out += "\nPath: " + (path.isEmpty ? "(no P2P path)" : path.joined(separator: " -> ")) + "\n"
        out += "IOMMU: \(iommuNote)\n"
        out += "BAR: " + barVisibility.joined(separator: "\nBAR: ") + "\n"
        if let distanceMany {
            out +=
                "\npci_p2pdma_distance_many(\(providerID), [\(distanceMany.clients.joined(separator: ", "))]) = \(distanceMany.result.distance)\n"
            out += "  \(distanceMany.result.reason)\n"
        }
        if let dmaBuf {
            out += "\namdgpu dma-buf export of a 64 MiB VRAM buffer to \(clientID) (amdgpu_dma_buf_attach):\n"
            out +=
                "  peer2peer: \(dmaBuf.peer2peer ? "yes" : "no")\(dmaBuf.xgmiAccessible ? " (same XGMI hive)" : ""), placement: \(Self.describe(dmaBuf.placement))\n"
            out += "  reason: \(dmaBuf.reason)\n"
        }
        let suggestions = suggestionTexts
        if !suggestions.isEmpty {
            out += "\nWhat would change it:\n" + suggestions.map { "  - " + $0 + "\n" }.joined()
        }
        return out
    }

    /// Where an exported buffer lands, in words (not the enum's Swift spelling).
    static func describe(_ placement: DmaBufPlacement) -> String {
        switch placement {
        case .vramOverXGMI: return "VRAM, reached over XGMI (no BAR window involved)"
        case .vramThroughBAR(let busAddress, let size):
            return "VRAM through the BAR at bus address 0x\(String(busAddress, radix: 16)), \(ByteCount(size))"
        case .vramThroughBARAfterMove(let size, let windowSize):
            return
                "VRAM through the BAR after a move into the \(ByteCount(windowSize)) CPU-visible window, \(ByteCount(size))"
        case .systemMemory: return "system memory (GTT)"
        }
    }

    /// The suggestions, each with the command-line flag that tries it where there is one.
    private var suggestionTexts: [String] {
        decision.suggestions.map { suggestion in
            if case .clearACSRedirect = suggestion.action { return suggestion.text + " (try it: --acs-redirect off)" }
            if case .enableResizableBAR = suggestion.action { return suggestion.text + " (try it: --resizable-bar)" }
            return suggestion.text
        } + barSuggestions
    }

    private var barSuggestions: [String] {
        guard let provider = topology.nodeIndex(of: providerID), let aperture = topology.memoryAperture(of: provider),
            aperture.bar.size < aperture.memory.capacity
        else { return [] }
        return [
            "enable resizable BAR on \(providerID) (or a large-BAR part) so that all of its memory is reachable peer-to-peer (try it: --resizable-bar)"
        ]
    }

    private var hostBridgeText: String {
        switch decision.hostBridgePath {
        case .notNeeded: return "not needed (the transfer stays below a common switch)"
        case .notEvaluated: return "not evaluated"
        case .allowedByCPU: return "allowed: cpu_supports_p2pdma() trusts AMD Zen (x86 family >= 0x17)"
        case .allowedByAllowlist: return "allowed: host bridge on pci_p2pdma_whitelist[]"
        case .refused:
            return
                "refused: not AMD Zen, and the host bridge is not on pci_p2pdma_whitelist[] (or only for one host bridge)"
        }
    }

    /// `{"mapType", "distance", "path", ...}` with sorted keys.
    public func json() throws -> String {
        struct Document: Codable {
            var client: String
            var provider: String
            var mapType: String
            var distance: Int
            var path: [String]
            var clientChain: [String]
            var providerChain: [String]
            var commonUpstreamBridge: String?
            var acsRedirectingBridges: [String]
            var kernelLog: [String]
            var reason: String
            var vendorLink: String?
            var barVisibility: [String]
            var suggestions: [String]
            var dmaBufPeer2Peer: Bool?
            var dmaBufReason: String?
            var distanceManyClients: [String]?
            var distanceMany: Int?
        }
        let document = Document(
            client: clientID, provider: providerID, mapType: decision.mapType.kernelName, distance: decision.distance,
            path: path, clientChain: decision.clientChain.map { view.name(ofFunction: $0) },
            providerChain: decision.providerChain.map { view.name(ofFunction: $0) },
            commonUpstreamBridge: decision.commonUpstreamBridge.map { view.name(ofFunction: $0) },
            acsRedirectingBridges: decision.acsRedirectingBridges.map { view.name(ofFunction: $0) },
            kernelLog: decision.messages.map(\.line), reason: decision.reason, vendorLink: vendorLink,
            barVisibility: barVisibility, suggestions: suggestionTexts,
            dmaBufPeer2Peer: dmaBuf?.peer2peer, dmaBufReason: dmaBuf?.reason,
            distanceManyClients: distanceMany?.clients, distanceMany: distanceMany?.result.distance)
        return try sortedJSON(document)
    }
}
