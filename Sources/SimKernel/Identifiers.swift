/// The index of a component in its simulation model.
///
/// Components are addressed by small integers into arrays, never by references, so that the
/// event loop stays free of reference counting and hashing.
public struct ComponentID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The index.
    public var rawValue: Int32
    /// Creates the id with index `rawValue`.
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// Creates the id with index `index`.
    @inlinable public init(_ index: Int) { self.rawValue = Int32(truncatingIfNeeded: index) }
    /// The index as an `Int`, for array subscripts.
    @inlinable public var index: Int { Int(rawValue) }
    public var description: String { "c\(rawValue)" }
    @inlinable public static func < (lhs: ComponentID, rhs: ComponentID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The index of a port on one component.
public struct PortID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The index.
    public var rawValue: Int32
    /// Creates the port with index `rawValue`.
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public var description: String { "p\(rawValue)" }
    @inlinable public static func < (lhs: PortID, rhs: PortID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One end of a channel: a port on a component.
public struct Endpoint: Hashable, Sendable {
    /// The component.
    public var component: ComponentID
    /// The port on that component.
    public var port: PortID
    /// Creates the endpoint `port` of `component`.
    @inlinable public init(_ component: ComponentID, _ port: PortID) {
        self.component = component
        self.port = port
    }
}

/// The index of a one-way channel between two endpoints.
public struct ChannelID: Hashable, Sendable {
    /// The index.
    public var rawValue: Int32
    /// Creates the id with index `rawValue`.
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
}

/// A scheduled event's identity, for cancellation.
public struct EventHandle: Hashable, Sendable {
    /// The insertion sequence number of the event, unique within a run.
    public var sequence: UInt64
    /// Creates the handle of the event inserted as number `sequence`.
    @inlinable public init(sequence: UInt64) { self.sequence = sequence }
}
