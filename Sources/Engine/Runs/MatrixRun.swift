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
                let enabled = try planner.plan(from: .device(a), to: .device(b), choice: .auto, direction: direction)
                let reverseEnabled = try planner.plan(
                    from: .device(b), to: .device(a), choice: .auto, direction: direction)
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
        return MatrixRun(
            topology: topology.name, fidelity: fidelity, direction: direction, rowsComputed: rows, devices: ids,
            sizeBytes: size, connectivity: connectivity,
            unidirectional: Figures(p2pEnabled: uniOn, p2pDisabled: uniOff),
            bidirectional: Figures(p2pEnabled: biOn, p2pDisabled: biOff),
            latencyMicroseconds: Figures(p2pEnabled: latencyOn, p2pDisabled: latencyOff),
            hostToDevice: hostToDevice, deviceToHost: deviceToHost)
    }
}
