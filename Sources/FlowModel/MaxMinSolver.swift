import SimKernel

/// An entry of the progressive-filling heap: a resource (id >= 0) or a flow's private rate cap
/// (id = -1 - flow), keyed by (a lower bound of) the fair share it would grant next.
struct FillEntry: Comparable, Sendable {
    var key: Double
    var id: Int

    static func < (lhs: FillEntry, rhs: FillEntry) -> Bool {
        lhs.key < rhs.key || (lhs.key == rhs.key && lhs.id < rhs.id)
    }

    static func == (lhs: FillEntry, rhs: FillEntry) -> Bool {
        lhs.key == rhs.key && lhs.id == rhs.id
    }
}

/// Computes max-min fair rates of flows over capacitated resources by progressive filling,
/// and keeps them up to date incrementally as flows become active or inactive.
///
/// Every flow has a fixed route (a list of distinct resources) and an optional rate cap, which
/// behaves like a private resource of that capacity. Only *active* flows take part in sharing.
///
/// **Weights.** Each route entry may carry a weight w > 0 (SimGrid's consumption weight, default
/// 1): a flow at rate x consumes w·x of that resource. Fairness is on the rates x: progressive
/// filling raises all unfrozen rates equally, a resource saturates when the sum of w·x over its
/// flows reaches its capacity, so the level it allows is its residual divided by the sum of its
/// unfrozen flows' weights. The bottleneck condition is unchanged (a saturated resource on which
/// no flow has a higher rate x, or the flow's own cap).
///
/// **Selective update.** ``update(activating:deactivating:)`` does not re-solve the whole
/// problem. It re-solves a set *S* of flows (initially the newly activated ones) by progressive
/// filling while every other active flow keeps its current rate, then checks the optimality
/// condition of max-min fairness (every flow has a *bottleneck*: a saturated resource on which
/// no flow is faster, or its own cap) for the members and for the flows on changed resources
/// that became weaker bottlenecks (lost saturation, or got a faster flow). Flows
/// that fail the check, and faster flows on their saturated resources, join *S*, and the loop
/// repeats until every checked flow is bottlenecked. Because a feasible allocation in which
/// every flow has a bottleneck is *the* max-min fair allocation, the result equals a full
/// recomputation (up to ``relativeTolerance``), while the work stays proportional to the part
/// of the problem whose rates actually change. When *S* grows beyond a quarter of the active
/// flows, or starts there (more than a quarter of the active flows are new), one full
/// progressive filling is done instead (it needs no verification).
///
/// **Determinism.** All state is kept in arrays indexed by integer ids; heap ties are broken by
/// id, so the same sequence of calls always yields bit-identical rates.
public struct MaxMinSolver: Sendable {
    /// Relative tolerance used to decide saturation and rate equality in the optimality check.
    public static let relativeTolerance = 1e-9

    /// Rates that differ relatively by less than this from their previous value are kept
    /// unchanged (bit-identical), so callers need not reschedule them.
    public static let unchangedTolerance = 1e-12

    // MARK: Resources
    var capacity: [Double] = []
    /// The active flows on each resource, with the route slot through which each crosses it.
    var flowLists = ResourceFlowLists()
    /// Cached: whether the resource is saturated under the current rates.
    var resourceSaturated: [Bool] = []
    /// Cached: the largest rate among the active flows on the resource, kept for saturated
    /// resources only (0 on the others, where no flow can have its bottleneck).
    var resourceMaxRate: [Double] = []
    /// Σ weight·rate of the active flows on each resource (the members of a running `fill`
    /// excepted), in fixed point of `usageScale` units per byte/s: adding and removing a flow's
    /// share is exact and independent of order, so the sums are kept up to date as rates change
    /// instead of rescanning every flow of a resource on each update.
    var resourceUsage: [Int64] = []
    /// Flows on each resource whose share is too large for the fixed point (infinite rates on
    /// resources of infinite capacity): the resource's usage is then infinite.
    var resourceUnboundedFlows: [Int32] = []
    /// Fixed-point units per byte/s of `resourceUsage`: 2^16, so a share is exact to 1.5e-5 B/s and
    /// a resource may carry up to 1.4e14 B/s.
    static let usageScale = 65_536.0
    /// The largest share kept in fixed point (2^62 units).
    static let usageLimit = 4.611_686_018_427_387_904e18

