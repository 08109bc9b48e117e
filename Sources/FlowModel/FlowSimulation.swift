import SimKernel
import Units

/// The description of one flow for ``FlowSimulation``.
public struct FlowSpec: Sendable, Equatable {
    /// The resources crossed, each at most once.
    ///
    /// An empty route is unconstrained (only the cap applies).
    public var route: [ResourceID]
    /// The consumption weight of each route entry: at rate x the flow uses `weights[i]`·x of `route[i]`.
    ///
    /// Empty means every weight is 1; otherwise it has the same count as `route`, each weight
    /// positive and finite (checked by a precondition when the flow is added).
    public var weights: [Double]
    /// The number of bytes to transfer.
    public var bytes: UInt64
    /// When the flow is issued, in picoseconds.
    public var startTime: UInt64
    /// The latency paid before the flow starts draining, in picoseconds (no bandwidth is used meanwhile).
    public var latency: UInt64
    /// An optional private rate limit in bytes/s (for example tags x MRRS / round trip, or a DMA engine rate).
    public var rateCap: Double?

    /// Creates a flow description with every route weight 1.
    public init(route: [ResourceID], bytes: UInt64, startTime: UInt64 = 0, latency: UInt64 = 0, rateCap: Double? = nil)
    {
        self.init(route: route, weights: [], bytes: bytes, startTime: startTime, latency: latency, rateCap: rateCap)
    }

    /// Creates a flow description with per-entry consumption weights (empty means all 1).
    public init(
        route: [ResourceID], weights: [Double], bytes: UInt64, startTime: UInt64 = 0, latency: UInt64 = 0,
        rateCap: Double? = nil
    ) {
        self.route = route
        self.weights = weights
        self.bytes = bytes
        self.startTime = startTime
        self.latency = latency
        self.rateCap = rateCap
    }
}

/// An event-driven fluid simulation of flows sharing resources with max-min fairness.
///
/// A flow issued at `startTime` first pays its `latency` without using bandwidth, then drains
/// its bytes at its max-min fair rate, which changes only when some flow starts draining or
/// completes (SimGrid's convention). Events are processed in time order; the completions and
/// activations within ``relativeBatchWindow`` or ``absoluteBatchWindow`` of the earliest pending
/// event are handled at that earliest time as one event, followed by one selective rate update
/// (see ``MaxMinSolver``: only the part of the sharing problem whose rates change is re-solved).
/// Only flows whose rate changed get a new projected completion, kept in an event queue
/// (one entry per flow, moved in place). A flow's remaining bytes are brought up to date only
/// when its rate changes.
///
/// Times are integer picoseconds at the API boundary and `Double` seconds internally;
/// ``finishTime(of:)`` rounds to the nearest picosecond, ``finishTimeSeconds(of:)`` is unrounded.
public struct FlowSimulation: Sendable {
    /// Events within this relative distance of the earliest pending event are batched into it
    /// (absorbs rounding differences between flows whose exact finish times are equal).
    ///
    /// Default 1e-12.
    public var relativeBatchWindow = 1e-12

    /// Events within this absolute distance (picoseconds) of the earliest pending event are batched
    /// into it.
    ///
    /// Default 0. SimGrid's lazy update merges events within 1 ns (`sg_surf_precision`),
    /// so 1000 reproduces its completion times more closely.
    public var absoluteBatchWindow: UInt64 = 0

    enum State: UInt8, Sendable { case pending, draining, done }

