/// A data rate in bytes per second.
///
/// Rates are the one quantity kept in floating point: they come from products of clock rates,
/// lane counts and encodings that are not whole numbers of bytes per second (Gen3 x16 is
/// 15.753846... GB/s). "GB/s" is 10^9 bytes per second; "GiB/s" is 2^30; "Gb/s" is 10^9 bits.
public struct DataRate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bytes per second.
    public var bytesPerSecond: Double

    /// Creates a rate of `bytesPerSecond`.
    public init(bytesPerSecond: Double) { self.bytesPerSecond = bytesPerSecond }

    /// `n` × 10^9 bytes per second.
    public static func gigabytesPerSecond(_ n: Double) -> DataRate { DataRate(bytesPerSecond: n * 1e9) }

    /// The rate in GB/s (10^9 bytes per second).
    public var gigabytesPerSecond: Double { bytesPerSecond / 1e9 }

    /// The units accepted, with their multipliers in bytes per second.
    public static let units: [(symbol: String, factor: Double)] = [
        ("B/s", 1), ("kB/s", 1e3), ("KB/s", 1e3), ("MB/s", 1e6), ("GB/s", 1e9), ("TB/s", 1e12),
        ("KiB/s", 1024), ("MiB/s", 1_048_576), ("GiB/s", 1_073_741_824), ("TiB/s", 1_099_511_627_776),
        ("b/s", 0.125), ("kb/s", 125), ("Kb/s", 125), ("Mb/s", 125e3), ("Gb/s", 125e6), ("Tb/s", 125e9),
    ]

    /// The transfer-rate units (symbols per second per lane), which need a lane count.
    public static let transferUnits: [(symbol: String, factor: Double)] = [
        ("MT/s", 1e6), ("GT/s", 1e9),
    ]

    /// Reads a rate such as "25 GB/s", "12.5GiB/s" or "100 Gb/s".
    ///
    /// With `lanes`, "8 GT/s" is also accepted: the raw signalling rate, one bit per transfer per
    /// lane, before line encoding (8 GT/s on 16 lanes is 16 × 10^9 bytes of symbols per second;
    /// the link model applies 8b/10b or 128b/130b on top).
    ///
    /// The rate must lie in `QuantityRange.rate` (0 to 1 PB/s); a bare "0" needs no unit.
    ///
    /// - Throws: `UnitParseError` for a missing or unknown unit, a negative rate, GT/s without
    ///   lanes, or a rate beyond 1 PB/s.
    public static func parse(_ text: String, lanes: Int? = nil) throws(UnitParseError) -> DataRate {
        try parse(text, lanes: lanes, within: .rate)
    }

    /// Reads a rate without a range check (only finiteness bounds the value).
    static func parseUnbounded(_ text: String, lanes: Int? = nil) throws(UnitParseError) -> DataRate {
        let quantity = try QuantityText.parse(text)
        if quantity.unit.isEmpty, quantity.significand == 0 { return DataRate(bytesPerSecond: 0) }
        let accepted = units.map(\.symbol) + transferUnits.map(\.symbol)
        guard !quantity.unit.isEmpty else {
            throw UnitParseError(.missingUnit(expected: accepted), text: text, offset: quantity.unitOffset)
        }
        if quantity.isNegative { throw UnitParseError(.negative, text: text, offset: 0) }
        if let unit = units.first(where: { $0.symbol == quantity.unit }) {
            let value = quantity.doubleValue * unit.factor
            guard value.isFinite else { throw UnitParseError(.overflow, text: text, offset: 0) }
            return DataRate(bytesPerSecond: value)
        }
        if let unit = transferUnits.first(where: { $0.symbol == quantity.unit }) {
            guard let lanes else {
                throw UnitParseError(.transfersNeedLanes, text: text, offset: quantity.unitOffset)
            }
            let value = quantity.doubleValue * unit.factor * Double(lanes) / 8
            guard value.isFinite else { throw UnitParseError(.overflow, text: text, offset: 0) }
            return DataRate(bytesPerSecond: value)
        }
        throw UnitParseError(.unknownUnit(quantity.unit, expected: accepted), text: text, offset: quantity.unitOffset)
    }

    /// The rate in the largest decimal unit not above it, with up to four significant decimals
    /// ("25 GB/s", "15.7538 GB/s", "500 MB/s").
    public var description: String {
        let value = bytesPerSecond
        let scales: [(String, Double)] = [("TB/s", 1e12), ("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)]
        for (symbol, factor) in scales where value >= factor {
            return "\(formatDecimal(value / factor, maxFractionDigits: 4)) \(symbol)"
        }
        return "\(formatDecimal(value, maxFractionDigits: 4)) B/s"
    }

    public static func < (lhs: DataRate, rhs: DataRate) -> Bool { lhs.bytesPerSecond < rhs.bytesPerSecond }
}

/// Prints `value` with at most `maxFractionDigits` decimals, trailing zeros removed.
///
/// Deterministic and locale-free (no Foundation formatting).
public func formatDecimal(_ value: Double, maxFractionDigits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    var scale = 1.0
    for _ in 0..<maxFractionDigits { scale *= 10 }
    let negative = value < 0
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9.0e18 else { return "\(value)" }
    let whole = UInt64(scaled)
    let integerPart = whole / UInt64(scale)
    var fraction = whole % UInt64(scale)
    var digits = maxFractionDigits
    while digits > 0, fraction % 10 == 0 {
        fraction /= 10
        digits -= 1
    }
    var text = negative && whole != 0 ? "-" : ""
    text += String(integerPart)
    if digits > 0 {
        let fractionText = String(fraction)
        text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
    }
    return text
}
