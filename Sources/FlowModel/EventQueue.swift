/// The pending events of a flow simulation (activations and projected completions), at most
/// one per flow, delivered in the total order of (time, flow id).
///
/// Flows whose events fall at the same time share a *bucket*; a small binary heap orders the
/// buckets by time, and a bucket's flows are sorted by id only when it comes to the front. Flows
/// that share a bottleneck get the same rate and, starting together with the same size, end at
/// the same time: the 400,000-flow replay of issue 14 has about 8,000 distinct completion times.
/// Popping a flow is then taking the last element of a sorted array instead of sifting a heap of
/// 400,000 entries (whose lower levels missed the cache at every pop: a fifth of the replay's
/// time). A flow's time is changed in place, so the queue never holds more than one event per flow.
struct EventQueue: Sendable {
    /// The flows whose event is at one time.
    private struct Bucket: Sendable {
        var time: Double
        var flows: [Int32] = []
        /// Whether `flows` is in decreasing order of id (the next flow is the last).
        var sorted = true
    }

    private var buckets: [Bucket] = []
    /// Buckets not in use (their arrays keep their memory).
    private var freeBuckets: [Int32] = []
    /// The bucket of each pending time, by the time's bit pattern.
    private var bucketAtTime: [UInt64: Int32] = [:]
    /// The bucket used last: consecutive schedules often share a time (no dictionary look-up then).
    private var lastBucket = -1
    /// Buckets in use, heap-ordered by time (times are distinct).
    private var heap: [Int32] = []
    /// Position of each bucket in `heap`.
    private var heapPosition: [Int32] = []
    /// The bucket of each flow, or -1 if it has no pending event.
    private var bucketOf: [Int32] = []
    /// The index of each pending flow in its bucket's `flows`.
    private var indexInBucket: [Int32] = []
    /// Event time of each flow in seconds (meaningful only while queued).
    private(set) var time: [Double] = []

    /// Whether no event is pending.
    var isEmpty: Bool { heap.isEmpty }

    /// The time of the earliest pending event, if any.
    var nextTime: Double? { heap.first.map { buckets[Int($0)].time } }

    /// Reserves memory for `count` flows.
    mutating func reserveCapacity(_ count: Int) {
        bucketOf.reserveCapacity(count)
        indexInBucket.reserveCapacity(count)
        time.reserveCapacity(count)
    }

    /// Makes room for flows `0..<count`.
    mutating func grow(to count: Int) {
        while bucketOf.count < count {
            bucketOf.append(-1)
            indexInBucket.append(-1)
            time.append(0)
        }
    }

    /// Schedules flow `f` at time `t`, or moves its pending event there.
    ///
    /// - Complexity: O(1) when a bucket for `t` exists (a dictionary look-up at most), else
    ///   O(log B) for B distinct pending times.
    mutating func schedule(_ f: Int, at t: Double) {
        if bucketOf[f] >= 0 {
            if time[f] == t { return }
            takeOut(f)
        }
        time[f] = t
        let b = bucket(at: t)
        let flow = Int32(f)
        let i = buckets[b].flows.count
        if i > 0 && buckets[b].flows[i - 1] < flow { buckets[b].sorted = false }
        buckets[b].flows.append(flow)
        bucketOf[f] = Int32(b)
        indexInBucket[f] = Int32(i)
    }

    /// Removes flow `f`'s pending event, if any.
    mutating func remove(_ f: Int) {
        if bucketOf[f] >= 0 { takeOut(f) }
    }

    /// Removes and returns the flow with the earliest event, if that event is not after `limit`.
    ///
    /// - Complexity: O(1), plus sorting a bucket's flows once when it comes to the front and
    ///   O(log B) when it empties.
    mutating func popTop(notAfter limit: Double = .infinity) -> Int? {
        guard let front = heap.first else { return nil }
        let b = Int(front)
        guard buckets[b].time <= limit else { return nil }
        if !buckets[b].sorted {
            buckets[b].flows.sort(by: >)
            for (i, g) in buckets[b].flows.enumerated() { indexInBucket[Int(g)] = Int32(i) }
            buckets[b].sorted = true
        }
        let f = Int(buckets[b].flows.removeLast())
        bucketOf[f] = -1
        if buckets[b].flows.isEmpty { release(b) }
        return f
    }

    /// Takes pending flow `f` out of its bucket (releasing the bucket when it empties).
    private mutating func takeOut(_ f: Int) {
        let b = Int(bucketOf[f])
        let i = Int(indexInBucket[f])
        bucketOf[f] = -1
        let last = buckets[b].flows.removeLast()
        let count = buckets[b].flows.count
        if i < count {
            buckets[b].flows[i] = last
            indexInBucket[Int(last)] = Int32(i)
            // Still in decreasing order only if `last` fits between its new neighbours.
            if (i > 0 && buckets[b].flows[i - 1] < last) || (i + 1 < count && buckets[b].flows[i + 1] > last) {
                buckets[b].sorted = false
            }
        }
        if count == 0 { release(b) }
    }

    /// The key of a time in `bucketAtTime` (-0 and 0 are the same time).
    private static func key(_ t: Double) -> UInt64 { (t + 0).bitPattern }

    /// The bucket of time `t`, created if there is none.
    private mutating func bucket(at t: Double) -> Int {
        if lastBucket >= 0 && buckets[lastBucket].time == t { return lastBucket }
        let key = Self.key(t)
        if let b = bucketAtTime[key] {
            lastBucket = Int(b)
            return Int(b)
        }
        let b: Int
        if let free = freeBuckets.popLast() {
            b = Int(free)
            buckets[b].time = t
            buckets[b].sorted = true
        } else {
            b = buckets.count
            buckets.append(Bucket(time: t))
            heapPosition.append(-1)
        }
        bucketAtTime[key] = Int32(b)
        heap.append(Int32(b))
        heapPosition[b] = Int32(heap.count - 1)
        siftUp(heap.count - 1)
        lastBucket = b
        return b
    }

    /// Returns empty bucket `b` to the free list.
    private mutating func release(_ b: Int) {
        bucketAtTime[Self.key(buckets[b].time)] = nil
        if lastBucket == b { lastBucket = -1 }
        freeBuckets.append(Int32(b))
        let p = Int(heapPosition[b])
        heapPosition[b] = -1
        let moved = heap.removeLast()
        if p < heap.count {
            heap[p] = moved
            heapPosition[Int(moved)] = Int32(p)
            siftDown(p)
            siftUp(Int(heapPosition[Int(moved)]))
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        let item = heap[child]
        let t = buckets[Int(item)].time
        while child > 0 {
            let parent = (child - 1) >> 1
            let p = heap[parent]
            guard t < buckets[Int(p)].time else { break }
            heap[child] = p
            heapPosition[Int(p)] = Int32(child)
            child = parent
        }
        heap[child] = item
        heapPosition[Int(item)] = Int32(child)
    }

    private mutating func siftDown(_ start: Int) {
        let n = heap.count
        var hole = start
        let item = heap[hole]
        let t = buckets[Int(item)].time
        while true {
            var child = 2 * hole + 1
            if child >= n { break }
            if child + 1 < n && buckets[Int(heap[child + 1])].time < buckets[Int(heap[child])].time { child += 1 }
            let c = heap[child]
            guard buckets[Int(c)].time < t else { break }
            heap[hole] = c
            heapPosition[Int(c)] = Int32(hole)
            hole = child
        }
        heap[hole] = item
        heapPosition[Int(item)] = Int32(hole)
    }
}
