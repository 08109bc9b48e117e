import Engine
import Foundation
import Units

/// What `p2psim sweep` prints: bandwidth of both paths over transfer sizes.
public struct SweepReport: Codable, Sendable, Equatable {
    /// One size's figures.
    public struct Point: Codable, Sendable, Equatable {
        /// The transfer size.
        public var sizeBytes: UInt64
        /// P2P seconds and GB/s, nil when P2P is not permitted.
        public var p2pSeconds: Double?
        /// See `p2pSeconds`.
        public var p2pGBps: Double?
        /// Bounce seconds.
        public var bounceSeconds: Double
        /// Bounce GB/s.
        public var bounceGBps: Double
    }

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
    public static let standardSizes: [UInt64] = (12...30).map { UInt64(1) << $0 }

    /// Simulates the sizes whose index `i` satisfies `i % shardCount == shardIndex`.
    public static func make(
        planner: TransferPlanner, from source: String, to destination: String, sizes: [UInt64] = standardSizes,
        shardIndex: Int = 0, shardCount: Int = 1, fidelity: Fidelity = .flow, meter: ProgressMeter? = nil
    ) throws(TransferPlanningError) -> SweepReport {
        let a = try planner.end(named: source)
        let b = try planner.end(named: destination)
        guard case .device(let sourceNode) = a, case .device(let destinationNode) = b else {
            throw TransferPlanningError(description: "sweep takes two devices")
        }
        let p2pPlan = try? planner.plan(from: a, to: b, choice: .p2p)
        let bouncePlan = planner.bouncePlan(from: sourceNode, to: destinationNode)
        var points: [Point] = []
        meter?.total = sizes.indices.filter { $0 % shardCount == shardIndex }.count
        for (index, size) in sizes.enumerated() where index % shardCount == shardIndex {
            let bounce = try planner.simulate(
                [ScheduledTransfer(label: "bounce", plan: bouncePlan, bytes: size)], fidelity: fidelity, meter: meter)[
                    0]
            var p2p: TransferOutcome?
            if let p2pPlan {
                p2p = try planner.simulate(
                    [ScheduledTransfer(label: "p2p", plan: p2pPlan, bytes: size)], fidelity: fidelity, meter: meter)[0]
            }
            meter?.record(simulated: .zero, events: 0, itemDone: true)
            points.append(
                Point(
                    sizeBytes: size, p2pSeconds: p2p?.duration.seconds, p2pGBps: p2p.map { $0.bandwidth / 1e9 },
                    bounceSeconds: bounce.duration.seconds, bounceGBps: bounce.bandwidth / 1e9))
        }
        let inputs = "sweep \(source) \(destination) \(sizes) \(fidelity.rawValue)"
        return SweepReport(
            topology: planner.machine.topology.name, from: source, to: destination, fidelity: fidelity.rawValue,
            p2pMechanism: p2pPlan?.mechanism.rawValue, points: points,
            shard: ShardInfo(
                index: shardIndex + 1, count: shardCount,
                inputsHash: ShardInfo.inputsHash(planner: planner, extra: inputs)))
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
            "sweep \(from) -> \(to) on '\(topology)' (fidelity: \(fidelity)); P2P: \(p2pMechanism ?? "not permitted")\n\n"
        var rows = [["size", "P2P GB/s", "bounce GB/s", "P2P time", "bounce time"]]
        for point in points {
            rows.append([
                ByteCount(point.sizeBytes).description,
                point.p2pGBps.map { formatDecimal($0, maxFractionDigits: 2) } ?? "-",
                formatDecimal(point.bounceGBps, maxFractionDigits: 2),
                point.p2pSeconds.map { Picoseconds(saturatingSeconds: $0).description } ?? "-",
                Picoseconds(saturatingSeconds: point.bounceSeconds).description,
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
    public func svg() -> String {
        let width = 720.0
        let height = 420.0
        let left = 70.0
        let right = 20.0
        let top = 40.0
        let bottom = 60.0
        let sizes = points.map { log2(Double($0.sizeBytes)) }
        let minX = sizes.min() ?? 12
        let maxX = max(sizes.max() ?? 30, minX + 1)
        let maxY = max(points.map { max($0.p2pGBps ?? 0, $0.bounceGBps) }.max() ?? 1, 1e-9) * 1.1
        func x(_ size: UInt64) -> Double { left + (log2(Double(size)) - minX) / (maxX - minX) * (width - left - right) }
        func y(_ value: Double) -> Double { top + (1 - value / maxY) * (height - top - bottom) }
        func f(_ value: Double) -> String { formatDecimal(value, maxFractionDigits: 1) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="20" text-anchor="middle" font-size="14">\(escape(from)) to \(escape(to)) on \(escape(topology)) (\(fidelity) fidelity)</text>
            <line x1="\(f(left))" y1="\(f(height - bottom))" x2="\(f(width - right))" y2="\(f(height - bottom))" stroke="black"/>
            <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(height - bottom))" stroke="black"/>
            <text x="\(f(width / 2))" y="\(f(height - 15))" text-anchor="middle">transfer size (log scale)</text>
            <text x="18" y="\(f(height / 2))" text-anchor="middle" transform="rotate(-90 18 \(f(height / 2)))">bandwidth (GB/s)</text>

            """
        for point in points where Int(log2(Double(point.sizeBytes))) % 2 == 0 {
            let px = x(point.sizeBytes)
            svg +=
                "<line x1=\"\(f(px))\" y1=\"\(f(height - bottom))\" x2=\"\(f(px))\" y2=\"\(f(height - bottom + 5))\" stroke=\"black\"/>"
            svg +=
                "<text x=\"\(f(px))\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\">\(ByteCount(point.sizeBytes))</text>\n"
        }
        for tick in 0...4 {
            let value = maxY * Double(tick) / 4
            svg +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\">\(formatDecimal(value, maxFractionDigits: 1))</text>"
            svg +=
                "<line x1=\"\(f(left))\" y1=\"\(f(y(value)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(value)))\" stroke=\"#ddd\"/>\n"
        }
        func polyline(_ values: [(UInt64, Double)], color: String) -> String {
            let coordinates = values.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(coordinates)\"/>\n"
        }
        svg += polyline(points.map { ($0.sizeBytes, $0.bounceGBps) }, color: "#d95f02")
        let p2p = points.compactMap { point in point.p2pGBps.map { (point.sizeBytes, $0) } }
        if !p2p.isEmpty { svg += polyline(p2p, color: "#1b9e77") }
        for crossover in crossovers {
            svg +=
                "<line x1=\"\(f(x(crossover)))\" y1=\"\(f(top))\" x2=\"\(f(x(crossover)))\" y2=\"\(f(height - bottom))\" stroke=\"gray\" stroke-dasharray=\"4 4\"/>"
            svg += "<text x=\"\(f(x(crossover) + 4))\" y=\"\(f(top + 12))\">crossover \(ByteCount(crossover))</text>\n"
        }
        svg += "<rect x=\"\(f(left + 10))\" y=\"\(f(top + 5))\" width=\"12\" height=\"3\" fill=\"#1b9e77\"/>"
        svg +=
            "<text x=\"\(f(left + 28))\" y=\"\(f(top + 10))\">P2P \(escape(p2pMechanism ?? "(not permitted)"))</text>\n"
        svg += "<rect x=\"\(f(left + 10))\" y=\"\(f(top + 21))\" width=\"12\" height=\"3\" fill=\"#d95f02\"/>"
        svg += "<text x=\"\(f(left + 28))\" y=\"\(f(top + 26))\">bounce through system memory</text>\n"
        return svg + "</svg>\n"
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
