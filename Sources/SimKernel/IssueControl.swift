/// Decides when jobs are issued: after the jobs they wait for (each wait with a delay), through
/// serial servers (resources that serve one job at a time for a service time, such as a driver
/// thread that synchronises each chunk of a staged copy, or a DMA engine's descriptor processing),
/// and holding a slot of each pool they need from issue to finish (such as a device's copy
/// engines).
///
/// It knows nothing of what the jobs do. A simulation drives it in time order: it asks for the
/// jobs due up to the current time (`issue(upTo:)`), advances no further than
/// `nextReadyTime` before asking again, and reports each job's finish (`finish(_:at:)`). A
/// pool slot is taken only when its job is issued, so a job that is ready later never holds a
/// slot that an earlier one could use. Both of p2psim's fidelities use it, so the order, reuse
/// and sharing rules of a staged copy are one piece of code.
///
/// Ties are broken by job index, so the same inputs always give the same issue times.
public struct IssueControl: Sendable {
    /// A job's requirements.
    public struct Job: Sendable, Hashable {
        /// The earliest issue time (picoseconds).
        public var earliest: UInt64
        /// Jobs that must finish first, each with the delay after its finish.
        public var waits: [Wait]
        /// Pools it holds a slot of from issue to finish.
        public var pools: [Int]
        /// The serial servers it passes through before issue, in order, each with its service
        /// time for this job.
        public var services: [Service]

        /// Creates a job.
        public init(earliest: UInt64, waits: [Wait] = [], pools: [Int] = [], services: [Service] = []) {
            self.earliest = earliest
            self.waits = waits
            self.pools = pools
            self.services = services
        }

        /// Creates a job that passes through at most one server.
        public init(earliest: UInt64, waits: [Wait] = [], pools: [Int] = [], server: Int?, serviceTime: UInt64 = 0) {
            self.init(
                earliest: earliest, waits: waits, pools: pools,
                services: server.map { [Service(server: $0, time: serviceTime)] } ?? [])
        }
    }

    /// A pass through a serial server.
    public struct Service: Sendable, Hashable {
        /// The server.
        public var server: Int
        /// How long it serves the job (picoseconds).
        public var time: UInt64

        /// Creates a service.
        public init(server: Int, time: UInt64) {
            self.server = server
            self.time = time
        }
    }

    /// A dependency: `job` must finish, then `delay` pass.
    public struct Wait: Sendable, Hashable {
        /// The job waited for.
        public var job: Int
        /// The delay after its finish (picoseconds).
        public var delay: UInt64
        /// Whether the job's server must observe this finish: the server's service starts when
        /// every such wait is over (a thread that waits for a completion event, then launches),
        /// while the other waits only hold the issue back (stream order).
        public var observedByServer: Bool

        /// Creates a wait.
        public init(job: Int, delay: UInt64 = 0, observedByServer: Bool = false) {
            self.job = job
            self.delay = delay
            self.observedByServer = observedByServer
        }
    }

    /// A job to issue at a time.
    public struct Issue: Sendable, Hashable {
        /// The job.
        public var job: Int
        /// When it is issued (picoseconds).
        public var time: UInt64
    }

    /// A job whose waits are over, ordered by (ready time, index).
    struct ReadyEntry: Comparable, Sendable {
        var time: UInt64
        var job: Int
        static func < (lhs: ReadyEntry, rhs: ReadyEntry) -> Bool { (lhs.time, lhs.job) < (rhs.time, rhs.job) }
    }

    /// The jobs, in index order.
    public let jobs: [Job]
    /// The number of slots of each pool, as given.
    public let poolCapacities: [Int]
    /// The number of serial servers.
    public let serverCount: Int
    private var waitsLeft: [Int]
    private var serverWaitsLeft: [Int]
    private var readyTime: [UInt64]
    private var serverReadyTime: [UInt64]
    private var dependents: [[Int]]
    private var finished: [Bool]
    private var poolFree: [Int]
    private var serverFree: [UInt64]
    /// Jobs whose waits are over, not yet issued nor found blocked.
    private var ready = MinHeap<ReadyEntry>()
    /// Jobs that were due but found a pool full, per pool they wait on, by index: they go, in
    /// index order, when a job that held a slot finishes (`lastRelease`), not before.
    private var blocked: [MinHeap<Int>]
    /// When a job holding pool slots last finished.
    private var lastRelease: UInt64 = 0
    /// When each job was issued, or nil while it is not.
    public private(set) var issueTime: [UInt64?]

