import Units

/// The part of a simulation that components act on while handling an event: the clock, the
/// future-event set and the channels between components.
///
/// A model's `handle` receives it `inout` and schedules new events through it.
public struct Scheduler<Message> {
    /// The current simulated time: the time of the event being handled.
    @inlinable public var now: Picoseconds { currentTime }
    @usableFromInline var currentTime: Picoseconds = .zero
    /// The pending events.
    @usableFromInline var events = FutureEventSet<Message>()
    /// The one-way channels between components, indexed by `ChannelID`.
    public internal(set) var channels: [Channel] = []
    /// Sequence numbers of cancelled events not yet popped; empty in most runs, so the check
    /// costs one branch per event.
    @usableFromInline var cancelled: Set<UInt64> = []

    /// Creates a scheduler at time zero with no events and no channels.
    @inlinable public init() {}

    /// The number of pending events, cancelled ones included until they are reached.
    public var pendingCount: Int { events.count }

    /// The smallest channel latency: the lookahead a conservative parallel engine could use.
    public var lookahead: Picoseconds? { channels.map(\.latency).min() }

    /// Adds a one-way channel and returns its id.
    public mutating func connect(from source: Endpoint, to destination: Endpoint, latency: Picoseconds) -> ChannelID {
        channels.append(Channel(from: source, to: destination, latency: latency))
        return ChannelID(Int32(channels.count - 1))
    }

    /// Schedules `message` for `target`'s `port` after `delay`.
    ///
    /// - Complexity: O(log n) in the number of pending events.
    @inlinable
    @discardableResult
    public mutating func schedule(
        _ message: Message, to target: ComponentID, port: PortID = PortID(0), after delay: Picoseconds = .zero
    ) -> EventHandle {
        events.push(at: currentTime + delay, to: target, port: port, message)
    }

    /// Sends `message` over a channel: it arrives at the channel's destination after the
    /// channel's latency plus `extraDelay` (for example, the serialisation time of a packet).
    @inlinable
    @discardableResult
    public mutating func send(
        _ message: Message, on channel: ChannelID, extraDelay: Picoseconds = .zero
    ) -> EventHandle {
        let link = channels[Int(channel.rawValue)]
        return events.push(
            at: currentTime + link.latency + extraDelay, to: link.destination.component, port: link.destination.port,
            message)
    }

    /// Reserves storage for `capacity` pending events, so that a run allocates nothing while
    /// the number of pending events stays below it.
    public mutating func reserveCapacity(_ capacity: Int) {
        events.reserveCapacity(capacity)
    }

    /// Cancels a pending event; it will be skipped when its time comes.
    ///
    /// Cancelling an event that already fired or was cancelled has no effect.
    public mutating func cancel(_ handle: EventHandle) {
        cancelled.insert(handle.sequence)
    }
}
