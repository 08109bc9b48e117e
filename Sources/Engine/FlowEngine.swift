import FlowModel
import SimKernel
import Topology
import Units

/// A transfer to run: a plan, its size and when it starts.
public struct ScheduledTransfer: Sendable, Hashable {
    /// A readable label ("gpu0->gpu1").
    public var label: String
    /// How it goes.
    public var plan: TransferPlan
    /// Bytes to move.
    public var bytes: UInt64
    /// When the API call is made.
    public var start: Picoseconds

    /// Creates a scheduled transfer.
    public init(label: String, plan: TransferPlan, bytes: UInt64, start: Picoseconds = .zero) {
        self.label = label
        self.plan = plan
        self.bytes = bytes
        self.start = start
    }
}

/// What a transfer achieved.
public struct TransferOutcome: Sendable, Hashable {
    /// The transfer.
    public var transfer: ScheduledTransfer
    /// From the API call to its completion, software overhead included.
    public var duration: Picoseconds
    /// When it completed.
    public var finish: Picoseconds
    /// Bytes per second over `duration`.
    public var bandwidth: Double
    /// The resource that limited it: the busiest on its legs.
    public var bottleneck: String
    /// Why it is the bottleneck.
    public var bottleneckReason: String
}

/// Per-resource statistics of a run.
public struct ResourceUsage: Sendable, Hashable {
    /// The resource.
    public var name: String
    /// Payload bytes per second it can carry.
    public var capacity: Double
    /// Bytes it carried, in units of its payload capacity (each flow's bytes times its weight there).
    public var bytes: Double
    /// Seconds it was saturated or carrying traffic.
    public var busySeconds: Double

    /// Creates a usage record.
    public init(name: String, capacity: Double, bytes: Double, busySeconds: Double) {
        self.name = name
        self.capacity = capacity
        self.bytes = bytes
        self.busySeconds = busySeconds
    }
}

/// A change of the load a resource carries, for traces.
public struct LoadSample: Sendable, Hashable {
    /// When, in picoseconds.
    public var time: Picoseconds
    /// The resource index.
    public var resource: Int
    /// Bytes per second it carries from then on, in units of its payload capacity (rates times weights).
    public var load: Double
}

/// Everything a flow-engine run produced.
public struct FlowRun: Sendable {
    /// Each transfer's outcome, in order.
    public var outcomes: [TransferOutcome]
    /// Every resource's use.
    public var usage: [ResourceUsage]
    /// Load changes of every resource, in time order (empty unless recorded).
    public var loads: [LoadSample]
    /// The number of flow-model events.
    public var events: Int
    /// The fingerprint of the flow model's event sequence (for `--fingerprint` and baselines).
    public var fingerprint = EventFingerprint()
    /// The invariant that stopped the flow model, if one did: the figures are then not valid.
    public var violation: InvariantViolation?

    /// Creates a run record.
    public init(outcomes: [TransferOutcome], usage: [ResourceUsage], loads: [LoadSample], events: Int) {
        self.outcomes = outcomes
        self.usage = usage
        self.loads = loads
        self.events = events
    }
}

/// Runs transfers concurrently in the flow-level (fluid) model: every leg is a flow over its
/// resources with max-min fair rates; latency is paid before data flows; software launch and
/// completion costs frame each transfer.
public struct FlowEngine: Sendable {
    /// A reporting rule, not a model constant: a leg whose average rate came within 5% of its
    /// rate cap (a bounce's chunked staging, a reader's tags) is reported as bound by that cap
    /// rather than by the busiest resource it crosses; the 5% absorbs the latency before data.
    public static let capBindingFraction = 0.95

    /// The resources flows share.
    public let resources: MachineResources
    /// Software cost per copy.
    public let launch: Picoseconds, completion: Picoseconds

    /// Creates an engine for a planner's machine.
    public init(planner: TransferPlanner) {
        resources = planner.resources
        let software = planner.machine.topology.software
        launch = software?.launch ?? planner.parameters.defaultLaunchOverhead
        completion = software?.completion ?? planner.parameters.defaultCompletionOverhead
    }

    /// The outcome of each transfer, in order, and the use of every resource.
    ///
    /// - Complexity: that of `FlowSimulation`: events only when flows start or end.
    public func run(_ transfers: [ScheduledTransfer]) -> (outcomes: [TransferOutcome], usage: [ResourceUsage]) {
        let result = run(transfers, recordingLoads: false)
        return (result.outcomes, result.usage)
    }

