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
    /// The size of each DMA when a direct copy is made of many (nil: one DMA per leg). Each DMA
    /// pays its device's issue cost (`<dma issueCost>`) and its leg's latency.
    public var dmaSize: UInt64?
    /// How many of those DMAs may be in flight at once (a queue's depth).
    public var queueDepth: Int

    /// Creates a scheduled transfer.
    public init(
        label: String, plan: TransferPlan, bytes: UInt64, start: Picoseconds = .zero, dmaSize: UInt64? = nil,
        queueDepth: Int = 1
    ) {
        self.label = label
        self.plan = plan
        self.bytes = bytes
        self.start = start
        self.dmaSize = dmaSize
        self.queueDepth = max(1, queueDepth)
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
    /// The DMA operations executed (a bounce's chunks on both legs).
    public var operations: [CopyOperation]
    /// When each operation was issued, started moving data and finished.
    public var timings: [CopyOperationTiming]
    /// The fingerprint of the flow model's event sequence (for `--fingerprint` and baselines).
    public var fingerprint = EventFingerprint()
    /// The invariant that stopped the flow model, if one did: the figures are then not valid.
    public var violation: InvariantViolation?

    /// Creates a run record.
    public init(
        outcomes: [TransferOutcome], usage: [ResourceUsage], loads: [LoadSample], events: Int,
        operations: [CopyOperation] = [], timings: [CopyOperationTiming] = []
    ) {
        self.outcomes = outcomes
        self.usage = usage
        self.loads = loads
        self.events = events
        self.operations = operations
        self.timings = timings
    }
}

/// Runs transfers concurrently in the flow-level (fluid) model: every leg is a flow over its
/// resources with max-min fair rates; latency is paid before data flows; software launch and
/// completion costs frame each transfer.
public struct FlowEngine: Sendable {
    /// A reporting rule, not a model constant: a bounce whose legs moved data less than 95% of the
    /// transfer's time is reported as held by its staging (synchronisation, buffer reuse), and a
    /// read leg that ran within 5% of its outstanding-request cap as bound by its requester,
    /// rather than by the busiest resource crossed; the 5% absorbs the latency before data.
    public static let capBindingFraction = 0.95

    /// The planner whose machine is simulated.
    public let planner: TransferPlanner
    /// The resources flows share.
    public let resources: MachineResources
    /// Software cost per copy.
    public let launch: Picoseconds, completion: Picoseconds

