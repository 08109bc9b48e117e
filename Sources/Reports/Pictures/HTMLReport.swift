import Engine
import Fabric
import Units

/// `p2psim report`: one self-contained HTML page (inline SVG and CSS, a few lines of inline
/// script for hover, nothing fetched) with the topology drawn, the P2P decision of every pair,
/// the bandwidth matrices as heat maps, bandwidth against transfer size for one pair, and the
/// model parameters with their origins.
public struct HTMLReport: Sendable {
    /// The machine.
    public var machine: EnumeratedMachine
    /// The P2P decision of every pair of the decision matrix's devices.
    public var decisions: PeerDecisionRun
    /// The bandwidth and latency matrices.
    public var matrix: MatrixReport
    /// The sweep of the chosen pair.
    public var sweep: SweepReport
    /// The parameters in force.
    public var parameters: ModelParameters
    /// What produced the page ("p2psim 0.1.0").
    public var generator: String

    /// The page of what the engine computed for `machine`.
    public init(machine: EnumeratedMachine, survey: MachineSurveyRun, generator: String) {
        self.machine = machine
        decisions = survey.decisions
        matrix = MatrixReport(run: survey.matrix)
        sweep = SweepReport(run: survey.sweep)
        parameters = survey.parameters
        self.generator = generator
    }

    /// Short code and colour of each decision in the matrix.
    static func code(of mechanism: TransferMechanism?) -> (text: String, fill: String) {
        switch mechanism {
        case nil: return ("no", "#f4b6b6")
        case .local?: return ("–", "#e8eaed")
        case .nvlink?: return ("NVL", "#b7e1c1")
        case .nvswitch?: return ("NVS", "#d9c2e8")
        case .xgmi?: return ("XGMI", "#f8c9a4")
        case .pcieP2PBusAddress?: return ("SW", "#9ecae1")
        case .pcieP2PHostBridge?: return ("HB", "#deebf7")
        case .bounce?, .hostToDevice?, .deviceToHost?: return ("no", "#f4b6b6")
        }
    }

    /// The decision matrix: one coloured cell per ordered pair, the reason as its tooltip.
    public func decisionMap() -> SVGHeatMap {
        let cells = decisions.decisions.enumerated().map { i, row in
            row.enumerated().map { j, decision in
                let code = Self.code(of: decision.mechanism)
                let what = decision.mechanism.map { $0.displayName } ?? "no P2P: a copy bounces through system memory"
                let mapType = decision.mapType.map { " [\($0)]" } ?? ""
                return SVGHeatMap.Cell(
                    text: code.text, fill: code.fill,
                    detail: "\(decisions.devices[i]) → \(decisions.devices[j]): \(what)\(mapType). \(decision.reason)")
            }
        }
        var map = SVGHeatMap(
            title: "P2P decision, row (DMA initiator) to column", devices: decisions.devices, cells: cells,
            id: "decisions")
        let used = Set(decisions.decisions.flatMap { $0 }.map { Self.code(of: $0.mechanism).text })
        let legend: [(TransferMechanism?, String)] = [
            (.nvlink, "NVL: direct NVLink"), (.nvswitch, "NVS: NVLink through NVSwitch"), (.xgmi, "XGMI: direct XGMI"),
            (.pcieP2PBusAddress, "SW: PCIe P2P below a common switch (BUS_ADDR)"),
            (.pcieP2PHostBridge, "HB: PCIe P2P through the host bridge (THRU_HOST_BRIDGE)"),
            (nil, "no: P2P refused, copies bounce through system memory"),
        ]
        map.legend = legend.compactMap { mechanism, text in
            let code = Self.code(of: mechanism)
            return used.contains(code.text) ? (code.fill, text) : nil
        }
        return map
    }

    /// The page's style sheet.
    static let style = """
        body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 24px; color: #202124; background: #fff; }
        h1 { font-size: 22px; margin: 0 0 4px 0; }
        h2 { font-size: 17px; margin: 28px 0 8px 0; border-bottom: 1px solid #dadce0; padding-bottom: 4px; }
        p, li, td, th { font-size: 13px; line-height: 1.45; }
        nav a { margin-right: 14px; font-size: 13px; color: #1a73e8; }
        .scroll { overflow-x: auto; }
        .maps { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
        .detail { min-height: 2.6em; font-size: 13px; background: #f8f9fa; border-left: 3px solid #1a73e8; padding: 6px 10px; margin: 8px 0; max-width: 1100px; }
        table.parameters { border-collapse: collapse; }
        table.parameters th, table.parameters td { border: 1px solid #dadce0; padding: 4px 8px; text-align: left; vertical-align: top; }
        table.parameters td.value { white-space: nowrap; font-family: "DejaVu Sans Mono", monospace; }
        [data-detail]:hover rect { stroke: #202124; stroke-width: 2; }
        g.device:hover rect { stroke-width: 2.5; }
        """

