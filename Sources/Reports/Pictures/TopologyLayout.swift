import Fabric
import Topology
import Units

/// Where every part of a machine goes in a drawing: sockets on top, each root complex's PCIe
/// tree below its socket (switches as one box each, root ports folded into the link above their
/// device), every endpoint on one bottom row, vendor links as arcs below that row and NVSwitch
/// chips below the arcs.
///
/// The layout is a function of the file alone (file order, fixed sizes): the same topology
/// always gives the same coordinates. Leaves get a fixed slot each and parents sit centred over
/// their children, so labels inside boxes and link labels above boxes cannot collide; arcs get
/// a depth that grows with their span, so their labels separate too.
public struct TopologyLayout: Sendable {
    /// What a box stands for.
    public enum BoxKind: String, Sendable {
        case socket
        case rootComplex = "root-complex"
        case pcieSwitch = "switch"
        case endpoint
        case nvswitch
    }

    /// A box: one socket, root complex, switch, endpoint or NVSwitch chip.
    public struct Box: Sendable {
        /// The user's id.
        public var id: String
        /// What it is.
        public var kind: BoxKind
        /// The endpoint's kind (gpu, nic...), for endpoints.
        public var endpointKind: String?
        /// The first line (the id).
        public var title: String
        /// The second line (a short description).
        public var subtitle: String
        /// Everything known, for the tooltip.
        public var detail: String
        /// Left, top, width and height.
        public var x: Double, y: Double, width: Double, height: Double

        /// The centre of the bottom side.
        public var bottom: (x: Double, y: Double) { (x + width / 2, y + height) }
        /// The centre of the top side.
        public var top: (x: Double, y: Double) { (x + width / 2, y) }
    }

    /// What a connection is.
    public enum EdgeKind: String, Sendable, CaseIterable {
        case pcie
        case socketLink = "socket-link"
        case nvlink
        case nvswitch
        case xgmi
        case attachment
    }

    /// A connection drawn as a path, with an optional label.
    public struct Edge: Sendable {
        /// What it is.
        public var kind: EdgeKind
        /// SVG path data.
        public var path: String
        /// The label ("Gen4 x16", "NV12"), if any.
        public var label: String?
        /// Where the label's centre goes.
        public var labelAt: (x: Double, y: Double)?
        /// The tooltip.
        public var detail: String
    }

    /// The boxes, sockets first, then root complexes, switches and endpoints in file order,
    /// then NVSwitch chips.
    public private(set) var boxes: [Box] = []
    /// The connections.
    public private(set) var edges: [Edge] = []
    /// The picture's size.
    public private(set) var width = 0.0, height = 0.0
    /// The label every link of a kind shares, when the arcs are drawn without one.
    public private(set) var commonLabels: [EdgeKind: String] = [:]

    /// Width of one leaf's slot.
    public static let slot = 128.0
    /// Box size inside a slot.
    public static let boxWidth = 116.0, boxHeight = 36.0
    /// Vertical distance between tree levels.
    public static let rowHeight = 86.0
    /// Free space around the picture.
    public static let margin = 20.0
    /// Horizontal space between sockets, where their link's label goes.
    public static let socketGap = 150.0

    /// One item of a root complex's drawing tree.
    struct Item {
        var node: Int
        var kind: BoxKind
        var link: String
        var children: [Item]
    }

