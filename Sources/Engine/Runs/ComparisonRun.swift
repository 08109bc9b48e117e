/// One transfer simulated both ways, peer-to-peer and bounced through system memory.
///
/// The P2P side takes the path Linux and the vendor links permit. `ComparisonReport` renders it.
public struct ComparisonRun: Sendable {
    /// One side: its plan, the run of the transfer (resource loads recorded) and of a small probe
    /// copy for latency.
    public struct Side: Sendable {
        /// How the data goes.
        public var plan: TransferPlan
        /// The transfer's run.
        public var run: FlowRun
        /// The latency probe's outcome.
        public var probe: TransferOutcome
    }

    /// Source and destination ids.
    public var from: String, to: String
    /// Transfer size.
    public var bytes: UInt64
    /// Which model produced the figures.
    public var fidelity: Fidelity
    /// The P2P side, or nil when no P2P path is permitted.
    public var p2p: Side?
    /// Why there is no P2P side, when there is none.
    public var p2pRefusal: String?
    /// The bounce side.
    public var bounce: Side

    /// Simulates `bytes` from `source` to `destination` both ways in `fidelity`.
    ///
    /// `bufferOffset` places the data in the provider's memory (P2P reaches only what its BAR
    /// exposes); `resizableBAR` sizes the BAR to its largest supported size.
    public static func run(
        planner: TransferPlanner, from source: String, to destination: String, bytes: UInt64, direction: DMADirection,
        stagingSocket: Int?, fidelity: Fidelity = .flow, bufferOffset: UInt64? = nil, resizableBAR: Bool = false
    ) throws(TransferPlanningError) -> ComparisonRun {
        let a = try planner.end(named: source)
        let b = try planner.end(named: destination)
        let engine = FlowEngine(planner: planner)
        func simulate(_ plan: TransferPlan) throws(TransferPlanningError) -> Side {
            let transfer = ScheduledTransfer(label: "\(source)->\(destination)", plan: plan, bytes: bytes)
            try OperationSchedule.checkSize(of: [transfer], parameters: planner.parameters)
            let probeTransfer = ScheduledTransfer(
                label: "probe", plan: plan, bytes: planner.parameters.latencyProbeSize.bytes)
            switch fidelity {
            case .flow:
                return Side(
                    plan: plan, run: engine.run([transfer], recordingLoads: true),
                    probe: engine.run([probeTransfer]).outcomes[0])
            case .packet:
                let packet = try PacketEngine(planner: planner).run([transfer])
                let usage = packet.result.stages.map {
                    ResourceUsage(
                        name: $0.id.name, capacity: 0, bytes: Double($0.payloadBytes), busySeconds: $0.busyTime.seconds)
                }
                let run = FlowRun(
                    outcomes: packet.outcomes, usage: usage, loads: [], events: Int(packet.result.eventCount))
                return Side(
                    plan: plan, run: run, probe: try PacketEngine(planner: planner).run([probeTransfer]).outcomes[0])
            }
        }
        var p2p: Side?
        var refusal: String?
        do {
            let plan = try planner.plan(
                from: a, to: b, choice: .p2p, direction: direction,
                buffer: bufferOffset.map { (offset: $0, size: bytes) }, resizableBAR: resizableBAR)
            do {
                p2p = try simulate(plan)
            } catch {
                refusal = error.description
            }
        } catch {
            refusal = error.description
        }
        guard case .device(let sourceNode) = a, case .device(let destinationNode) = b else {
            throw TransferPlanningError(description: "compare takes two devices")
        }
        let bounce = try simulate(
            planner.bouncePlan(from: sourceNode, to: destinationNode, stagingSocket: stagingSocket))
        return ComparisonRun(
            from: source, to: destination, bytes: bytes, fidelity: fidelity, p2p: p2p, p2pRefusal: refusal,
            bounce: bounce)
    }
}
