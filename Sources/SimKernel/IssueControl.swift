/// Decides when jobs are issued: after the jobs they wait for (each wait with a delay), through
/// an optional serial server (a resource that serves one job at a time for a fixed service
/// time, such as a driver thread that synchronises each chunk of a staged copy), and holding a
/// slot of each pool they need from issue to finish (such as a device's copy engines).
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
        /// The serial server it passes through before issue, if any.
        public var server: Int?
        /// The server's service time for this job (picoseconds).
        public var serviceTime: UInt64

        /// Creates a job.
        public init(earliest: UInt64, waits: [Wait] = [], pools: [Int] = [], server: Int? = nil, serviceTime: UInt64 = 0)
        {
            self.earliest = earliest
            self.waits = waits
            self.pools = pools
            self.server = server
            self.serviceTime = serviceTime
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
    /// Jobs whose waits are over, not yet issued, by (ready time, index).
    private var ready: [(time: UInt64, job: Int)] = []
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
        serverFree = Array(repeating: 0, count: serverCount)
        issueTime = Array(repeating: nil, count: jobs.count)
        for index in jobs.indices where serverWaitsLeft[index] == 0 { serve(index) }
        for index in jobs.indices where waitsLeft[index] == 0 { makeReady(index) }
    }

    /// The earliest time a ready job whose pools have a free slot could be issued, or nil when
    /// there is none (jobs blocked on a pool wait for a finish): a simulation must not advance
    /// past it without calling `issue(upTo:)`.
    public var nextReadyTime: UInt64? {
        ready.first { entry in jobs[entry.job].pools.allSatisfy { poolFree[$0] > 0 } }?.time
    }

    /// Issues, in order of readiness, every ready job whose time is at most `time` and whose
    /// pools have a free slot; each is issued at its ready time (not before `time` for a job
    /// that waited for a slot, which the caller reports through `finish(_:at:)`).
    public mutating func issue(upTo time: UInt64) -> [Issue] {
        var out: [Issue] = []
        var index = 0
        while index < ready.count, ready[index].time <= time {
            let job = ready[index].job
            if jobs[job].pools.allSatisfy({ poolFree[$0] > 0 }) {
                for pool in jobs[job].pools { poolFree[pool] -= 1 }
                ready.remove(at: index)
                issueTime[job] = readyTime[job]
                out.append(Issue(job: job, time: readyTime[job]))
            } else {
                index += 1
            }
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
            for position in ready.indices where ready[position].time < time {
                ready[position].time = time
                readyTime[ready[position].job] = time
            }
            ready.sort { ($0.time, $0.job) < ($1.time, $1.job) }
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

    /// The job's server (if any) serves it once every wait it observes is over: the job may not
    /// be issued before the service ends.
    private mutating func serve(_ job: Int) {
        var time = serverReadyTime[job]
        if let server = jobs[job].server {
            time = max(time, serverFree[server]) &+ jobs[job].serviceTime
            serverFree[server] = time
        }
        readyTime[job] = max(readyTime[job], time)
    }

    private mutating func makeReady(_ job: Int) {
        let entry = (time: readyTime[job], job: job)
        let position = ready.firstIndex { ($0.time, $0.job) > (entry.time, entry.job) } ?? ready.count
        ready.insert(entry, at: position)
    }
}
