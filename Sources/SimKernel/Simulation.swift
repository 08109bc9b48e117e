import Units

/// A model that the simulation kernel drives: it receives each event in time order.
///
/// The model owns its components (typically arrays of value-type component states indexed by
/// `ComponentID`) and dispatches on `event.target`. Because the model is a generic parameter of
/// `Simulation`, the dispatch is a direct, specialisable call: no closure and no existential box
/// per event.
public protocol SimulationModel {
    /// The value carried by events.
    associatedtype Message

    /// Handles one event at `scheduler.now`, scheduling any events it causes.
    mutating func handle(_ event: ScheduledEvent<Message>, scheduler: inout Scheduler<Message>)
}

/// Why a run stopped.
public enum RunOutcome: Equatable, Sendable {
    /// No event is left.
    case idle
    /// The next event lies beyond the requested end time.
    case reachedTimeLimit
    /// The requested number of events was handled.
    case reachedEventLimit
    /// An invariant was broken; `Simulation.violation` says which, where and when.
    case invariantViolated
}

/// A discrete-event simulation: a model, its scheduler, and the run loop.
public struct Simulation<Model: SimulationModel> {
    /// The model that handles events.
    public var model: Model
    /// The clock, pending events and channels.
    public var scheduler: Scheduler<Model.Message>
    /// The number of events handled so far (cancelled events are not counted).
    @inlinable public var eventCount: UInt64 { handledEvents }
    @usableFromInline var handledEvents: UInt64 = 0
    /// Called with each event before it is handled; `nil` (the default) costs one branch per
    /// event.
    public var tracer: ((ScheduledEvent<Model.Message>) -> Void)?
    /// The invariant that stopped the run, if one did.
    public var violation: InvariantViolation? { storedViolation }
    @usableFromInline var storedViolation: InvariantViolation?
    /// The fingerprint of the events handled so far: each event's time, target and port, in
    /// order (`EventFingerprint`).
    public var fingerprint: EventFingerprint { storedFingerprint }
    @usableFromInline var storedFingerprint = EventFingerprint()

    /// Creates a simulation of `model` with an empty scheduler.
    @inlinable public init(model: Model, scheduler: Scheduler<Model.Message> = Scheduler()) {
        self.model = model
        self.scheduler = scheduler
    }

    /// The current simulated time.
    @inlinable public var now: Picoseconds { scheduler.now }

    /// Handles events in (time, sequence) order until none is left, or the next one is later
    /// than `limit`, or `maxEvents` events have been handled in this call.
    ///
    /// After a time-limited run, the clock stands at `limit` and later events stay pending, so
    /// a further call continues where this one stopped.
    ///
    /// Invariant checked on every event: no event lies before the current time (the clock never
    /// goes back). A violation stops the run with `.invariantViolated` and sets `violation`; a
    /// stopped simulation does not run again.
    ///
    /// - Complexity: O(k log n) for k events with n pending.
    @inlinable
    @discardableResult
    public mutating func run(until limit: Picoseconds? = nil, maxEvents: UInt64 = .max) -> RunOutcome {
        var handled: UInt64 = 0
        if storedViolation != nil { return .invariantViolated }
        while true {
            if handled == maxEvents { return .reachedEventLimit }
            guard let next = scheduler.events.earliestTime else { return .idle }
            if let limit, next > limit {
                scheduler.currentTime = limit
                return .reachedTimeLimit
            }
            guard let event = scheduler.events.popEarliest() else { return .idle }
            if !scheduler.cancelled.isEmpty, scheduler.cancelled.remove(event.sequence) != nil {
                continue
            }
            if event.time < scheduler.currentTime {
                storedViolation = Self.eventInThePast(event, now: scheduler.currentTime)
                return .invariantViolated
            }
            scheduler.currentTime = event.time
            storedFingerprint.mix(event.time.rawValue)
            storedFingerprint.mix(
                UInt64(UInt32(bitPattern: event.target.rawValue)) << 32
                    | UInt64(UInt32(bitPattern: event.port.rawValue)))
            handledEvents &+= 1
            handled &+= 1
            if let tracer { tracer(event) }
            model.handle(event, scheduler: &scheduler)
        }
    }

    /// The violation for `event`, found pending before `now`.
    @usableFromInline
    static func eventInThePast(_ event: ScheduledEvent<Model.Message>, now: Picoseconds) -> InvariantViolation {
        InvariantViolation(
            component: "SimKernel (event \(event.sequence) for component \(event.target.rawValue))", time: now,
            invariant: "no event in the past",
            detail: "an event at \(event.time) was pending when the clock stood at \(now)")
    }

    /// Handles events until none is left.
    @inlinable
    @discardableResult
    public mutating func runUntilIdle() -> RunOutcome { run(until: nil) }
}
