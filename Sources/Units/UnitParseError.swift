/// Why a quantity with a unit could not be read.
///
/// The loader adds the file, line and column; this error says what was wrong with the text
/// and at which character of it.
public struct UnitParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kinds of problem a quantity can have.
    public enum Reason: Equatable, Sendable {
        /// The text is empty or only white space.
        case empty
        /// The text does not start with a number.
        case missingNumber
        /// A number is given without a unit; the payload lists the units accepted.
        case missingUnit(expected: [String])
        /// The unit is not one of the accepted units for this quantity.
        case unknownUnit(String, expected: [String])
        /// The number is negative, and this quantity cannot be.
        case negative
        /// The value does not fit the quantity's integer representation.
        case overflow
        /// The value is not a whole number of the quantity's smallest step (bytes, picoseconds).
        case notWhole(smallestUnit: String)
        /// A rate in transfers per second (GT/s) was given where the number of lanes is unknown.
        case transfersNeedLanes
        /// The value lies outside the range this quantity may take here; the payload names the
        /// quantity and the range ("a latency from 0 ps to 1 s").
        case outOfRange(allowed: String)
        /// The unit could mean two things ("G": 10^9 or 2^30 bytes); the payload suggests
        /// unambiguous spellings.
        case ambiguousUnit(String, suggestions: [String])
    }

    /// What was wrong.
    public var reason: Reason
    /// The text that was read.
    public var text: String
    /// The zero-based character offset in `text` where the problem starts.
    public var offset: Int

    /// Creates an error for `text`, pointing at `offset`.
    public init(_ reason: Reason, text: String, offset: Int) {
        self.reason = reason
        self.text = text
        self.offset = offset
    }

    public var description: String {
        switch reason {
        case .empty:
            return "empty quantity: expected a number and a unit"
        case .missingNumber:
            return "'\(text)' does not start with a number"
        case .missingUnit(let expected):
            return "'\(text)' has no unit (expected one of \(expected.joined(separator: ", ")))"
        case .unknownUnit(let unit, let expected):
            return "unknown unit '\(unit)' in '\(text)' (expected one of \(expected.joined(separator: ", ")))"
        case .negative:
            return "'\(text)' must not be negative"
        case .overflow:
            return "'\(text)' is too large"
        case .notWhole(let smallest):
            return "'\(text)' is not a whole number of \(smallest)"
        case .transfersNeedLanes:
            return "'\(text)' is in transfers per second, which needs a lane count here"
        case .outOfRange(let allowed):
            return "'\(text)' is out of range: expected \(allowed)"
        case .ambiguousUnit(let unit, let suggestions):
            return "ambiguous unit '\(unit)' in '\(text)': write \(suggestions.joined(separator: " or "))"
        }
    }
}
