import HeapModule
import Units

/// An event waiting in the future-event set: when it fires, where it goes, and what it carries.
public struct ScheduledEvent<Message>: Comparable {
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

    @inlinable public static func < (lhs: ScheduledEvent, rhs: ScheduledEvent) -> Bool {
        lhs.time.rawValue < rhs.time.rawValue
            || (lhs.time.rawValue == rhs.time.rawValue && lhs.sequence < rhs.sequence)
    }

    @inlinable public static func == (lhs: ScheduledEvent, rhs: ScheduledEvent) -> Bool {
        lhs.time == rhs.time && lhs.sequence == rhs.sequence
    }
}

/// The pending events of a run, ordered by (time, insertion sequence).
///
/// Ordering by the sequence number among equal times makes ties first-in-first-out, so a run
/// never depends on the heap's internal layout: the same inputs give the same event order.
/// Events are stored inline as value types; nothing is allocated per event once the heap's
/// storage has grown to the peak number of pending events.
public struct FutureEventSet<Message> {
    @usableFromInline var heap = Heap<ScheduledEvent<Message>>()
    @usableFromInline var nextSequence: UInt64 = 0

    /// Creates an empty set.
    public init() {}

    /// The number of pending events (cancelled ones included until they are popped).
    @inlinable public var count: Int { heap.count }

    /// Whether no event is pending.
    @inlinable public var isEmpty: Bool { heap.isEmpty }

    /// The time of the earliest pending event.
    ///
    /// - Complexity: O(1).
    @inlinable public var earliestTime: Picoseconds? { heap.min?.time }

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
        heap.insert(ScheduledEvent(time: time, sequence: sequence, target: target, port: port, message: message))
        return EventHandle(sequence: sequence)
    }

    /// Removes and returns the earliest event (the first inserted among equal times).
    ///
    /// - Complexity: O(log n).
    @inlinable public mutating func popEarliest() -> ScheduledEvent<Message>? {
        heap.popMin()
    }

    /// Reserves storage for `capacity` pending events.
    public mutating func reserveCapacity(_ capacity: Int) {
        heap.reserveCapacity(capacity)
    }
}
