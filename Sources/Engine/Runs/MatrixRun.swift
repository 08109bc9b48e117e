import Foundation
/// p2pBandwidthLatencyTest's measurements on a machine.
///
/// For every ordered pair of devices: copies one way and both ways with P2P enabled and
/// disabled, small-copy latency, and each device's host copies. `MatrixReport` renders it.
public struct MatrixRun: Sendable, Equatable {
    /// A pair of matrices: with P2P enabled and disabled.
    public struct Figures: Codable, Sendable, Equatable {
        /// P2P enabled (falls back to the bounce where P2P is not possible, as the test does).
        public var p2pEnabled: [[Double]]
        /// P2P disabled: every off-diagonal copy bounces through system memory.
        public var p2pDisabled: [[Double]]

        /// Creates the pair.
        public init(p2pEnabled: [[Double]], p2pDisabled: [[Double]]) {
            self.p2pEnabled = p2pEnabled
            self.p2pDisabled = p2pDisabled
        }
    }

    /// The topology's name.
    public var topology: String
    /// The model that produced the figures.
    public var fidelity: Fidelity
    /// Whether P2P copies were writes by the source (push) or reads by the destination (pull).
    public var direction: DMADirection
    /// The source rows computed (all of them unless it is a shard).
    public var rowsComputed: [Int]
    /// The devices, in order.
    public var devices: [String]
    /// The size of each bandwidth copy.
    public var sizeBytes: UInt64
    /// 1 where device i can reach device j peer-to-peer.
    public var connectivity: [[Int]]
    /// Copies of one direction at a time, GB/s.
    public var unidirectional: Figures
    /// Both directions at once, GB/s; the figure is the sum of the two.
    public var bidirectional: Figures
    /// Small-copy latency in microseconds (software overhead included).
    public var latencyMicroseconds: Figures
    /// Host-to-device bandwidth of each device to its own socket, GB/s.
    public var hostToDevice: [Double]
    /// Device-to-host bandwidth of each device to its own socket, GB/s.
    public var deviceToHost: [Double]

    /// Fills the matrices of the rows `i % shardCount == shardIndex`, in `fidelity`, with P2P
    /// copies done as `direction` (writes by the source, or reads by the destination).
    public static func run(
        planner: TransferPlanner, devices ids: [String], shardIndex: Int = 0, shardCount: Int = 1,
        fidelity: Fidelity = .flow, direction: DMADirection = .push, meter: ProgressMeter? = nil
    ) throws(TransferPlanningError) -> MatrixRun {
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
        @Sendable func run(_ transfers: [ScheduledTransfer]) throws(TransferPlanningError) -> [TransferOutcome] {
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
        @Sendable func gbps(_ outcome: TransferOutcome) -> Double { outcome.bandwidth / 1e9 }
        let rows = (0..<n).filter { $0 % shardCount == shardIndex }
        meter?.total = rows.count
        // Every cell is its own simulation: they run in parallel on the machine's cores and are
        // put back in place, so the result does not depend on the order they finish in.
        struct Cell: Sendable {
            var connectivity = 0
            var uniOn = 0.0, uniOff = 0.0, biOn = 0.0, biOff = 0.0, latencyOn = 0.0, latencyOff = 0.0
        }
        let devices = nodes
        @Sendable func cell(_ i: Int, _ j: Int) throws(TransferPlanningError) -> Cell {
            let a = devices[i]
            let b = devices[j]
            var cell = Cell()
            let enabled = try planner.plan(from: .device(a), to: .device(b), choice: .auto, direction: direction)
            let reverseEnabled = try planner.plan(from: .device(b), to: .device(a), choice: .auto, direction: direction)
            let disabled = i == j ? enabled : planner.bouncePlan(from: a, to: b)
            let reverseDisabled = i == j ? reverseEnabled : planner.bouncePlan(from: b, to: a)
            let label = "\(ids[i])->\(ids[j])"
            cell.connectivity = i == j || enabled.mechanism.isPeerToPeer ? 1 : 0
            cell.uniOn = gbps(try run([ScheduledTransfer(label: label, plan: enabled, bytes: size)])[0])
            cell.uniOff = gbps(try run([ScheduledTransfer(label: label, plan: disabled, bytes: size)])[0])
            let both = try run([
                ScheduledTransfer(label: label, plan: enabled, bytes: size),
                ScheduledTransfer(label: label, plan: reverseEnabled, bytes: size),
            ])
            cell.biOn = i == j ? cell.uniOn : both.map(gbps).reduce(0, +)
            let bothOff = try run([
                ScheduledTransfer(label: label, plan: disabled, bytes: size),
                ScheduledTransfer(label: label, plan: reverseDisabled, bytes: size),
            ])
            cell.biOff = i == j ? cell.uniOff : bothOff.map(gbps).reduce(0, +)
            cell.latencyOn =
                try run([ScheduledTransfer(label: label, plan: enabled, bytes: probe)])[0].duration.seconds * 1e6
            cell.latencyOff =
                try run([ScheduledTransfer(label: label, plan: disabled, bytes: probe)])[0].duration.seconds * 1e6
            meter?.record(simulated: .zero, events: 0, itemDone: j == n - 1)
            return cell
        }
        let coordinates = rows.flatMap { i in (0..<n).map { (i, $0) } }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var cells: [Result<Cell, TransferPlanningError>?]
            init(count: Int) { cells = Array(repeating: nil, count: count) }
        }
        let results = Results(count: coordinates.count)
        DispatchQueue.concurrentPerform(iterations: coordinates.count) { k in
            let (i, j) = coordinates[k]
            let outcome: Result<Cell, TransferPlanningError>
            do throws(TransferPlanningError) { outcome = .success(try cell(i, j)) } catch { outcome = .failure(error) }
            results.lock.lock()
            results.cells[k] = outcome
            results.lock.unlock()
        }
        for (k, (i, j)) in coordinates.enumerated() {
            guard let result = results.cells[k] else { continue }
            let cell: Cell
            switch result {
            case .success(let value): cell = value
            case .failure(let error): throw error
            }
            connectivity[i][j] = cell.connectivity
            uniOn[i][j] = cell.uniOn
            uniOff[i][j] = cell.uniOff
            biOn[i][j] = cell.biOn
            biOff[i][j] = cell.biOff
            latencyOn[i][j] = cell.latencyOn
            latencyOff[i][j] = cell.latencyOff
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
        return MatrixRun(
            topology: topology.name, fidelity: fidelity, direction: direction, rowsComputed: rows, devices: ids,
            sizeBytes: size, connectivity: connectivity,
            unidirectional: Figures(p2pEnabled: uniOn, p2pDisabled: uniOff),
            bidirectional: Figures(p2pEnabled: biOn, p2pDisabled: biOff),
            latencyMicroseconds: Figures(p2pEnabled: latencyOn, p2pDisabled: latencyOff),
            hostToDevice: hostToDevice, deviceToHost: deviceToHost)
    }
}
