/// A quantity's text split into an exact decimal number and a unit.
///
/// Numbers are kept exact (a significand and a power of ten) so that "1.5 GB" is exactly
/// 1,500,000,000 bytes and "0.1 ns" exactly 100 ps; floating point enters only for rates.
struct QuantityText {
    /// The decimal digits of the number, without the point.
    var significand: UInt64
    /// The power of ten that scales `significand`.
    var exponent: Int
    /// Whether a minus sign preceded the number.
    var isNegative: Bool
    /// The unit, with surrounding white space removed; empty when none was given.
    var unit: String
    /// The character offset where the unit starts.
    var unitOffset: Int

    /// Splits `text` into number and unit.
    ///
    /// Accepts an optional sign, digits with an optional decimal point, and an optional
    /// exponent (`e` or `E` followed by an integer), then optional white space, then the unit.
    static func parse(_ text: String) throws(UnitParseError) -> QuantityText {
        let chars = Array(text.utf8)
        var index = 0
        func skipSpace() {
            while index < chars.count,
                chars[index] == 0x20 || chars[index] == 0x09 || chars[index] == 0x0A
                    || chars[index] == 0x0D
            {
                index += 1
            }
        }
        skipSpace()
        if index == chars.count { throw UnitParseError(.empty, text: text, offset: 0) }
        var negative = false
        if chars[index] == UInt8(ascii: "-") || chars[index] == UInt8(ascii: "+") {
            negative = chars[index] == UInt8(ascii: "-")
            index += 1
        }
        var significand: UInt64 = 0
        var exponent = 0
        var digits = 0
        var overflowed = false
        var seenPoint = false
        let numberStart = index
        while index < chars.count {
            let c = chars[index]
            if c >= 0x30 && c <= 0x39 {
                let digit = UInt64(c - 0x30)
                let (times10, o1) = significand.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(digit)
                if o1 || o2 {
                    // Keep the leading digits; drop the rest with an exponent adjustment.
                    if !seenPoint { exponent += 1 }
                    if digit != 0 { overflowed = true }
                } else {
                    significand = sum
                    if seenPoint { exponent -= 1 }
                }
                digits += 1
            } else if c == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        if digits == 0 { throw UnitParseError(.missingNumber, text: text, offset: numberStart) }
        if overflowed { throw UnitParseError(.overflow, text: text, offset: numberStart) }
        if index < chars.count, chars[index] == UInt8(ascii: "e") || chars[index] == UInt8(ascii: "E") {
            // An exponent only if digits follow; otherwise the 'e' starts a unit (none does today).
            var probe = index + 1
            var expNegative = false
            if probe < chars.count, chars[probe] == UInt8(ascii: "-") || chars[probe] == UInt8(ascii: "+") {
                expNegative = chars[probe] == UInt8(ascii: "-")
                probe += 1
            }
            var value = 0
            var expDigits = 0
            while probe < chars.count, chars[probe] >= 0x30, chars[probe] <= 0x39 {
                value = min(value * 10 + Int(chars[probe] - 0x30), 10_000)
                expDigits += 1
                probe += 1
            }
            if expDigits > 0 {
                exponent += expNegative ? -value : value
                index = probe
            }
        }
        skipSpace()
        let unitOffset = index
        var end = chars.count
        while end > index,
            chars[end - 1] == 0x20 || chars[end - 1] == 0x09 || chars[end - 1] == 0x0A
                || chars[end - 1] == 0x0D
        {
            end -= 1
        }
        let unit = String(decoding: chars[index..<end], as: UTF8.self)
        return QuantityText(
            significand: significand, exponent: exponent, isNegative: negative && significand != 0,
            unit: unit, unitOffset: unitOffset)
    }

    /// The exact integer `significand × 10^exponent × factor`, or an error when it is not whole
    /// or does not fit.
    func wholeValue(times factor: UInt64, text: String, smallestUnit: String) throws(UnitParseError) -> UInt64 {
        if isNegative { throw UnitParseError(.negative, text: text, offset: 0) }
        if significand == 0 { return 0 }
        var value = significand
        var (scaled, overflow) = value.multipliedReportingOverflow(by: factor)
        if overflow { throw UnitParseError(.overflow, text: text, offset: 0) }
        value = scaled
        if exponent >= 0 {
            for _ in 0..<exponent {
                (scaled, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { throw UnitParseError(.overflow, text: text, offset: 0) }
                value = scaled
            }
        } else {
            for _ in 0..<(-exponent) {
                if value % 10 != 0 {
                    throw UnitParseError(.notWhole(smallestUnit: smallestUnit), text: text, offset: 0)
                }
                value /= 10
            }
        }
        return value
    }

    /// The number as a floating-point value (for rates).
    var doubleValue: Double {
        var value = Double(significand)
        if exponent != 0 {
            var power = 1.0
            for _ in 0..<abs(exponent) { power *= 10 }
            value = exponent > 0 ? value * power : value / power
        }
        return isNegative ? -value : value
    }
}
