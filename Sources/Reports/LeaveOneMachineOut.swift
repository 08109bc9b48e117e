import Engine
import Fabric
import Foundation
import Topology
import Units

/// Published figures of machines p2psim was never fitted on, and the section of
/// docs/validation.md that predicts each of them.
///
/// The figures are transcribed from ../shared/data/measurements/more-machines.md (each with its
/// source), so that the report regenerates from a clone. The calibration (docs/calibration.md)
/// was fitted on 8x H100 figures only; nothing below was used to fit anything.
public enum LeaveOneMachineOut {
    /// Which cell of a p2pBandwidthLatencyTest-style run a figure is.
    public enum Metric: String, Sendable, CaseIterable {
        case p2pUnidirectional = "P2P uni"
        case stagedUnidirectional = "staged uni"
        case p2pBidirectional = "P2P bidi"
        case stagedBidirectional = "staged bidi"
        case p2pLatency = "P2P latency"
        case stagedLatency = "staged latency"
        case connectivity = "peer access"

        var unit: String {
            switch self {
            case .p2pLatency, .stagedLatency: return "us"
            case .connectivity: return ""
            default: return "GB/s"
            }
        }
    }

    /// One published figure: a range on a machine for a device pair.
    public struct Figure: Sendable {
        /// The bundled topology (file name without `.xml`).
        public var topology: String
        /// The cell.
        public var metric: Metric
        /// The pair, by device id.
        public var from: String, to: String
        /// The published range (equal ends for a single value).
        public var low: Double, high: Double
        /// Where it was published.
        public var source: String
        /// The mechanism p2psim lacks, when the prediction is known to be off by more than 25%.
        public var missingMechanism: String? = nil
    }

    static let readQueue =
        "bidirectional staged copies run each way at about 0.7 of the one-way figure on every machine measured; p2psim slows a GPU's reads only while a device-to-host chunk moves ahead of them, and those chunks move at line rate and then wait for a staging buffer, so the reads run unslowed part of the time"
    static let hostSync =
        "host-dependent driver synchronisation: the staging thread's cost per chunk is fitted on the H100 host (Xeon 8480C); these workstation CPUs are faster per thread"
    static let workstations =
        "dbkinghorn/Notes 2023/NV-4090-P2P (more-machines.md, single-socket workstations)"

    /// The figures, machine by machine.
    public static let figures: [Figure] = [
        Figure(
            topology: "wrx80-rtx6000ada", metric: .p2pUnidirectional, from: "gpu0", to: "gpu1", low: 26.31,
            high: 27.02, source: workstations),
        Figure(
            topology: "wrx80-rtx6000ada", metric: .stagedUnidirectional, from: "gpu0", to: "gpu1", low: 22.09,
            high: 22.23, source: workstations),
        Figure(
            topology: "wrx80-rtx6000ada", metric: .p2pBidirectional, from: "gpu0", to: "gpu1", low: 51.10,
            high: 51.12, source: workstations),
        Figure(
            topology: "wrx80-rtx6000ada", metric: .stagedBidirectional, from: "gpu0", to: "gpu1", low: 30.72,
            high: 30.72, source: workstations, missingMechanism: readQueue),
        Figure(
            topology: "wrx80-rtx6000ada", metric: .stagedLatency, from: "gpu0", to: "gpu1", low: 10.8, high: 11.1,
            source: workstations, missingMechanism: hostSync),
        Figure(
            topology: "wrx80-rtx6000ada", metric: .p2pLatency, from: "gpu0", to: "gpu1", low: 1.28, high: 1.29,
            source: workstations,
            missingMechanism:
                "per-machine CUDA API overhead: the launch and completion costs are the H100 file's, while this GPU-timed figure excludes most of them"
        ),
        Figure(
            topology: "x12spa-rtx6000ada", metric: .p2pUnidirectional, from: "gpu0", to: "gpu1", low: 21.26,
            high: 21.31, source: workstations),
        Figure(
            topology: "x12spa-rtx6000ada", metric: .stagedUnidirectional, from: "gpu0", to: "gpu1", low: 22.47,
            high: 22.48, source: workstations),
        Figure(
            topology: "x12spa-rtx6000ada", metric: .p2pBidirectional, from: "gpu0", to: "gpu1", low: 41.44,
            high: 41.46, source: workstations),
        Figure(
            topology: "x12spa-rtx6000ada", metric: .stagedBidirectional, from: "gpu0", to: "gpu1", low: 31.35,
            high: 31.36, source: workstations,
            missingMechanism:
                "a GPU's host reads slowed by its own concurrent device-to-host writes (as on the WRX80 machine)"),
        Figure(
            topology: "x12spa-rtx6000ada", metric: .stagedLatency, from: "gpu0", to: "gpu1", low: 10.3, high: 10.6,
            source: workstations, missingMechanism: hostSync),
        Figure(
            topology: "wrx80-rtx4090", metric: .connectivity, from: "gpu0", to: "gpu1", low: 0, high: 0,
            source: workstations + ", driver 525.105.17: CANNOT Access Peer"),
        Figure(
            topology: "wrx80-rtx4090", metric: .stagedUnidirectional, from: "gpu0", to: "gpu1", low: 22.02,
            high: 22.45, source: workstations),
        Figure(
            topology: "wrx80-rtx4090", metric: .stagedBidirectional, from: "gpu0", to: "gpu1", low: 30.8, high: 31.1,
            source: workstations, missingMechanism: readQueue),
        Figure(
            topology: "wrx80-rtx4090", metric: .stagedLatency, from: "gpu0", to: "gpu1", low: 10.3, high: 10.8,
            source: workstations, missingMechanism: hostSync),
    ]

