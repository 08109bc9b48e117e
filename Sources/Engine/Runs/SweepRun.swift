/// Bandwidth of P2P and of the bounce between two devices over transfer sizes.
///
/// `SweepReport` renders it.
public struct SweepRun: Sendable, Equatable {
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

        /// Creates a point.
        public init(sizeBytes: UInt64, p2pSeconds: Double?, p2pGBps: Double?, bounceSeconds: Double, bounceGBps: Double)
        {
            self.sizeBytes = sizeBytes
            self.p2pSeconds = p2pSeconds
            self.p2pGBps = p2pGBps
            self.bounceSeconds = bounceSeconds
            self.bounceGBps = bounceGBps
        }
    }

    /// The topology's name.
    public var topology: String
    /// Source and destination.
    public var from: String, to: String
    /// The model that produced the figures.
    public var fidelity: Fidelity
    /// The P2P mechanism, or nil when not permitted.
    public var p2pMechanism: TransferMechanism?
    /// The points, by increasing size.
    public var points: [Point]

    /// The sizes of a full sweep: 4 KiB to 1 GiB in powers of two.
    public static let standardSizes: [UInt64] = (12...30).map { UInt64(1) << $0 }

    /// Simulates the sizes whose index `i` satisfies `i % shardCount == shardIndex`.
    public static func run(
        planner: TransferPlanner, from source: String, to destination: String, sizes: [UInt64] = standardSizes,
        shardIndex: Int = 0, shardCount: Int = 1, fidelity: Fidelity = .flow, meter: ProgressMeter? = nil
    ) throws(TransferPlanningError) -> SweepRun {
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
        return SweepRun(
            topology: planner.machine.topology.name, from: source, to: destination, fidelity: fidelity,
            p2pMechanism: p2pPlan?.mechanism, points: points)
    }
}