    /// Shows the hovered element's `data-detail` (a cell's reason, a value) in the panel below
    /// each picture; the `<title>` tooltips work without it.
    static let script = """
        document.querySelectorAll('section').forEach(function (section) {
          var panel = section.querySelector('.detail');
          if (!panel) return;
          section.querySelectorAll('[data-detail]').forEach(function (element) {
            element.addEventListener('mouseenter', function () { panel.textContent = element.getAttribute('data-detail'); });
          });
        });
        """

    /// The page.
    public func html() -> String {
        let topology = machine.topology
        let escape = SVGDocument.escape
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out +=
            "<title>p2psim report: \(escape(topology.name))</title>\n<style>\n\(Self.style)\n</style>\n</head>\n<body>\n"
        out += "<h1>\(escape(topology.name))</h1>\n"
        if let description = topology.description { out += "<p>\(escape(description))</p>\n" }
        out +=
            "<p>Figures from the <strong>\(escape(matrix.fidelity))</strong> model; generated by \(escape(generator)). Hover a box, a link or a cell for its details.</p>\n"
        out +=
            "<nav><a href=\"#topology\">Topology</a><a href=\"#decisions\">P2P decisions</a><a href=\"#bandwidth\">Bandwidth</a><a href=\"#sweep\">Transfer size</a><a href=\"#parameters\">Parameters</a></nav>\n"
        out += "<section id=\"topology-section\"><h2 id=\"topology\">Topology</h2>\n"
        out +=
            "<p>\(topology.sockets.count) socket(s), \(topology.rootComplexes.count) root complex(es), \(topology.switches.count) PCIe switch(es), \(topology.endpointIndices.count) endpoint(s), \(topology.nvswitches.count) NVSwitch chip(s), \(topology.vendorLinks.count) vendor link(s). Root ports and switch ports are folded into the links they carry.</p>\n"
        out +=
            "<div class=\"scroll\">\n" + SVGTopology(machine: machine).svg(standalone: false) + "</div>\n</section>\n"
        out += "<section id=\"decisions-section\"><h2 id=\"decisions\">P2P decisions</h2>\n"
        out +=
            "<p>What a copy from the row's device to the column's device uses when P2P is asked for: a vendor link, or PCIe P2P as Linux decides (drivers/pci/p2pdma.c); otherwise it bounces through system memory.</p>\n"
        out += "<div class=\"scroll\">\n" + decisionMap().svg(standalone: false) + "</div>\n"
        out += "<div class=\"detail\">Hover a cell for the reason.</div>\n</section>\n"
        out += "<section id=\"bandwidth-section\"><h2 id=\"bandwidth\">Bandwidth</h2>\n"
        out +=
            "<p>Copies of \(ByteCount(matrix.sizeBytes)) between every pair, as p2pBandwidthLatencyTest measures them: one way, and both ways at once (the sum of the two). With P2P disabled every copy bounces through system memory; with P2P enabled a refused pair bounces too.</p>\n"
        out += "<div class=\"maps\">\n"
        for map in matrix.heatMaps() { out += "<div class=\"scroll\">\n" + map.svg(standalone: false) + "</div>\n" }
        out += "</div>\n<div class=\"detail\">Hover a cell for its value.</div>\n</section>\n"
        out +=
            "<section id=\"sweep-section\"><h2 id=\"sweep\">Bandwidth against transfer size: \(escape(sweep.from)) to \(escape(sweep.to))</h2>\n"
        let crossovers = sweep.crossovers.map { ByteCount($0).description }
        out +=
            "<p>P2P: \(escape(sweep.p2pMechanism.flatMap(TransferMechanism.init(rawValue:))?.displayName ?? "not permitted")). "
            + (crossovers.isEmpty
                ? "The faster path does not change between \(ByteCount(sweep.points.first?.sizeBytes ?? 0)) and \(ByteCount(sweep.points.last?.sizeBytes ?? 0))."
                : "The faster path changes at \(crossovers.joined(separator: ", ")).") + "</p>\n"
        out += "<div class=\"scroll\">\n" + SVGSweepPlot(sweep: sweep).svg(standalone: false) + "</div>\n</section>\n"
        out += "<section id=\"parameters-section\"><h2 id=\"parameters\">Model parameters</h2>\n"
        out +=
            "<p>Fidelity: <strong>\(escape(matrix.fidelity))</strong>. Calibration in force (override with <code>--set NAME=VALUE</code>); docs/models.md has every link and device constant with its source.</p>\n"
        out +=
            "<table class=\"parameters\"><thead><tr><th>parameter</th><th>value</th><th>origin</th></tr></thead><tbody>\n"
        for row in ParameterTable.rows(parameters) {
            out +=
                "<tr><td>\(escape(row.name))</td><td class=\"value\">\(escape(row.value))</td><td>\(escape(row.origin))</td></tr>\n"
        }
        out += "</tbody></table>\n</section>\n"
        out += "<script>\n\(Self.script)\n</script>\n</body>\n</html>\n"
        return out
    }
}
