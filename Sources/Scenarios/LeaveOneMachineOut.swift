import Engine
import Foundation
import Units

/// Predictions on machines p2psim was never fitted on: the leave-one-machine-out section of
/// docs/validation.md.
///
/// The published figures are the expectations of those machines' scenarios (scenarios/, each
/// citing its publication, with the published range as its value and, where p2psim misses by
/// more than the tolerance, the mechanism it lacks as `known`): `p2psim check` and this report
/// read the same files, so a figure cannot differ between them. The calibration
/// (docs/calibration.md) was fitted on 8x H100 figures and a few figures of machines outside
/// this set; nothing here was used to fit anything.
public enum LeaveOneMachineOut {
    /// The machines, by scenario (and bundled topology) name, in report order.
    public static let machines = [
        "wrx80-rtx6000ada", "x12spa-rtx6000ada", "wrx80-rtx4090", "abci-a100x8", "abci-v100x4", "lambda-titanrtx8",
        "dual-xeon-a100pcie4", "dgx2-v100x16",
    ]

    /// One published figure and p2psim's prediction of it.
    public struct Row: Sendable {
        /// The machine (scenario name).
        public var machine: String
        /// The cell of a p2pBandwidthLatencyTest-style run ("staged bidi", "peer access").
        public var figure: String
        /// The device pair ("gpu0-gpu1").
        public var pair: String
        /// The published value or range, with its unit.
        public var published: String
        /// p2psim's figure, with its unit.
        public var predicted: String
        /// Relative error against the middle of the published range (nil for peer access).
        public var error: Double?
        /// For peer access: whether p2psim decides as the machine did.
        public var right: Bool?
        /// The mechanism p2psim lacks, when the scenario marks the figure as a known discrepancy.
        public var missingMechanism: String?
        /// The scenario file and line of the expectation.
        public var location: String
    }

    /// Runs the machines' scenarios in `scenarios` and returns one row per expectation.
    public static func rows(scenarios: URL) throws -> [Row] {
        var rows: [Row] = []
        for machine in machines {
            let path = scenarios.appendingPathComponent(machine + ".xml").path
            let scenario = try ScenarioLoader.load(contentsOf: path)
            let result = ScenarioRunner.run(scenario)
            for expectation in scenario.expectations {
                guard let row = row(expectation, result, machine: machine) else { continue }
                rows.append(row)
            }
        }
        return rows
    }

    /// The row of one expectation (nil for kinds this report does not tabulate).
    static func row(_ expectation: Expectation, _ result: ScenarioResult, machine: String) -> Row? {
        let location = "\(URL(fileURLWithPath: expectation.location.file).lastPathComponent):\(expectation.location.line)"
        func kind(_ transfer: ScenarioTransfer) -> String {
            transfer.path == .bounce ? "staged" : transfer.direction == .pull ? "P2P reads" : "P2P"
        }
        switch expectation.check {
        case .metric(let id, let metric, let value, _):
            guard let transfer = result.transfer(id), let got = transfer.value(of: metric) else { return nil }
            let figure = "\(kind(transfer.transfer)) " + (metric == .latency ? "latency" : "uni")
            return Row(
                machine: machine, figure: figure, pair: "\(transfer.transfer.from)-\(transfer.transfer.to)",
                published: text(expectation.published, value, metric), predicted: text(nil, got, metric),
                error: (got - value) / value, right: nil, missingMechanism: expectation.knownDiscrepancy,
                location: location)
        case .aggregate(.sum, let ids, let metric, let value, _):
            let members = ids.compactMap { result.transfer($0) }
            guard members.count == ids.count, let first = members.first else { return nil }
            let got = members.compactMap { $0.value(of: metric) }.reduce(0, +)
            return Row(
                machine: machine, figure: "\(kind(first.transfer)) bidi",
                pair: "\(first.transfer.from)-\(first.transfer.to)",
                published: text(expectation.published, value, metric), predicted: text(nil, got, metric),
                error: (got - value) / value, right: nil, missingMechanism: expectation.knownDiscrepancy,
                location: location)
        case .mechanism(let id, let mechanism):
            guard let transfer = result.transfer(id) else { return nil }
            let published = mechanism != TransferMechanism.bounce.rawValue
            let predicted = transfer.mechanism != TransferMechanism.bounce.rawValue
            return Row(
                machine: machine, figure: "peer access", pair: "\(transfer.transfer.from)-\(transfer.transfer.to)",
                published: published ? "yes" : "no", predicted: predicted ? "yes" : "no", error: nil,
                right: published == predicted, missingMechanism: expectation.knownDiscrepancy, location: location)
        default:
            return nil
        }
    }