    /// Creates an engine for a planner's machine.
    public init(planner: TransferPlanner) {
        self.planner = planner
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
    ///
    /// Every transfer becomes DMA operations (`OperationSchedule`): one per leg, or a bounce's
    /// chunks. An operation is issued when `IssueControl` says so (its waits, the staging thread,
    /// a copy engine), becomes a flow that pays its leg's latency and then shares every resource
    /// it crosses max-min fairly with whatever else is moving, and its completion issues the
    /// operations that waited for it.
    public func run(_ transfers: [ScheduledTransfer], recordingLoads: Bool) -> FlowRun {
        // A queue of DMAs is one stream here (`DMAQueue`); the packet model issues each DMA.
        let schedule = OperationSchedule(
            transfers: transfers, topology: planner.machine.topology, parameters: planner.parameters, launch: launch,
            splitsDMAs: false)
        let operations = schedule.operations
        var control = IssueControl(
            jobs: schedule.jobs, poolCapacities: schedule.poolCapacities, serverCount: schedule.serverCount)
        var simulation = FlowSimulation(capacities: resources.resources.map(\.capacity))
        simulation.recordsRates = recordingLoads
        var routes: [(resources: [Int], weights: [Double])] = []
        var operationOfFlow: [Int] = []
        var timings = [CopyOperationTiming](
            repeating: CopyOperationTiming(issue: .zero, dataStart: .zero, finish: .zero), count: operations.count)
        var finished = 0

        // Posted writes waiting: a read request may not pass a posted write (PCIe ordering), so
        // where its requests meet a standing queue of posted writes they wait for it to drain, and
        // the read's round trip, which with its outstanding requests bounds its rate, grows by the
        // time the link takes to drain a full queue of posted writes (`postedWriteQueue` bytes at
        // the link's rate). A queue stands where writes arrive at least as fast as the link drains
        // them, and a request waits in it where it joins that traffic from another input:
        // - at the writer's own transmitter, where its DMA engine outruns its link, for the
        //   writer's own requests;
        // - at a link direction further on (a switch's upstream port, a root port) that the write
        //   streams arriving from other inputs fill: one stream at its own link's rate fills a
        //   link no wider, two half-rate streams fill it too. A request that travels with every
        //   one of those streams (it joined them earlier) waits only once, where it joined.
        var writerOwnLink = [Int](repeating: 0, count: resources.resources.count)
        let queueBytes = Double(planner.parameters.postedWriteQueue.bytes)
        let capacities = resources.resources.map(\.capacity)
        // The rate at which each write leg's stream arrives at every resource of its route (the
        // narrowest capacity before it), computed once per leg; and the write operations moving
        // or about to, by transfer and leg.
        let arrivals: [[[Double]]] = transfers.map { transfer in
            transfer.plan.legs.map { leg in
                guard !leg.isRead else { return [] }
                var narrowest = Double.infinity
                return leg.route.map { resource in
                    defer { narrowest = min(narrowest, capacities[resource]) }
                    return narrowest
                }
            }
        }
        var activeWrites: [(job: Int, transfer: Int, leg: Int)] = []

        // Read flows moving or about to, with their legs: their caps follow the write queues.
        var reading: [(flow: FlowID, leg: TransferLeg)] = []

        // The active writes crossing `link`: the rate at which they arrive there, whether one of
        // them joins it from another input than `previous`, and the largest of their weights on
        // it (a queue of posted writes takes longer to drain where its TLPs are small,
        // `<dma writePayload>`).
        func writesCrossing(_ link: Int, joiningFrom previous: Int?) -> (inflow: Double, joins: Bool, weight: Double) {
            var inflow = 0.0
            var joins = false
            var weight = 1.0
            for write in activeWrites {
                let crossing = transfers[write.transfer].plan.legs[write.leg]
                guard let position = crossing.route.firstIndex(of: link) else { continue }
                inflow += arrivals[write.transfer][write.leg][position]
                if let previous, !crossing.route.contains(previous) { joins = true }
                if position < crossing.weights.count { weight = max(weight, crossing.weights[position]) }
            }
            return (inflow, joins, weight)
        }

        func readCap(_ leg: TransferLeg) -> Double? {
            guard let reads = leg.outstandingReads else { return leg.rateCap }
            var wait = 0.0
            var joinedFrom: Int? = nil
            // Requests travel against the data: the reader's own link first.
            for link in leg.requestLinks.reversed() {
                let capacity = capacities[link]
                if let previous = joinedFrom {
                    let writes = writesCrossing(link, joiningFrom: previous)
                    // "At least as fast": equal capacities computed along different routes may
                    // differ in the last bits, hence the relative margin of 1e-3.
                    if writes.joins, writes.inflow >= capacity * 0.999 {
                        wait += queueBytes * writes.weight / capacity
                    }
                } else if writerOwnLink[link] > 0 {
                    wait += queueBytes * writesCrossing(link, joiningFrom: nil).weight / capacity
                }
                joinedFrom = link
            }
            return reads.bytes / (reads.roundTrip.seconds + wait)
        }

        func countWrites(_ job: Int, _ delta: Int) {
            let operation = operations[job]
            let leg = transfers[operation.transfer].plan.legs[operation.leg]
            guard !leg.isRead, operation.bytes > 0 else { return }
            if delta > 0 {
                activeWrites.append((job, operation.transfer, operation.leg))
            } else {
                activeWrites.removeAll { $0.job == job }
            }
            if let device = leg.initiator, let own = resources.linkUp[device] { writerOwnLink[own] += delta }
            // Contention changes a read while it runs: its round trip follows the queues.
            for entry in reading where entry.leg.requestLinks.contains(where: { leg.route.contains($0) }) {
                simulation.setRateCap(entry.flow, to: readCap(entry.leg))
            }
        }

        // Operations of no bytes complete after their latency without a flow.
        var zeroFinishes: [(time: UInt64, job: Int)] = []

        func issue(_ issues: [IssueControl.Issue]) {
            for next in issues { countWrites(next.job, 1) }
            for next in issues {
                let operation = operations[next.job]
                let transfer = transfers[operation.transfer]
                var leg = transfer.plan.legs[operation.leg]
                if leg.isRead { leg.rateCap = readCap(leg) }
                if let size = transfer.dmaSize, transfer.plan.mechanism != .bounce {
                    leg = DMAQueue.shape(leg, size: size, depth: transfer.queueDepth, resources: resources)
                }
                // Never before the solver's clock (a completion time rounded to picoseconds can
                // sit a fraction below it).
                var time = next.time
                let now = SimulationTime.picoseconds(fromSeconds: simulation.now)
                if time < now || SimulationTime.seconds(fromPicoseconds: time) < simulation.now {
                    time = max(time, now)
                    if SimulationTime.seconds(fromPicoseconds: time) < simulation.now { time += 1 }
                }
                timings[next.job].issue = Picoseconds(time)
                timings[next.job].dataStart = Picoseconds(time) + leg.latency
                if operation.bytes == 0 {
                    let end = (Picoseconds(time) + leg.latency).rawValue
                    let position = zeroFinishes.firstIndex { ($0.time, $0.job) > (end, next.job) } ?? zeroFinishes.count
                    zeroFinishes.insert((end, next.job), at: position)
                    continue
                }
                let spec = FlowSpec(
                    route: leg.route.map { ResourceID($0) }, weights: leg.weights, bytes: operation.bytes,
                    startTime: time, latency: leg.latency.rawValue, rateCap: leg.rateCap)
                let flow = simulation.addFlow(spec)
                routes.append((leg.route, leg.weights))
                operationOfFlow.append(next.job)
                if leg.isRead, leg.outstandingReads != nil { reading.append((flow, leg)) }
            }
        }

        func complete(_ job: Int, at time: UInt64) {
            reading.removeAll { operationOfFlow[$0.flow.index] == job }
            timings[job].finish = Picoseconds(time)
            finished += 1
            countWrites(job, -1)
            control.finish(job, at: time)
        }

        issue(control.issue(upTo: 0))
        while finished < operations.count {
            let horizon = min(control.nextReadyTime ?? .max, zeroFinishes.first?.time ?? .max)
            let completed = simulation.advance(until: horizon)
            if completed.isEmpty {
                guard horizon != .max else { break }
                while let first = zeroFinishes.first, first.time <= horizon {
                    zeroFinishes.removeFirst()
                    complete(first.job, at: first.time)
                }
                issue(control.issue(upTo: horizon))
                continue
            }
            var latest: UInt64 = 0
            let ordered = completed.map { (time: simulation.finishTime(of: $0) ?? 0, flow: $0.index) }
                .sorted { ($0.time, $0.flow) < ($1.time, $1.flow) }
            for (time, flow) in ordered {
                latest = max(latest, time)
                complete(operationOfFlow[flow], at: max(time, latest))
            }
            issue(control.issue(upTo: latest))
        }

        var outcomes: [TransferOutcome] = []
        var operationsOf = [[Int]](repeating: [], count: transfers.count)
        for (index, operation) in operations.enumerated() { operationsOf[operation.transfer].append(index) }
        for (index, transfer) in transfers.enumerated() {
            let end = operationsOf[index].map { timings[$0].finish }.max() ?? (transfer.start + launch)
            let finish = end + completion
            let duration = finish - transfer.start
            let (bottleneck, reason) = self.bottleneck(
                of: transfer, operations: operationsOf[index].map { (operations[$0], timings[$0]) },
                duration: duration)
            outcomes.append(
                TransferOutcome(
                    transfer: transfer, duration: duration, finish: finish,
                    bandwidth: duration.seconds > 0 ? Double(transfer.bytes) / duration.seconds : 0,
                    bottleneck: bottleneck, bottleneckReason: reason))
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
        var run = FlowRun(
            outcomes: outcomes, usage: usage, loads: loads, events: simulation.eventCount, operations: operations,
            timings: timings)
        run.fingerprint = simulation.fingerprint
        run.violation = simulation.violation
        return run
    }

    /// The resource or mechanism that limited a transfer, and why.
    ///
    /// A bounce whose copies were busy less than `capBindingFraction` of the transfer was held
    /// by its staging (chunk synchronisation and buffer reuse); otherwise the busiest resource of
    /// its legs is named, with the share of its capacity that this transfer itself used (never
    /// above 100%: a flow's rate never exceeds a resource's capacity).
    private func bottleneck(
        of transfer: ScheduledTransfer, operations: [(CopyOperation, CopyOperationTiming)], duration: Picoseconds
    ) -> (String, String) {
        let seconds = duration.seconds
        guard seconds > 0 else { return ("none", "no data moved") }
        var busy = [Double](repeating: 0, count: transfer.plan.legs.count)
        for (operation, timing) in operations where timing.finish > timing.dataStart {
            busy[operation.leg] += (timing.finish - timing.dataStart).seconds
        }
        if transfer.plan.mechanism == .bounce, let most = busy.max(), most < Self.capBindingFraction * seconds {
            return (
                "bounce staging",
                "each leg moved data \(busy.map { "\(Int(($0 / seconds * 100).rounded()))%" }.joined(separator: " and ")) of the time; the rest is chunk synchronisation and staging-buffer reuse"
            )
        }
        var best: (name: String, share: Double, capacity: Double)?
        // A staged copy goes at the pace of its busiest leg: look for the bottleneck there.
        let slowest = busy.indices.max { busy[$0] < busy[$1] }
        for (legIndex, leg) in transfer.plan.legs.enumerated() where busy[legIndex] > 0 && (legIndex == slowest || transfer.plan.mechanism != .bounce) {
            if let cap = leg.rateCap, Double(transfer.bytes) / busy[legIndex] >= Self.capBindingFraction * cap {
                return ("\(leg.name) requester", "outstanding reads: \(formatGB(cap)) GB/s at most")
            }
            for (position, resource) in leg.route.enumerated() {
                let spec = resources.resources[resource]
                guard spec.capacity > 0 else { continue }
                let share = min(1, Double(transfer.bytes) * leg.weight(at: position) / (spec.capacity * busy[legIndex]))
                if best == nil || share > best!.share + 1e-9
                    || (abs(share - best!.share) <= 1e-9 && spec.capacity < best!.capacity)
                {
                    best = (spec.name, share, spec.capacity)
                }
            }
        }
        guard let best else { return ("none", "no shared resource") }
        return (
            best.name,
            "\(formatGB(best.capacity)) GB/s, \(Int((best.share * 100).rounded()))% of it used by this transfer while it moved data"
        )
    }
}

/// `bytesPerSecond` in GB/s with two decimals.
func formatGB(_ bytesPerSecond: Double) -> String { formatDecimal(bytesPerSecond / 1e9, maxFractionDigits: 2) }
