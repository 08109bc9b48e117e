import Units

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A broken invariant of a simulation: what should always hold did not, so the run was stopped
/// rather than allowed to produce figures that cannot be trusted.
///
/// Invariants are cheap enough to stay on in every run (one comparison per event, or a few per
/// rate change); a violation always means a bug in a model or the kernel, never bad input, which
/// the loaders refuse before a run starts.
public struct InvariantViolation: Error, Equatable, Sendable, CustomStringConvertible {
    /// The component where it was detected ("SimKernel", "FlowSimulation resource 3").
    public var component: String
    /// The simulated time of the detection.
    public var time: Picoseconds
    /// The invariant, in a few words ("no event in the past").
    public var invariant: String
    /// What was seen.
    public var detail: String

    /// Creates a violation of `invariant` in `component` at `time`.
    public init(component: String, time: Picoseconds, invariant: String, detail: String) {
        self.component = component
        self.time = time
        self.invariant = invariant
        self.detail = detail
    }

    public var description: String {
        "invariant violated in \(component) at simulated time \(time) (\(time.rawValue) ps): \(invariant): \(detail)"
    }
}

/// A 64-bit fingerprint of an event sequence, as OMNeT++'s fingerprints are: the same inputs give
/// the same sequence of (time, kind, ids) and so the same fingerprint, and a change of behaviour
/// changes it even when the headline figures happen to agree.
///
/// FNV-1a (Fowler, Noll, Vo; offset basis 14695981039346656037, prime 1099511628211) over 64-bit
/// words rather than bytes: one multiply per word.
public struct EventFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The hash so far.
    public var value: UInt64 { state }
    @usableFromInline var state: UInt64 = 14_695_981_039_346_656_037

    /// An empty fingerprint.
    @inlinable public init() {}

    /// Mixes in one word.
    @inlinable public mutating func mix(_ word: UInt64) {
        state = (state ^ word) &* 1_099_511_628_211
    }

    /// The fingerprint as 16 hexadecimal digits.
    public var description: String { hexadecimal(value, digits: 16) }
}

/// Limits on the number of events one run may handle.
public enum EventLimit {
    /// The default limit: 200 million events, about a minute of the packet model on the
    /// development machine (docs/benchmarks.md: several million events per second in release).
    public static let defaultMaximum: UInt64 = 200_000_000

    /// The environment variable that raises or lowers the limit (the command line's
    /// `--max-events` option can set it).
    public static let variable = "P2PSIM_MAX_EVENTS"

    /// The limit in force: `P2PSIM_MAX_EVENTS` when it is a positive integer, else the default.
    public static var current: UInt64 {
        guard let pointer = getenv(variable), let value = UInt64(String(cString: pointer)), value > 0 else {
            return defaultMaximum
        }
        return value
    }
}
