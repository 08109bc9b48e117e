/// An indexed 4-ary min-heap of flows keyed by their next event time (activation or
/// projected completion), with at most one entry per flow.
///
/// Unlike a heap with lazy deletion, a flow's time is changed in place, so the heap never holds
/// more entries than there are flows with a pending event (bounded memory even when thousands
/// of rates change per event). Ties are broken by flow id. Each entry carries its time next to
/// the flow id, so sifting compares entries without looking the times up elsewhere, and four
/// children per node halve the depth of a binary heap (a replay of 400,000 flows reschedules
/// hundreds of thousands of them); the order of events is the total order of (time, flow id),
/// whatever the heap's shape.
struct EventQueue: Sendable {
    /// A heap entry: a flow and its event time.
    private struct Entry: Sendable {
        var time: Double
        var flow: Int32

        @inline(__always) func precedes(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && flow < other.flow)
        }
    }

    /// Heap-ordered entries.
    private var heap: [Entry] = []
    /// Position of each flow in `heap`, or -1 if it has no pending event.
    private var position: [Int32] = []
    /// Event time of each flow in seconds (meaningful only while queued).
    private(set) var time: [Double] = []

    /// Whether no event is pending.
    var isEmpty: Bool { heap.isEmpty }

    /// The flow with the earliest event, if any.
    var top: Int? { heap.first.map { Int($0.flow) } }

    /// Reserves memory for `count` flows and as many pending events.
    mutating func reserveCapacity(_ count: Int) {
        heap.reserveCapacity(count)
        position.reserveCapacity(count)
        time.reserveCapacity(count)
    }

    /// Makes room for flows `0..<count`.
    mutating func grow(to count: Int) {
        while position.count < count {
            position.append(-1)
            time.append(0)
        }
    }

    /// Schedules flow `f` at time `t`, or moves its pending event there.
    ///
    /// - Complexity: O(log n).
    mutating func schedule(_ f: Int, at t: Double) {
        let p = Int(position[f])
        time[f] = t
        if p < 0 {
            heap.append(Entry(time: t, flow: Int32(f)))
            siftUp(heap.count - 1)
        } else {
            let old = heap[p].time
            heap[p].time = t
            if t < old { siftUp(p) } else if t > old { siftDown(p) }
        }
    }

    /// Removes flow `f`'s pending event, if any.
    ///
    /// - Complexity: O(log n).
    mutating func remove(_ f: Int) {
        let p = Int(position[f])
        guard p >= 0 else { return }
        position[f] = -1
        let last = heap.removeLast()
        if p < heap.count {
            heap[p] = last
            position[Int(last.flow)] = Int32(p)
            siftDown(p)
            siftUp(Int(position[Int(last.flow)]))
        }
    }

    /// Removes and returns the flow with the earliest event.
    mutating func popTop() -> Int? {
        guard let f = top else { return nil }
        remove(f)
        return f
    }

    private mutating func siftUp(_ start: Int) {
        heap.withUnsafeMutableBufferPointer { heap in
            var child = start
            let item = heap[child]
            while child > 0 {
                let parent = (child - 1) >> 2
                let p = heap[parent]
                guard item.precedes(p) else { break }
                heap[child] = p
                position[Int(p.flow)] = Int32(child)
                child = parent
            }
            heap[child] = item
            position[Int(item.flow)] = Int32(child)
        }
    }

    private mutating func siftDown(_ start: Int) {
        heap.withUnsafeMutableBufferPointer { heap in
            let n = heap.count
            var hole = start
            let item = heap[hole]
            while true {
                let first = 4 * hole + 1
                if first >= n { break }
                var child = first
                var other = first + 1
                let end = min(first + 4, n)
                while other < end {
                    if heap[other].precedes(heap[child]) { child = other }
                    other += 1
                }
                let c = heap[child]
                guard c.precedes(item) else { break }
                heap[hole] = c
                position[Int(c.flow)] = Int32(hole)
                hole = child
            }
            heap[hole] = item
            position[Int(item.flow)] = Int32(hole)
        }
    }
}