    /// Lays out `machine`.
    public init(machine: EnumeratedMachine) {
        let topology = machine.topology
        let report = TopologyReport(machine: machine)
        func linkText(_ node: Int) -> String {
            if topology.nodes[node].parent == nil, topology.nodes[node].kind == .endpoint { return "integrated" }
            return report.trainedLink(of: node)?.description ?? ""
        }
        func items(below node: Int) -> [Item] {
            let spec = topology.nodes[node]
            switch spec.kind {
            case .endpoint: return [Item(node: node, kind: .endpoint, link: linkText(node), children: [])]
            case .rootPort, .switchDownstreamPort: return spec.children.flatMap(items(below:))
            case .switchUpstreamPort:
                return [
                    Item(
                        node: node, kind: .pcieSwitch, link: linkText(node),
                        children: spec.children.flatMap(items(below:)))
                ]
            }
        }
        let trees = topology.rootComplexes.map { complex in complex.children.flatMap(items(below:)) }
        func depth(_ item: Item) -> Int { 1 + (item.children.map(depth).max() ?? 0) }
        // Root complexes sit on level 1; every endpoint on the bottom level.
        let bottomLevel = 1 + (trees.flatMap { $0 }.map(depth).max() ?? 1)
        let slot = Self.slot
        let margin = Self.margin
        let levelY = { (level: Int) in margin + Double(level) * Self.rowHeight }
        func leaves(_ item: Item) -> Int { item.children.isEmpty ? 1 : item.children.map(leaves).reduce(0, +) }

        var cursor = margin
        var socketSpans: [(left: Double, right: Double)] = []
        for (socketIndex, socket) in topology.sockets.enumerated() {
            let inset = (slot - Self.boxWidth) / 2
            if socketIndex > 0 { cursor += Self.socketGap - 2 * inset }
            let start = cursor
            for (complexIndex, complex) in topology.rootComplexes.enumerated() where complex.socket == socketIndex {
                let tree = trees[complexIndex]
                let span = Double(max(1, tree.map(leaves).reduce(0, +))) * slot
                let complexBox = box(
                    id: complex.id, kind: .rootComplex, centre: cursor + span / 2, y: levelY(1),
                    subtitle: "IOMMU \(complex.iommu?.mode.rawValue ?? "off")",
                    detail:
                        "\(complex.id): host bridge \(complex.hostBridge), IOMMU \(complex.iommu?.mode.rawValue ?? "off"), root-port P2P \(complex.p2p.rawValue)"
                )
                boxes.append(complexBox)
                var childCursor = cursor
                for item in tree {
                    place(
                        item, parent: complexBox, left: &childCursor, level: 2, bottomLevel: bottomLevel,
                        topology: topology, machine: machine, leaves: leaves, levelY: levelY)
                }
                cursor += span
            }
            if cursor == start { cursor += slot }
            let left = start + inset
            let right = cursor - inset
            socketSpans.append((left, right))
            let memory = socket.memory.map { "\($0.capacity) \($0.kind ?? "memory"), \($0.bandwidth)" } ?? "no memory"
            boxes.insert(
                Box(
                    id: socket.id, kind: .socket, endpointKind: nil, title: socket.id,
                    subtitle: [socket.label, memory].compactMap { $0 }.joined(separator: " · "),
                    detail: "\(socket.id): \(socket.label ?? socket.vendor.rawValue), \(memory)", x: left, y: margin,
                    width: right - left, height: Self.boxHeight + 4),
                at: socketIndex)
        }
        // Root complexes hang from their socket.
        for index in boxes.indices where boxes[index].kind == .rootComplex {
            let complex = topology.rootComplexes.first { $0.id == boxes[index].id }
            guard let complex else { continue }
            let socketBox = boxes[complex.socket]
            let top = boxes[index].top
            edges.append(
                Edge(
                    kind: .attachment, path: "M\(n(top.x)),\(n(socketBox.y + socketBox.height))V\(n(top.y))",
                    label: nil, labelAt: nil, detail: "\(complex.id) on \(socketBox.id)"))
        }
        addSocketLinks(topology: topology, spans: socketSpans)
        width = cursor + margin
        var bottom = levelY(bottomLevel) + Self.boxHeight
        bottom = addVendorLinks(topology: topology, below: bottom)
        height = bottom + margin
    }

    private func n(_ value: Double) -> String { SVGDocument.number(value) }

    private func box(
        id: String, kind: BoxKind, centre: Double, y: Double, subtitle: String, detail: String,
        endpointKind: String? = nil
    ) -> Box {
        Box(
            id: id, kind: kind, endpointKind: endpointKind, title: id, subtitle: subtitle, detail: detail,
            x: centre - Self.boxWidth / 2, y: y, width: Self.boxWidth, height: Self.boxHeight)
    }

