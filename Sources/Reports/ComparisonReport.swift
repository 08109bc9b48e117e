import Engine
import Foundation
import Topology
import Units

/// One side of a comparison, as values for JSON.
public struct PathSummary: Codable, Sendable, Equatable {
    /// The mechanism.
    public var mechanism: String
    /// Seconds from the API call to completion.
    public var seconds: Double
    /// Bandwidth in GB/s (1e9 bytes per second).
    public var bandwidthGBps: Double
    /// Latency of a small copy, in microseconds.
    public var latencyMicroseconds: Double
    /// The hops.
    public var path: [String]
    /// The limiting resource.
    public var bottleneck: String
    /// Why it limits.
    public var bottleneckReason: String
    /// Bytes that crossed each resource, by name (only those that carried any).
    public var bytesPerResource: [String: Double]
    /// Notes: the Linux decision, BAR aperture, staging.
    public var notes: [String]
}

/// What `p2psim compare` prints: P2P via BAR against a bounce through system memory.
public struct ComparisonReport: Codable, Sendable, Equatable {
    /// The topology's name.
    public var topology: String
    /// Source and destination ids.
    public var from: String, to: String
    /// Transfer size.
    public var sizeBytes: UInt64
    /// Which model produced the figures.
    public var fidelity: String
    /// The P2P side, or nil when no P2P path is permitted.
    public var p2p: PathSummary?
    /// Why there is no P2P side, when there is none.
    public var p2pRefusal: String?
    /// The bounce side.
    public var bounce: PathSummary
    /// Bounce time over P2P time (how much faster P2P is), when P2P is permitted.
    public var speedup: Double?

    /// Simulates both ways in `fidelity` (see `ComparisonRun.run`).
    public static func make(
        planner: TransferPlanner, from source: String, to destination: String, bytes: UInt64, direction: DMADirection,
        stagingSocket: Int?, fidelity: Fidelity = .flow, bufferOffset: UInt64? = nil, resizableBAR: Bool = false
    ) throws(TransferPlanningError) -> ComparisonReport {
        try makeWithRuns(
            planner: planner, from: source, to: destination, bytes: bytes, direction: direction,
            stagingSocket: stagingSocket, fidelity: fidelity, bufferOffset: bufferOffset, resizableBAR: resizableBAR
        ).report
    }

    /// Simulates both ways and also returns the runs (P2P first when permitted, then the
    /// bounce), with resource loads recorded, for traces and statistics.
    public static func makeWithRuns(
        planner: TransferPlanner, from source: String, to destination: String, bytes: UInt64, direction: DMADirection,
        stagingSocket: Int?, fidelity: Fidelity = .flow, bufferOffset: UInt64? = nil, resizableBAR: Bool = false
    ) throws(TransferPlanningError) -> (report: ComparisonReport, runs: [(name: String, run: FlowRun)]) {
        let run = try ComparisonRun.run(
            planner: planner, from: source, to: destination, bytes: bytes, direction: direction,
            stagingSocket: stagingSocket, fidelity: fidelity, bufferOffset: bufferOffset, resizableBAR: resizableBAR)
        let report = ComparisonReport(run: run, topology: planner.machine.topology.name)
        var runs: [(name: String, run: FlowRun)] = []
        if let p2p = run.p2p { runs.append(("P2P: " + p2p.plan.mechanism.displayName, p2p.run)) }
        runs.append((run.bounce.plan.mechanism.displayName, run.bounce.run))
        return (report, runs)
    }

    /// The heading of the P2P column: the mechanism (NVLink, NVSwitch, XGMI, PCIe P2P).
    public var p2pHeading: String {
        guard let p2p else { return "P2P (not permitted)" }
        return TransferMechanism(rawValue: p2p.mechanism)?.displayName ?? p2p.mechanism
    }