    // MARK: Flows
    var routeStart: [Int] = [0]
    /// The resource of each route slot (32 bits: half the memory traffic of the scans over routes).
    var routeResource: [Int32] = []
    /// The consumption weight of each route slot (parallel to `routeResource`; 1 by default), kept
    /// only once a weight other than 1 was given: read it only while `weighted`.
    var routeWeight: [Double] = []
    /// Whether any flow ever added has a weight other than 1; while false, the loops over
    /// resources count flows instead of summing weights (the code and speed of the unweighted model),
    /// and `routeWeight` stays empty (14 MB less to write for 400,000 flows).
    var weighted = false
    /// The position of each route slot in its resource's list in `flowLists` (-1 while inactive).
    var slotPosition: [Int32] = []
    var rateCap: [Double] = []
    /// Current rates in bytes/s (0 for inactive flows).
    var rates: [Double] = []
    var active: [Bool] = []
    var activeCount = 0
    /// The active flows, in no particular order (a full pass visits them without scanning every
    /// flow ever added), and each active flow's index in it.
    var activeFlows: [Int32] = []
    var activeIndex: [Int32] = []

    // MARK: Scratch (reused across updates; no allocation in steady state)
    var epoch: UInt32 = 0
    var memberStamp: [UInt32] = []
    var previousRate: [Double] = []
    var members: [Int] = []
    var fillEpoch: UInt32 = 0
    var fixedStamp: [UInt32] = []
    var checkEpoch: UInt32 = 0
    var checkedStamp: [UInt32] = []
    var touchStamp: [UInt32] = []
    var residual: [Double] = []
    var unfixed: [Int] = []
    /// The sum of the weights of the unfixed member flows on each touched resource during `fill`.
    var unfixedWeight: [Double] = []
    var touched: [Int] = []
    var dirtyStamp: [UInt32] = []
    var dirty: [Int] = []
    /// State of dirty resources before this update (to tell whether they got weaker bottlenecks).
    var committedSaturated: [Bool] = []
    var committedMaxRate: [Double] = []
    var expandStamp: [UInt32] = []
    var expandThreshold: [Double] = []
    var expandList: [Int] = []
    var heap = MinHeap<FillEntry>()
    var changed: [FlowID] = []
    var iterations = 0

    /// Creates a solver over resources with the given capacities (bytes/s; `.infinity` allowed).
    public init(capacities: [Double] = []) {
        for c in capacities { _ = addResource(capacity: c) }
    }

    /// The number of resources.
    public var resourceCount: Int { capacity.count }

    /// The number of flows ever added.
    public var flowCount: Int { rateCap.count }

    /// The flows whose rate changed in the last ``update(activating:deactivating:)`` or
    /// ``recomputeAll()`` call (newly activated flows appear only if their rate is non-zero).
    public var changedFlows: [FlowID] { changed }

    /// When false, ``update(activating:deactivating:)`` re-solves all active flows from scratch
    /// (the reference behaviour, for cross-checking and benchmarking).
    ///
    /// Default true.
    public var selectiveUpdate = true

    /// Total number of filling passes performed by incremental updates so far (a cost statistic).
    public var fillPasses: Int { iterations }