    static let abciA = "aistabci/abci2.0benchmark pt2pt/intra_anode (more-machines.md, ABCI 2.0 node A)"
    static let abciV = "aistabci/abci2.0benchmark pt2pt/intra_vnode (more-machines.md, ABCI 2.0 node V)"

    /// The ABCI figures.
    static let abciFigures: [Figure] = [
        Figure(
            topology: "abci-a100x8", metric: .p2pUnidirectional, from: "gpu0", to: "gpu1", low: 263.4, high: 275.8,
            source: abciA),
        Figure(
            topology: "abci-a100x8", metric: .p2pBidirectional, from: "gpu0", to: "gpu1", low: 409.2, high: 418.0,
            source: abciA,
            missingMechanism:
                "pairs with GPUs 0-3 run both ways at 409-418 GB/s while GPUs 4-7 reach 515-521 on the same board (also in nccl-tests #100): an asymmetry of the board p2psim's symmetric NVSwitch planes do not hold"
        ),
        Figure(
            topology: "abci-a100x8", metric: .p2pBidirectional, from: "gpu4", to: "gpu5", low: 515.5, high: 521.6,
            source: abciA),
        Figure(
            topology: "abci-a100x8", metric: .stagedUnidirectional, from: "gpu0", to: "gpu1", low: 15.5, high: 17.9,
            source: abciA),
        Figure(
            topology: "abci-a100x8", metric: .stagedUnidirectional, from: "gpu0", to: "gpu2", low: 19.1, high: 20.5,
            source: abciA),
        Figure(
            topology: "abci-a100x8", metric: .stagedUnidirectional, from: "gpu0", to: "gpu4", low: 19.1, high: 20.5,
            source: abciA),
        Figure(
            topology: "abci-a100x8", metric: .stagedBidirectional, from: "gpu0", to: "gpu1", low: 15.8, high: 17.1,
            source: abciA, missingMechanism: readQueue),
        Figure(
            topology: "abci-a100x8", metric: .stagedBidirectional, from: "gpu0", to: "gpu2", low: 26.5, high: 29.1,
            source: abciA, missingMechanism: readQueue),
        Figure(
            topology: "abci-a100x8", metric: .stagedBidirectional, from: "gpu0", to: "gpu4", low: 26.5, high: 29.1,
            source: abciA),
        Figure(
            topology: "abci-a100x8", metric: .p2pLatency, from: "gpu0", to: "gpu1", low: 2.8, high: 3.4, source: abciA),
        Figure(
            topology: "abci-a100x8", metric: .stagedLatency, from: "gpu0", to: "gpu1", low: 21.7, high: 23.7,
            source: abciA,
            missingMechanism:
                "host-dependent driver synchronisation: the staging thread's cost is fitted on the H100 host"),
        Figure(
            topology: "abci-v100x4", metric: .p2pUnidirectional, from: "gpu0", to: "gpu1", low: 48.48, high: 48.49,
            source: abciV),
        Figure(
            topology: "abci-v100x4", metric: .p2pBidirectional, from: "gpu0", to: "gpu1", low: 96.84, high: 96.92,
            source: abciV),
        Figure(
            topology: "abci-v100x4", metric: .stagedUnidirectional, from: "gpu0", to: "gpu1", low: 9.40, high: 9.58,
            source: abciV),
        Figure(
            topology: "abci-v100x4", metric: .stagedUnidirectional, from: "gpu0", to: "gpu2", low: 10.57, high: 11.17,
            source: abciV),
        Figure(
            topology: "abci-v100x4", metric: .stagedBidirectional, from: "gpu0", to: "gpu1", low: 9.48, high: 9.81,
            source: abciV, missingMechanism: readQueue),
        Figure(
            topology: "abci-v100x4", metric: .stagedBidirectional, from: "gpu0", to: "gpu2", low: 14.50, high: 14.95,
            source: abciV, missingMechanism: readQueue),
        Figure(
            topology: "abci-v100x4", metric: .p2pLatency, from: "gpu0", to: "gpu1", low: 1.85, high: 2.00,
            source: abciV,
            missingMechanism:
                "per-machine CUDA API overhead: the launch and completion costs are the H100 file's, while this GPU-timed figure excludes most of them"
        ),
        Figure(
            topology: "abci-v100x4", metric: .stagedLatency, from: "gpu0", to: "gpu1", low: 16.4, high: 17.6,
            source: abciV),
    ]