    /// The side-by-side text.
    public func text() -> String {
        var out =
            "compare \(from) -> \(to), \(ByteCount(sizeBytes)) on '\(topology)' (fidelity: \(fidelity))\n\n"
        func cells(_ summary: PathSummary?) -> [String] {
            guard let summary else { return ["not permitted", "-", "-", "-", "-", "-"] }
            return [
                summary.mechanism, Picoseconds(saturatingSeconds: summary.seconds).description,
                formatDecimal(summary.bandwidthGBps, maxFractionDigits: 2) + " GB/s",
                formatDecimal(summary.latencyMicroseconds, maxFractionDigits: 2) + " us",
                summary.path.joined(separator: " > "), summary.bottleneck,
            ]
        }
        let labels = ["mechanism", "time", "bandwidth", "latency", "path", "bottleneck"]
        let left = cells(p2p)
        let right = cells(bounce)
        var rows = [["", p2pHeading, "bounce through system memory"]]
        for (index, label) in labels.enumerated() { rows.append([label, left[index], right[index]]) }
        out += TextTable(rows: rows, alignNumbersRight: false).render()
        if let speedup {
            out += "\nP2P is \(formatDecimal(speedup, maxFractionDigits: 2))x the speed of the bounce.\n"
        }
        out += "\n\(p2pHeading):\n"
        if let p2p {
            out += "  bottleneck: \(p2p.bottleneck) (\(p2p.bottleneckReason))\n"
            out += p2p.notes.map { "  - \($0)\n" }.joined()
            out += "  bytes per resource: " + p2p.bytesPerResource.keys.sorted().joined(separator: ", ") + "\n"
        } else if let p2pRefusal {
            out += "  not permitted: \(p2pRefusal)\n"
        }
        out += "Bounce:\n  bottleneck: \(bounce.bottleneck) (\(bounce.bottleneckReason))\n"
        out += bounce.notes.map { "  - \($0)\n" }.joined()
        return out
    }

    private enum CodingKeys: String, CodingKey {
        case topology, from, to, sizeBytes, fidelity, p2p, p2pRefusal, bounce, speedup
    }

    /// Encodes every key, with `null` for a missing P2P side or speed-up (as the JSON contract
    /// promises), rather than leaving keys out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(topology, forKey: .topology)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(sizeBytes, forKey: .sizeBytes)
        try container.encode(fidelity, forKey: .fidelity)
        try container.encode(p2p, forKey: .p2p)
        try container.encode(p2pRefusal, forKey: .p2pRefusal)
        try container.encode(bounce, forKey: .bounce)
        try container.encode(speedup, forKey: .speedup)
    }

    /// JSON with sorted keys.
    public func json() throws -> String {
        return try sortedJSON(self)
    }
}

extension ComparisonReport {
    /// The report of `run` on the machine named `topology`.
    public init(run: ComparisonRun, topology: String) {
        func summary(_ side: ComparisonRun.Side) -> PathSummary {
            let outcome = side.run.outcomes[0]
            var bytesPerResource: [String: Double] = [:]
            for usage in side.run.usage where usage.bytes > 0 { bytesPerResource[usage.name] = usage.bytes }
            return PathSummary(
                mechanism: side.plan.mechanism.rawValue, seconds: outcome.duration.seconds,
                bandwidthGBps: outcome.bandwidth / 1e9, latencyMicroseconds: side.probe.duration.seconds * 1e6,
                path: side.plan.hops, bottleneck: outcome.bottleneck, bottleneckReason: outcome.bottleneckReason,
                bytesPerResource: bytesPerResource, notes: side.plan.notes)
        }
        let p2p = run.p2p.map(summary)
        let bounce = summary(run.bounce)
        self.init(
            topology: topology, from: run.from, to: run.to, sizeBytes: run.bytes, fidelity: run.fidelity.rawValue,
            p2p: p2p, p2pRefusal: run.p2pRefusal, bounce: bounce, speedup: p2p.map { bounce.seconds / $0.seconds })
    }
}
