import Engine
import Fabric
import Policy
import Topology
import Units

/// What one transfer of a scenario gave.
public struct TransferResult: Sendable, Hashable {
    /// The transfer.
    public var transfer: ScenarioTransfer
    /// The plan, or nil when the path asked for is not permitted.
    public var plan: TransferPlan?
    /// The mechanism's name, or `refused` when there is no plan.
    public var mechanism: String
    /// The Linux map type: the plan's, else the kernel's decision for the pair (nil for a
    /// vendor link, which Linux is not asked about).
    public var mapType: String?
    /// Why: the kernel's reason, the plan's notes, the planning error.
    public var reason: String
    /// Each repetition's outcome, in order (empty when refused).
    public var repetitions: [TransferOutcome]
    /// Mean duration of one repetition.
    public var time: Picoseconds?
    /// Bytes of all repetitions over the sum of their durations (bytes per second).
    public var bandwidth: Double?
    /// Duration of a `latencyProbeSize` copy on the same path, alone on the machine.
    public var latency: Picoseconds?
    /// When the first repetition started.
    public var start: Picoseconds
    /// When the last repetition completed (the start when refused).
    public var finish: Picoseconds

    /// The value of `metric` in its base unit (bytes per second, picoseconds), nil when refused.
    public func value(of metric: Metric) -> Double? {
        switch metric {
        case .bandwidth: return bandwidth
        case .time: return time.map { Double($0.rawValue) }
        case .latency: return latency.map { Double($0.rawValue) }
        }
    }
}

/// What one expectation gave.
public struct ExpectationResult: Sendable, Hashable {
    /// The expectation.
    public var expectation: Expectation
    /// The expected value as text ("21.7 GB/s ± 5%", "BUS_ADDR, distance 4").
    public var expected: String
    /// What the run gave, as text.
    public var got: String
    /// The relative error of a metric ("+3.2%"), empty otherwise.
    public var error: String
    /// Whether the figure matched.
    public var passed: Bool
    /// Simulated seconds of the transfers it measures (0 for decisions): JUnit's `time`.
    public var simulatedSeconds: Double

    /// What the check makes of it.
    public enum Verdict: String, Sendable, Hashable {
        /// Matched.
        case pass
        /// Missed.
        case fail
        /// Missed, and marked as a known discrepancy.
        case known
        /// Marked as a known discrepancy, yet matched: the mark must go.
        case unexpectedPass = "unexpected pass"
    }

    /// The verdict, known discrepancies counted apart.
    public var verdict: Verdict {
        switch (passed, expectation.knownDiscrepancy != nil) {
        case (true, false): return .pass
        case (false, false): return .fail
        case (false, true): return .known
        case (true, true): return .unexpectedPass
        }
    }
}

/// What a scenario gave.
public struct ScenarioResult: Sendable {
    /// The scenario run.
    public var scenario: Scenario
    /// One result per transfer, in file order.
    public var transfers: [TransferResult]
    /// One result per expectation, in file order.
    public var expectations: [ExpectationResult]

    /// How many expectations passed.
    public var passed: Int { expectations.filter { $0.verdict == .pass }.count }
    /// How many failed (a known discrepancy that passes counts here: its mark must go).
    public var failed: Int { expectations.filter { $0.verdict == .fail || $0.verdict == .unexpectedPass }.count }
    /// How many missed as their `known` mark says.
    public var known: Int { expectations.filter { $0.verdict == .known }.count }
    /// The result of transfer `id`.
    public func transfer(_ id: String) -> TransferResult? { transfers.first { $0.transfer.id == id } }
}