    static let lambda = "wohlbier/gpu-micro README, Results on Lambda (more-machines.md)"
    static let sm02 = "xyxxxxx/panoramic hardware-platform.md, host sm02 (more-machines.md)"
    static let noBidirectionalGain =
        "bidirectional staged copies gain nothing on this author's runs (here and on the DGX-2): a serialisation of the two directions that p2psim's shared staging thread does not reproduce"
    static let crossSocketP2P =
        "peer writes across the socket link: Intel UPI forwards them more slowly than the link's capacity says; p2psim has no socket-link peer-forwarding limit"

    /// The figures of the remaining PCIe machines.
    static let pcieFigures: [Figure] = [
        Figure(topology: "lambda-titanrtx8", metric: .connectivity, from: "gpu0", to: "gpu2", low: 0, high: 0, source: lambda),
        Figure(
            topology: "lambda-titanrtx8", metric: .stagedUnidirectional, from: "gpu0", to: "gpu1", low: 9.91,
            high: 10.01, source: lambda),
        Figure(
            topology: "lambda-titanrtx8", metric: .stagedUnidirectional, from: "gpu0", to: "gpu2", low: 11.35,
            high: 11.47, source: lambda),
        Figure(
            topology: "lambda-titanrtx8", metric: .stagedBidirectional, from: "gpu0", to: "gpu1", low: 9.93,
            high: 9.99, source: lambda, missingMechanism: noBidirectionalGain),
        Figure(
            topology: "lambda-titanrtx8", metric: .stagedBidirectional, from: "gpu0", to: "gpu2", low: 11.39,
            high: 11.49, source: lambda, missingMechanism: noBidirectionalGain),
        Figure(
            topology: "lambda-titanrtx8", metric: .stagedLatency, from: "gpu0", to: "gpu2", low: 9.9, high: 14.4,
            source: lambda),
        Figure(topology: "dual-xeon-a100pcie4", metric: .connectivity, from: "gpu0", to: "gpu2", low: 1, high: 1, source: sm02),
        Figure(
            topology: "dual-xeon-a100pcie4", metric: .p2pUnidirectional, from: "gpu0", to: "gpu1", low: 10.28,
            high: 10.28, source: sm02),
        Figure(
            topology: "dual-xeon-a100pcie4", metric: .p2pUnidirectional, from: "gpu0", to: "gpu2", low: 7.69,
            high: 8.72, source: sm02, missingMechanism: crossSocketP2P),
        Figure(
            topology: "dual-xeon-a100pcie4", metric: .stagedUnidirectional, from: "gpu0", to: "gpu1", low: 10.71,
            high: 11.40, source: sm02),
        Figure(
            topology: "dual-xeon-a100pcie4", metric: .p2pBidirectional, from: "gpu0", to: "gpu1", low: 19.59,
            high: 19.68, source: sm02),
        Figure(
            topology: "dual-xeon-a100pcie4", metric: .p2pBidirectional, from: "gpu0", to: "gpu2", low: 15.88,
            high: 16.58, source: sm02, missingMechanism: crossSocketP2P),
        Figure(
            topology: "dual-xeon-a100pcie4", metric: .stagedBidirectional, from: "gpu0", to: "gpu1", low: 12.35,
            high: 12.39, source: sm02, missingMechanism: readQueue),
        Figure(
            topology: "dual-xeon-a100pcie4", metric: .stagedBidirectional, from: "gpu0", to: "gpu2", low: 15.67,
            high: 15.82, source: sm02, missingMechanism: readQueue),
        Figure(
            topology: "dual-xeon-a100pcie4", metric: .p2pLatency, from: "gpu0", to: "gpu1", low: 1.91, high: 2.02,
            source: sm02,
            missingMechanism:
                "per-machine CUDA API overhead: the launch and completion costs are the H100 file's, while this GPU-timed figure excludes most of them"
        ),
        Figure(
            topology: "dual-xeon-a100pcie4", metric: .stagedLatency, from: "gpu0", to: "gpu1", low: 11.8, high: 20.2,
            source: sm02),
    ]

    /// A figure with p2psim's prediction.
    public struct Row: Sendable {
        /// The figure.
        public var figure: Figure
        /// p2psim's value.
        public var predicted: Double
        /// Relative error against the middle of the published range (0 for a matching connectivity).
        public var error: Double
    }