    /// Reserves memory for `flows` flows with `routeEntries` route entries in all.
    mutating func reserveCapacity(flows: Int, routeEntries: Int) {
        routeStart.reserveCapacity(flows + 1)
        routeResource.reserveCapacity(routeEntries)
        if weighted { routeWeight.reserveCapacity(routeEntries) }
        slotPosition.reserveCapacity(routeEntries)
        for array in [\MaxMinSolver.rateCap, \.rates, \.previousRate] { self[keyPath: array].reserveCapacity(flows) }
        for array in [\MaxMinSolver.memberStamp, \.fixedStamp, \.checkedStamp] { self[keyPath: array].reserveCapacity(flows) }
        active.reserveCapacity(flows)
    }

    /// Adds a resource with the given capacity in bytes/s and returns its id.
    public mutating func addResource(capacity c: Double) -> ResourceID {
        precondition(c >= 0, "capacity must be non-negative")
        let id = capacity.count
        capacity.append(c)
        flowLists.addResource()
        resourceSaturated.append(false)
        resourceMaxRate.append(0)
        resourceUsage.append(0)
        resourceUnboundedFlows.append(0)
        touchStamp.append(0)
        residual.append(0)
        unfixed.append(0)
        unfixedWeight.append(0)
        dirtyStamp.append(0)
        committedSaturated.append(false)
        committedMaxRate.append(0)
        expandStamp.append(0)
        expandThreshold.append(0)
        return ResourceID(id)
    }

    /// Adds an inactive flow over `route` (distinct resources) with an optional rate cap in bytes/s.
    public mutating func addFlow(route: [ResourceID], rateCap cap: Double? = nil) -> FlowID {
        addFlow(route: route, weights: [], rateCap: cap)
    }

    /// Adds an inactive flow over `route` (distinct resources) with per-entry consumption weights
    /// and an optional rate cap in bytes/s.
    ///
    /// A flow at rate x consumes `weights[i]`·x of `route[i]`. `weights` is either empty (every
    /// weight 1) or has the same count as `route`, each weight positive and finite.
    public mutating func addFlow(route: [ResourceID], weights: [Double], rateCap cap: Double?) -> FlowID {
        precondition(weights.isEmpty || weights.count == route.count, "weights must be empty or parallel to the route")
        let id = rateCap.count
        let slotsBefore = routeResource.count
        epoch &+= 1  // reuse dirtyStamp with a fresh epoch to check distinctness
        for r in route {
            precondition(r.index >= 0 && r.index < capacity.count, "unknown resource \(r)")
            precondition(dirtyStamp[r.index] != epoch, "resource \(r) appears twice in a route")
            dirtyStamp[r.index] = epoch
            routeResource.append(r.rawValue)
            slotPosition.append(-1)
            flowLists.addSlot(on: r.index)
        }
        for w in weights {
            precondition(w > 0 && w.isFinite, "route weights must be positive and finite")
            if w != 1 && !weighted {
                weighted = true
                routeWeight = Array(repeating: 1, count: slotsBefore)
            }
        }
        if weighted {
            if weights.isEmpty {
                routeWeight.append(contentsOf: repeatElement(1, count: route.count))
            } else {
                routeWeight.append(contentsOf: weights)
            }
        }
        routeStart.append(routeResource.count)
        precondition(cap.map { $0 >= 0 } ?? true, "rate cap must be non-negative")
        rateCap.append(cap ?? .infinity)
        rates.append(0)
        active.append(false)
        activeIndex.append(-1)
        memberStamp.append(0)
        previousRate.append(0)
        fixedStamp.append(0)
        checkedStamp.append(0)
        return FlowID(id)
    }

    /// The current max-min fair rate of a flow in bytes/s (0 when inactive; `.infinity` for an
    /// uncapped flow with an empty route).
    public func rate(of flow: FlowID) -> Double { rates[flow.index] }

    /// Whether the flow currently takes part in sharing.
    public func isActive(_ flow: FlowID) -> Bool { active[flow.index] }

    /// The route of a flow.
    public func route(of flow: FlowID) -> [ResourceID] {
        routeResource[routeStart[flow.index]..<routeStart[flow.index + 1]].map { ResourceID($0) }
    }