    /// Runs `transfers`; with `recordingLoads`, also the load of every resource over time.
    public func run(_ transfers: [ScheduledTransfer], recordingLoads: Bool) -> FlowRun {
        var simulation = FlowSimulation(capacities: resources.resources.map(\.capacity))
        simulation.recordsRates = recordingLoads
        var routes: [(resources: [Int], weights: [Double])] = []
        var flows: [[FlowID]] = []
        for transfer in transfers {
            var ids: [FlowID] = []
            for leg in transfer.plan.legs {
                var latency = leg.latency
                if let wait = leg.waitsForFirstChunk {
                    let firstChunk = Double(min(wait.chunk, transfer.bytes))
                    latency = latency + Picoseconds(saturatingSeconds: firstChunk / wait.rate)
                }
                let spec = FlowSpec(
                    route: leg.route.map { ResourceID($0) }, weights: leg.weights, bytes: transfer.bytes,
                    startTime: (transfer.start + launch).rawValue, latency: latency.rawValue, rateCap: leg.rateCap)
                ids.append(simulation.addFlow(spec))
                routes.append((leg.route, leg.weights))
            }
            flows.append(ids)
        }
        simulation.run()
        var outcomes: [TransferOutcome] = []
        for (transfer, ids) in zip(transfers, flows) {
            let end = ids.compactMap { simulation.finishTime(of: $0) }.max() ?? transfer.start.rawValue
            let finish = Picoseconds(end) + completion
            let duration = finish - transfer.start
            let seconds = duration.seconds
            // The bottleneck: the resource on the legs with the highest average load (bytes over
            // capacity x duration; ties: the smaller capacity), unless a leg ran at its rate cap.
            var best: (name: String, utilisation: Double, capacity: Double)?
            for leg in transfer.plan.legs {
                for resource in leg.route {
                    let spec = resources.resources[resource]
                    let carried = simulation.bytesCarried(by: ResourceID(resource))
                    let utilisation = seconds > 0 && spec.capacity > 0 ? carried / (spec.capacity * seconds) : 0
                    if best == nil || utilisation > (best?.utilisation ?? 0) + 1e-9
                        || (abs(utilisation - (best?.utilisation ?? 0)) <= 1e-9
                            && spec.capacity < (best?.capacity ?? .infinity))
                    {
                        best = (spec.name, utilisation, spec.capacity)
                    }
                }
            }
            let achieved = seconds > 0 ? Double(transfer.bytes) / seconds : 0
            for leg in transfer.plan.legs {
                if let cap = leg.rateCap, achieved >= Self.capBindingFraction * cap {
                    best = ("\(leg.name) pipeline", 1, cap)
                }
            }
            let reason: String
            if let best {
                reason =
                    best.name.hasSuffix("pipeline")
                    ? "chunked staging: each chunk waits for its synchronisation"
                    : "\(formatGB(best.capacity)) GB/s, \(Int((best.utilisation * 100).rounded()))% loaded over the transfer"
            } else {
                reason = "no shared resource"
            }
            outcomes.append(
                TransferOutcome(
                    transfer: transfer, duration: duration, finish: finish,
                    bandwidth: seconds > 0 ? Double(transfer.bytes) / seconds : 0, bottleneck: best?.name ?? "none",
                    bottleneckReason: reason))
        }
        let usage = resources.resources.enumerated().map { index, resource in
            ResourceUsage(
                name: resource.name, capacity: resource.capacity, bytes: simulation.bytesCarried(by: ResourceID(index)),
                busySeconds: simulation.busyTime(of: ResourceID(index)))
        }
        var loads: [LoadSample] = []
        if recordingLoads {
            var flowRate = [Double](repeating: 0, count: routes.count)
            var resourceLoad = [Double](repeating: 0, count: resources.resources.count)
            for change in simulation.rateLog {
                let flow = change.flow.index
                let delta = change.rate - flowRate[flow]
                flowRate[flow] = change.rate
                let time = Picoseconds(saturatingSeconds: change.time)
                for (position, resource) in routes[flow].resources.enumerated() {
                    let weight = routes[flow].weights.isEmpty ? 1 : routes[flow].weights[position]
                    resourceLoad[resource] = max(0, resourceLoad[resource] + weight * delta)
                    loads.append(LoadSample(time: time, resource: resource, load: resourceLoad[resource]))
                }
            }
        }
        var run = FlowRun(outcomes: outcomes, usage: usage, loads: loads, events: simulation.eventCount)
        run.fingerprint = simulation.fingerprint
        run.violation = simulation.violation
        return run
    }
}

/// `bytesPerSecond` in GB/s with two decimals.
func formatGB(_ bytesPerSecond: Double) -> String { formatDecimal(bytesPerSecond / 1e9, maxFractionDigits: 2) }