    /// The rate solver (flows are registered in it with the same ids).
    public private(set) var solver: MaxMinSolver
    var specBytes: [Double] = []
    var activationTime: [Double] = []
    var remaining: [Double] = []
    var lastUpdate: [Double] = []
    var drainRate: [Double] = []
    var state: [State] = []
    var finish: [Double] = []
    var events = EventQueue()
    var activatedBatch: [FlowID] = []
    var completedBatch: [FlowID] = []
    var resourceBytes: [Double] = []
    var resourceBusy: [Double] = []
    var resourceBusySince: [Double] = []
    var resourceDraining: [Int] = []
    /// The sum of weight × rate of the flows draining through each resource, kept up to date
    /// as rates change, for the capacity invariant.
    var resourceLoad: [Double] = []
    /// The capacity the invariant checks each resource against (the solver's; tests lower it
    /// through `lowerCheckedCapacityForTesting` to see the invariant stop a run).
    var checkedCapacity: [Double] = []
    /// Resources whose load rose in the current event, checked once it is handled (each once:
    /// `touchedStamp[r]` is `touchEpoch` while r is listed).
    var touchedResources: [Int] = []
    var touchedStamp: [UInt32] = []
    var touchEpoch: UInt32 = 1
    /// The invariant that stopped the run, if one did (see ``run()``).
    public private(set) var violation: InvariantViolation?
    /// The fingerprint of the event sequence so far: each event's time in picoseconds, then the
    /// ids of the flows it activated and completed, in order (`EventFingerprint`).
    public private(set) var fingerprint = EventFingerprint()
    /// The current simulated time in seconds.
    public private(set) var now: Double = 0
    /// The number of (batched) events processed so far.
    public private(set) var eventCount = 0
    /// Whether to record every change of a flow's rate in ``rateLog`` (for traces); off by
    /// default, when it costs one branch per event.
    public var recordsRates = false
    /// Every rate change as (seconds, flow, bytes per second), in time order, when
    /// ``recordsRates`` is set; a finished flow's last entry has rate 0.
    public private(set) var rateLog: [(time: Double, flow: FlowID, rate: Double)] = []

    /// Creates a simulation over resources with the given capacities in bytes/s.
    public init(capacities: [Double] = []) {
        solver = MaxMinSolver()
        for c in capacities { _ = addResource(capacity: c) }
    }

    /// Makes room for `flows` more flows with `routeEntries` route entries in all, so that adding
    /// them does not regrow the per-flow arrays again and again.
    public mutating func reserveCapacity(flows: Int, routeEntries: Int) {
        let total = flowCount + flows
        solver.reserveCapacity(flows: total, routeEntries: solver.routeResource.count + routeEntries)
        for array in [\FlowSimulation.specBytes, \.activationTime, \.remaining, \.lastUpdate, \.drainRate, \.finish] {
            self[keyPath: array].reserveCapacity(total)
        }
        state.reserveCapacity(total)
        events.reserveCapacity(total)
    }

    /// Adds a resource with a capacity in bytes/s.
    public mutating func addResource(capacity: Double) -> ResourceID {
        resourceBytes.append(0)
        resourceBusy.append(0)
        resourceBusySince.append(0)
        resourceDraining.append(0)
        resourceLoad.append(0)
        touchedStamp.append(0)
        checkedCapacity.append(capacity)
        return solver.addResource(capacity: capacity)
    }

    /// Whether rate updates are selective (default) or full recomputations; see ``MaxMinSolver/selectiveUpdate``.
    public var selectiveUpdate: Bool {
        get { solver.selectiveUpdate }
        set { solver.selectiveUpdate = newValue }
    }

    /// The number of flows added.
    public var flowCount: Int { state.count }

    /// Adds a flow; it is issued at `spec.startTime` (which must not be earlier than ``now``).
    /// - Complexity: O(route length + log of pending events).
    @discardableResult
    public mutating func addFlow(_ spec: FlowSpec) -> FlowID {
        let id = solver.addFlow(route: spec.route, weights: spec.weights, rateCap: spec.rateCap)
        let t =
            SimulationTime.seconds(fromPicoseconds: spec.startTime)
            + SimulationTime.seconds(fromPicoseconds: spec.latency)
        precondition(t >= now, "flow activates before the current simulated time")
        specBytes.append(Double(spec.bytes))
        activationTime.append(t)
        remaining.append(Double(spec.bytes))
        lastUpdate.append(t)
        drainRate.append(0)
        state.append(.pending)
        finish.append(.nan)
        events.grow(to: state.count)
        events.schedule(id.index, at: t)
        return id
    }

    /// Runs until no event is left.
    ///
    /// Flows starved forever (rate 0) stay unfinished.
    /// - Complexity: O(E log E) heap work for E events plus the selective updates of the solver.
    public mutating func run() {
        run(untilSeconds: .infinity)
    }

    /// Processes every event up to and including `endTime` (picoseconds), then sets ``now`` to
    /// `endTime`; more flows may then be added (starting at or after `endTime`) and the run resumed.
    /// - Complexity: as ``run()``, for the events processed.
    public mutating func run(until endTime: UInt64) {
        run(untilSeconds: SimulationTime.seconds(fromPicoseconds: endTime))
    }

