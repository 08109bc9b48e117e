import Fabric
import Foundation
import Topology
import Units

/// What `p2psim show` prints: the PCIe tree in the manner of `lspci -tv` and the device-pair
/// relationship matrix in the manner of `nvidia-smi topo -m`.
public struct TopologyReport: Sendable {
    /// The enumerated machine.
    public let machine: EnumeratedMachine

    /// Creates the report of `machine`.
    public init(machine: EnumeratedMachine) { self.machine = machine }

    private var topology: Topology { machine.topology }

    // MARK: Tree

    /// A trained PCIe link, as fields.
    public struct LinkField: Codable, Sendable, Equatable {
        /// The generation, 1 to 6.
        public var generation: Int
        /// The number of lanes.
        public var width: Int
        /// `Gen4 x16`.
        public var text: String
    }

    /// A BAR with its assigned address, as fields.
    public struct BARField: Codable, Sendable, Equatable {
        /// The BAR index, 0 to 5.
        public var index: Int
        /// Its size in bytes.
        public var sizeBytes: UInt64
        /// Its size with a unit.
        public var size: String
        /// 64 or 32.
        public var bits: Int
        /// Whether it is prefetchable.
        public var prefetchable: Bool
        /// The assigned bus address, as hexadecimal text (`0x…`, JSON numbers lose precision
        /// above 2^53).
        public var address: String
        /// Whether it exposes the device memory to peers.
        public var exposesMemory: Bool
        /// The largest size its Resizable BAR capability supports, when resizable.
        public var resizableTo: String?

        /// `BAR1 64 GiB 64-bit pref @0x…`.
        public var text: String {
            "BAR\(index) \(size) \(bits)-bit\(prefetchable ? " pref" : "") @\(address)"
                + (resizableTo.map { " (resizable to \($0))" } ?? "")
        }
    }

    /// One line of the tree: its depth and text.
    public struct TreeLine: Codable, Sendable, Equatable {
        /// The PCI address, `ssss:bb:dd.f`.
        public var address: String
        /// The user's id.
        public var id: String
        /// What the node is.
        public var kind: String
        /// vendor:device, when known.
        public var pciId: String?
        /// Trained link, for nodes with one.
        public var link: LinkField?
        /// Secondary and subordinate buses, for bridges.
        public var buses: String?
        /// Memory windows (non-prefetchable and prefetchable), for bridges with any.
        public var windows: String?
        /// ACS control bits, when any are set.
        public var acsControl: String?
        /// BARs with sizes and addresses, for endpoints.
        public var bars: [BARField]?
        /// Extra facts (switch latency, label).
        public var detail: String?
        /// Children.
        public var children: [TreeLine]
    }

    /// One root complex with what hangs below it.
    public struct RootComplexTree: Codable, Sendable, Equatable {
        /// The root complex id.
        public var id: String
        /// The socket id.
        public var socket: String
        /// The host bridge's vendor:device.
        public var hostBridge: String
        /// The root bus, `ssss:bb`.
        public var rootBus: String
        /// IOMMU mode.
        public var iommu: String
        /// Peer-to-peer forwarding between root ports.
        public var p2p: String
        /// Root ports and integrated endpoints.
        public var children: [TreeLine]
    }

    /// The tree as values.
    public var tree: [RootComplexTree] {
        topology.rootComplexes.enumerated().map { index, complex in
            RootComplexTree(
                id: complex.id, socket: topology.sockets[complex.socket].id, hostBridge: complex.hostBridge.description,
                rootBus: hexadecimal(complex.segment, digits: 4) + ":"
                    + hexadecimal(machine.rootBuses[index], digits: 2),
                iommu: complex.iommu?.mode.rawValue ?? "off", p2p: complex.p2p.rawValue,
                children: complex.children.map(treeLine))
        }
    }

    /// The link a node's upstream side trains to.
    public func trainedLink(of index: Int) -> PCIeLinkSpec? {
        let node = topology.nodes[index]
        guard let own = node.link else { return nil }
        guard let parent = node.parent, let parentLink = topology.nodes[parent].link else { return own }
        if node.kind == .switchDownstreamPort { return own }
        return own.trained(with: parentLink)
    }