/// Runs scenarios in the flow engine and checks their expectations.
///
/// Transfers run concurrently and share the machine's resources. Dependencies (`after`) and
/// repetitions are resolved in waves: the transfers whose dependencies are done are added to
/// the run, starting at the latest finish of their dependencies (or their own `start`, if
/// later), and everything scheduled so far is simulated again. Because a later transfer can
/// slow an earlier one, the starts are then recomputed from the final finishes until they no
/// longer move (at most one pass per transfer). Deterministic: no randomness, file order.
public enum ScenarioRunner {
    /// Runs `scenario` with its own parameters.
    public static func run(_ scenario: Scenario) -> ScenarioResult {
        let planner = TransferPlanner(machine: scenario.machine, parameters: scenario.parameters)
        let engine = FlowEngine(planner: planner)
        let topology = scenario.machine.topology

        // Plans.
        var plans: [TransferPlan?] = []
        var planErrors: [String?] = []
        for transfer in scenario.transfers {
            do {
                let staging = transfer.stagingSocket.flatMap { id in topology.sockets.firstIndex { $0.id == id } }
                let plan = try planner.plan(
                    from: try planner.end(named: transfer.from), to: try planner.end(named: transfer.to),
                    choice: transfer.path, direction: transfer.direction, stagingSocket: staging)
                plans.append(plan)
                planErrors.append(nil)
            } catch {
                plans.append(nil)
                planErrors.append(error.description)
            }
        }

        // Units: one per repetition; a refused transfer is one unit that takes no time.
        struct Unit {
            var transfer: Int
            var repetition: Int
            var dependencies: [Int]
        }
        var units: [Unit] = []
        var lastUnit: [String: Int] = [:]
        let order = topologicalOrder(scenario.transfers)
        var unitsOfTransfer = [[Int]](repeating: [], count: scenario.transfers.count)
        for index in order {
            let transfer = scenario.transfers[index]
            let count = plans[index] == nil ? 1 : transfer.repeatCount
            for repetition in 0..<count {
                let dependencies =
                    repetition == 0 ? transfer.after.compactMap { lastUnit[$0] } : [units.count - 1]
                units.append(Unit(transfer: index, repetition: repetition, dependencies: dependencies))
                unitsOfTransfer[index].append(units.count - 1)
            }
            lastUnit[transfer.id] = units.count - 1
        }

        var starts = [Picoseconds?](repeating: nil, count: units.count)
        var finishes = [Picoseconds?](repeating: nil, count: units.count)
        var outcomes = [TransferOutcome?](repeating: nil, count: units.count)

        func startTime(_ unit: Unit) -> Picoseconds? {
            var start = unit.repetition == 0 ? scenario.transfers[unit.transfer].start : .zero
            for dependency in unit.dependencies {
                guard let finish = finishes[dependency] else { return nil }
                start = max(start, finish)
            }
            return start
        }
        func simulate(_ scheduled: [Int]) {
            let running = scheduled.filter { plans[units[$0].transfer] != nil }
            let transfers = running.compactMap { index -> ScheduledTransfer? in
                let unit = units[index]
                guard let plan = plans[unit.transfer], let start = starts[index] else { return nil }
                let transfer = scenario.transfers[unit.transfer]
                return ScheduledTransfer(
                    label: "\(transfer.id)#\(unit.repetition)", plan: plan, bytes: transfer.size.bytes, start: start,
                    dmaSize: plan.mechanism == .bounce ? nil : transfer.dmaSize?.bytes, queueDepth: transfer.queueDepth)
            }
            let run = engine.run(transfers)
            for (index, outcome) in zip(running, run.outcomes) {
                outcomes[index] = outcome
                finishes[index] = outcome.finish
            }
            for index in scheduled where plans[units[index].transfer] == nil { finishes[index] = starts[index] }
        }

        // Waves.
        var scheduled: [Int] = []
        var isScheduled = [Bool](repeating: false, count: units.count)
        while scheduled.count < units.count {
            var wave: [Int] = []
            for (index, unit) in units.enumerated() where !isScheduled[index] {
                if let start = startTime(unit) {
                    starts[index] = start
                    wave.append(index)
                }
            }
            if wave.isEmpty { break }  // unreachable: the loader rejects cycles
            for index in wave { isScheduled[index] = true }
            scheduled = (scheduled + wave).sorted()
            simulate(scheduled)
        }
        // Settle: starts follow the final finishes.
        for _ in 0..<units.count {
            var moved = false
            for (index, unit) in units.enumerated() {
                if let start = startTime(unit), start != starts[index] {
                    starts[index] = start
                    moved = true
                }
            }
            if !moved { break }
            simulate(scheduled)
        }

        // Results.
        var results: [TransferResult] = []
        for (index, transfer) in scenario.transfers.enumerated() {
            let plan = plans[index]
            let repetitions = unitsOfTransfer[index].compactMap { outcomes[$0] }
            let first = unitsOfTransfer[index].first.flatMap { starts[$0] } ?? transfer.start
            let last = unitsOfTransfer[index].last.flatMap { finishes[$0] } ?? first
            var time: Picoseconds?
            var bandwidth: Double?
            var latency: Picoseconds?
            if let plan, !repetitions.isEmpty {
                // Saturating sums: a run beyond 213 days shows as such instead of trapping.
                let total = repetitions.reduce(Picoseconds.zero) { $0 + $1.duration }.rawValue
                time = Picoseconds(saturatingPicoseconds: (Double(total) / Double(repetitions.count)).rounded())
                let seconds = Double(total) / 1e12
                bandwidth = seconds > 0 ? Double(transfer.size.bytes) * Double(repetitions.count) / seconds : 0
                let probe = engine.run([
                    ScheduledTransfer(
                        label: "\(transfer.id) latency probe", plan: plan,
                        bytes: scenario.parameters.latencyProbeSize.bytes)
                ])
                latency = probe.outcomes.first?.duration
            }
            let decision = kernelDecision(planner, transfer)
            var reasons: [String] = []
            if let error = planErrors[index] { reasons.append(error) }
            if let decision { reasons.append("Linux: \(decision.reason)") }
            reasons += plan?.notes ?? []
            if transfer.dmaSize != nil, plan?.mechanism == .bounce {
                reasons.append(
                    "dmaSize does not apply: the copy is staged through system memory, which moves in the driver's chunks (bounceChunkSize)"
                )
            }
            results.append(
                TransferResult(
                    transfer: transfer, plan: plan, mechanism: plan?.mechanism.rawValue ?? "refused",
                    mapType: plan?.mapType ?? (plan == nil ? decision?.mapType.kernelName : nil),
                    reason: reasons.joined(separator: "; "), repetitions: repetitions, time: time,
                    bandwidth: bandwidth, latency: latency, start: first, finish: last))
        }
        let expectations = scenario.expectations.map { evaluate($0, results, planner) }
        return ScenarioResult(scenario: scenario, transfers: results, expectations: expectations)
    }

