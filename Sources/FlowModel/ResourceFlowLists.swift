/// The active flows on each resource, kept as segments of one shared pool of entries.
///
/// Each resource owns a segment of `pool` (start, count, capacity). Appending to a full segment
/// moves it to the end of the pool with at least twice the room; the space it leaves is not
/// reused, but since capacities grow geometrically it is always less than the segments' own, so
/// the pool stays under twice their total. Removal moves the segment's last entry into the hole,
/// so the order of a resource's entries is exactly that of an array per resource with swap-removal.
///
/// Compared with an array per resource, a resource's count and start sit side by side in one
/// small table (no separate heap object to reach, no uniqueness check on every write), and an
/// entry carries its flow next to its route slot, so scans need no second lookup. In the
/// 400,000-flow replay (issue 14) the array per resource made `detach` wait on three cache misses
/// per route entry (the array's header, its last element, the moved slot's position); this
/// layout, with 32-bit entries, took the replay from about 1.7 s to 1.35 s on its own.
struct ResourceFlowLists: Sendable {
    /// One active flow on a resource: the flow and the route slot through which it crosses it.
    struct Entry: Sendable {
        var flow: Int32
        var slot: Int32
    }

    /// A resource's part of the pool.
    private struct Segment: Sendable {
        var start: Int
        var count: Int32
        var capacity: Int32
    }

    /// The entries of every resource, each resource's in `segments[r]`'s range.
    private(set) var pool: [Entry] = []
    private var segments: [Segment] = []
    /// The number of route slots ever added on each resource: no more entries than this can be
    /// active at once, so a segment that fills up grows to it at once instead of doubling step
    /// by step (the 100,000 flows of the replay's socket link would move its segment 15 times).
    private var slotsAdded: [Int32] = []

    /// Adds an empty list for a new resource.
    mutating func addResource() {
        segments.append(Segment(start: pool.count, count: 0, capacity: 0))
        slotsAdded.append(0)
    }

    /// Records that a route slot on resource `r` was added (it may become active later).
    mutating func addSlot(on r: Int) {
        slotsAdded[r] += 1
    }

    /// The number of entries on resource `r`.
    @inline(__always) func count(_ r: Int) -> Int { Int(segments[r].count) }

    /// The pool positions of resource `r`'s entries, in list order.
    @inline(__always) func range(_ r: Int) -> Range<Int> {
        let segment = segments[r]
        return segment.start..<segment.start + Int(segment.count)
    }

    /// Appends an entry to resource `r`'s list and returns its position in that list.
    mutating func append(_ entry: Entry, to r: Int) -> Int32 {
        if segments[r].count == segments[r].capacity {
            move(r, capacity: max(4, 2 * Int(segments[r].capacity), Int(slotsAdded[r])))
        }
        let position = segments[r].count
        pool[segments[r].start + Int(position)] = entry
        segments[r].count = position + 1
        return position
    }

    /// Removes the entry at `position` of resource `r`'s list by moving the last entry into its
    /// place; returns the moved entry's route slot, or nil when the removed entry was the last.
    mutating func remove(at position: Int32, from r: Int) -> Int32? {
        let start = segments[r].start
        let last = segments[r].count - 1
        segments[r].count = last
        guard position != last else { return nil }
        let moved = pool[start + Int(last)]
        pool[start + Int(position)] = moved
        return moved.slot
    }

    /// Gives resource `r` a segment of `capacity` entries at the end of the pool.
    private mutating func move(_ r: Int, capacity: Int) {
        precondition(capacity <= Int(Int32.max), "too many flows on one resource")
        let old = segments[r]
        let start = pool.count
        for i in old.start..<old.start + Int(old.count) { pool.append(pool[i]) }
        pool.append(contentsOf: repeatElement(Entry(flow: -1, slot: -1), count: capacity - Int(old.count)))
        segments[r] = Segment(start: start, count: old.count, capacity: Int32(capacity))
    }
}
