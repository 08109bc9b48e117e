import Units

/// An event waiting in the future-event set: when it fires, where it goes, and what it carries.
public struct ScheduledEvent<Message> {
    /// When the event fires.
    public var time: Picoseconds
    /// The insertion sequence number: among events at the same time, the smaller fires first.
    public var sequence: UInt64
    /// The component that receives the event.
    public var target: ComponentID
    /// The port of `target` it arrives on (a component's own timers use any port it chooses).
    public var port: PortID
    /// The event's content, a value type chosen by the model.
    public var message: Message

    /// Creates an event.
    @inlinable
    public init(time: Picoseconds, sequence: UInt64, target: ComponentID, port: PortID, message: Message) {
        self.time = time
        self.sequence = sequence
        self.target = target
        self.port = port
        self.message = message
    }

    /// Whether this event fires before `other`: earlier time, or the same time and inserted
    /// first.
    @inlinable @inline(__always)
    public func firesBefore(_ other: ScheduledEvent) -> Bool {
        time.rawValue < other.time.rawValue || (time.rawValue == other.time.rawValue && sequence < other.sequence)
    }
}

/// The pending events of a run, ordered by (time, insertion sequence).
///
/// Ordering by the sequence number among equal times makes ties first-in-first-out, so a run
/// never depends on the heap's internal layout: the same inputs give the same event order.
///
/// It is a binary min-heap written for this one job: events are stored inline as value types in
/// one array, and sifting moves a hole instead of swapping. swift-collections' `Heap` (a min-max
/// heap, so more comparisons per level) measured 4.3 million hold-model events per second on
/// the development machine against this heap's figure in docs/benchmarks.md; nothing is
/// allocated per event once the array has grown to the peak number of pending events.
public struct FutureEventSet<Message> {
    @usableFromInline var storage: ContiguousArray<ScheduledEvent<Message>> = []
    @usableFromInline var nextSequence: UInt64 = 0

    /// Creates an empty set.
    @inlinable public init() {}

    /// The number of pending events (cancelled ones included until they are popped).
    @inlinable public var count: Int { storage.count }

    /// Whether no event is pending.
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    /// The time of the earliest pending event.
    ///
    /// - Complexity: O(1).
    @inlinable public var earliestTime: Picoseconds? { storage.first?.time }

    /// Adds an event and returns its handle.
    ///
    /// - Complexity: O(log n).
    @inlinable
    @discardableResult
    public mutating func push(
        at time: Picoseconds, to target: ComponentID, port: PortID, _ message: Message
    ) -> EventHandle {
        let sequence = nextSequence
        nextSequence &+= 1
        let event = ScheduledEvent(time: time, sequence: sequence, target: target, port: port, message: message)
        storage.append(event)
        storage.withUnsafeMutableBufferPointer { heap in
            var hole = heap.count - 1
            while hole > 0 {
                let parent = (hole - 1) >> 1
                guard event.firesBefore(heap[parent]) else { break }
                heap[hole] = heap[parent]
                hole = parent
            }
            heap[hole] = event
        }
        return EventHandle(sequence: sequence)
    }

    /// Removes and returns the earliest event (the first inserted among equal times).
    ///
    /// - Complexity: O(log n).
    @inlinable public mutating func popEarliest() -> ScheduledEvent<Message>? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        return storage.withUnsafeMutableBufferPointer { heap in
            let earliest = heap[0]
            let count = heap.count
            // Bottom-up deletion (Wegener 1993): move the hole down to a leaf along the smaller
            // children, one comparison per level, then sift the last event up from there; the
            // last event is usually late, so it rarely climbs far.
            var hole = 0
            while true {
                var child = 2 * hole + 1
                guard child < count else { break }
                if child + 1 < count, heap[child + 1].firesBefore(heap[child]) { child += 1 }
                heap[hole] = heap[child]
                hole = child
            }
            while hole > 0 {
                let parent = (hole - 1) >> 1
                guard last.firesBefore(heap[parent]) else { break }
                heap[hole] = heap[parent]
                hole = parent
            }
            heap[hole] = last
            return earliest
        }
    }

    /// Reserves storage for `capacity` pending events.
    @inlinable public mutating func reserveCapacity(_ capacity: Int) {
        storage.reserveCapacity(capacity)
    }
}
