/// A number of bytes, parsed and printed with decimal (kB, MB, GB) or binary (KiB, MiB, GiB)
/// prefixes exactly as written.
///
/// "1 GB" is 10^9 bytes and "1 GiB" is 2^30 bytes (IEC 80000-13); "KB" and "kB" both mean 1000
/// bytes, since in this field "KB" written by a person who also writes "KiB" means 1000.
public struct ByteCount: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number of bytes.
    public var bytes: UInt64

    /// Creates a count of `bytes` bytes.
    public init(_ bytes: UInt64) { self.bytes = bytes }

    /// `n` kibibytes (n × 1024 bytes).
    public static func kib(_ n: UInt64) -> ByteCount { ByteCount(n << 10) }
    /// `n` mebibytes (n × 2^20 bytes).
    public static func mib(_ n: UInt64) -> ByteCount { ByteCount(n << 20) }
    /// `n` gibibytes (n × 2^30 bytes).
    public static func gib(_ n: UInt64) -> ByteCount { ByteCount(n << 30) }

    /// The units accepted, with their multipliers in bytes.
    public static let units: [(symbol: String, factor: UInt64)] = [
        ("B", 1),
        ("kB", 1_000), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000),
        ("TB", 1_000_000_000_000), ("PB", 1_000_000_000_000_000),
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("PiB", 1 << 50),
    ]

    /// Reads a size such as "256 MiB", "4KiB", "1.5 GB" or "64 B".
    ///
    /// - Throws: `UnitParseError` when the number or the unit is missing or unknown, when the
    ///   value is negative, not a whole number of bytes, or larger than `UInt64.max`.
    public static func parse(_ text: String) throws(UnitParseError) -> ByteCount {
        let quantity = try QuantityText.parse(text)
        guard !quantity.unit.isEmpty else {
            throw UnitParseError(.missingUnit(expected: units.map(\.symbol)), text: text, offset: quantity.unitOffset)
        }
        guard let unit = units.first(where: { $0.symbol == quantity.unit }) else {
            throw UnitParseError(
                .unknownUnit(quantity.unit, expected: units.map(\.symbol)), text: text, offset: quantity.unitOffset)
        }
        return ByteCount(try quantity.wholeValue(times: unit.factor, text: text, smallestUnit: "bytes"))
    }

    /// The size in the largest binary unit that divides it exactly, such as "256 MiB", else the
    /// largest decimal unit that does ("1500 MB" prints as "1.5 GB" only when exact), else bytes.
    public var description: String {
        if bytes == 0 { return "0 B" }
        let binary: [(String, UInt64)] = [
            ("PiB", 1 << 50), ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
        ]
        for (symbol, factor) in binary where bytes % factor == 0 {
            return "\(bytes / factor) \(symbol)"
        }
        let decimal: [(String, UInt64)] = [
            ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("kB", 1_000),
        ]
        for (symbol, factor) in decimal where bytes % factor == 0 {
            return "\(bytes / factor) \(symbol)"
        }
        return "\(bytes) B"
    }

    public static func < (lhs: ByteCount, rhs: ByteCount) -> Bool { lhs.bytes < rhs.bytes }
}