    /// Runs `scenario` with `overrides` applied on top of its own parameters (the way a test
    /// asks "what if nvlinkEfficiency were 0.5?").
    ///
    /// - Throws: `ModelParameters.OverrideError` for an unknown parameter or a bad value.
    public static func run(
        _ scenario: Scenario, overriding overrides: [ParameterOverride]
    ) throws(ModelParameters.OverrideError) -> ScenarioResult {
        var changed = scenario
        for override in overrides { try changed.parameters.set(override.name, to: override.value) }
        changed.overrides += overrides
        return run(changed)
    }

    /// The transfers' indices with every transfer after those it waits for (file order otherwise).
    static func topologicalOrder(_ transfers: [ScenarioTransfer]) -> [Int] {
        let index = Dictionary(transfers.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var done = [Bool](repeating: false, count: transfers.count)
        var visiting = [Bool](repeating: false, count: transfers.count)
        var order: [Int] = []
        func visit(_ i: Int) {
            if done[i] || visiting[i] { return }
            visiting[i] = true
            for dependency in transfers[i].after { if let j = index[dependency] { visit(j) } }
            visiting[i] = false
            done[i] = true
            order.append(i)
        }
        for i in transfers.indices { visit(i) }
        return order
    }

    /// The kernel's decision for a device-to-device transfer: the provider is the device whose
    /// BAR is accessed (the destination of a push, the source of a pull).
    static func kernelDecision(_ planner: TransferPlanner, _ transfer: ScenarioTransfer) -> P2PDecision? {
        let topology = planner.machine.topology
        guard topology.nodeIndex(of: transfer.from) != nil, topology.nodeIndex(of: transfer.to) != nil,
            transfer.from != transfer.to
        else { return nil }
        let provider = transfer.direction == .push ? transfer.to : transfer.from
        let client = transfer.direction == .push ? transfer.from : transfer.to
        return planner.kernel.decide(provider: provider, client: client)
    }

    static func evaluate(
        _ expectation: Expectation, _ results: [TransferResult], _ planner: TransferPlanner
    ) -> ExpectationResult {
        func result(_ expected: String, _ got: String, _ error: String, _ passed: Bool, _ seconds: Double = 0)
            -> ExpectationResult
        {
            ExpectationResult(
                expectation: expectation, expected: expected, got: got, error: error, passed: passed,
                simulatedSeconds: seconds)
        }
        func find(_ id: String) -> TransferResult? { results.first { $0.transfer.id == id } }
        func span(_ result: TransferResult) -> Double { (result.finish - result.start).seconds }
        func compare(_ metric: Metric, _ expected: Double, _ tolerance: Tolerance, _ got: Double?, _ seconds: Double)
            -> ExpectationResult
        {
            let expectedText = formatMetric(metric, expected) + " ± " + tolerance.text(for: metric)
            guard let got else { return result(expectedText, "refused", "", false, seconds) }
            let allowed: Double
            switch tolerance {
            case .relative(let fraction): allowed = fraction * abs(expected)
            case .absolute(let value): allowed = value
            }
            let error = expected != 0 ? formatPercent((got - expected) / expected) : ""
            return result(expectedText, formatMetric(metric, got), error, abs(got - expected) <= allowed, seconds)
        }
        switch expectation.check {
        case .metric(let id, let metric, let value, let tolerance):
            let transfer = find(id)
            return compare(metric, value, tolerance, transfer?.value(of: metric), transfer.map(span) ?? 0)
        case .aggregate(let kind, let ids, let metric, let value, let tolerance):
            let members = ids.compactMap(find)
            let values = members.compactMap { $0.value(of: metric) }
            var got: Double?
            if values.count == ids.count, !values.isEmpty {
                switch kind {
                case .sum: got = values.reduce(0, +)
                case .min: got = values.min()
                case .max: got = values.max()
                }
            }
            return compare(metric, value, tolerance, got, members.map(span).max() ?? 0)
        case .mechanism(let id, let mechanism):
            let got = find(id)?.mechanism ?? "missing"
            return result(mechanism, got, "", got == mechanism)
        case .transferMapType(let id, let mapType, let reasonContains):
            let transfer = find(id)
            let gotMapType = transfer?.mapType ?? "none (\(transfer?.mechanism ?? "missing"))"
            let reason = transfer?.reason ?? ""
            return decisionResult(
                expectedMapType: mapType, gotMapType: gotMapType, expectedDistance: nil, gotDistance: nil,
                reasonContains: reasonContains, reason: reason, result)
        case .p2p(let client, let provider, let mapType, let distance, let reasonContains):
            let decision = planner.kernel.decide(provider: provider, client: client)
            return decisionResult(
                expectedMapType: mapType, gotMapType: decision?.mapType.kernelName ?? "no decision",
                expectedDistance: distance, gotDistance: decision?.distance, reasonContains: reasonContains,
                reason: decision?.reason ?? "", result)
        case .timeline:
            return result("", "a timeline expectation is checked by its timeline run", "", false)
        }
    }

    private static func decisionResult(
        expectedMapType: String?, gotMapType: String, expectedDistance: Int?, gotDistance: Int?,
        reasonContains: String?, reason: String,
        _ result: (String, String, String, Bool, Double) -> ExpectationResult
    ) -> ExpectationResult {
        var expected: [String] = []
        var got: [String] = []
        var passed = true
        if let expectedMapType {
            expected.append(expectedMapType)
            got.append(gotMapType)
            passed = passed && expectedMapType == gotMapType
        }
        if let expectedDistance {
            expected.append("distance \(expectedDistance)")
            got.append("distance \(gotDistance.map(String.init) ?? "none")")
            passed = passed && expectedDistance == gotDistance
        }
        if let reasonContains {
            let found = reason.lowercased().contains(reasonContains.lowercased())
            expected.append("reason contains '\(reasonContains)'")
            got.append(found ? "reason contains '\(reasonContains)'" : "reason: \(reason)")
            passed = passed && found
        }
        return result(expected.joined(separator: ", "), got.joined(separator: ", "), "", passed, 0)
    }
}

extension Tolerance {
    /// The tolerance in the metric's unit ("5%", "0.5 GB/s", "100 ns").
    public func text(for metric: Metric) -> String {
        switch self {
        case .relative: return description
        case .absolute(let value): return formatMetric(metric, value)
        }
    }
}

/// `fraction` as a signed percentage with one decimal ("+3.2%", "-0.5%").
public func formatPercent(_ fraction: Double) -> String {
    let text = formatDecimal(abs(fraction) * 100, maxFractionDigits: 1)
    let withDecimal = text.contains(".") ? text : text + ".0"
    return (fraction < 0 && withDecimal != "0.0" ? "-" : "+") + withDecimal + "%"
}