    /// Processes events up to `endTime` (picoseconds), stopping after the first batch in which a
    /// flow completes; returns the flows that completed in it (empty when `endTime` was reached
    /// first, and ``now`` is then `endTime`).
    ///
    /// This is how a caller reacts to completions, for instance to issue the next chunk of a
    /// staged copy when the previous one has landed.
    /// - Complexity: as ``run()``, for the events processed.
    public mutating func advance(until endTime: UInt64) -> [FlowID] {
        let end = endTime == .max ? Double.infinity : SimulationTime.seconds(fromPicoseconds: endTime)
        if run(untilSeconds: end, stopAtCompletion: true) { return completedBatch }
        return []
    }

    /// Changes a flow's rate cap (nil: none) from now on: a draining flow's rate is solved again
    /// at once with everything it shares, and its completion moves; a flow not yet draining
    /// starts with the new cap.
    /// - Complexity: that of one selective update.
    public mutating func setRateCap(_ flow: FlowID, to cap: Double?) {
        let f = flow.index
        let value = cap ?? .infinity
        guard solver.rateCap[f] != value else { return }
        solver.rateCap[f] = value
        guard state[f] == .draining else { return }
        solver.update(activating: [flow], deactivating: [flow])
        for id in solver.changedFlows { reschedule(id.index, at: now) }
        checkCapacities(at: now)
        if recordsRates {
            for id in solver.changedFlows where state[id.index] == .draining {
                rateLog.append((now, id, solver.rates[id.index]))
            }
        }
    }

    /// The time of the next pending event in picoseconds, or nil when none is left.
    public var nextEventTime: UInt64? {
        events.nextTime.map { SimulationTime.picoseconds(fromSeconds: $0) }
    }

    private mutating func run(untilSeconds end: Double) {
        _ = run(untilSeconds: end, stopAtCompletion: false)
    }

    @discardableResult
    private mutating func run(untilSeconds end: Double, stopAtCompletion: Bool) -> Bool {
        while violation == nil, let t = events.nextTime {
            if t > end { break }
            let limit = t + max(t * relativeBatchWindow, SimulationTime.seconds(fromPicoseconds: absoluteBatchWindow))
            activatedBatch.removeAll(keepingCapacity: true)
            completedBatch.removeAll(keepingCapacity: true)
            while let f = events.popTop(notAfter: limit) {
                if state[f] == .pending {
                    beginDraining(f, at: t)
                } else {
                    complete(f, at: t)
                }
            }
            now = t
            eventCount += 1
            fingerprint.mix(SimulationTime.picoseconds(fromSeconds: t))
            for id in activatedBatch { fingerprint.mix(1 << 62 | UInt64(id.index)) }
            for id in completedBatch { fingerprint.mix(2 << 62 | UInt64(id.index)) }
            solver.update(activating: activatedBatch, deactivating: completedBatch)
            for id in solver.changedFlows { reschedule(id.index, at: t) }
            checkCapacities(at: t)
            if recordsRates {
                for id in completedBatch { rateLog.append((t, id, 0)) }
                for id in solver.changedFlows where state[id.index] == .draining {
                    rateLog.append((t, id, solver.rates[id.index]))
                }
            }
            if stopAtCompletion && !completedBatch.isEmpty { return true }
        }
        if end.isFinite && end > now && violation == nil { now = end }
        return false
    }

    private mutating func beginDraining(_ f: Int, at t: Double) {
        let id = FlowID(f)
        let route = solver.routeStart[f]..<solver.routeStart[f + 1]
        if specBytes[f] == 0 || (route.isEmpty && solver.rateCap[f] == .infinity) {
            state[f] = .done
            finish[f] = t
            remaining[f] = 0
            for s in route { resourceBytes[Int(solver.routeResource[s])] += weight(ofSlot: s) * specBytes[f] }
            return
        }
        state[f] = .draining
        lastUpdate[f] = t
        for s in route {
            let r = Int(solver.routeResource[s])
            if resourceDraining[r] == 0 { resourceBusySince[r] = t }
            resourceDraining[r] += 1
        }
        activatedBatch.append(id)
    }

    private mutating func complete(_ f: Int, at t: Double) {
        if state[f] == .draining { changeLoad(of: f, to: 0) }
        state[f] = .done
        finish[f] = t
        remaining[f] = 0
        for s in solver.routeStart[f]..<solver.routeStart[f + 1] {
            let r = Int(solver.routeResource[s])
            resourceBytes[r] += weight(ofSlot: s) * specBytes[f]
            resourceDraining[r] -= 1
            if resourceDraining[r] == 0 { resourceBusy[r] += t - resourceBusySince[r] }
        }
        completedBatch.append(FlowID(f))
    }