    /// The consumption weights of a flow's route entries (1 where none was given).
    public func weights(of flow: FlowID) -> [Double] {
        let slots = routeStart[flow.index]..<routeStart[flow.index + 1]
        return weighted ? Array(routeWeight[slots]) : Array(repeating: 1, count: slots.count)
    }

    /// The capacity of a resource in bytes/s.
    public func capacity(of resource: ResourceID) -> Double { capacity[resource.index] }

    /// One-shot convenience: max-min fair rates of all `routes` (all active) over resources
    /// with `capacities`, honouring optional per-flow caps (`rateCaps` empty means no caps)
    /// and per-entry consumption weights (`weights` empty means all 1; an empty entry too).
    /// - Complexity: one full progressive filling, O(P + (R + C + K) log R) (see ``recomputeAll()``).
    public static func solve(
        capacities: [Double], routes: [[ResourceID]], weights: [[Double]] = [], rateCaps: [Double?] = []
    ) -> [Double] {
        var solver = MaxMinSolver(capacities: capacities)
        var ids: [FlowID] = []
        ids.reserveCapacity(routes.count)
        for (i, route) in routes.enumerated() {
            ids.append(
                solver.addFlow(
                    route: route, weights: i < weights.count ? weights[i] : [],
                    rateCap: i < rateCaps.count ? rateCaps[i] : nil))
        }
        solver.update(activating: ids, deactivating: [])
        return solver.rates
    }

    // MARK: - Incremental update

    /// Activates and deactivates flows, then brings all rates back to the max-min fair
    /// allocation by selective update (see the type's documentation).
    ///
    /// The flows whose rate changed are listed in ``changedFlows`` afterwards.
    /// - Complexity: proportional to the total length of the resource lists touched by the
    ///   flows whose rates change (times log for heap operations), not to the problem size;
    ///   in the worst case a few passes of full progressive filling, O(P + R log R) each
    ///   (P total route length of active flows, R resources).
    public mutating func update(activating: [FlowID], deactivating: [FlowID]) {
        epoch &+= 1
        members.removeAll(keepingCapacity: true)
        dirty.removeAll(keepingCapacity: true)
        changed.removeAll(keepingCapacity: true)
        for f in deactivating { detach(f.index) }
        for f in activating {
            attach(f.index)
            addMember(f.index)
        }
        // When the new flows alone are more than a quarter of the active ones, the selective
        // rounds would almost surely end in a full pass (the 400,000-flow replay's two start-up
        // events did: a first fill of 200,000 flows, then the full one), so go straight to it.
        if selectiveUpdate && members.count * 4 <= activeCount {
            while true {
                if !members.isEmpty {
                    fill()
                    iterations += 1
                    settleMembers()
                }
                refreshDirtyResources()
                if !verifyAndExpand() { break }
                // Once a quarter of the active flows are involved, one full pass is cheaper than more rounds.
                if members.count * 4 > activeCount {
                    fullSolve()
                    break
                }
            }
        } else {
            fullSolve()
        }
        for m in members where rates[m] != previousRate[m] { changed.append(FlowID(m)) }
    }

    /// Re-solves all active flows (adding them all to the member set) and refreshes every
    /// resource cache; a full progressive filling is exact, so no verification is needed.
    ///
    /// The work is proportional to the active flows and their routes, not to every flow ever
    /// added or every resource: the other active flows join in order of id, and only resources
    /// whose flows changed rate (marked by `settleMembers`) or were attached or detached in this
    /// update need their caches refreshed; every other resource's usage and rates are unchanged.
    private mutating func fullSolve() {
        var others = activeFlows.filter { memberStamp[Int($0)] != epoch }
        others.sort()
        for f in others { addMember(Int(f)) }
        if !members.isEmpty {
            fill()
            iterations += 1
            settleMembers()
        }
        refreshDirtyResources()
    }

