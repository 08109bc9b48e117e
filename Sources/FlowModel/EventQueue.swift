/// An indexed binary min-heap of flows keyed by their next event time (activation or
/// projected completion), with at most one entry per flow.
///
/// Unlike a heap with lazy deletion, a flow's time is changed in place, so the heap never holds
/// more entries than there are flows with a pending event (bounded memory even when thousands
/// of rates change per event). Ties are broken by flow id.
struct EventQueue: Sendable {
    /// Heap-ordered flow ids.
    private var heap: [Int32] = []
    /// Position of each flow in `heap`, or -1 if it has no pending event.
    private var position: [Int32] = []
    /// Event time of each flow in seconds (meaningful only while queued).
    private(set) var time: [Double] = []

    /// Whether no event is pending.
    var isEmpty: Bool { heap.isEmpty }

    /// The flow with the earliest event, if any.
    var top: Int? { heap.first.map { Int($0) } }

    /// Makes room for flow ids below `count`.
    mutating func grow(to count: Int) {
        while position.count < count {
            position.append(-1)
            time.append(0)
        }
    }

    /// Whether `a` orders before `b`.
    @inline(__always)
    private func less(_ a: Int32, _ b: Int32) -> Bool {
        let ta = time[Int(a)]
        let tb = time[Int(b)]
        return ta < tb || (ta == tb && a < b)
    }

    /// Schedules flow `f` at time `t`, moving it if it was already queued.
    /// - Complexity: O(log n).
    mutating func schedule(_ f: Int, at t: Double) {
        let p = Int(position[f])
        if p < 0 {
            time[f] = t
            heap.append(Int32(f))
            position[f] = Int32(heap.count - 1)
            siftUp(heap.count - 1)
        } else {
            let old = time[f]
            time[f] = t
            if t < old { siftUp(p) } else if t > old { siftDown(p) }
        }
    }

    /// Removes flow `f`'s pending event, if any.
    /// - Complexity: O(log n).
    mutating func remove(_ f: Int) {
        let p = Int(position[f])
        guard p >= 0 else { return }
        position[f] = -1
        let last = heap.removeLast()
        if p < heap.count {
            heap[p] = last
            position[Int(last)] = Int32(p)
            siftDown(p)
            siftUp(Int(position[Int(last)]))
        }
    }

    /// Removes and returns the flow with the earliest event.
    /// - Complexity: O(log n).
    mutating func popTop() -> Int? {
        guard let f = top else { return nil }
        remove(f)
        return f
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        let item = heap[child]
        while child > 0 {
            let parent = (child - 1) >> 1
            let p = heap[parent]
            if less(item, p) {
                heap[child] = p
                position[Int(p)] = Int32(child)
                child = parent
            } else {
                break
            }
        }
        heap[child] = item
        position[Int(item)] = Int32(child)
    }

    private mutating func siftDown(_ start: Int) {
        let n = heap.count
        var hole = start
        let item = heap[hole]
        while true {
            var child = 2 * hole + 1
            if child >= n { break }
            if child + 1 < n && less(heap[child + 1], heap[child]) { child += 1 }
            let c = heap[child]
            if less(c, item) {
                heap[hole] = c
                position[Int(c)] = Int32(hole)
                hole = child
            } else {
                break
            }
        }
        heap[hole] = item
        position[Int(item)] = Int32(hole)
    }
}
