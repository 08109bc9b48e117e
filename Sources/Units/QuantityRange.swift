/// The physical bounds within which p2psim reads quantities, so that no value it accepts can
/// make its arithmetic overflow or divide by zero.
///
/// Each parser applies its quantity's widest range by default; the topology and scenario
/// loaders apply the narrower ranges below where a value has a physical meaning (a latency, a
/// link rate). A value outside its range is refused with `UnitParseError.Reason.outOfRange`,
/// whose message names the quantity and the range.
public struct QuantityRange<Value: Comparable & CustomStringConvertible & Sendable>: Sendable {
    /// What the value is, for messages ("a size", "a latency").
    public var name: String
    /// The smallest value accepted.
    public var lower: Value
    /// The largest value accepted.
    public var upper: Value

    /// A range named `name` from `lower` to `upper`, both included.
    public init(_ name: String, from lower: Value, to upper: Value) {
        self.name = name
        self.lower = lower
        self.upper = upper
    }

    /// The range as a message reads it: "a latency from 0 ps to 1 s".
    public var description: String { "\(name) from \(lower) to \(upper)" }

    /// Runs `parse`, turning an overflow into an out-of-range error naming this range, so that
    /// "1e30 s" and "18446744073709551615 ps" read the same message.
    func parsing(_ text: String, _ parse: (String) throws(UnitParseError) -> Value) throws(UnitParseError) -> Value {
        do {
            return try check(try parse(text), text: text)
        } catch {
            guard error.reason == .overflow else { throw error }
            throw UnitParseError(.outOfRange(allowed: description), text: text, offset: 0)
        }
    }

    /// `value` when it lies in the range.
    ///
    /// - Throws: `UnitParseError` (`.outOfRange`) naming the range, pointing at `text`.
    public func check(_ value: Value, text: String) throws(UnitParseError) -> Value {
        guard value >= lower, value <= upper else {
            throw UnitParseError(.outOfRange(allowed: description), text: text, offset: 0)
        }
        return value
    }
}

extension QuantityRange where Value == ByteCount {
    /// Every size p2psim reads: 0 B to 1 PiB (2^50 B).
    ///
    /// 1 PiB is twenty times the largest single-system memory sold (HPE Superdome Flex, 48 TiB)
    /// and keeps `bytes × 10^12` (bytes to picoseconds at 1 B/ps) within 2^90, whose quotient by
    /// any accepted rate fits `Double` exactly enough; sizes near `UInt64.max` made `compare`
    /// trap (issue 18).
    public static let size = QuantityRange("a size", from: ByteCount(0), to: ByteCount(1 << 50))
    /// A transfer or buffer size: 1 B to 1 PiB.
    public static let positiveSize = QuantityRange("a size", from: ByteCount(1), to: ByteCount(1 << 50))
}

extension QuantityRange where Value == Picoseconds {
    /// Every duration p2psim reads: 0 ps to 1 day (8.64 × 10^16 ps).
    ///
    /// `Picoseconds` holds 213 days; one day leaves room for sums of many durations and start
    /// times without overflow, and is far beyond any simulated PCIe run.
    public static let duration = QuantityRange(
        "a duration", from: Picoseconds(0), to: Picoseconds(86_400_000_000_000_000))
    /// A hardware latency: 0 ps to 1 s.
    ///
    /// The longest PCIe Completion Timeout range is 17 s to 64 s (PCIe Base Specification 6.0,
    /// section 7.5.3.16, range D), but a latency that long is a timeout, not a path; the slowest
    /// hop p2psim models (a socket link or a memory) is below 1 µs, so 1 s is a million times
    /// the longest real value.
    public static let latency = QuantityRange("a latency", from: Picoseconds(0), to: Picoseconds(1_000_000_000_000))
    /// When a scenario transfer starts: 0 ps to 1 hour (3.6 × 10^15 ps), so that its finish
    /// (start plus at most a day-long transfer) stays well inside `Picoseconds`.
    public static let startTime = QuantityRange(
        "a start time", from: Picoseconds(0), to: Picoseconds(3_600_000_000_000_000))
}

extension QuantityRange where Value == DataRate {
    /// Every rate p2psim reads: 0 to 1 PB/s (10^15 B/s).
    ///
    /// The fastest memory in the bundled topologies is HBM3 at 5.3 TB/s (MI300X) and the fastest
    /// link NVLink 5 at 1.8 TB/s per GPU; 1 PB/s is about 200 times either.
    public static let rate = QuantityRange(
        "a rate", from: DataRate(bytesPerSecond: 0), to: DataRate(bytesPerSecond: 1e15))
    /// The rate of a link, memory, switch or DMA engine: 1 MB/s to 1 PB/s.
    ///
    /// The slowest PCIe link is Gen1 x1 at 250 MB/s (PCIe Base Specification 1.0a); 1 MB/s is
    /// 250 times below it, and keeps the time to move 1 PiB (1.1 × 10^9 s) finite. A zero or
    /// tiny rate made reports print "infx" or trap converting a time (issue 18).
    public static let bandwidth = QuantityRange(
        "a bandwidth", from: DataRate(bytesPerSecond: 1e6), to: DataRate(bytesPerSecond: 1e15))
}

extension ByteCount {
    /// Reads a size as `parse(_:)` does and checks it lies in `range`.
    public static func parse(_ text: String, within range: QuantityRange<ByteCount>) throws(UnitParseError) -> ByteCount
    {
        try range.parsing(text) { text throws(UnitParseError) in try parseUnbounded(text) }
    }
}

extension Picoseconds {
    /// Reads a duration as `parse(_:)` does and checks it lies in `range`.
    public static func parse(
        _ text: String, within range: QuantityRange<Picoseconds>
    ) throws(UnitParseError) -> Picoseconds {
        try range.parsing(text) { text throws(UnitParseError) in try parseUnbounded(text) }
    }
}

extension DataRate {
    /// Reads a rate as `parse(_:lanes:)` does and checks it lies in `range`.
    public static func parse(
        _ text: String, lanes: Int? = nil, within range: QuantityRange<DataRate>
    ) throws(UnitParseError) -> DataRate {
        try range.parsing(text) { text throws(UnitParseError) in try parseUnbounded(text, lanes: lanes) }
    }
}
