/// Identifies a shared resource (one direction of a link, a memory, a switch fabric) by its index.
public struct ResourceID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The zero-based index of the resource in its owner's arrays.
    public var rawValue: Int32

    /// Creates an identifier from a raw 32-bit index.
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// Creates an identifier from an `Int` index (must fit in 32 bits).
    public init(_ index: Int) { self.rawValue = Int32(index) }

    /// The index as an `Int`, for array subscripting.
    @inlinable public var index: Int { Int(rawValue) }

    /// Orders identifiers by index.
    public static func < (lhs: ResourceID, rhs: ResourceID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A short textual form such as `r12`.
    public var description: String { "r\(rawValue)" }
}

/// Identifies a flow (a transfer of bytes over a fixed route) by its index.
public struct FlowID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The zero-based index of the flow in its owner's arrays.
    public var rawValue: Int32

    /// Creates an identifier from a raw 32-bit index.
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// Creates an identifier from an `Int` index (must fit in 32 bits).
    public init(_ index: Int) { self.rawValue = Int32(index) }

    /// The index as an `Int`, for array subscripting.
    @inlinable public var index: Int { Int(rawValue) }

    /// Orders identifiers by index.
    public static func < (lhs: FlowID, rhs: FlowID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A short textual form such as `f7`.
    public var description: String { "f\(rawValue)" }
}

/// Conversions between integer picoseconds (the API's time unit) and `Double` seconds (used internally).
public enum SimulationTime {
    /// Picoseconds per second.
    public static let picosecondsPerSecond: Double = 1e12

    /// Converts picoseconds to seconds (correctly rounded division by 1e12).
    @inlinable public static func seconds(fromPicoseconds ps: UInt64) -> Double {
        Double(ps) / picosecondsPerSecond
    }

    /// Converts non-negative seconds to picoseconds, rounding to the nearest picosecond
    /// (ties away from zero); negative or NaN inputs give 0, values beyond `UInt64.max` saturate.
    @inlinable public static func picoseconds(fromSeconds s: Double) -> UInt64 {
        let ps = (s * picosecondsPerSecond).rounded(.toNearestOrAwayFromZero)
        guard ps > 0 else { return 0 }
        guard ps < 18_446_744_073_709_551_615.0 else { return UInt64.max }
        return UInt64(ps)
    }
}
