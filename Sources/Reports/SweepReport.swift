import Engine
import Foundation
import Units

/// What `p2psim sweep` prints: bandwidth of both paths over transfer sizes.
public struct SweepReport: Codable, Sendable, Equatable {
    /// One size's figures.
    public typealias Point = SweepRun.Point

    /// Always "sweep", so that `merge` knows what it joins.
    public var kind = "sweep"
    /// The topology's name.
    public var topology: String
    /// Source and destination.
    public var from: String, to: String
    /// The model that produced the figures.
    public var fidelity: String
    /// The P2P mechanism, or nil when not permitted.
    public var p2pMechanism: String?
    /// The points, by increasing size.
    public var points: [Point]
    /// Which part of a sharded sweep this is (1 of 1 for a whole sweep), with the inputs' hash.
    public var shard: ShardInfo?

    /// The sizes of a full sweep: 4 KiB to 1 GiB in powers of two.
    public static var standardSizes: [UInt64] { SweepRun.standardSizes }

    /// Simulates the sizes whose index `i` satisfies `i % shardCount == shardIndex` (see
    /// `SweepRun.run`).
    public static func make(
        planner: TransferPlanner, from source: String, to destination: String, sizes: [UInt64] = standardSizes,
        shardIndex: Int = 0, shardCount: Int = 1, fidelity: Fidelity = .flow, meter: ProgressMeter? = nil
    ) throws(TransferPlanningError) -> SweepReport {
        var report = SweepReport(
            run: try SweepRun.run(
                planner: planner, from: source, to: destination, sizes: sizes, shardIndex: shardIndex,
                shardCount: shardCount, fidelity: fidelity, meter: meter))
        report.shard = ShardInfo(
            index: shardIndex + 1, count: shardCount,
            inputsHash: ShardInfo.inputsHash(
                planner: planner, extra: "sweep \(source) \(destination) \(sizes) \(fidelity.rawValue)"))
        return report
    }

    /// Joins shards of one sweep; the result equals a single run's.
    ///
    /// - Throws: `TransferPlanningError` when a part is missing, given twice, or from another
    ///   sweep (see `ShardInfo`).
    public static func merge(_ parts: [SweepReport]) throws(TransferPlanningError) -> SweepReport {
        try ShardInfo.checkComplete(parts.map(\.shard), what: "sweep")
        guard var merged = parts.first else { throw TransferPlanningError(description: "nothing to merge") }
        for part in parts.dropFirst() {
            guard part.topology == merged.topology, part.from == merged.from, part.to == merged.to,
                part.fidelity == merged.fidelity
            else {
                throw TransferPlanningError(description: "the parts are not shards of one sweep")
            }
            merged.points += part.points
        }
        merged.points.sort { $0.sizeBytes < $1.sizeBytes }
        merged.shard?.index = 1
        merged.shard?.count = 1
        return merged
    }

    /// The sizes where the faster path changes (P2P to bounce or back).
    public var crossovers: [UInt64] {
        var result: [UInt64] = []
        var previous: Bool?
        for point in points {
            guard let p2p = point.p2pGBps else { continue }
            let p2pWins = p2p >= point.bounceGBps
            if let previous, previous != p2pWins { result.append(point.sizeBytes) }
            previous = p2pWins
        }
        return result
    }

    /// The table.
    public func text() -> String {
        var out =
            "sweep \(from) -> \(to) on '\(topology)' (fidelity: \(fidelity)); P2P: \(p2pMechanism.flatMap(TransferMechanism.init(rawValue:))?.displayName ?? p2pMechanism ?? "not permitted")\n\n"
        var rows = [["size", "P2P GB/s", "bounce GB/s", "P2P time", "bounce time"]]
        for point in points {
            rows.append([
                ByteCount(point.sizeBytes).description,
                point.p2pGBps.map { formatDecimal($0, maxFractionDigits: 2) } ?? "-",
                formatDecimal(point.bounceGBps, maxFractionDigits: 2),
                point.p2pSeconds.map { Picoseconds(UInt64($0 * 1e12)).description } ?? "-",
                Picoseconds(UInt64(point.bounceSeconds * 1e12)).description,
            ])
        }
        out += TextTable(rows: rows).render()
        if !crossovers.isEmpty {
            out +=
                "\nThe faster path changes at: " + crossovers.map { ByteCount($0).description }.joined(separator: ", ")
                + "\n"
        }
        return out
    }

    /// CSV, one row per size.
    public func csv() -> String {
        var lines = [csvLine(["size_bytes", "p2p_GBps", "bounce_GBps", "p2p_seconds", "bounce_seconds", "fidelity"])]
        for point in points {
            lines.append(
                csvLine([
                    String(point.sizeBytes), point.p2pGBps.map { String($0) } ?? "", String(point.bounceGBps),
                    point.p2pSeconds.map { String($0) } ?? "", String(point.bounceSeconds), fidelity,
                ]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON with sorted keys.
    public func json() throws -> String {
        return try sortedJSON(self)
    }

    /// An SVG plot: bandwidth against size (log scale), P2P and bounce curves, crossovers marked.
    public func svg() -> String { SVGSweepPlot(sweep: self).svg(standalone: true) }
}

extension SweepReport {
    /// The report of `run`.
    public init(run: SweepRun) {
        self.init(
            topology: run.topology, from: run.from, to: run.to, fidelity: run.fidelity.rawValue,
            p2pMechanism: run.p2pMechanism?.rawValue, points: run.points)
    }
}
