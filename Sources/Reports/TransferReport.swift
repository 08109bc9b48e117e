import Engine
import Foundation
import PCIeProtocol
import PacketModel
import Topology
import Units

/// What `p2psim transfer` prints: the life of one or more concurrent transfers.
public struct TransferReport: Encodable, Sendable {
    /// One transfer's figures.
    public struct Entry: Encodable, Sendable {
        /// "gpu0->gpu1".
        public var label: String
        /// Bytes moved.
        public var bytes: UInt64
        /// Seconds from the API call to completion.
        public var seconds: Double
        /// GB/s (1e9 bytes per second).
        public var bandwidthGBps: Double
        /// How it moved.
        public var mechanism: String
        /// The Linux map type, when consulted.
        public var mapType: String?
        /// The hops.
        public var route: [String]
        /// One-way latency hop by hop, per leg.
        public var latency: [LegLatency]
        /// TLPs by type: in flow fidelity those of the source's PCIe link from the TLP
        /// accounting of the transfer's pattern; in packet fidelity those the model sent.
        public var tlps: [String: Double]
        /// The limiting resource.
        public var bottleneck: String
        /// Why.
        public var bottleneckReason: String
        /// What else the user should know.
        public var notes: [String]
    }

    /// One leg's latency, hop by hop in path order.
    public struct LegLatency: Encodable, Sendable {
        /// The hops and the nanoseconds each adds.
        public var hops: [HopNanoseconds]
        /// Their sum (and anything without a breakdown), in nanoseconds.
        public var totalNanoseconds: Double
    }

    /// A hop and the nanoseconds it adds.
    public struct HopNanoseconds: Encodable, Sendable {
        /// The hop.
        public var hop: String
        /// Nanoseconds.
        public var nanoseconds: Double
    }

    /// The topology's name.
    public var topology: String
    /// Which model produced the figures.
    public var fidelity: String
    /// The transfers, in the order given.
    public var transfers: [Entry]

    /// The TLP counts of `bytes` moved with `operation` over a link configured as `configuration`.
    public static func tlpCounts(_ configuration: PCIeLinkConfiguration, operation: DMAOperation, bytes: UInt64)
        -> [String: Double]
    {
        let account = configuration.wireAccount(
            for: TransferPattern(operation: operation, length: Int(clamping: bytes)), placement: .reverseDirection)
        switch operation {
        case .write:
            return ["MWr": Double(account.dataDirection.tlpCount), "DLLP": account.reverseDirection.dllpCount]
        case .read:
            return [
                "MRd": Double(account.reverseDirection.tlpCount), "CplD": Double(account.dataDirection.tlpCount),
                "DLLP": account.dataDirection.dllpCount + account.reverseDirection.dllpCount,
            ]
        }
    }

    /// Builds the report of a packet-model run: TLP counts are the ones the packet model sent.
    public init(planner: TransferPlanner, packetRun run: PacketEngine.Run, direction: DMADirection) {
        self.init(planner: planner, outcomes: run.outcomes, direction: direction, fidelity: "packet")
        for index in transfers.indices {
            let counts = run.tlps[index]
            transfers[index].tlps = [
                "MWr": Double(counts.memoryWrites), "MRd": Double(counts.memoryReads),
                "CplD": Double(counts.completionsWithData), "Cpl": Double(counts.completionsWithoutData),
                "DLLP": Double(counts.acks + counts.updateFCs),
            ].filter { $0.value > 0 }
            if let message = run.unsupported[index] { transfers[index].notes.append(message) }
        }
    }

    /// Builds the report of a flow-engine run.
    public init(planner: TransferPlanner, run: FlowRun, direction: DMADirection) {
        self.init(planner: planner, outcomes: run.outcomes, direction: direction, fidelity: "flow")
    }

