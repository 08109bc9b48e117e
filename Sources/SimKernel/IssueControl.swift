/// Decides when jobs are issued: after the jobs they wait for (each wait with a delay), through
/// an optional serial server (a resource that serves one job at a time for a fixed service
/// time, such as a driver thread that synchronises each chunk of a staged copy), and holding a
/// slot of each pool they need until they finish (such as a device's copy engines).
///
/// It knows nothing of what the jobs do: a simulation reports each job's finish, and the control
/// answers which jobs are issued and when. Both of p2psim's fidelities use it, so the order,
/// reuse and sharing rules of a staged copy are one piece of code.
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

    private let jobs: [Job]
    private var waitsLeft: [Int]
    private var serverWaitsLeft: [Int]
    private var readyTime: [UInt64]
    private var serverReadyTime: [UInt64]
    private var dependents: [[Int]]
    private var finished: [Bool]
    private var poolFree: [Int]
    private var waitingForPools: [Int] = []
    private var serverFree: [UInt64]
    /// When each job was issued, or nil while it is not.
    public private(set) var issueTime: [UInt64?]

    /// Prepares the control; `poolCapacities[p]` is the number of slots of pool `p`.
    ///
    /// - Precondition: waits name earlier or later jobs of the list, never the job itself, and
    ///   every pool index is below `poolCapacities.count` with a capacity of at least 1.
    public init(jobs: [Job], poolCapacities: [Int], serverCount: Int) {
        self.jobs = jobs
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
    }

    /// The jobs that wait for nothing, issued as their servers and pools allow, in job order.
    public mutating func start() -> [Issue] {
        var out: [Issue] = []
        for index in jobs.indices where serverWaitsLeft[index] == 0 { serve(index) }
        for index in jobs.indices where waitsLeft[index] == 0 { becomeReady(index, into: &out) }
        return out
    }

    /// Reports that `job` finished at `time`; returns the jobs this lets issue.
    public mutating func finish(_ job: Int, at time: UInt64) -> [Issue] {
        precondition(!finished[job], "job \(job) finished twice")
        finished[job] = true
        var out: [Issue] = []
        if !jobs[job].pools.isEmpty {
            for pool in jobs[job].pools { poolFree[pool] += 1 }
            drainWaiting(at: time, into: &out)
        }
        for dependent in dependents[job] {
            let wait = jobs[dependent].waits.first { $0.job == job }
            let ready = time &+ (wait?.delay ?? 0)
            if wait?.observedByServer == true {
                serverReadyTime[dependent] = max(serverReadyTime[dependent], ready)
                serverWaitsLeft[dependent] -= 1
                if serverWaitsLeft[dependent] == 0 { serve(dependent) }
            } else {
                readyTime[dependent] = max(readyTime[dependent], ready)
            }
            waitsLeft[dependent] -= 1
            if waitsLeft[dependent] == 0 { becomeReady(dependent, into: &out) }
        }
        return out
    }

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

    /// Whether every job has been issued and has finished.
    public var isComplete: Bool { !finished.contains(false) }

    private mutating func becomeReady(_ job: Int, into out: inout [Issue]) {
        let time = readyTime[job]
        if jobs[job].pools.allSatisfy({ poolFree[$0] > 0 }) {
            for pool in jobs[job].pools { poolFree[pool] -= 1 }
            issue(job, at: time, into: &out)
        } else {
            // Waits in arrival order; retried whenever a slot frees.
            waitingForPools.append(job)
        }
    }

    private mutating func drainWaiting(at time: UInt64, into out: inout [Issue]) {
        var index = 0
        while index < waitingForPools.count {
            let job = waitingForPools[index]
            if jobs[job].pools.allSatisfy({ poolFree[$0] > 0 }) {
                waitingForPools.remove(at: index)
                for p in jobs[job].pools { poolFree[p] -= 1 }
                issue(job, at: max(time, readyTime[job]), into: &out)
            } else {
                index += 1
            }
        }
    }

    private mutating func issue(_ job: Int, at time: UInt64, into out: inout [Issue]) {
        issueTime[job] = time
        out.append(Issue(job: job, time: time))
    }
}
