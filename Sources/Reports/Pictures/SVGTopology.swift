import Fabric

/// The topology drawing: `TopologyLayout`'s boxes and links as SVG, each link kind in its own
/// style, every device a `<g class="device" data-device="ID">` with its facts as a tooltip.
public struct SVGTopology: Sendable {
    /// The layout drawn.
    public let layout: TopologyLayout
    /// The machine's name, for the picture's title.
    public let name: String

    /// Lays out and draws `machine`.
    public init(machine: EnumeratedMachine) {
        layout = TopologyLayout(machine: machine)
        name = machine.topology.name
    }

    /// Stroke colour, width and dash pattern of a link kind.
    static func style(of kind: TopologyLayout.EdgeKind) -> (stroke: String, width: String, dash: String?) {
        switch kind {
        case .pcie: return ("#5f6368", "1.5", nil)
        case .attachment: return ("#9aa0a6", "1", nil)
        case .socketLink: return ("#1f3b73", "4", nil)
        case .nvlink: return ("#2e9e44", "2.5", nil)
        case .nvswitch: return ("#8e44ad", "2", nil)
        case .xgmi: return ("#d35400", "2.5", nil)
        }
    }

    /// What the legend calls a link kind.
    static func legendName(of kind: TopologyLayout.EdgeKind) -> String? {
        switch kind {
        case .pcie: return "PCIe (generation, width)"
        case .attachment: return nil
        case .socketLink: return "socket link"
        case .nvlink: return "NVLink (NV#: links)"
        case .nvswitch: return "NVLink to NVSwitch"
        case .xgmi: return "XGMI"
        }
    }

    /// Fill and stroke of a box.
    static func colours(of box: TopologyLayout.Box) -> (fill: String, stroke: String) {
        switch box.kind {
        case .socket: return ("#e8eef8", "#1f3b73")
        case .rootComplex: return ("#f1f3f4", "#5f6368")
        case .pcieSwitch: return ("#fff4e0", "#c98a1b")
        case .nvswitch: return ("#f3e8f8", "#8e44ad")
        case .endpoint:
            switch box.endpointKind {
            case "gpu", "accelerator": return ("#e6f4ea", "#2e7d32")
            case "nic": return ("#e3eef9", "#1f5f9e")
            case "nvme": return ("#fdf6d8", "#a68a00")
            default: return ("#f1f3f4", "#5f6368")
            }
        }
    }

    /// Height of the legend row under the drawing.
    static let legendHeight = 30.0

    /// The drawing as an `<svg>` element (`standalone` for a file of its own).
    public func svg(standalone: Bool) -> String {
        var document = SVGDocument(width: max(layout.width, 620), height: layout.height + Self.legendHeight)
        document.open("g", ["class": "links"])
        for edge in layout.edges {
            let style = Self.style(of: edge.kind)
            document.open("g", ["class": "link", "data-kind": edge.kind.rawValue])
            if let dash = style.dash {
                document.path(
                    edge.path,
                    ["fill": "none", "stroke": style.stroke, "stroke-width": style.width, "stroke-dasharray": dash],
                    title: edge.detail)
            } else {
                document.path(
                    edge.path, ["fill": "none", "stroke": style.stroke, "stroke-width": style.width], title: edge.detail
                )
            }
            document.close()
        }
        document.close()
        // Link labels after every line, so that no line crosses a label.
        document.open("g", ["class": "link-labels"])
        for edge in layout.edges {
            guard let label = edge.label, let at = edge.labelAt else { continue }
            document.text(
                label, x: at.x, y: at.y + 4,
                [
                    "class": "label link-label", "text-anchor": "middle", "font-size": "10",
                    "fill": Self.style(of: edge.kind).stroke, "stroke": "white", "stroke-width": "3",
                    "paint-order": "stroke",
                ], title: edge.detail)
        }
        document.close()
        for box in layout.boxes {
            let colours = Self.colours(of: box)
            document.open(
                "g", ["class": "device", "data-device": box.id, "data-kind": box.endpointKind ?? box.kind.rawValue])
            document.title(box.detail)
            document.rect(
                x: box.x, y: box.y, width: box.width, height: box.height,
                ["rx": "5", "fill": colours.fill, "stroke": colours.stroke, "stroke-width": "1.2"])
            let centre = box.x + box.width / 2
            let titleLimit = Int(box.width / 8)
            let subtitleLimit = Int(box.width / 6.2)
            document.text(
                SVGDocument.truncated(box.title, to: titleLimit), x: centre, y: box.y + 15,
                ["class": "label", "text-anchor": "middle", "font-weight": "bold", "font-size": "12"])
            document.text(
                SVGDocument.truncated(box.subtitle, to: subtitleLimit), x: centre, y: box.y + 29,
                ["class": "label", "text-anchor": "middle", "font-size": "10", "fill": "#3c4043"])
            document.close()
        }
        drawLegend(into: &document)
        return document.rendered(standalone: standalone, id: "topology", label: "topology of \(name)")
    }

    private func drawLegend(into document: inout SVGDocument) {
        let present = Set(layout.edges.map(\.kind))
        var x = TopologyLayout.margin
        let y = layout.height + 12
        document.open("g", ["class": "legend"])
        for kind in TopologyLayout.EdgeKind.allCases where present.contains(kind) || kind == .pcie {
            guard var name = Self.legendName(of: kind) else { continue }
            if let common = layout.commonLabels[kind] {
                name += ", " + (common == "XGMI" ? "one link" : common) + " per pair"
            }
            let style = Self.style(of: kind)
            if let dash = style.dash {
                document.line(
                    x1: x, y1: y, x2: x + 26, y2: y,
                    ["stroke": style.stroke, "stroke-width": style.width, "stroke-dasharray": dash])
            } else {
                document.line(x1: x, y1: y, x2: x + 26, y2: y, ["stroke": style.stroke, "stroke-width": style.width])
            }
            document.text(name, x: x + 32, y: y + 4, ["class": "label legend-label"])
            x += 40 + Double(name.count) * 7
        }
        document.close()
    }
}
