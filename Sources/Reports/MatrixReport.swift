import Engine
import Foundation
import Topology
import Units

/// What `p2psim matrix` prints, in the layout of NVIDIA's p2pBandwidthLatencyTest.
public struct MatrixReport: Codable, Sendable, Equatable {
    /// Bandwidths with P2P enabled and disabled, GB/s.
    public struct Bandwidths: Codable, Sendable, Equatable {
        /// P2P enabled (falls back to the bounce where P2P is not possible, as the test does).
        public var p2pEnabled: [[Double]]
        /// P2P disabled: every off-diagonal copy bounces through system memory.
        public var p2pDisabled: [[Double]]
    }

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
    /// Which part of a sharded matrix this is (1 of 1 for a whole matrix), with the inputs' hash.
    public var shard: ShardInfo?

    private enum CodingKeys: String, CodingKey {
        case kind, topology, fidelity, rowsComputed, devices, sizeBytes, connectivity, unidirectional, bidirectional
        case latencyMicroseconds, hostToDevice, deviceToHost, shard
    }

    /// Fills the matrices with the flow engine.
    public static func make(
        planner: TransferPlanner, devices ids: [String], shardIndex: Int = 0, shardCount: Int = 1,
        fidelity: Fidelity = .flow, meter: ProgressMeter? = nil
    ) throws(TransferPlanningError) -> MatrixReport {
        let topology = planner.machine.topology
        var nodes: [Int] = []
        for id in ids {
            guard case .device(let node) = try planner.end(named: id) else {
                throw TransferPlanningError(description: "'\(id)' is not a device")
            }
            nodes.append(node)
        }
        // A copy within one device's memory is not a PCIe transfer: the flow model gives it in
        // either fidelity.
        func run(_ transfers: [ScheduledTransfer]) throws(TransferPlanningError) -> [TransferOutcome] {
            let local = transfers.allSatisfy { $0.plan.mechanism == .local }
            return try planner.simulate(transfers, fidelity: local ? .flow : fidelity, meter: meter)
        }
        let size = planner.parameters.matrixTransferSize.bytes
        let probe = planner.parameters.latencyProbeSize.bytes
        let n = nodes.count
        var connectivity = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        var uniOn = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var uniOff = uniOn
        var biOn = uniOn
        var biOff = uniOn
        var latencyOn = uniOn
        var latencyOff = uniOn
        func gbps(_ outcome: TransferOutcome) -> Double { outcome.bandwidth / 1e9 }
        let rows = (0..<n).filter { $0 % shardCount == shardIndex }
        meter?.total = rows.count
        for i in rows {
            for j in 0..<n {
                let a = nodes[i]
                let b = nodes[j]
                let enabled = try planner.plan(from: .device(a), to: .device(b), choice: .auto)
                let reverseEnabled = try planner.plan(from: .device(b), to: .device(a), choice: .auto)
                let disabled = i == j ? enabled : planner.bouncePlan(from: a, to: b)
                let reverseDisabled = i == j ? reverseEnabled : planner.bouncePlan(from: b, to: a)
                connectivity[i][j] = i == j || enabled.mechanism.isPeerToPeer ? 1 : 0
                uniOn[i][j] = gbps(
                    try run([ScheduledTransfer(label: "\(ids[i])->\(ids[j])", plan: enabled, bytes: size)])[0])
                uniOff[i][j] = gbps(
                    try run([ScheduledTransfer(label: "\(ids[i])->\(ids[j])", plan: disabled, bytes: size)])[0])
                let both = try run([
                    ScheduledTransfer(label: "\(ids[i])->\(ids[j])", plan: enabled, bytes: size),
                    ScheduledTransfer(label: "\(ids[i])->\(ids[j])", plan: reverseEnabled, bytes: size),
                ])
                biOn[i][j] = i == j ? uniOn[i][j] : both.map(gbps).reduce(0, +)
                let bothOff = try run([
                    ScheduledTransfer(label: "\(ids[i])->\(ids[j])", plan: disabled, bytes: size),
                    ScheduledTransfer(label: "\(ids[i])->\(ids[j])", plan: reverseDisabled, bytes: size),
                ])
                biOff[i][j] = i == j ? uniOff[i][j] : bothOff.map(gbps).reduce(0, +)
                latencyOn[i][j] =
                    try run([ScheduledTransfer(label: "\(ids[i])->\(ids[j])", plan: enabled, bytes: probe)])[0].duration
                    .seconds
                    * 1e6
                meter?.record(simulated: .zero, events: 0, itemDone: j == n - 1)
                latencyOff[i][j] =
                    try run([ScheduledTransfer(label: "\(ids[i])->\(ids[j])", plan: disabled, bytes: probe)])[0]
                    .duration
                    .seconds * 1e6
            }
        }
        var hostToDevice = [Double](repeating: 0, count: n)
        var deviceToHost = [Double](repeating: 0, count: n)
        for i in rows {
            let node = nodes[i]
            let socket = topology.rootComplexes[topology.nodes[node].rootComplex].socket
            let h2d = try planner.plan(from: .host(socket), to: .device(node))
            let d2h = try planner.plan(from: .device(node), to: .host(socket))
            hostToDevice[i] = gbps(try run([ScheduledTransfer(label: "host->\(ids[i])", plan: h2d, bytes: size)])[0])
            deviceToHost[i] = gbps(try run([ScheduledTransfer(label: "\(ids[i])->host", plan: d2h, bytes: size)])[0])
        }
        return MatrixReport(
            topology: topology.name, fidelity: fidelity.rawValue, rowsComputed: rows, devices: ids, sizeBytes: size,
            connectivity: connectivity,
            unidirectional: Bandwidths(p2pEnabled: uniOn, p2pDisabled: uniOff),
            bidirectional: Bandwidths(p2pEnabled: biOn, p2pDisabled: biOff),
            latencyMicroseconds: Bandwidths(p2pEnabled: latencyOn, p2pDisabled: latencyOff),
            hostToDevice: hostToDevice, deviceToHost: deviceToHost,
            shard: ShardInfo(
                index: shardIndex + 1, count: shardCount,
                inputsHash: ShardInfo.inputsHash(
                    planner: planner, extra: "matrix \(ids) \(size) \(fidelity.rawValue)")))
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

    /// The matrices as text, in p2pBandwidthLatencyTest's order.
    public func text() -> String {
        var out = "p2psim matrix on '\(topology)' (fidelity: \(fidelity)), \(ByteCount(sizeBytes)) per copy\n\n"
        var rows = [["D\\D"] + devices]
        for (index, row) in connectivity.enumerated() { rows.append([devices[index]] + row.map(String.init)) }
        out += "P2P Connectivity Matrix\n" + TextTable(rows: rows).render() + "\n"
        out += block("Unidirectional P2P=Disabled Bandwidth Matrix (GB/s)", unidirectional.p2pDisabled, digits: 2)
        out += block(
            "Unidirectional P2P=Enabled Bandwidth (P2P Writes) Matrix (GB/s)", unidirectional.p2pEnabled, digits: 2)
        out += block("Bidirectional P2P=Disabled Bandwidth Matrix (GB/s)", bidirectional.p2pDisabled, digits: 2)
        out += block("Bidirectional P2P=Enabled Bandwidth Matrix (GB/s)", bidirectional.p2pEnabled, digits: 2)
        out += block("P2P=Disabled Latency Matrix (us)", latencyMicroseconds.p2pDisabled, digits: 2)
        out += block("P2P=Enabled Latency (P2P Writes) Matrix (us)", latencyMicroseconds.p2pEnabled, digits: 2)
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
