import Engine
import Fabric
import Topology
import Units

/// A loaded scenario: a machine, calibration overrides, transfers and what they should give.
public struct Scenario: Sendable {
    /// The scenario's name (`<scenario name>`).
    public var name: String
    /// The scenario file, as given.
    public var file: String
    /// The topology file, resolved against the scenario file.
    public var topologyFile: String
    /// The topology file's text (for baselines' hash).
    public var topologyText: String
    /// The enumerated machine.
    public var machine: EnumeratedMachine
    /// The defaults with the scenario's `<parameter>` overrides applied.
    public var parameters: ModelParameters
    /// The `<parameter>` overrides, in file order.
    public var overrides: [ParameterOverride]
    /// The transfers, in file order.
    public var transfers: [ScenarioTransfer]
    /// The expectations, in file order.
    public var expectations: [Expectation]
}

/// A `<parameter name value>` override.
public struct ParameterOverride: Sendable, Hashable {
    /// A `ModelParameters` name.
    public var name: String
    /// The value as written.
    public var value: String

    /// Creates an override.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A `<transfer>`: a copy between two ends, when it starts, how often it repeats.
public struct ScenarioTransfer: Sendable, Hashable {
    /// The transfer's id.
    public var id: String
    /// The source: a device or socket id.
    public var from: String
    /// The destination: a device or socket id.
    public var to: String
    /// Bytes per repetition.
    public var size: ByteCount
    /// Which path to take.
    public var path: PathChoice
    /// Push (source writes) or pull (destination reads).
    public var direction: DMADirection
    /// The earliest start.
    public var start: Picoseconds
    /// Transfers whose completion this one waits for.
    public var after: [String]
    /// Repetitions, back to back.
    public var repeatCount: Int
    /// The socket whose memory stages a bounce, if not the source's.
    public var stagingSocket: String?
    /// The size of each DMA, when a direct copy is a stream of them (nil: one DMA).
    public var dmaSize: ByteCount? = nil
    /// DMAs in flight at most, with `dmaSize`.
    public var queueDepth: Int = 1
    /// Where the element is.
    public var location: SourceLocation
}

/// A measured quantity of a transfer.
public enum Metric: String, Sendable, Hashable, Codable, CaseIterable {
    /// Bytes per second over the transfer's time.
    case bandwidth
    /// Mean duration of one repetition, from the call to completion.
    case time
    /// Duration of a `latencyProbeSize` copy on the same path, alone on the machine.
    case latency
}

/// How several transfers' metrics are combined.
public enum Aggregate: String, Sendable, Hashable, Codable {
    /// The sum.
    case sum
    /// The smallest.
    case min
    /// The largest.
    case max
}

/// An accepted deviation from an expected value.
public enum Tolerance: Sendable, Hashable, CustomStringConvertible {
    /// A fraction of the expected value (0.05 for "5%").
    case relative(Double)
    /// An absolute deviation, in the metric's base unit (bytes per second or picoseconds).
    case absolute(Double)

    /// The tolerance as written back ("5%", "0.5 GB/s").
    public var description: String {
        switch self {
        case .relative(let fraction): return formatDecimal(fraction * 100, maxFractionDigits: 3) + "%"
        case .absolute(let value): return "±" + formatDecimal(value, maxFractionDigits: 3)
        }
    }
}

/// What an `<expect>` checks.
public enum ExpectationCheck: Sendable, Hashable {
    /// A transfer's metric within a tolerance.
    case metric(transfer: String, metric: Metric, value: Double, tolerance: Tolerance)
    /// An aggregate over transfers' metric within a tolerance.
    case aggregate(Aggregate, transfers: [String], metric: Metric, value: Double, tolerance: Tolerance)
    /// A transfer's mechanism (`refused` when it could not be planned).
    case mechanism(transfer: String, mechanism: String)
    /// A transfer's Linux map type, and words of the reason.
    case transferMapType(transfer: String, mapType: String?, reasonContains: String?)
    /// The kernel's decision alone for a client and a provider.
    case p2p(client: String, provider: String, mapType: String?, distance: Int?, reasonContains: String?)
    /// An expectation of a timeline scenario (DynamicBuffers), checked by its own run.
    case timeline(label: String)
}

/// An `<expect>` with where its number comes from.
public struct Expectation: Sendable, Hashable {
    /// What it checks.
    public var check: ExpectationCheck
    /// Where the expected value comes from (the `source` attribute or the comment above).
    public var source: String
    /// The published range, when `value` gives one ("15.5-17.9 GB/s"): the expected value is its
    /// middle (bytes per second, or picoseconds).
    public var published: ClosedRange<Double>? = nil
    /// Where the element is.
    public var location: SourceLocation
    /// When the model is known to miss this figure: why (the `known` attribute). Such an
    /// expectation still runs; its failure is reported as a known discrepancy instead of failing
    /// the check, and its passing is reported as a failure, so the mark is removed once a
    /// mechanism explains the figure.
    public var knownDiscrepancy: String? = nil

    /// A short label: `t1 bandwidth`, `sum(t1 t2) bandwidth`, `t1 mechanism`, `p2p gpu0 gpu1`.
    public var label: String {
        switch check {
        case .metric(let transfer, let metric, _, _): return "\(transfer) \(metric.rawValue)"
        case .aggregate(let aggregate, let transfers, let metric, _, _):
            return "\(aggregate.rawValue)(\(transfers.joined(separator: " "))) \(metric.rawValue)"
        case .mechanism(let transfer, _): return "\(transfer) mechanism"
        case .transferMapType(let transfer, _, _): return "\(transfer) mapType"
        case .p2p(let client, let provider, _, _, _): return "p2p \(client) \(provider)"
        case .timeline(let label): return label
        }
    }
}

/// A scenario file could not be loaded; every problem found is listed.
public struct ScenarioLoadError: Error, Sendable, CustomStringConvertible {
    /// All diagnostics, in file order.
    public var diagnostics: [Diagnostic]

    /// Creates the error from its diagnostics.
    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// The diagnostics, one a line (`file:line:column: error: message`).
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Formats a metric's value in its unit: GB/s for bandwidth, a duration otherwise.
public func formatMetric(_ metric: Metric, _ value: Double) -> String {
    switch metric {
    case .bandwidth: return formatDecimal(value / 1e9, maxFractionDigits: 2) + " GB/s"
    case .time, .latency: return Picoseconds(saturatingPicoseconds: value.rounded()).description
    }
}