    /// Recomputes the rates of all active flows from scratch by progressive filling
    /// (reference implementation, used to cross-check selective updates).
    /// - Complexity: O(P + (R + C + K) log R) where P is the total route length of active flows,
    ///   R the number of resources, C of capped flows and K of heap re-keyings (see `fill`).
    public mutating func recomputeAll() {
        epoch &+= 1
        members.removeAll(keepingCapacity: true)
        dirty.removeAll(keepingCapacity: true)
        changed.removeAll(keepingCapacity: true)
        fullSolve()
        for m in members where rates[m] != previousRate[m] { changed.append(FlowID(m)) }
    }

    // MARK: - Internals

    /// Marks a resource as changed in this update, remembering its committed state.
    @inline(__always) private mutating func markDirty(_ r: Int) {
        if dirtyStamp[r] != epoch {
            dirtyStamp[r] = epoch
            dirty.append(r)
            committedSaturated[r] = resourceSaturated[r]
            committedMaxRate[r] = resourceMaxRate[r]
        }
    }

    private mutating func addMember(_ f: Int) {
        memberStamp[f] = epoch
        previousRate[f] = rates[f]
        members.append(f)
    }

    private mutating func attach(_ f: Int) {
        precondition(!active[f], "flow f\(f) is already active")
        active[f] = true
        activeCount += 1
        activeIndex[f] = Int32(activeFlows.count)
        activeFlows.append(Int32(f))
        rates[f] = 0
        for s in routeStart[f]..<routeStart[f + 1] {
            let r = Int(routeResource[s])
            slotPosition[s] = flowLists.append(ResourceFlowLists.Entry(flow: Int32(f), slot: Int32(s)), to: r)
            markDirty(r)
        }
    }

    private mutating func detach(_ f: Int) {
        precondition(active[f], "flow f\(f) is not active")
        active[f] = false
        activeCount -= 1
        let last = activeFlows.removeLast()
        if Int(last) != f {
            activeFlows[Int(activeIndex[f])] = last
            activeIndex[Int(last)] = activeIndex[f]
        }
        activeIndex[f] = -1
        if rates[f] != 0 { charge(f, rate: rates[f], sign: -1) }
        rates[f] = 0
        for s in routeStart[f]..<routeStart[f + 1] {
            let r = Int(routeResource[s])
            let position = slotPosition[s]
            if let moved = flowLists.remove(at: position, from: r) { slotPosition[Int(moved)] = position }
            slotPosition[s] = -1
            markDirty(r)
        }
    }

    /// Adds (`sign` 1) or removes (-1) flow `f`'s share at `rate` to the usage of its resources.
    ///
    /// - Complexity: O(route length).
    @inline(__always) private mutating func charge(_ f: Int, rate: Double, sign: Int64) {
        for s in routeStart[f]..<routeStart[f + 1] { charge(slot: s, of: Int(routeResource[s]), rate: rate, sign: sign) }
    }

    /// Adds (`sign` 1) or removes (-1) the share at `rate` of route slot `s` to the usage of its resource `r`.
    @inline(__always) private mutating func charge(slot s: Int, of r: Int, rate: Double, sign: Int64) {
        let share = (weighted ? routeWeight[s] * rate : rate) * Self.usageScale
        if share < Self.usageLimit {
            resourceUsage[r] += sign * Int64(share.rounded())
        } else {
            resourceUnboundedFlows[r] += Int32(sign)
        }
    }

    /// The usage of resource `r` in bytes/s (see `resourceUsage`).
    @inline(__always) private func usage(_ r: Int) -> Double {
        resourceUnboundedFlows[r] > 0 ? .infinity : Double(resourceUsage[r]) / Self.usageScale
    }

    /// Restores members whose rate is unchanged within tolerance to their exact previous rate,
    /// and marks the resources of the others dirty.
    private mutating func settleMembers() {
        for m in members {
            let old = previousRate[m]
            let new = rates[m]
            if new == old
                || (new.isFinite && old.isFinite && abs(new - old) <= Self.unchangedTolerance * max(abs(old), abs(new)))
            {
                if new != old {
                    charge(m, rate: new, sign: -1)
                    charge(m, rate: old, sign: 1)
                }
                rates[m] = old
            } else {
                for s in routeStart[m]..<routeStart[m + 1] { markDirty(Int(routeResource[s])) }
            }
        }
    }