    private func treeLine(_ index: Int) -> TreeLine {
        let node = topology.nodes[index]
        let enumerated = machine.nodes[index]
        let kind: String
        var detail: String?
        var bars: [BARField]?
        switch node.kind {
        case .rootPort: kind = "root port"
        case .switchUpstreamPort:
            kind = "switch upstream port"
            if let sw = node.switchIndex {
                let spec = topology.switches[sw]
                detail = ([spec.label].compactMap { $0 } + ["port-to-port \(spec.latency)"]).joined(separator: ", ")
            }
        case .switchDownstreamPort: kind = "switch downstream port"
        case .endpoint:
            let details = node.endpoint
            kind = (details?.kind.rawValue ?? "endpoint") + (node.parent == nil ? " (root-complex integrated)" : "")
            detail = details?.label
            bars = details.map { details in
                zip(details.bars, enumerated.barRanges).map { bar, range in
                    BARField(
                        index: bar.index, sizeBytes: bar.size.bytes, size: bar.size.description,
                        bits: bar.is64Bit ? 64 : 32, prefetchable: bar.prefetchable,
                        address: "0x" + String(range.base, radix: 16), exposesMemory: bar.exposesMemory,
                        resizableTo: bar.resizableSizes.last?.description)
                }
            }
        }
        let buses = enumerated.secondaryBus.map { secondary in
            let subordinate = enumerated.subordinateBus ?? secondary
            return secondary == subordinate
                ? "[\(hexadecimal(secondary, digits: 2))]"
                : "[\(hexadecimal(secondary, digits: 2))-\(hexadecimal(subordinate, digits: 2))]"
        }
        var windows: String?
        if node.kind != .endpoint {
            let parts = [("mem", enumerated.memoryWindow), ("pref", enumerated.prefetchableWindow)]
                .filter { $0.1.size > 0 }.map { "\($0.0) \($0.1)" }
            windows = parts.isEmpty ? nil : parts.joined(separator: " ")
        }
        return TreeLine(
            address: enumerated.address.description, id: node.id, kind: kind, pciId: node.pciIdentity?.description,
            link: trainedLink(of: index).map {
                LinkField(generation: $0.generation, width: $0.width, text: $0.description)
            },
            buses: buses, windows: windows,
            acsControl: node.acsControl.isEmpty ? nil : node.acsControl.description, bars: bars, detail: detail,
            children: node.children.map(treeLine))
    }

    /// The tree as indented text.
    public func treeText() -> String {
        var out = ""
        for complex in tree {
            out +=
                "\(complex.id) [\(complex.rootBus)] host bridge \(complex.hostBridge) on \(complex.socket), IOMMU \(complex.iommu), root-port P2P \(complex.p2p)\n"
            for (position, child) in complex.children.enumerated() {
                render(child, prefix: "", isLast: position == complex.children.count - 1, into: &out)
            }
        }
        return out
    }

    private func render(_ line: TreeLine, prefix: String, isLast: Bool, into out: inout String) {
        var text =
            prefix + (isLast ? "└─ " : "├─ ") + String(line.address.dropFirst(5)) + " " + line.id + "  " + line.kind
        if let pciId = line.pciId { text += " [\(pciId)]" }
        if let link = line.link { text += " \(link.text)" }
        if let buses = line.buses { text += " bus \(buses)" }
        if let windows = line.windows { text += " \(windows)" }
        if let acs = line.acsControl { text += " ACS: \(acs)" }
        if let detail = line.detail { text += " (\(detail))" }
        if let bars = line.bars, !bars.isEmpty { text += " " + bars.map(\.text).joined(separator: ", ") }
        out += text + "\n"
        let childPrefix = prefix + (isLast ? "   " : "│  ")
        for (position, child) in line.children.enumerated() {
            render(child, prefix: childPrefix, isLast: position == line.children.count - 1, into: &out)
        }
    }

    // MARK: Matrix

    /// The device ids of the matrix, in order.
    public var matrixDeviceIDs: [String] { topology.matrixDevices.map { topology.nodes[$0].id } }

    /// The relation of every ordered pair of matrix devices.
    public var relations: [[String]] {
        let devices = topology.matrixDevices
        return devices.map { a in devices.map { b in topology.relation(between: a, and: b).description } }
    }

    /// The matrix as text with the legend, columns padded.
    public func matrixText() -> String {
        let ids = matrixDeviceIDs
        let rows = relations
        let width = max(5, (ids.map(\.count).max() ?? 0) + 1)
        func pad(_ text: String) -> String { text + String(repeating: " ", count: max(1, width - text.count)) }
        var out = pad("") + ids.map(pad).joined() + "\n"
        for (id, row) in zip(ids, rows) {
            out += pad(id) + row.map(pad).joined() + "\n"
        }
        return out + "\n" + PairRelation.legend + "\n"
    }

    /// `{"tree": ..., "matrix": {"devices": [ids], "relations": [[strings]]}}`, keys sorted.
    public func json() throws -> String {
        struct Matrix: Codable {
            var devices: [String]
            var relations: [[String]]
        }
        struct Document: Codable {
            var name: String
            var tree: [RootComplexTree]
            var matrix: Matrix
        }
        let document = Document(
            name: topology.name, tree: tree, matrix: Matrix(devices: matrixDeviceIDs, relations: relations))
        return try sortedJSON(document)
    }
}