    /// A value or range as the table shows it: GB/s for bandwidths, us for times.
    static func text(_ range: ClosedRange<Double>?, _ value: Double, _ metric: Metric) -> String {
        let scale = metric == .bandwidth ? 1e-9 : 1e-6
        let unit = metric == .bandwidth ? "GB/s" : "us"
        func number(_ x: Double) -> String { formatDecimal(x * scale, maxFractionDigits: 2) }
        if let range, range.lowerBound != range.upperBound {
            return "\(number(range.lowerBound))-\(number(range.upperBound)) \(unit)"
        }
        return "\(number(value)) \(unit)"
    }

    /// The median of the absolute errors of the predicted figures.
    public static func medianError(_ rows: [Row]) -> Double {
        let errors = rows.compactMap { $0.error.map(abs) }.sorted()
        guard !errors.isEmpty else { return 0 }
        let middle = errors.count / 2
        return errors.count % 2 == 1 ? errors[middle] : (errors[middle - 1] + errors[middle]) / 2
    }

    /// The markdown section for docs/validation.md.
    public static func markdown(scenarios: URL) throws -> String {
        let rows = try rows(scenarios: scenarios)
        var out = "## Leave one machine out: predictions on machines p2psim was never fitted on\n\n"
        out += "The calibration (docs/calibration.md) is fitted on 8x H100 figures and a few figures of "
        out += "machines outside this set; `postedWriteQueue` was fitted on the PCIe tree of "
        out += "topologies/abci-a100x8.xml with A100 figures of other machines, never on that machine's "
        out += "figures below; the NVIDIA copy engines' 128-byte writes (`<dma writePayload>`) were chosen "
        out += "on device-to-host figures of other machines (P100, A100 PCIe, RTX 4090). "
        out += "Every figure below comes from a machine written from public datasheets or "
        out += "imported from its hwloc file (topologies/, each naming its sources) and is predicted with "
        out += "the default parameters, flow fidelity, copies of the size its publication used (40 MB as "
        out += "p2pBandwidthLatencyTest makes them, unless the scenario says otherwise). The published "
        out += "figures are the expectations of the machines' scenarios (scenarios/, each citing its "
        out += "publication), which `p2psim check` runs too. Error is against the middle of the "
        out += "published range.\n\n"
        out += "| machine | figure | pair | published | p2psim | error | missing mechanism (beyond 25%) | expectation |\n"
        out += "|---|---|---|---|---|---|---|---|\n"
        for row in rows {
            let error = row.error.map { "\($0 >= 0 ? "+" : "")\(formatDecimal($0 * 100, maxFractionDigits: 1))%" }
                ?? (row.right == true ? "right" : "**wrong**")
            let missing =
                (row.error.map { abs($0) > 0.25 } ?? (row.right == false))
                ? (row.missingMechanism ?? "**unexplained**") : ""
            out += "| \(row.machine) | \(row.figure) | \(row.pair) | \(row.published) | \(row.predicted) | "
            out += "\(error) | \(missing) | \(row.location) |\n"
        }
        let predicted = rows.filter { $0.error != nil }
        let access = rows.filter { $0.right != nil }
        out += "\nMedian absolute error: \(formatDecimal(medianError(rows) * 100, maxFractionDigits: 1))% over "
        out += "\(predicted.count) predicted figures; "
        out += "\(predicted.filter { abs($0.error ?? 0) <= 0.10 }.count) within 10%, "
        out += "\(predicted.filter { abs($0.error ?? 0) > 0.25 }.count) beyond 25%; peer access: "
        out += "\(access.filter { $0.right == true }.count) of \(access.count) right.\n"
        return out
    }
}
