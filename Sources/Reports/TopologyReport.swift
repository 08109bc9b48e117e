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
    ///
    /// Quadratic in the number of devices; `writeMatrixText(_:)` streams the text form instead.
    public var relations: [[String]] {
        let index = PairRelationIndex(topology: topology, devices: topology.matrixDevices)
        return index.devices.indices.map { a in
            let vendor = index.vendorRelations(of: a)
            return index.devices.indices.map { b in (vendor[b] ?? index.pcieRelation(a, b)).description }
        }
    }

    /// The matrix as text with the legend, columns padded.
    ///
    /// Holds the whole matrix in memory; `writeMatrixText(_:)` streams it row by row.
    public func matrixText() -> String {
        var bytes: [UInt8] = []
        writeMatrixText { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the matrix text (the same bytes as `matrixText()`) one row at a time to `write`.
    ///
    /// Each device's chain is computed once and pairs are related by integer comparisons
    /// (`PairRelationIndex`); cells are copied from padded labels made once. Memory stays linear
    /// in the number of devices whatever the matrix's size.
    public func writeMatrixText(_ write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let index = PairRelationIndex(topology: topology, devices: topology.matrixDevices)
        let ids = index.devices.map { topology.nodes[$0].id }
        let count = ids.count
        let width = max(5, (ids.map(\.count).max() ?? 0) + 1)
        func pad(_ text: String) -> [UInt8] {
            Array(text.utf8) + [UInt8](repeating: 0x20, count: max(1, width - text.count))
        }
        var header = pad("")
        for id in ids { header += pad(id) }
        header.append(0x0A)
        try header.withUnsafeBytes(write)
        // Every relation label is shorter than `width`, so every cell is exactly `width` bytes.
        let pcieLabels = PairRelationIndex.pcieCodes.flatMap { pad($0.description) }
        var codes = [UInt8](repeating: 0, count: count)
        var row = [UInt8](repeating: 0x20, count: count * width + 1)
        row[count * width] = 0x0A
        for a in 0..<count {
            try pad(ids[a]).withUnsafeBytes(write)
            codes.withUnsafeMutableBufferPointer { index.pcieRow(a, into: $0) }
            let vendor = index.vendorRelations(of: a)
            row.withUnsafeMutableBufferPointer { cells in
                pcieLabels.withUnsafeBufferPointer { labels in
                    guard let cellBase = cells.baseAddress, let labelBase = labels.baseAddress else { return }
                    // Runs of equal cells (a whole root complex or socket is one relation) are
                    // filled by copying the first cell, then doubling what is already written.
                    var b = 0
                    while b < count {
                        let code = codes[b]
                        var end = b + 1
                        while end < count && codes[end] == code { end += 1 }
                        let first = cellBase + b * width
                        first.update(from: labelBase + Int(code) * width, count: width)
                        var filled = width
                        let total = (end - b) * width
                        while filled < total {
                            let chunk = min(filled, total - filled)
                            (first + filled).update(from: first, count: chunk)
                            filled += chunk
                        }
                        b = end
                    }
                }
                for (b, relation) in vendor {
                    let label = pad(relation.description)
                    for k in 0..<width { cells[b * width + k] = label[k] }
                }
            }
            try row.withUnsafeBytes(write)
        }
        try Array(("\n" + PairRelation.legend + "\n").utf8).withUnsafeBytes(write)
    }

    /// Writes the matrix text to standard output, row by row (see `writeMatrixText(_:)`), after
    /// what `print` has buffered.
    public func printMatrixText() {
        fflush(nil)
        writeMatrixText { bytes in
            guard var next = bytes.baseAddress else { return }
            var left = bytes.count
            while left > 0 {
                let written = write(STDOUT_FILENO, next, left)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                next += written
                left -= written
            }
        }
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