    private mutating func place(
        _ item: Item, parent: Box, left: inout Double, level: Int, bottomLevel: Int, topology: Topology,
        machine: EnumeratedMachine, leaves: (Item) -> Int, levelY: (Int) -> Double
    ) {
        let span = Double(leaves(item)) * Self.slot
        let spec = topology.nodes[item.node]
        let address = machine.nodes[item.node].address.description
        let made: Box
        switch item.kind {
        case .pcieSwitch:
            let sw = spec.switchIndex.map { topology.switches[$0] }
            made = box(
                id: spec.id, kind: .pcieSwitch, centre: left + span / 2, y: levelY(level),
                subtitle: sw?.label ?? spec.pciIdentity?.description ?? "PCIe switch",
                detail: "\(spec.id) [\(address)]: \(sw?.label ?? "PCIe switch")"
                    + (spec.pciIdentity.map { " (\($0))" } ?? "") + (sw.map { ", port-to-port \($0.latency)" } ?? ""))
        default:
            let details = spec.endpoint
            let kind = details?.kind.rawValue ?? "endpoint"
            var facts = ["\(spec.id) [\(address)]: \(details?.label ?? kind)"]
            if let identity = spec.pciIdentity { facts.append("PCI id \(identity)") }
            if let memory = details?.memory { facts.append("memory \(memory.capacity) \(memory.kind ?? "")") }
            if let driver = details?.driver { facts.append("driver \(driver)") }
            made = box(
                id: spec.id, kind: .endpoint, centre: left + span / 2, y: levelY(bottomLevel),
                subtitle: details?.label ?? kind, detail: facts.joined(separator: ", "), endpointKind: kind)
        }
        boxes.append(made)
        let from = parent.bottom
        let to = made.top
        let bus = from.y + 14
        edges.append(
            Edge(
                kind: .pcie, path: "M\(n(from.x)),\(n(from.y))V\(n(bus))H\(n(to.x))V\(n(to.y))",
                label: item.link.isEmpty ? nil : item.link, labelAt: (to.x, to.y - 9),
                detail: "\(parent.id) to \(spec.id): \(item.link.isEmpty ? "PCIe" : item.link)"))
        var childLeft = left
        for child in item.children {
            place(
                child, parent: made, left: &childLeft, level: level + 1, bottomLevel: bottomLevel, topology: topology,
                machine: machine, leaves: leaves, levelY: levelY)
        }
        left += span
    }

    private mutating func addSocketLinks(topology: Topology, spans: [(left: Double, right: Double)]) {
        let y = Self.margin + (Self.boxHeight + 4) / 2
        for link in topology.socketLinks where link.a < spans.count && link.b < spans.count {
            let (first, second) = (min(link.a, link.b), max(link.a, link.b))
            let label = "\(link.kind.rawValue.uppercased()) ×\(link.links)"
            let detail =
                "\(topology.sockets[link.a].id) – \(topology.sockets[link.b].id): \(link.links) \(link.kind.rawValue) link(s), \(link.bandwidthPerLink) each per direction, \(link.latency)"
            if second == first + 1 {
                let x1 = spans[first].right
                let x2 = spans[second].left
                edges.append(
                    Edge(
                        kind: .socketLink, path: "M\(n(x1)),\(n(y))H\(n(x2))", label: label,
                        labelAt: ((x1 + x2) / 2, y - 9), detail: detail))
            } else {
                // Sockets that are not neighbours: an arc over the socket row's middle.
                let x1 = (spans[first].left + spans[first].right) / 2
                let x2 = (spans[second].left + spans[second].right) / 2
                let top = Self.margin - 2
                edges.append(
                    Edge(
                        kind: .socketLink,
                        path:
                            "M\(n(x1)),\(n(Self.margin))C\(n(x1)),\(n(top)) \(n(x2)),\(n(top)) \(n(x2)),\(n(Self.margin))",
                        label: nil, labelAt: nil, detail: detail))
            }
        }
    }