    /// Recomputes the saturation and maximum-rate caches of dirty resources: saturation from the
    /// usage kept up to date, the fastest flow (scanning the resource's flows) only where it is
    /// saturated, since only there can a flow have its bottleneck.
    private mutating func refreshDirtyResources() {
        let saturationFactor = 1 - Self.relativeTolerance
        for r in dirty {
            let saturated = usage(r) >= capacity[r] * saturationFactor
            resourceSaturated[r] = saturated
            var maxRate = 0.0
            if saturated {
                for i in flowLists.range(r) {
                    let x = rates[Int(flowLists.pool[i].flow)]
                    if x > maxRate { maxRate = x }
                }
            }
            resourceMaxRate[r] = maxRate
        }
    }

    /// Whether flow `f` satisfies the max-min optimality condition under the cached resource states.
    private func hasBottleneck(_ f: Int) -> Bool {
        let x = rates[f]
        let factor = 1 - Self.relativeTolerance
        if x >= rateCap[f] * factor { return true }
        for s in routeStart[f]..<routeStart[f + 1] {
            let r = Int(routeResource[s])
            if resourceSaturated[r] && x >= resourceMaxRate[r] * factor { return true }
        }
        return false
    }

    /// Checks the optimality condition for every member and for every flow on a dirty resource
    /// that got weaker as a bottleneck (lost saturation, or its fastest flow got faster) —
    /// any other flow keeps the bottleneck it had.
    ///
    /// Failing flows, and faster non-member flows on their saturated resources, join the member
    /// set. Returns whether the set grew.
    private mutating func verifyAndExpand() -> Bool {
        checkEpoch &+= 1
        expandList.removeAll(keepingCapacity: true)
        var grew = false
        let memberCount = members.count
        for i in 0..<memberCount {
            if check(members[i]) { grew = true }
        }
        for r in dirty {
            let weakened = (committedSaturated[r] && !resourceSaturated[r]) || resourceMaxRate[r] > committedMaxRate[r]
            guard weakened else { continue }
            for i in flowLists.range(r) {
                if check(Int(flowLists.pool[i].flow)) { grew = true }
            }
        }
        for r in expandList {
            let limit = expandThreshold[r] * (1 + Self.relativeTolerance)
            for i in flowLists.range(r) {
                let h = Int(flowLists.pool[i].flow)
                if memberStamp[h] != epoch && rates[h] > limit {
                    addMember(h)
                    grew = true
                }
            }
        }
        return grew
    }

    /// Checks flow `g` once per verification round; if it has no bottleneck, makes it a member
    /// and registers its saturated resources for expansion.
    ///
    /// Returns whether `g` became a member.
    private mutating func check(_ g: Int) -> Bool {
        if checkedStamp[g] == checkEpoch { return false }
        checkedStamp[g] = checkEpoch
        if hasBottleneck(g) { return false }
        var joined = false
        if memberStamp[g] != epoch {
            addMember(g)
            joined = true
        }
        let x = rates[g]
        for s in routeStart[g]..<routeStart[g + 1] {
            let r = Int(routeResource[s])
            guard resourceSaturated[r] else { continue }
            if expandStamp[r] != checkEpoch {
                expandStamp[r] = checkEpoch
                expandThreshold[r] = x
                expandList.append(r)
            } else if x < expandThreshold[r] {
                expandThreshold[r] = x
            }
        }
        return joined
    }

