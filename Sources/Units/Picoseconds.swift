/// A span or instant of simulated time in whole picoseconds.
///
/// Integer picoseconds keep the simulation exact and deterministic: no rounding drift when
/// latencies add up, and `UInt64` holds about 213 days. Use it for both instants (time since the
/// start of a run) and durations.
public struct Picoseconds: Hashable, Comparable, Sendable, AdditiveArithmetic, CustomStringConvertible {
    /// The number of picoseconds.
    public var rawValue: UInt64

    /// Creates a time of `rawValue` picoseconds.
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Zero picoseconds.
    public static let zero = Picoseconds(0)

    /// `n` nanoseconds.
    @inlinable public static func ns(_ n: UInt64) -> Picoseconds { Picoseconds(n * 1_000) }
    /// `n` microseconds.
    @inlinable public static func us(_ n: UInt64) -> Picoseconds { Picoseconds(n * 1_000_000) }
    /// `n` milliseconds.
    @inlinable public static func ms(_ n: UInt64) -> Picoseconds { Picoseconds(n * 1_000_000_000) }

    /// The time it takes to move `bytes` at `rate`, rounded up to a whole picosecond.
    ///
    /// Rounding up keeps a serialised transfer from ever finishing before its bytes could; a
    /// result within one part in 10^14 of a whole picosecond is taken as that whole number, so
    /// that floating-point noise does not add a picosecond to exact cases (256 B at 16 GB/s is
    /// 16 ns, not 16.001 ns).
    public static func transmission(of bytes: UInt64, at rate: DataRate) -> Picoseconds {
        let exact = Double(bytes) * 1e12 / rate.bytesPerSecond
        let nearest = exact.rounded()
        if abs(exact - nearest) <= nearest * 1e-14 { return Picoseconds(saturatingPicoseconds: nearest) }
        return Picoseconds(saturatingPicoseconds: exact.rounded(.up))
    }

    /// The time in seconds, as a floating-point value for reports.
    public var seconds: Double { Double(rawValue) / 1e12 }

    /// The units accepted, with their multipliers in picoseconds.
    public static let units: [(symbol: String, factor: UInt64)] = [
        ("ps", 1), ("ns", 1_000), ("us", 1_000_000), ("µs", 1_000_000), ("ms", 1_000_000_000),
        ("s", 1_000_000_000_000),
    ]

    /// Reads a duration such as "150 ns", "1.5us", "2 ms", "100 ps" or "0", within
    /// `QuantityRange.duration` (0 ps to 1 day).
    ///
    /// - Throws: `UnitParseError` for a missing or unknown unit, a negative value, a value that is
    ///   not a whole number of picoseconds, or one beyond a day.
    public static func parse(_ text: String) throws(UnitParseError) -> Picoseconds {
        try parse(text, within: .duration)
    }

    /// Reads a duration without a range check (only `UInt64` bounds the value).
    static func parseUnbounded(_ text: String) throws(UnitParseError) -> Picoseconds {
        let quantity = try QuantityText.parse(text)
        guard !quantity.unit.isEmpty else {
            // Zero needs no unit; any other bare number does.
            if quantity.significand == 0 { return .zero }
            throw UnitParseError(.missingUnit(expected: units.map(\.symbol)), text: text, offset: quantity.unitOffset)
        }
        guard let unit = units.first(where: { $0.symbol == quantity.unit }) else {
            throw UnitParseError(
                .unknownUnit(quantity.unit, expected: units.map(\.symbol)), text: text, offset: quantity.unitOffset)
        }
        return Picoseconds(try quantity.wholeValue(times: unit.factor, text: text, smallestUnit: "picoseconds"))
    }

    /// The time in the largest unit not above it, with up to three decimals ("150 ns",
    /// "1.5 us", "16.777 ms").
    ///
    /// `Picoseconds.max`, where saturating arithmetic stops, prints as "over 18446744 s
    /// (saturated)", so that a time beyond what simulated time holds is not read as a figure.
    public var description: String {
        if rawValue == .max { return "over 18446744 s (saturated)" }
        let scales: [(String, UInt64)] = [
            ("s", 1_000_000_000_000), ("ms", 1_000_000_000), ("us", 1_000_000), ("ns", 1_000),
        ]
        for (symbol, factor) in scales where rawValue >= factor {
            return "\(formatDecimal(Double(rawValue) / Double(factor), maxFractionDigits: 3)) \(symbol)"
        }
        return "\(rawValue) ps"
    }

    @inlinable public static func < (lhs: Picoseconds, rhs: Picoseconds) -> Bool { lhs.rawValue < rhs.rawValue }
    /// The sum, saturating at `Picoseconds.max` (213 days) instead of trapping: inputs are
    /// range-checked where they are read, so only a run far beyond any accepted input reaches it.
    @inlinable public static func + (lhs: Picoseconds, rhs: Picoseconds) -> Picoseconds {
        let (sum, overflow) = lhs.rawValue.addingReportingOverflow(rhs.rawValue)
        return Picoseconds(overflow ? .max : sum)
    }
    @inlinable public static func - (lhs: Picoseconds, rhs: Picoseconds) -> Picoseconds {
        Picoseconds(lhs.rawValue - rhs.rawValue)
    }
}
