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

    /// Reads a size such as "256 MiB", "4KiB", "1.5 GB", "64 B" or "1073741824" (a bare number is
    /// bytes), within `QuantityRange.size` (0 B to 1 PiB).
    ///
    /// Units are case-sensitive as listed in `units`, with two exceptions that cannot be misread:
    /// binary units in any case ("gib", "GIB" are GiB), and "KB" for kB. A prefix without "iB"
    /// or "B" ("1G", "1M") or with a lower-case "b" ("1gb", "1Gb": bits in networking) is
    /// ambiguous, since G means 10^9 in SI but 2^30 for `ls -h`, JEDEC and many tools: it is
    /// refused with a message suggesting "1 GB" or "1 GiB".
    ///
    /// - Throws: `UnitParseError` when the number is missing, the unit unknown or ambiguous, the
    ///   value negative, not a whole number of bytes, or beyond 1 PiB.
    public static func parse(_ text: String) throws(UnitParseError) -> ByteCount {
        try parse(text, within: .size)
    }

    /// Reads a size without a range check (only `UInt64` bounds the value).
    static func parseUnbounded(_ text: String) throws(UnitParseError) -> ByteCount {
        let quantity = try QuantityText.parse(text)
        guard !quantity.unit.isEmpty else {
            // A bare number is a count of bytes ("0", "1073741824").
            return ByteCount(try quantity.wholeValue(times: 1, text: text, smallestUnit: "bytes"))
        }
        guard let factor = unitFactor(quantity.unit) else {
            if let prefix = ambiguousPrefix(quantity.unit) {
                let number = String(decoding: Array(text.utf8.prefix(quantity.unitOffset)), as: UTF8.self)
                    .trimming(" \t")
                let decimal = prefix == "K" ? "kB" : "\(prefix)B"
                throw UnitParseError(
                    .ambiguousUnit(
                        quantity.unit,
                        suggestions: ["'\(number) \(decimal)' (decimal)", "'\(number) \(prefix)iB' (binary)"]),
                    text: text, offset: quantity.unitOffset)
            }
            throw UnitParseError(
                .unknownUnit(quantity.unit, expected: units.map(\.symbol)), text: text, offset: quantity.unitOffset)
        }
        return ByteCount(try quantity.wholeValue(times: factor, text: text, smallestUnit: "bytes"))
    }

    /// The multiplier of `unit`: an exact symbol, or a binary symbol in any case.
    private static func unitFactor(_ unit: String) -> UInt64? {
        if let exact = units.first(where: { $0.symbol == unit }) { return exact.factor }
        if unit.count == 3, unit.lowercased().hasSuffix("ib"),
            let binary = units.first(where: { $0.symbol.lowercased() == unit.lowercased() })
        {
            return binary.factor
        }
        return nil
    }

    /// The SI prefix letter ("G") when `unit` is a prefix alone or with a lower-case "b"
    /// ("G", "g", "gb", "Gb", "GB " variants not in `units`), nil otherwise.
    private static func ambiguousPrefix(_ unit: String) -> String? {
        let lowered = unit.lowercased()
        let stem = lowered.hasSuffix("b") ? String(lowered.dropLast()) : lowered
        guard ["k", "m", "g", "t", "p"].contains(stem) else { return nil }
        return stem.uppercased()
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