    private mutating func reschedule(_ f: Int, at t: Double) {
        var left = remaining[f] - drainRate[f] * (t - lastUpdate[f])
        if left < 0 { left = 0 }
        remaining[f] = left
        lastUpdate[f] = t
        let r = solver.rates[f]
        if state[f] == .draining {
            changeLoad(of: f, to: r)
            if r > solver.rateCap[f] * (1 + Self.invariantTolerance) {
                violation = InvariantViolation(
                    component: "FlowSimulation flow \(f)", time: Picoseconds(saturatingSeconds: t),
                    invariant: "every flow's rate within its cap",
                    detail: "rate \(r) B/s above the flow's cap of \(solver.rateCap[f]) B/s")
            }
        }
        drainRate[f] = r
        if r > 0 {
            events.schedule(f, at: t + left / r)
        } else {
            events.remove(f)
        }
    }

    /// The relative slack of the capacity invariant: far above floating-point drift in the
    /// incrementally kept loads (10^-16 per update), far below any real overload.
    static let invariantTolerance = 1e-6

    /// The consumption weight of route slot `s`, without reading the weights while all are 1
    /// (multiplying by 1 is exact, so the result is the same).
    @inline(__always) private func weight(ofSlot s: Int) -> Double {
        solver.weighted ? solver.routeWeight[s] : 1
    }

    /// Moves flow `f`'s contribution to its resources' loads from its current drain rate to `rate`.
    private mutating func changeLoad(of f: Int, to rate: Double) {
        let delta = rate - drainRate[f]
        guard delta != 0 else { return }
        for s in solver.routeStart[f]..<solver.routeStart[f + 1] {
            let r = Int(solver.routeResource[s])
            resourceLoad[r] += weight(ofSlot: s) * delta
            if delta > 0 && touchedStamp[r] != touchEpoch {
                touchedStamp[r] = touchEpoch
                touchedResources.append(r)
            }
        }
        if rate == 0 { drainRate[f] = 0 }
    }

    /// Checks that no resource whose load rose in this event carries more than its capacity.
    private mutating func checkCapacities(at t: Double) {
        defer {
            touchedResources.removeAll(keepingCapacity: true)
            touchEpoch &+= 1
        }
        guard violation == nil else { return }
        for r in touchedResources {
            let capacity = checkedCapacity[r]
            if resourceLoad[r] > capacity * (1 + Self.invariantTolerance) + 1e-3 {
                violation = InvariantViolation(
                    component: "FlowSimulation resource \(r)", time: Picoseconds(saturatingSeconds: t),
                    invariant: "every flow's rate within its resources' capacities",
                    detail: "the flows through it carry \(resourceLoad[r]) B/s, above its capacity of \(capacity) B/s")
                return
            }
        }
    }

    /// Test-only hook: makes the capacity invariant check resource `resource` against
    /// `capacity` instead of the capacity the solver shares, so that a test can see a run stop.
    mutating func lowerCheckedCapacityForTesting(of resource: ResourceID, to capacity: Double) {
        checkedCapacity[resource.index] = capacity
    }

    /// The completion time of a flow in picoseconds (rounded to nearest), or nil if unfinished.
    public func finishTime(of flow: FlowID) -> UInt64? {
        let t = finish[flow.index]
        return t.isNaN ? nil : SimulationTime.picoseconds(fromSeconds: t)
    }

    /// The completion time of a flow in seconds (unrounded), or nil if unfinished.
    public func finishTimeSeconds(of flow: FlowID) -> Double? {
        let t = finish[flow.index]
        return t.isNaN ? nil : t
    }

    /// The current drain rate of a flow in bytes/s (0 before it starts draining and after it ends).
    public func rate(of flow: FlowID) -> Double {
        state[flow.index] == .draining ? drainRate[flow.index] : 0
    }

    /// Bytes carried by a resource so far: the full size of every completed flow crossing it, times
    /// that flow's weight on the resource.
    public func bytesCarried(by resource: ResourceID) -> Double { resourceBytes[resource.index] }

    /// Seconds during which at least one flow was draining through the resource (closed
    /// intervals only: time since the last idle-to-busy transition of a still-busy resource is not counted).
    public func busyTime(of resource: ResourceID) -> Double { resourceBusy[resource.index] }
}
