import Engine
import Foundation
import Topology
import Units

/// What `p2psim matrix` prints, in the layout of NVIDIA's p2pBandwidthLatencyTest.
public struct MatrixReport: Codable, Sendable, Equatable {
    /// Bandwidths with P2P enabled and disabled, GB/s.
    public typealias Bandwidths = MatrixRun.Figures

    /// Always "matrix", so that `merge` knows what it joins.
    public var kind = "matrix"
    /// The topology's name.
    public var topology: String
    /// The model that produced the figures.
    public var fidelity: String
    /// The source rows this report computed (all of them unless it is a shard).
    public var rowsComputed: [Int]
    /// The devices, in order.
    public var devices: [String]
    /// The size of each bandwidth copy.
    public var sizeBytes: UInt64
    /// 1 where device i can reach device j peer-to-peer.
    public var connectivity: [[Int]]
    /// Copies of one direction at a time.
    public var unidirectional: Bandwidths
    /// Both directions at once; the figure is the sum of the two.
    public var bidirectional: Bandwidths
    /// Small-copy latency in microseconds (software overhead included).
    public var latencyMicroseconds: Bandwidths
    /// Host-to-device and device-to-host bandwidth of each device, GB/s (the copy-engine figures
    /// nvbandwidth reports), to the device's own socket.
    public var hostToDevice: [Double]
    /// See `hostToDevice`.
    public var deviceToHost: [Double]
    /// True when the P2P copies were reads by the destination (`matrix --read`, as
    /// p2pBandwidthLatencyTest's `--p2p_read`); absent for writes.
    public var p2pReads: Bool? = nil
    /// Which part of a sharded matrix this is (1 of 1 for a whole matrix), with the inputs' hash.
    public var shard: ShardInfo?

    private enum CodingKeys: String, CodingKey {
        case kind, topology, fidelity, rowsComputed, devices, sizeBytes, connectivity, unidirectional, bidirectional
        case latencyMicroseconds, hostToDevice, deviceToHost, p2pReads, shard
    }

    /// Fills the matrices (see `MatrixRun.run`).
    public static func make(
        planner: TransferPlanner, devices ids: [String], shardIndex: Int = 0, shardCount: Int = 1,
        fidelity: Fidelity = .flow, direction: DMADirection = .push, meter: ProgressMeter? = nil
    ) throws(TransferPlanningError) -> MatrixReport {
        var report = MatrixReport(
            run: try MatrixRun.run(
                planner: planner, devices: ids, shardIndex: shardIndex, shardCount: shardCount, fidelity: fidelity,
                direction: direction, meter: meter))
        report.shard = ShardInfo(
            index: shardIndex + 1, count: shardCount,
            inputsHash: ShardInfo.inputsHash(
                planner: planner,
                extra: "matrix \(ids) \(planner.parameters.matrixTransferSize.bytes) \(fidelity.rawValue) \(direction)")
        )
        return report
    }

    /// Joins shards of one matrix: each row comes from the shard that computed it; the result
    /// equals a single run's.
    ///
    /// - Throws: `TransferPlanningError` when a part is missing, given twice, or from another
    ///   matrix (see `ShardInfo`).
    public static func merge(_ parts: [MatrixReport]) throws(TransferPlanningError) -> MatrixReport {
        try ShardInfo.checkComplete(parts.map(\.shard), what: "matrix")
        guard var merged = parts.first else { throw TransferPlanningError(description: "nothing to merge") }
        for part in parts.dropFirst() {
            guard part.topology == merged.topology, part.devices == merged.devices, part.sizeBytes == merged.sizeBytes,
                part.fidelity == merged.fidelity
            else {
                throw TransferPlanningError(description: "the parts are not shards of one matrix")
            }
            for row in part.rowsComputed {
                guard !merged.rowsComputed.contains(row) else {
                    throw TransferPlanningError(description: "row \(row) appears in two parts")
                }
                merged.rowsComputed.append(row)
                merged.connectivity[row] = part.connectivity[row]
                merged.unidirectional.p2pEnabled[row] = part.unidirectional.p2pEnabled[row]
                merged.unidirectional.p2pDisabled[row] = part.unidirectional.p2pDisabled[row]
                merged.bidirectional.p2pEnabled[row] = part.bidirectional.p2pEnabled[row]
                merged.bidirectional.p2pDisabled[row] = part.bidirectional.p2pDisabled[row]
                merged.latencyMicroseconds.p2pEnabled[row] = part.latencyMicroseconds.p2pEnabled[row]
                merged.latencyMicroseconds.p2pDisabled[row] = part.latencyMicroseconds.p2pDisabled[row]
                merged.hostToDevice[row] = part.hostToDevice[row]
                merged.deviceToHost[row] = part.deviceToHost[row]
            }
        }
        merged.rowsComputed.sort()
        merged.shard?.index = 1
        merged.shard?.count = 1
        return merged
    }

