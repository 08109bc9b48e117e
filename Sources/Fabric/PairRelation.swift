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

/// The relations of every pair of a list of devices, for matrices of any size.
///
/// Each device's upstream chain is computed once, and a pair is related by integer comparisons
/// (root complex, socket, the common prefix of the two chains, switches counted per chain
/// suffix), with vendor links looked up per row. Gives exactly what
/// `Topology.relation(between:and:)` gives.
///
/// Memory is linear in the number of devices (plus vendor links); a row costs O(devices x chain
/// depth) at worst and far less across root complexes.
public struct PairRelationIndex: Sendable {
    /// The devices (node indices), in matrix order.
    public let devices: [Int]
    /// Per device: root complex and socket.
    let complex: [Int32]
    let socket: [Int32]
    /// Per device: where its chain, root port first and the device last, sits in `chainNodes`.
    let chainStart: [Int32]
    let chainLength: [Int32]
    let chainNodes: [Int32]
    /// The switch of each chain entry, or -1.
    let chainSwitch: [Int32]
    /// Distinct switches in the chain from each entry to the device.
    let switchesBelow: [Int8]
    /// Per device node: NVLink counts to other nodes directly, and to NVSwitch ends.
    let directNVLinks: [Int: [Int: Int]]
    let switchNVLinks: [Int: [VendorLinkEnd: Int]]
    /// Per NVSwitch end: the nodes linked to it and their link counts, in node order.
    let switchMembers: [VendorLinkEnd: [(node: Int, links: Int)]]
    /// Per node: the nodes it has an XGMI link with.
    let xgmiPeers: [Int: Set<Int>]
    /// Device position of each node that is a device.
    let position: [Int: Int]
    /// Maximal runs of consecutive devices under one root complex, as position ranges: a row
    /// relates a whole run in another complex at once.
    let complexRuns: [Range<Int>]

    /// Indexes `devices` (node indices) of `topology`.
    public init(topology: Topology, devices: [Int]) {
        self.devices = devices
        var complex: [Int32] = []
        var socket: [Int32] = []
        var chainStart: [Int32] = []
        var chainLength: [Int32] = []
        var chainNodes: [Int32] = []
        var chainSwitch: [Int32] = []
        var switchesBelow: [Int8] = []
        var position: [Int: Int] = [:]
        for (p, device) in devices.enumerated() {
            position[device] = p
            let node = topology.nodes[device]
            complex.append(Int32(node.rootComplex))
            socket.append(Int32(topology.rootComplexes[node.rootComplex].socket))
            let chain = topology.upstreamChain(of: device).reversed().map { $0 }
            chainStart.append(Int32(chainNodes.count))
            chainLength.append(Int32(chain.count))
            let switches = chain.map { Int32(topology.nodes[$0].switchIndex ?? -1) }
            for i in chain.indices {
                chainNodes.append(Int32(chain[i]))
                chainSwitch.append(switches[i])
                let distinct = Set(switches[i...].filter { $0 >= 0 })
                switchesBelow.append(Int8(clamping: distinct.count))
            }
        }
        var direct: [Int: [Int: Int]] = [:]
        var toSwitch: [Int: [VendorLinkEnd: Int]] = [:]
        var xgmi: [Int: Set<Int>] = [:]
        for link in topology.vendorLinks {
            switch link.kind {
            case .nvlink:
                if case .node(let a) = link.a, case .node(let b) = link.b, a != b {
                    direct[a, default: [:]][b, default: 0] += link.links
                    direct[b, default: [:]][a, default: 0] += link.links
                }
                for (mine, other) in [(link.a, link.b), (link.b, link.a)] where topology.isSwitchEnd(other) {
                    if case .node(let n) = mine { toSwitch[n, default: [:]][other, default: 0] += link.links }
                }
            case .xgmi:
                if case .node(let a) = link.a, case .node(let b) = link.b {
                    xgmi[a, default: []].insert(b)
                    xgmi[b, default: []].insert(a)
                }
            }
        }
        var members: [VendorLinkEnd: [(node: Int, links: Int)]] = [:]
        for node in toSwitch.keys.sorted() {
            for (end, links) in toSwitch[node] ?? [:] { members[end, default: []].append((node, links)) }
        }
        self.complex = complex
        self.socket = socket
        self.chainStart = chainStart
        self.chainLength = chainLength
        self.chainNodes = chainNodes
        self.chainSwitch = chainSwitch
        self.switchesBelow = switchesBelow
        self.directNVLinks = direct
        self.switchNVLinks = toSwitch
        self.switchMembers = members
        self.xgmiPeers = xgmi
        self.position = position
        var runs: [Range<Int>] = []
        var runStart = 0
        for p in devices.indices where p > 0 && complex[p] != complex[p - 1] {
            runs.append(runStart..<p)
            runStart = p
        }
        if !devices.isEmpty { runs.append(runStart..<devices.count) }
        self.complexRuns = runs
    }