    /// Predicts every figure with the flow model and the default calibration.
    public static func rows(topologies: URL) throws -> [Row] {
        var reports: [String: MatrixReport] = [:]
        var rows: [Row] = []
        for figure in figures + abciFigures + pcieFigures {
            if reports[figure.topology] == nil {
                let topology = try TopologyLoader.load(
                    contentsOf: topologies.appendingPathComponent(figure.topology + ".xml").path)
                let planner = TransferPlanner(machine: try EnumeratedMachine(topology))
                let devices = topology.endpointIndices.map { topology.nodes[$0] }
                    .filter { $0.endpoint?.kind == .gpu }.map(\.id)
                reports[figure.topology] = try MatrixReport.make(planner: planner, devices: devices)
            }
            guard let report = reports[figure.topology], let i = report.devices.firstIndex(of: figure.from),
                let j = report.devices.firstIndex(of: figure.to)
            else { continue }
            let value: Double
            switch figure.metric {
            case .p2pUnidirectional: value = report.unidirectional.p2pEnabled[i][j]
            case .stagedUnidirectional: value = report.unidirectional.p2pDisabled[i][j]
            case .p2pBidirectional: value = report.bidirectional.p2pEnabled[i][j]
            case .stagedBidirectional: value = report.bidirectional.p2pDisabled[i][j]
            case .p2pLatency: value = report.latencyMicroseconds.p2pEnabled[i][j]
            case .stagedLatency: value = report.latencyMicroseconds.p2pDisabled[i][j]
            case .connectivity: value = Double(report.connectivity[i][j])
            }
            let middle = (figure.low + figure.high) / 2
            let error: Double
            if figure.metric == .connectivity {
                error = value == middle ? 0 : 1
            } else {
                error = middle == 0 ? 0 : (value - middle) / middle
            }
            rows.append(Row(figure: figure, predicted: value, error: error))
        }
        return rows
    }

    /// The median of the absolute errors.
    public static func medianError(_ rows: [Row]) -> Double {
        let errors = rows.filter { $0.figure.metric != .connectivity }.map { abs($0.error) }.sorted()
        guard !errors.isEmpty else { return 0 }
        let middle = errors.count / 2
        return errors.count % 2 == 1 ? errors[middle] : (errors[middle - 1] + errors[middle]) / 2
    }

    /// The markdown section.
    public static func markdown(topologies: URL) throws -> String {
        let rows = try rows(topologies: topologies)
        var out = "## Leave one machine out: predictions on machines p2psim was never fitted on\n\n"
        out += "The calibration (docs/calibration.md) is fitted on 8x H100 figures only. Every figure below "
        out += "comes from a machine written from public datasheets (topologies/, each naming its sources) "
        out += "and is predicted with the default parameters, flow fidelity, 40 MB copies as "
        out += "p2pBandwidthLatencyTest makes them. Error is against the middle of the published range.\n\n"
        out += "| machine | figure | pair | published | p2psim | error | missing mechanism (beyond 25%) |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for row in rows {
            let figure = row.figure
            let published =
                figure.metric == .connectivity
                ? (figure.low == 0 ? "no" : "yes")
                : (figure.low == figure.high
                    ? "\(formatDecimal(figure.low, maxFractionDigits: 2))"
                    : "\(formatDecimal(figure.low, maxFractionDigits: 2))-\(formatDecimal(figure.high, maxFractionDigits: 2))")
                    + " \(figure.metric.unit)"
            let predicted =
                figure.metric == .connectivity
                ? (row.predicted == 0 ? "no" : "yes")
                : "\(formatDecimal(row.predicted, maxFractionDigits: 2)) \(figure.metric.unit)"
            let error = "\(row.error >= 0 ? "+" : "")\(formatDecimal(row.error * 100, maxFractionDigits: 1))%"
            let missing = abs(row.error) > 0.25 ? (figure.missingMechanism ?? "**unexplained**") : ""
            out += "| \(figure.topology) | \(figure.metric.rawValue) | \(figure.from)-\(figure.to) | \(published) | "
            out += "\(predicted) | \(error) | \(missing) |\n"
        }
        out += "\nMedian absolute error: \(formatDecimal(medianError(rows) * 100, maxFractionDigits: 1))% over "
        out += "\(rows.filter { $0.figure.metric != .connectivity }.count) predicted figures (peer-access rows: "
        out += "\(rows.filter { $0.figure.metric == .connectivity && $0.error == 0 }.count) of "
        out += "\(rows.filter { $0.figure.metric == .connectivity }.count) right). Sources: "
        out += Array(Set(rows.map(\.figure.source))).sorted().joined(separator: "; ") + ".\n"
        return out
    }
}