    /// Prepares the control; `poolCapacities[p]` is the number of slots of pool `p`.
    ///
    /// - Precondition: waits name other jobs of the list, and every pool index is below
    ///   `poolCapacities.count`.
    public init(jobs: [Job], poolCapacities: [Int], serverCount: Int) {
        self.jobs = jobs
        self.poolCapacities = poolCapacities
        self.serverCount = serverCount
        waitsLeft = jobs.map(\.waits.count)
        serverWaitsLeft = jobs.map { $0.waits.filter(\.observedByServer).count }
        readyTime = jobs.map(\.earliest)
        serverReadyTime = jobs.map(\.earliest)
        dependents = Array(repeating: [], count: jobs.count)
        for (index, job) in jobs.enumerated() {
            for wait in job.waits { dependents[wait.job].append(index) }
        }
        finished = Array(repeating: false, count: jobs.count)
        poolFree = poolCapacities.map { max(1, $0) }
        blocked = Array(repeating: MinHeap<Int>(), count: poolCapacities.count)
        serverFree = Array(repeating: 0, count: serverCount)
        issueTime = Array(repeating: nil, count: jobs.count)
        for index in jobs.indices where serverWaitsLeft[index] == 0 { serve(index) }
        for index in jobs.indices where waitsLeft[index] == 0 { makeReady(index) }
    }

    /// The earliest time a ready job whose pools have a free slot could be issued, or nil when
    /// there is none (jobs blocked on a pool wait for a finish): a simulation must not advance
    /// past it without calling `issue(upTo:)`.
    public var nextReadyTime: UInt64? {
        if let top = ready.top, hasSlots(top.job) { return top.time }
        var earliest: ReadyEntry? = nil
        for entry in ready.elements where hasSlots(entry.job) && earliest.map({ entry < $0 }) ?? true {
            earliest = entry
        }
        return earliest?.time
    }

    /// Whether every pool of `job` has a free slot.
    private func hasSlots(_ job: Int) -> Bool { jobs[job].pools.allSatisfy { poolFree[$0] > 0 } }

    /// The first pool of `job` without a free slot.
    private func fullPool(of job: Int) -> Int? { jobs[job].pools.first { poolFree[$0] == 0 } }

    /// Issues, in order of readiness, every ready job whose time is at most `time` and whose
    /// pools have a free slot; each is issued at its ready time (not before `time` for a job
    /// that waited for a slot, which the caller reports through `finish(_:at:)`).
    public mutating func issue(upTo time: UInt64) -> [Issue] {
        var out: [Issue] = []
        while true {
            // The next candidate in (time, index) order: a due ready job, or a blocked job whose
            // pool has a slot again (due since the last release).
            var best: ReadyEntry? = nil
            var fromPool: Int? = nil
            if let top = ready.top, top.time <= time { best = top }
            for pool in blocked.indices where poolFree[pool] > 0 {
                guard let job = blocked[pool].top else { continue }
                let entry = ReadyEntry(time: max(readyTime[job], lastRelease), job: job)
                if best.map({ entry < $0 }) ?? true {
                    best = entry
                    fromPool = pool
                }
            }
            guard let next = best else { break }
            if let pool = fromPool { _ = blocked[pool].pop() } else { _ = ready.pop() }
            if let full = fullPool(of: next.job) {
                blocked[full].push(next.job)
                continue
            }
            for pool in jobs[next.job].pools { poolFree[pool] -= 1 }
            readyTime[next.job] = next.time
            issueTime[next.job] = next.time
            out.append(Issue(job: next.job, time: next.time))
        }
        return out
    }

    /// Reports that `job` finished at `time` (times never go backwards): frees its pool slots
    /// (a job that waited for one becomes ready at `time`) and makes the jobs that waited for it
    /// ready. Call `issue(upTo: time)` next.
    public mutating func finish(_ job: Int, at time: UInt64) {
        precondition(!finished[job], "job \(job) finished twice")
        finished[job] = true
        if !jobs[job].pools.isEmpty {
            for pool in jobs[job].pools { poolFree[pool] += 1 }
            // Jobs blocked on a pool were ready earlier; they can go now, not before.
            lastRelease = max(lastRelease, time)
        }
        for dependent in dependents[job] {
            let wait = jobs[dependent].waits.first { $0.job == job }
            let due = time &+ (wait?.delay ?? 0)
            if wait?.observedByServer == true {
                serverReadyTime[dependent] = max(serverReadyTime[dependent], due)
                serverWaitsLeft[dependent] -= 1
                if serverWaitsLeft[dependent] == 0 { serve(dependent) }
            } else {
                readyTime[dependent] = max(readyTime[dependent], due)
            }
            waitsLeft[dependent] -= 1
            if waitsLeft[dependent] == 0 { makeReady(dependent) }
        }
    }

    /// Whether every job has finished.
    public var isComplete: Bool { !finished.contains(false) }

    /// The job's servers serve it in turn once every wait it observes is over: the job may not
    /// be issued before the last service ends.
    private mutating func serve(_ job: Int) {
        var time = serverReadyTime[job]
        for service in jobs[job].services {
            time = max(time, serverFree[service.server]) &+ service.time
            serverFree[service.server] = time
        }
        readyTime[job] = max(readyTime[job], time)
    }

    private mutating func makeReady(_ job: Int) {
        ready.push(ReadyEntry(time: readyTime[job], job: job))
    }
}
