import Foundation
import Units

/// Counts the work of a long run (simulated time, events) and reports it at most every
/// `interval` of wall time through `report`, for a progress line on a terminal.
///
/// A class because every simulation of a run shares one meter; it is used from one thread.
public final class ProgressMeter: @unchecked Sendable {
    /// Simulated time so far, summed over the simulations of the run.
    public private(set) var simulated = Picoseconds.zero
    /// Events so far.
    public private(set) var events: UInt64 = 0
    /// Work items done and expected (matrix cells, sweep points, scenarios).
    public private(set) var done = 0
    /// See `done`.
    public var total: Int
    private let start = ContinuousClock.now
    private var lastReport = ContinuousClock.now
    private let interval: Duration
    private let report: (String) -> Void
    /// Runs may record from several threads (a matrix computes its cells in parallel).
    private let lock = NSLock()

    /// Creates a meter that calls `report` with a one-line summary at most every `interval`.
    public init(total: Int, interval: Duration = .milliseconds(200), report: @escaping (String) -> Void) {
        self.total = total
        self.interval = interval
        self.report = report
    }

    /// Wall time since the meter was created, in seconds.
    public var wallSeconds: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The summary line: items, simulated time, wall time, events per second.
    public var line: String {
        let wall = wallSeconds
        let rate = wall > 0 ? Double(events) / wall : 0
        return "\(done)/\(total) · simulated \(simulated) · wall \(formatDecimal(wall, maxFractionDigits: 1)) s · "
            + "\(formatDecimal(rate / 1e6, maxFractionDigits: 2)) M events/s"
    }

    /// Records one simulation's simulated time and events, and one item done when `itemDone`.
    public func record(simulated time: Picoseconds, events count: UInt64, itemDone: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        simulated = simulated + time
        events &+= count
        if itemDone { done += 1 }
        let now = ContinuousClock.now
        if now - lastReport >= interval {
            lastReport = now
            report(line)
        }
    }
}

extension TransferPlanner {
    /// Runs `transfers` in `fidelity`, recording the work on `meter` when given.
    public func simulate(_ transfers: [ScheduledTransfer], fidelity: Fidelity, meter: ProgressMeter?)
        throws(TransferPlanningError) -> [TransferOutcome]
    {
        let outcomes: [TransferOutcome]
        let events: UInt64
        try OperationSchedule.checkSize(of: transfers, parameters: parameters)
        switch fidelity {
        case .flow:
            let run = FlowEngine(planner: self).run(transfers, recordingLoads: false)
            outcomes = run.outcomes
            events = UInt64(run.events)
        case .packet:
            let run = try PacketEngine(planner: self).run(transfers)
            outcomes = run.outcomes
            events = run.result.eventCount
        }
        meter?.record(simulated: outcomes.map(\.finish).max() ?? .zero, events: events)
        return outcomes
    }
}