    /// The vendor-link relations of device `a` (a position), by the other device's position.
    ///
    /// NVLink counts first, else XGMI; devices not listed are related by PCIe.
    public func vendorRelations(of a: Int) -> [Int: PairRelation] {
        let node = devices[a]
        var counts: [Int: Int] = [:]
        for (other, links) in directNVLinks[node] ?? [:] { counts[other, default: 0] += links }
        for (end, mine) in switchNVLinks[node] ?? [:] {
            for member in switchMembers[end] ?? [] where member.node != node {
                counts[member.node, default: 0] += min(mine, member.links)
            }
        }
        var result: [Int: PairRelation] = [:]
        for (other, links) in counts where links > 0 {
            if let p = position[other] { result[p] = .nvlink(links) }
        }
        for other in xgmiPeers[node] ?? [] {
            if let p = position[other], result[p] == nil { result[p] = .xgmi }
        }
        return result
    }

    /// The PCIe relation of devices `a` and `b` (positions): PIX, PXB, PHB, NODE or SYS.
    ///
    /// - Complexity: O(1) across root complexes, O(chain depth) within one.
    @inline(__always) public func pcieRelation(_ a: Int, _ b: Int) -> PairRelation {
        if a == b || devices[a] == devices[b] { return .same }
        if complex[a] != complex[b] { return socket[a] == socket[b] ? .node : .sys }
        let startA = Int(chainStart[a])
        let startB = Int(chainStart[b])
        let lengthA = Int(chainLength[a])
        let lengthB = Int(chainLength[b])
        var p = 0
        while p < lengthA && p < lengthB && chainNodes[startA + p] == chainNodes[startB + p] { p += 1 }
        if p == 0 { return .phb }
        // Switches crossed below and at the common node (chain entry p - 1): those strictly below
        // on each side, plus the common node's own switch, counted once (it can recur only as
        // the next entry on a side, the downstream port under the common upstream port).
        let common = chainSwitch[startA + p - 1]
        var count = common >= 0 ? 1 : 0
        if p < lengthA {
            count += Int(switchesBelow[startA + p]) - (chainSwitch[startA + p] == common && common >= 0 ? 1 : 0)
        }
        if p < lengthB {
            count += Int(switchesBelow[startB + p]) - (chainSwitch[startB + p] == common && common >= 0 ? 1 : 0)
        }
        return count <= 1 ? .pix : .pxb
    }

    /// The PCIe relations a row's cells take, by the codes `pcieRow(_:into:)` writes.
    public static let pcieCodes: [PairRelation] = [.same, .pix, .pxb, .phb, .node, .sys]

    /// Writes the PCIe relation of device `a` to every device, as indices into `pcieCodes`:
    /// one call per matrix row, so the per-cell work stays inside this module.
    ///
    /// - Precondition: `codes.count == devices.count`.
    /// - Complexity: O(runs of devices under one root complex) across root complexes, O(chain
    ///   depth) per device within its own.
    public func pcieRow(_ a: Int, into codes: UnsafeMutableBufferPointer<UInt8>) {
        precondition(codes.count == devices.count)
        let ownComplex = complex[a]
        let nodeCode: UInt8 = 4
        let sysCode: UInt8 = 5
        for run in complexRuns {
            if complex[run.lowerBound] != ownComplex {
                let code = socket[run.lowerBound] == socket[a] ? nodeCode : sysCode
                UnsafeMutableBufferPointer(rebasing: codes[run]).update(repeating: code)
                continue
            }
            for b in run {
                switch pcieRelation(a, b) {
                case .same: codes[b] = 0
                case .pix: codes[b] = 1
                case .pxb: codes[b] = 2
                case .phb: codes[b] = 3
                case .node: codes[b] = nodeCode
                default: codes[b] = sysCode
                }
            }
        }
    }

    /// The relation of devices `a` and `b` (positions), as `Topology.relation(between:and:)`.
    public func relation(_ a: Int, _ b: Int) -> PairRelation {
        if a == b || devices[a] == devices[b] { return .same }
        if let vendor = vendorRelations(of: a)[b] { return vendor }
        return pcieRelation(a, b)
    }
}