    private func block(_ title: String, _ values: [[Double]], digits: Int) -> String {
        var rows = [["D\\D"] + devices]
        for (index, row) in values.enumerated() {
            rows.append([devices[index]] + row.map { formatDecimal($0, maxFractionDigits: digits) })
        }
        return title + "\n" + TextTable(rows: rows).render() + "\n"
    }

    /// How the P2P copies were done, as p2pBandwidthLatencyTest's headings say it.
    private var operation: String { p2pReads == true ? "P2P Reads" : "P2P Writes" }

    /// The matrices as text, in p2pBandwidthLatencyTest's order.
    public func text() -> String {
        var out = "p2psim matrix on '\(topology)' (fidelity: \(fidelity)), \(ByteCount(sizeBytes)) per copy\n\n"
        var rows = [["D\\D"] + devices]
        for (index, row) in connectivity.enumerated() { rows.append([devices[index]] + row.map(String.init)) }
        out += "P2P Connectivity Matrix\n" + TextTable(rows: rows).render() + "\n"
        out += block("Unidirectional P2P=Disabled Bandwidth Matrix (GB/s)", unidirectional.p2pDisabled, digits: 2)
        out += block(
            "Unidirectional P2P=Enabled Bandwidth (\(operation)) Matrix (GB/s)", unidirectional.p2pEnabled, digits: 2)
        out += block("Bidirectional P2P=Disabled Bandwidth Matrix (GB/s)", bidirectional.p2pDisabled, digits: 2)
        out += block("Bidirectional P2P=Enabled Bandwidth Matrix (GB/s)", bidirectional.p2pEnabled, digits: 2)
        out += block("P2P=Disabled Latency Matrix (us)", latencyMicroseconds.p2pDisabled, digits: 2)
        out += block("P2P=Enabled Latency (\(operation)) Matrix (us)", latencyMicroseconds.p2pEnabled, digits: 2)
        var hostRows = [["device", "host-to-device GB/s", "device-to-host GB/s"]]
        for (index, id) in devices.enumerated() {
            hostRows.append([
                id, formatDecimal(hostToDevice[index], maxFractionDigits: 2),
                formatDecimal(deviceToHost[index], maxFractionDigits: 2),
            ])
        }
        out += "Host copies (copy engine, to the device's own socket)\n" + TextTable(rows: hostRows).render()
        return out
    }

    /// The matrices as CSV: one row per (matrix, source, destination).
    public func csv() -> String {
        var lines = [csvLine(["matrix", "from", "to", "value"])]
        let named: [(String, [[Double]])] = [
            ("unidirectional_p2p_disabled_GBps", unidirectional.p2pDisabled),
            ("unidirectional_p2p_enabled_GBps", unidirectional.p2pEnabled),
            ("bidirectional_p2p_disabled_GBps", bidirectional.p2pDisabled),
            ("bidirectional_p2p_enabled_GBps", bidirectional.p2pEnabled),
            ("latency_p2p_disabled_us", latencyMicroseconds.p2pDisabled),
            ("latency_p2p_enabled_us", latencyMicroseconds.p2pEnabled),
            ("connectivity", connectivity.map { $0.map(Double.init) }),
        ]
        for (name, values) in named {
            for (i, row) in values.enumerated() {
                for (j, value) in row.enumerated() {
                    lines.append(csvLine([name, devices[i], devices[j], formatDecimal(value, maxFractionDigits: 4)]))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON with sorted keys.
    public func json() throws -> String {
        return try sortedJSON(self)
    }
}

extension MatrixReport {
    /// The report of `run`.
    public init(run: MatrixRun) {
        self.init(
            topology: run.topology, fidelity: run.fidelity.rawValue, rowsComputed: run.rowsComputed,
            devices: run.devices, sizeBytes: run.sizeBytes, connectivity: run.connectivity,
            unidirectional: run.unidirectional, bidirectional: run.bidirectional,
            latencyMicroseconds: run.latencyMicroseconds, hostToDevice: run.hostToDevice,
            deviceToHost: run.deviceToHost, p2pReads: run.direction == .pull ? true : nil)
    }
}