    /// Draws direct NVLink and XGMI links as arcs below the endpoint row and NVSwitch chips
    /// below the arcs; returns the new bottom of the picture.
    private mutating func addVendorLinks(topology: Topology, below rowBottom: Double) -> Double {
        var centre: [String: Double] = [:]
        for box in boxes where box.kind == .endpoint { centre[box.id] = box.x + box.width / 2 }
        struct Direct {
            var a: String, b: String, labels: [String], details: [String], kind: EdgeKind
        }
        var direct: [Direct] = []
        var toChips: [(node: String, chip: Int, links: Int, detail: String)] = []
        var chipLinks: [(Int, Int)] = []
        for link in topology.vendorLinks {
            let kind: EdgeKind
            let label: String
            let technology: String
            switch link.kind {
            case .nvlink(let generation):
                kind = .nvlink
                label = "NV\(link.links)"
                technology = "NVLink\(generation)"
            case .xgmi(let lanes, let rate):
                kind = .xgmi
                label = link.links > 1 ? "XGMI×\(link.links)" : "XGMI"
                technology = "XGMI x\(lanes) at \(rate)"
            }
            switch (link.a, link.b) {
            case (.node(let a), .node(let b)):
                let ids = [topology.nodes[a].id, topology.nodes[b].id]
                let detail = "\(ids[0]) – \(ids[1]): \(link.links) \(technology) link(s)"
                if let index = direct.firstIndex(where: { Set([$0.a, $0.b]) == Set(ids) }) {
                    direct[index].labels.append(label)
                    direct[index].details.append(detail)
                } else {
                    direct.append(Direct(a: ids[0], b: ids[1], labels: [label], details: [detail], kind: kind))
                }
            case (.node(let a), .nvswitch(let chip)), (.nvswitch(let chip), .node(let a)):
                toChips.append(
                    (
                        topology.nodes[a].id, chip, link.links,
                        "\(topology.nodes[a].id) – \(topology.nvswitches[chip].id): \(link.links) \(technology) link(s)"
                    ))
            case (.nvswitch(let a), .nvswitch(let b)):
                chipLinks.append((a, b))
            }
        }
        var bottom = rowBottom
        // When every arc of a kind would carry the same label (a full XGMI mesh), the legend
        // says it once instead.
        for kind in Set(direct.map(\.kind)) {
            let labels = Set(direct.filter { $0.kind == kind }.map { $0.labels.joined(separator: "+") })
            if labels.count == 1, direct.filter({ $0.kind == kind }).count > 3 { commonLabels[kind] = labels.first }
        }
        for link in direct {
            guard let xa = centre[link.a], let xb = centre[link.b] else { continue }
            let (x1, x2) = (min(xa, xb), max(xa, xb))
            // The apex of a cubic Bézier with both control points at depth 4/3·d lies at d.
            let depth = 20 + 0.2 * (x2 - x1)
            let control = rowBottom + depth * 4 / 3
            edges.append(
                Edge(
                    kind: link.kind,
                    path:
                        "M\(n(x1)),\(n(rowBottom))C\(n(x1)),\(n(control)) \(n(x2)),\(n(control)) \(n(x2)),\(n(rowBottom))",
                    label: commonLabels[link.kind] == nil ? link.labels.joined(separator: "+") : nil,
                    labelAt: ((x1 + x2) / 2, rowBottom + depth),
                    detail: link.details.joined(separator: "; ")))
            bottom = max(bottom, rowBottom + depth + 10)
        }
        // Every chip is drawn, linked or not, so that every device of the file appears.
        guard !topology.nvswitches.isEmpty else { return bottom }
        // Each NVSwitch fabric (chips joined by devices or trunk links) as a bus: its devices
        // drop to it with their link counts, and its chips hang below it. Devices usually link
        // to every chip of their fabric; the tooltips give the exact count per chip.
        var group = Array(topology.nvswitches.indices)
        func find(_ chip: Int) -> Int { group[chip] == chip ? chip : find(group[chip]) }
        for (a, b) in chipLinks { group[find(a)] = find(b) }
        for device in Set(toChips.map(\.node)) {
            let linked = toChips.filter { $0.node == device }.map(\.chip)
            for chip in linked.dropFirst() { group[find(chip)] = find(linked[0]) }
        }
        var fabrics: [(chips: [Int], devices: [String])] = []
        for chip in topology.nvswitches.indices {
            let root = find(chip)
            if let index = fabrics.firstIndex(where: { find($0.chips[0]) == root }) {
                fabrics[index].chips.append(chip)
            } else {
                fabrics.append(([chip], []))
            }
        }
        for link in toChips {
            guard let index = fabrics.firstIndex(where: { $0.chips.contains(link.chip) }) else { continue }
            if !fabrics[index].devices.contains(link.node) { fabrics[index].devices.append(link.node) }
        }
        // Fabrics side by side share one bus height; fabrics whose spans overlap get their own.
        var placed: [(left: Double, right: Double, level: Int)] = []
        var plans:
            [(chips: [Int], devices: [String], first: Double, step: Double, left: Double, right: Double, level: Int)] =
                []
        var cursor = Self.margin + Self.boxWidth / 2
        for fabric in fabrics {
            let xs = fabric.devices.compactMap { centre[$0] }
            let spanLeft = xs.min() ?? cursor
            let spanRight = xs.max() ?? spanLeft
            let count = fabric.chips.count
            let spread = count > 1 && spanRight - spanLeft >= Double(count - 1) * Self.slot
            let step = spread ? (spanRight - spanLeft) / Double(count - 1) : Self.slot
            let first = spread ? spanLeft : (spanLeft + spanRight) / 2 - Double(count - 1) * Self.slot / 2
            let left = min(spanLeft, first)
            let right = max(spanRight, first + Double(count - 1) * step)
            var level = 0
            while placed.contains(where: {
                $0.level == level && $0.left <= right + Self.slot && left <= $0.right + Self.slot
            }) {
                level += 1
            }
            placed.append((left, right, level))
            plans.append((fabric.chips, fabric.devices, first, step, left, right, level))
            cursor = right + Self.slot
        }
        let busBase = bottom + 34
        let chipY = busBase + 16 * Double(placed.map(\.level).max() ?? 0) + 26
        for plan in plans {
            let busY = busBase + 16 * Double(plan.level)
            for (position, chip) in plan.chips.enumerated() {
                let spec = topology.nvswitches[chip]
                let made = box(
                    id: spec.id, kind: .nvswitch, centre: plan.first + Double(position) * plan.step, y: chipY,
                    subtitle: spec.label ?? "NVSwitch gen \(spec.generation)",
                    detail: "\(spec.id): NVSwitch generation \(spec.generation)")
                boxes.append(made)
                edges.append(
                    Edge(
                        kind: .nvswitch, path: "M\(n(made.top.x)),\(n(busY))V\(n(chipY))", label: nil, labelAt: nil,
                        detail: made.detail))
            }
            edges.append(
                Edge(
                    kind: .nvswitch, path: "M\(n(plan.left)),\(n(busY))H\(n(plan.right))", label: nil, labelAt: nil,
                    detail: "NVSwitch fabric: " + plan.chips.map { topology.nvswitches[$0].id }.joined(separator: ", "))
            )
            for device in plan.devices {
                guard let x = centre[device] else { continue }
                let links = toChips.filter { $0.node == device }
                let total = links.map(\.links).reduce(0, +)
                edges.append(
                    Edge(
                        kind: .nvswitch, path: "M\(n(x)),\(n(rowBottom))V\(n(busY))", label: "NV\(total)",
                        labelAt: (x, busBase - 12), detail: links.map(\.detail).joined(separator: "; ")))
            }
        }
        return chipY + Self.boxHeight
    }
}
