import Topology

/// How two devices are connected, in the legend of `nvidia-smi topo -m`.
public enum PairRelation: Hashable, Sendable, CustomStringConvertible {
    /// The device itself.
    case same
    /// Bonded NVLinks, directly or through NVSwitch planes: the number of links.
    case nvlink(Int)
    /// AMD XGMI, directly.
    case xgmi
    /// Through at most a single PCIe switch (or functions of one device).
    case pix
    /// Through several PCIe switches, without the host bridge.
    case pxb
    /// Through one PCIe host bridge (two root ports of one root complex).
    case phb
    /// Across host bridges within one NUMA node.
    case node
    /// Across NUMA nodes: the socket interconnect (QPI, UPI, Infinity Fabric).
    case sys

    public var description: String {
        switch self {
        case .same: return "X"
        case .nvlink(let links): return "NV\(links)"
        case .xgmi: return "XGMI"
        case .pix: return "PIX"
        case .pxb: return "PXB"
        case .phb: return "PHB"
        case .node: return "NODE"
        case .sys: return "SYS"
        }
    }

    /// The legend `nvidia-smi topo -m` prints, with XGMI added.
    public static let legend = """
        Legend:
          X    = Self
          SYS  = Connection traversing PCIe as well as the SMP interconnect between NUMA nodes (e.g., QPI/UPI)
          NODE = Connection traversing PCIe as well as the interconnect between PCIe Host Bridges within a NUMA node
          PHB  = Connection traversing PCIe as well as a PCIe Host Bridge (typically the CPU)
          PXB  = Connection traversing multiple PCIe bridges (without traversing the PCIe Host Bridge)
          PIX  = Connection traversing at most a single PCIe bridge
          NV#  = Connection traversing a bonded set of # NVLinks
          XGMI = Connection traversing AMD XGMI links
        """
}

extension Topology {
    /// The chain of PCI nodes from `node` up to its root port (or itself, for an integrated
    /// endpoint), nearest first.
    public func upstreamChain(of node: Int) -> [Int] {
        var chain: [Int] = []
        var current: Int? = node
        while let index = current {
            chain.append(index)
            current = nodes[index].parent
        }
        return chain
    }

    /// NVLinks joining two nodes: directly, or through NVSwitch chips (or NVSwitch endpoints)
    /// both connect to, where each switch contributes the smaller of the two link counts.
    public func nvlinkCount(between a: Int, and b: Int) -> Int {
        var direct = 0
        var toSwitchA: [VendorLinkEnd: Int] = [:]
        var toSwitchB: [VendorLinkEnd: Int] = [:]
        for link in vendorLinks {
            guard case .nvlink = link.kind else { continue }
            if (link.a == .node(a) && link.b == .node(b)) || (link.a == .node(b) && link.b == .node(a)) {
                direct += link.links
            }
            for (mine, other) in [(link.a, link.b), (link.b, link.a)] where isSwitchEnd(other) {
                if mine == .node(a) { toSwitchA[other, default: 0] += link.links }
                if mine == .node(b) { toSwitchB[other, default: 0] += link.links }
            }
        }
        let throughSwitches = toSwitchA.reduce(0) { sum, entry in sum + min(entry.value, toSwitchB[entry.key] ?? 0) }
        return direct + throughSwitches
    }

    /// Whether a vendor-link end is an NVSwitch (a chip or an NVSwitch PCI endpoint).
    public func isSwitchEnd(_ end: VendorLinkEnd) -> Bool {
        switch end {
        case .nvswitch: return true
        case .node(let index): return nodes[index].endpoint?.kind == .nvswitch
        }
    }

    /// Whether an XGMI link joins the two nodes directly.
    public func hasXGMI(between a: Int, and b: Int) -> Bool {
        vendorLinks.contains { link in
            guard case .xgmi = link.kind else { return false }
            return (link.a == .node(a) && link.b == .node(b)) || (link.a == .node(b) && link.b == .node(a))
        }
    }

    /// The PCIe-only relation of two nodes (vendor links ignored): PIX, PXB, PHB, NODE or SYS.
    public func pcieRelation(between a: Int, and b: Int) -> PairRelation {
        if a == b { return .same }
        let chainA = upstreamChain(of: a)
        let chainB = upstreamChain(of: b)
        let complexA = nodes[a].rootComplex
        let complexB = nodes[b].rootComplex
        if complexA != complexB {
            return rootComplexes[complexA].socket == rootComplexes[complexB].socket ? .node : .sys
        }
        let setB = Set(chainB)
        guard let common = chainA.first(where: { setB.contains($0) }) else { return .phb }
        // Count the switches the path crosses below (and at) the common node.
        var switchesCrossed = Set<Int>()
        for chain in [chainA, chainB] {
            for index in chain {
                if let sw = nodes[index].switchIndex { switchesCrossed.insert(sw) }
                if index == common { break }
            }
        }
        if nodes[common].kind == .rootPort && switchesCrossed.isEmpty { return .pix }
        return switchesCrossed.count <= 1 ? .pix : .pxb
    }

    /// The relation `nvidia-smi topo -m` would print for two endpoints.
    public func relation(between a: Int, and b: Int) -> PairRelation {
        if a == b { return .same }
        let links = nvlinkCount(between: a, and: b)
        if links > 0 { return .nvlink(links) }
        if hasXGMI(between: a, and: b) { return .xgmi }
        return pcieRelation(between: a, and: b)
    }

    /// The endpoints a relation matrix shows by default: GPUs, accelerators, NICs and NVMe
    /// drives, in file order (NVSwitches and other functions are left out, as nvidia-smi does).
    public var matrixDevices: [Int] {
        nodes.indices.filter { index in
            guard let kind = nodes[index].endpoint?.kind else { return false }
            return kind == .gpu || kind == .accelerator || kind == .nic || kind == .nvme
        }
    }
}
