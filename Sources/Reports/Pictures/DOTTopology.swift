import Fabric
import Topology

/// The topology as a Graphviz graph (`p2psim show --format dot | dot -Tsvg`): one cluster per
/// socket, root complexes, switches and endpoints as nodes, PCIe links labelled with generation
/// and width, socket links, NVLink, NVSwitch and XGMI links in the same colours as the SVG.
public struct DOTTopology: Sendable {
    /// The machine drawn.
    public let machine: EnumeratedMachine

    /// Creates the graph of `machine`.
    public init(machine: EnumeratedMachine) { self.machine = machine }

    /// `text` as a DOT double-quoted string.
    static func quoted(_ text: String) -> String { "\"" + escaped(text) + "\"" }

    /// `text` with backslashes and double quotes escaped for a DOT string.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// The graph.
    public func dot() -> String {
        let layout = TopologyLayout(machine: machine)
        let topology = machine.topology
        var out = "graph \(Self.quoted(topology.name)) {\n"
        out += "  graph [rankdir=TB, fontname=\"DejaVu Sans\", label=\(Self.quoted(topology.name)), labelloc=t];\n"
        out += "  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans\", fontsize=10];\n"
        out += "  edge [fontname=\"DejaVu Sans\", fontsize=9];\n"
        for (index, socket) in topology.sockets.enumerated() {
            out += "  subgraph \(Self.quoted("cluster_" + socket.id)) {\n"
            out += "    label=\(Self.quoted(socket.id + (socket.label.map { ": " + $0 } ?? "")));\n"
            out += "    color=\"#1f3b73\";\n"
            for box in layout.boxes where box.kind == .rootComplex {
                guard let complex = topology.rootComplexes.first(where: { $0.id == box.id }), complex.socket == index
                else { continue }
                out += "    " + node(box) + "\n"
            }
            out += "  }\n"
        }
        for box in layout.boxes where box.kind != .socket && box.kind != .rootComplex {
            out += "  " + node(box) + "\n"
        }
        for complex in topology.rootComplexes {
            for child in complex.children { out += edges(below: complex.id, node: child) }
        }
        for link in topology.socketLinks {
            let a = topology.rootComplexes.first { $0.socket == link.a }?.id
            let b = topology.rootComplexes.first { $0.socket == link.b }?.id
            guard let a, let b else { continue }
            let style = SVGTopology.style(of: .socketLink)
            out +=
                "  \(Self.quoted(a)) -- \(Self.quoted(b)) [label=\(Self.quoted("\(link.kind.rawValue.uppercased()) ×\(link.links)")), color=\(Self.quoted(style.stroke)), penwidth=3, ltail=\(Self.quoted("cluster_" + topology.sockets[link.a].id)), lhead=\(Self.quoted("cluster_" + topology.sockets[link.b].id))];\n"
        }
        for link in topology.vendorLinks {
            func end(_ end: VendorLinkEnd) -> String {
                switch end {
                case .node(let node): return topology.nodes[node].id
                case .nvswitch(let chip): return topology.nvswitches[chip].id
                }
            }
            let kind: TopologyLayout.EdgeKind
            let label: String
            switch (link.kind, link.a, link.b) {
            case (.xgmi, _, _):
                kind = .xgmi
                label = "XGMI ×\(link.links)"
            case (.nvlink, .nvswitch, _), (.nvlink, _, .nvswitch):
                kind = .nvswitch
                label = "NV\(link.links)"
            case (.nvlink, _, _):
                kind = .nvlink
                label = "NV\(link.links)"
            }
            let style = SVGTopology.style(of: kind)
            out +=
                "  \(Self.quoted(end(link.a))) -- \(Self.quoted(end(link.b))) [label=\(Self.quoted(label)), color=\(Self.quoted(style.stroke)), penwidth=\(style.width)\(style.dash == nil ? "" : ", style=dashed"), constraint=false];\n"
        }
        return out + "}\n"
    }

    private func node(_ box: TopologyLayout.Box) -> String {
        let colours = SVGTopology.colours(of: box)
        let label =
            "\"" + Self.escaped(box.title) + (box.subtitle.isEmpty ? "" : "\\n" + Self.escaped(box.subtitle)) + "\""
        return
            "\(Self.quoted(box.id)) [label=\(label), fillcolor=\(Self.quoted(colours.fill)), color=\(Self.quoted(colours.stroke)), tooltip=\(Self.quoted(box.detail))];"
    }

    /// The PCIe edges from `parent` down to the drawn node at or below `node` (root ports and
    /// downstream ports are folded into the link, as in the SVG).
    private func edges(below parent: String, node: Int) -> String {
        let topology = machine.topology
        let spec = topology.nodes[node]
        switch spec.kind {
        case .rootPort, .switchDownstreamPort:
            return spec.children.map { edges(below: parent, node: $0) }.joined()
        case .endpoint, .switchUpstreamPort:
            let link =
                spec.parent == nil
                ? "integrated" : TopologyReport(machine: machine).trainedLink(of: node)?.description ?? ""
            var out = "  \(Self.quoted(parent)) -- \(Self.quoted(spec.id)) [label=\(Self.quoted(link))];\n"
            if spec.kind == .switchUpstreamPort {
                out += spec.children.map { edges(below: spec.id, node: $0) }.joined()
            }
            return out
        }
    }
}
