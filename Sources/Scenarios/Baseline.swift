import Engine
import Foundation
import SimKernel
import Units

/// FNV-1a, 64 bits, over the UTF-8 bytes of `text`, as 16 hexadecimal digits.
///
/// A baseline stores it to notice that the calibration or a topology file changed. It detects
/// change, not tampering: FNV is not a cryptographic hash, and anyone can make two texts with
/// the same value.
public func fnv1a64(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

/// Every metric of every transfer of every scenario, for noticing what a model change moved.
public struct Baseline: Codable, Sendable, Equatable {
    /// The tool's version when recorded.
    public var version: String
    /// FNV-1a 64 of the default `ModelParameters.canonicalText` and every scenario's topology
    /// text (sorted by path): changes when the calibration or a topology changes.
    public var modelHash: String
    /// By scenario name.
    public var scenarios: [String: ScenarioBaseline]

    /// One scenario's recorded figures.
    public struct ScenarioBaseline: Codable, Sendable, Equatable {
        /// The scenario file's name (without its directory).
        public var file: String
        /// FNV-1a 64 of the scenario's effective `canonicalText` and its topology's text.
        public var parametersHash: String
        /// By transfer id.
        public var transfers: [String: TransferBaseline]
        /// The flow model's event fingerprint for the scenario (`Baseline.fingerprint(of:)`);
        /// nil in baselines recorded before fingerprints.
        public var fingerprint: String?
    }

    /// One transfer's recorded figures (absent metrics: the transfer was refused).
    public struct TransferBaseline: Codable, Sendable, Equatable {
        /// The mechanism, or `refused`.
        public var mechanism: String
        /// Mean time of one repetition, picoseconds.
        public var timePicoseconds: UInt64?
        /// Bytes per second.
        public var bandwidthBytesPerSecond: Double?
        /// Latency of a probe copy, picoseconds.
        public var latencyPicoseconds: UInt64?
    }

    /// Records `results` with the tool's `version`.
    public init(results: [ScenarioResult], version: String) {
        self.version = version
        var texts: [String: String] = [:]
        for result in results { texts[result.scenario.topologyFile] = result.scenario.topologyText }
        modelHash = fnv1a64(ModelParameters().canonicalText + texts.keys.sorted().compactMap { texts[$0] }.joined())
        var scenarios: [String: ScenarioBaseline] = [:]
        for result in results {
            var transfers: [String: TransferBaseline] = [:]
            for transfer in result.transfers {
                transfers[transfer.transfer.id] = TransferBaseline(
                    mechanism: transfer.mechanism, timePicoseconds: transfer.time?.rawValue,
                    bandwidthBytesPerSecond: transfer.bandwidth, latencyPicoseconds: transfer.latency?.rawValue)
            }
            let scenario = result.scenario
            scenarios[scenario.name] = ScenarioBaseline(
                file: String(scenario.file.split(separator: "/").last ?? Substring(scenario.file)),
                parametersHash: fnv1a64(scenario.parameters.canonicalText + scenario.topologyText),
                transfers: transfers, fingerprint: Self.fingerprint(of: result).description)
        }
        self.scenarios = scenarios
    }

    /// The fingerprint of a scenario's run: the flow model's event sequence (each event's time
    /// and the flows it starts and ends, `EventFingerprint`) when every repetition of every
    /// transfer is replayed at the start the run gave it, in file order.
    ///
    /// Two runs with the same figures but different event sequences (a rate change at another
    /// time, a flow ending in another order) have different fingerprints, as in OMNeT++.
    public static func fingerprint(of result: ScenarioResult) -> EventFingerprint {
        let planner = TransferPlanner(machine: result.scenario.machine, parameters: result.scenario.parameters)
        let transfers = result.transfers.flatMap { $0.repetitions.map(\.transfer) }
        return FlowEngine(planner: planner).run(transfers, recordingLoads: false).fingerprint
    }

    /// The baseline as JSON with sorted keys, pretty-printed, ending with a newline.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads a baseline from JSON.
    public static func decode(json data: Data) throws -> Baseline {
        try JSONDecoder().decode(Baseline.self, from: data)
    }
}

/// How far a metric may move before a comparison fails (fractions: 0.01 for 1%).
public struct BaselineTolerances: Sendable, Hashable {
    /// For `time` and `latency`.
    public var time: Double
    /// For `bandwidth`.
    public var bandwidth: Double

    /// Creates tolerances.
    public init(time: Double = 0, bandwidth: Double = 0) {
        self.time = time
        self.bandwidth = bandwidth
    }
}

/// What moved between a recorded baseline and a new run.
public struct BaselineComparison: Sendable {
    /// Notes on the version and hashes (not failures).
    public var notes: [String] = []
    /// One line per change: `scenario/transfer metric: old -> new (+x.x%)`, with
    /// `(within tolerance)` appended when it is.
    public var changes: [String] = []
    /// Whether anything moved beyond its tolerance (or appeared, disappeared, changed mechanism).
    public var movedBeyondTolerance = false

    /// Compares `new` against `old`.
    public init(old: Baseline, new: Baseline, tolerances: BaselineTolerances) {
        if old.version != new.version { notes.append("version differs: \(old.version) -> \(new.version)") }
        if old.modelHash != new.modelHash {
            notes.append(
                "model hash differs: \(old.modelHash) -> \(new.modelHash) (the default parameters or a topology file changed)"
            )
        }
        for name in Set(old.scenarios.keys).union(new.scenarios.keys).sorted() {
            guard let before = old.scenarios[name] else {
                changes.append("\(name): new scenario")
                movedBeyondTolerance = true
                continue
            }
            guard let after = new.scenarios[name] else {
                changes.append("\(name): scenario removed")
                movedBeyondTolerance = true
                continue
            }
            let changesBefore = changes.count
            defer {
                compareFingerprints(
                    name, before.fingerprint, after.fingerprint, figuresMoved: changes.count > changesBefore)
            }
            if before.parametersHash != after.parametersHash {
                notes.append(
                    "\(name): parameter hash differs: \(before.parametersHash) -> \(after.parametersHash) (its parameters or topology changed)"
                )
            }
            for id in Set(before.transfers.keys).union(after.transfers.keys).sorted() {
                let key = "\(name)/\(id)"
                guard let was = before.transfers[id] else {
                    changes.append("\(key): new transfer")
                    movedBeyondTolerance = true
                    continue
                }
                guard let now = after.transfers[id] else {
                    changes.append("\(key): transfer removed")
                    movedBeyondTolerance = true
                    continue
                }
                if was.mechanism != now.mechanism {
                    changes.append("\(key) mechanism: \(was.mechanism) -> \(now.mechanism)")
                    movedBeyondTolerance = true
                }
                compare(
                    key, .time, was.timePicoseconds.map { Double($0) }, now.timePicoseconds.map { Double($0) },
                    tolerances.time)
                compare(key, .bandwidth, was.bandwidthBytesPerSecond, now.bandwidthBytesPerSecond, tolerances.bandwidth)
                compare(
                    key, .latency, was.latencyPicoseconds.map { Double($0) }, now.latencyPicoseconds.map { Double($0) },
                    tolerances.time)
            }
        }
    }

    /// A fingerprint that changed while every figure of the scenario stayed identical is a
    /// behaviour change the figures hide: it fails the comparison. When figures moved too, the
    /// changed fingerprint is only noted (the figures' tolerances decide).
    private mutating func compareFingerprints(_ name: String, _ old: String?, _ new: String?, figuresMoved: Bool) {
        guard let old, let new, old != new else { return }
        if figuresMoved {
            notes.append("\(name): event fingerprint differs: \(old) -> \(new)")
        } else {
            changes.append(
                "\(name) event fingerprint: \(old) -> \(new) (the event sequence changed although every figure is identical)"
            )
            movedBeyondTolerance = true
        }
    }

    private mutating func compare(_ key: String, _ metric: Metric, _ old: Double?, _ new: Double?, _ tolerance: Double)
    {
        switch (old, new) {
        case (nil, nil): return
        case (let old?, let new?):
            guard old != new else { return }
            let change = old != 0 ? (new - old) / old : .infinity
            let beyond = abs(change) > tolerance
            changes.append(
                "\(key) \(metric.rawValue): \(precise(metric, old)) -> \(precise(metric, new)) (\(formatPercent(change)))"
                    + (beyond ? "" : " (within tolerance)"))
            if beyond { movedBeyondTolerance = true }
        default:
            changes.append(
                "\(key) \(metric.rawValue): \(old.map { precise(metric, $0) } ?? "none") -> \(new.map { precise(metric, $0) } ?? "none")"
            )
            movedBeyondTolerance = true
        }
    }
}

/// A metric's value with the precision of its unit's description (4 decimals of GB/s, 3 of a time).
private func precise(_ metric: Metric, _ value: Double) -> String {
    switch metric {
    case .bandwidth: return DataRate(bytesPerSecond: value).description
    case .time, .latency: return Picoseconds(saturatingPicoseconds: value.rounded()).description
    }
}