    private init(planner: TransferPlanner, outcomes: [TransferOutcome], direction: DMADirection, fidelity: String) {
        topology = planner.machine.topology.name
        self.fidelity = fidelity
        let topology = planner.machine.topology
        transfers = outcomes.map { outcome in
            let plan = outcome.transfer.plan
            var tlps: [String: Double] = [:]
            if plan.mechanism != .nvlink && plan.mechanism != .nvswitch && plan.mechanism != .xgmi
                && plan.mechanism != .local, let first = plan.hops.first, let node = topology.nodeIndex(of: first),
                let configuration = planner.resources.linkConfiguration[node]
            {
                let operation: DMAOperation =
                    plan.mechanism == .hostToDevice || (direction == .pull && plan.mechanism.isPeerToPeer)
                    ? .read : .write
                tlps = Self.tlpCounts(configuration, operation: operation, bytes: outcome.transfer.bytes)
            }
            let latencies = plan.legs.map { leg in
                LegLatency(
                    hops: leg.latencyBreakdown.map {
                        HopNanoseconds(hop: $0.hop, nanoseconds: Double($0.latency.rawValue) / 1e3)
                    },
                    totalNanoseconds: Double(leg.latency.rawValue) / 1e3)
            }
            return Entry(
                label: outcome.transfer.label, bytes: outcome.transfer.bytes, seconds: outcome.duration.seconds,
                bandwidthGBps: outcome.bandwidth / 1e9, mechanism: plan.mechanism.rawValue, mapType: plan.mapType,
                route: plan.hops, latency: latencies, tlps: tlps, bottleneck: outcome.bottleneck,
                bottleneckReason: outcome.bottleneckReason, notes: plan.notes)
        }
    }

    /// The report as text.
    public func text() -> String {
        var out = "transfers on '\(topology)' (fidelity: \(fidelity))\n\n"
        var rows = [["transfer", "size", "time", "GB/s", "mechanism", "bottleneck"]]
        for entry in transfers {
            rows.append([
                entry.label, ByteCount(entry.bytes).description, Picoseconds(saturatingSeconds: entry.seconds).description,
                formatDecimal(entry.bandwidthGBps, maxFractionDigits: 2), entry.mechanism, entry.bottleneck,
            ])
        }
        out += TextTable(rows: rows, alignNumbersRight: false).render()
        for entry in transfers {
            out += "\n\(entry.label): \(entry.route.joined(separator: " > "))\n"
            if let mapType = entry.mapType { out += "  Linux map type: \(mapType)\n" }
            for (index, leg) in entry.latency.enumerated() {
                let parts = leg.hops.map { "\($0.hop) \(formatDecimal($0.nanoseconds, maxFractionDigits: 1)) ns" }
                out +=
                    "  latency\(entry.latency.count > 1 ? " (leg \(index + 1))" : ""): "
                    + "\(formatDecimal(leg.totalNanoseconds, maxFractionDigits: 1)) ns"
                    + (parts.isEmpty ? "" : " = " + parts.joined(separator: " + ")) + "\n"
            }
            if !entry.tlps.isEmpty {
                out +=
                    "  TLPs on the first link: "
                    + entry.tlps.sorted { $0.key < $1.key }.map {
                        "\($0.key) \(formatDecimal($0.value, maxFractionDigits: 0))"
                    }
                    .joined(separator: ", ") + "\n"
            }
            out += "  bottleneck: \(entry.bottleneck) (\(entry.bottleneckReason))\n"
            out += entry.notes.map { "  - \($0)\n" }.joined()
        }
        return out
    }

    /// One CSV row per transfer.
    public func csv() -> String {
        var lines = [
            csvLine(["transfer", "bytes", "seconds", "bandwidthGBps", "mechanism", "mapType", "bottleneck", "fidelity"])
        ]
        for entry in transfers {
            lines.append(
                csvLine([
                    entry.label, String(entry.bytes), String(entry.seconds), String(entry.bandwidthGBps),
                    entry.mechanism,
                    entry.mapType ?? "", entry.bottleneck, fidelity,
                ]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON with sorted keys: the single transfer's object when there is one (`{"bytes",
    /// "seconds", "bandwidthGBps", "route", "tlps", "bottleneck", ...}`), else
    /// `{"transfers": [...]}`.
    public func json() throws -> String {
        if transfers.count == 1, let only = transfers.first {
            struct Single: Encodable {
                var entry: Entry
                var fidelity: String
                var topology: String
                enum Keys: String, CodingKey { case fidelity, topology }
                func encode(to encoder: any Encoder) throws {
                    try entry.encode(to: encoder)
                    var container = encoder.container(keyedBy: Keys.self)
                    try container.encode(fidelity, forKey: .fidelity)
                    try container.encode(topology, forKey: .topology)
                }
            }
            return try sortedJSON(Single(entry: only, fidelity: fidelity, topology: topology))
        }
        return try sortedJSON(self)
    }
}