    /// Progressive filling of the member flows; non-member active flows keep their rates and
    /// their consumption is subtracted from capacities.
    ///
    /// Resources sit in a heap keyed by a *lower bound* of their fair share: fixing a flow at
    /// the current minimum share never lowers another resource's share, so keys are not updated
    /// when flows are fixed; a resource reaching the top with a stale key is re-keyed and sifted
    /// down instead. Caps are heap entries with constant keys. A resource's share is its residual
    /// over the summed weights of its unfixed flows (their number while no weight differs from 1); fixing a flow of weight w at level v no larger
    /// than that share removes w·v from the residual and w from the weight, which cannot lower it.
    /// - Complexity: O((T + C + K) log(T + C) + M + L) where T is the number of touched resources,
    ///   C the number of capped members, K the number of re-keyings (at most one per fixed flow and
    ///   resource, usually far fewer), M the members' total route length and L the total length of
    ///   the resource lists they touch.
    private mutating func fill() {
        fillEpoch &+= 1
        let currentFill = fillEpoch
        let currentEpoch = epoch
        let weighted = self.weighted
        touched.removeAll(keepingCapacity: true)
        heap.removeAll()
        // The members' shares leave the usage while they are re-solved (and come back as they
        // are fixed), so the usage of a touched resource is what the other flows use. The usage is
        // exact fixed point, so the order of these charges does not matter.
        for f in members {
            let x = rates[f]
            for s in routeStart[f]..<routeStart[f + 1] {
                let r = Int(routeResource[s])
                if touchStamp[r] != currentFill {
                    touchStamp[r] = currentFill
                    unfixed[r] = 0
                    unfixedWeight[r] = 0
                    touched.append(r)
                }
                unfixed[r] += 1
                if weighted { unfixedWeight[r] += routeWeight[s] }
                if x != 0 { charge(slot: s, of: r, rate: x, sign: -1) }
            }
        }
        for r in touched {
            residual[r] = capacity[r] - usage(r)
            heap.push(FillEntry(key: max(0, residual[r]) / (weighted ? unfixedWeight[r] : Double(unfixed[r])), id: r))
        }
        var left = members.count
        for f in members where rateCap[f] < .infinity {
            heap.push(FillEntry(key: rateCap[f], id: -1 - f))
        }
        while left > 0, let e = heap.top {
            if e.id < 0 {
                _ = heap.pop()
                let f = -1 - e.id
                if fixedStamp[f] == currentFill { continue }
                fix(f, at: e.key, skipping: -1)
                left -= 1
                continue
            }
            let r = e.id
            let n = unfixed[r]
            if n == 0 {
                _ = heap.pop()
                continue
            }
            let share = max(0, residual[r]) / (weighted ? unfixedWeight[r] : Double(n))
            if share > e.key {
                heap.replaceTop(FillEntry(key: share, id: r))
                continue
            }
            _ = heap.pop()
            unfixed[r] = 0
            for i in flowLists.range(r) {
                let g = Int(flowLists.pool[i].flow)
                if memberStamp[g] == currentEpoch && fixedStamp[g] != currentFill {
                    fix(g, at: share, skipping: r)
                    left -= 1
                }
            }
        }
        if left > 0 {
            // Only flows with an empty route and no cap remain: they are unconstrained.
            for f in members where fixedStamp[f] != currentFill {
                fixedStamp[f] = currentFill
                rates[f] = rateCap[f]
                if rates[f] != 0 { charge(f, rate: rates[f], sign: 1) }
            }
        }
    }

    /// Fixes flow `f` at `value`, adds its share to the usage of its resources, and takes it
    /// from the residuals of its resources other than `skip`.
    private mutating func fix(_ f: Int, at value: Double, skipping skip: Int) {
        fixedStamp[f] = fillEpoch
        rates[f] = value
        for s in routeStart[f]..<routeStart[f + 1] {
            let r = Int(routeResource[s])
            if value != 0 { charge(slot: s, of: r, rate: value, sign: 1) }
            if r == skip { continue }
            unfixed[r] -= 1
            if weighted {
                let w = routeWeight[s]
                residual[r] -= w * value
                unfixedWeight[r] -= w
            } else {
                residual[r] -= value
            }
        }
    }
}
