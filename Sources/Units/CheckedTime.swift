/// A time that does not fit `Picoseconds`: negative, not a number, or beyond 213 days.
public struct TimeRangeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The offending value in seconds.
    public var seconds: Double
    /// What the time was for ("the transfer of 1 PiB at 1 MB/s").
    public var context: String

    /// Creates the error for `seconds`, computed for `context`.
    public init(seconds: Double, context: String) {
        self.seconds = seconds
        self.context = context
    }

    public var description: String {
        let shown = seconds.isFinite ? "\(formatDecimal(seconds, maxFractionDigits: 3)) s" : "\(seconds)"
        return "\(context) takes \(shown), beyond the \(Picoseconds.max) that simulated time can hold"
    }
}

extension Picoseconds {
    /// The largest time: 2^64 - 1 ps, about 213 days.
    public static let max = Picoseconds(UInt64.max)

    /// The time `seconds`, rounded to the nearest picosecond.
    ///
    /// - Throws: `TimeRangeError` when `seconds` is negative, not finite, or beyond `max`, instead
    ///   of trapping in the conversion to `UInt64`.
    public init(seconds: Double, context: @autoclosure () -> String = "a time") throws(TimeRangeError) {
        let ps = (seconds * 1e12).rounded()
        guard ps.isFinite, ps >= 0, ps < 18_446_744_073_709_551_615.0 else {
            throw TimeRangeError(seconds: seconds, context: context())
        }
        self.init(UInt64(ps))
    }

    /// The time `seconds`, rounded to the nearest picosecond; negative or NaN gives zero and
    /// anything beyond `max` gives `max` (213 days, which reports show as such).
    public init(saturatingSeconds seconds: Double) {
        self.init(saturatingPicoseconds: (seconds * 1e12).rounded())
    }

    /// `picoseconds` (already whole), clamped to 0 ... `max`; NaN gives zero.
    public init(saturatingPicoseconds picoseconds: Double) {
        if !(picoseconds > 0) {
            self.init(0)
        } else if picoseconds >= 18_446_744_073_709_551_615.0 {
            self.init(UInt64.max)
        } else {
            self.init(UInt64(picoseconds))
        }
    }

    /// The time it takes to move `bytes` at `rate`, as `transmission(of:at:)`.
    ///
    /// - Throws: `TimeRangeError` when the rate is zero or the time is beyond `max`.
    public static func checkedTransmission(of bytes: UInt64, at rate: DataRate) throws(TimeRangeError) -> Picoseconds {
        let seconds = Double(bytes) / rate.bytesPerSecond
        guard seconds.isFinite, seconds * 1e12 < 18_446_744_073_709_551_615.0 else {
            throw TimeRangeError(seconds: seconds, context: "moving \(ByteCount(bytes)) at \(rate)")
        }
        return transmission(of: bytes, at: rate)
    }

    /// The sum, or nil when it does not fit.
    public func adding(_ other: Picoseconds) -> Picoseconds? {
        let (sum, overflow) = rawValue.addingReportingOverflow(other.rawValue)
        return overflow ? nil : Picoseconds(sum)
    }
}
