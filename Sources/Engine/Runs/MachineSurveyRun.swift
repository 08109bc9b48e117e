/// Everything `p2psim report` shows about a machine, computed in one go: the P2P decision of
/// every pair of GPUs, NICs and NVMe drives, the GPUs' bandwidth matrices, and a size sweep of
/// one pair.
public struct MachineSurveyRun: Sendable, Equatable {
    /// The P2P decisions.
    public var decisions: PeerDecisionRun
    /// The GPUs' matrices.
    public var matrix: MatrixRun
    /// The sweep of the chosen pair.
    public var sweep: SweepRun
    /// The parameters in force.
    public var parameters: ModelParameters

    /// Surveys `planner`'s machine; `pair` defaults to the first two GPUs or accelerators.
    ///
    /// - Throws: `TransferPlanningError` when the machine has fewer than two GPUs and no pair is
    ///   given, or a device id is unknown.
    public static func run(
        planner: TransferPlanner, pair: (from: String, to: String)? = nil, fidelity: Fidelity = .flow,
        meter: ProgressMeter? = nil
    ) throws(TransferPlanningError) -> MachineSurveyRun {
        let topology = planner.machine.topology
        let gpus = topology.nodes.indices.filter {
            topology.nodes[$0].endpoint?.kind == .gpu || topology.nodes[$0].endpoint?.kind == .accelerator
        }.map { topology.nodes[$0].id }
        guard let ends = pair ?? (gpus.count >= 2 ? (gpus[0], gpus[1]) : nil) else {
            throw TransferPlanningError(
                description: "'\(topology.name)' has fewer than two GPUs; choose the sweep's pair")
        }
        let decisions = try PeerDecisionRun.run(
            planner: planner, devices: topology.matrixDevices.map { topology.nodes[$0].id })
        let matrix = try MatrixRun.run(planner: planner, devices: gpus, fidelity: fidelity, meter: meter)
        let sweep = try SweepRun.run(planner: planner, from: ends.from, to: ends.to, fidelity: fidelity, meter: meter)
        return MachineSurveyRun(decisions: decisions, matrix: matrix, sweep: sweep, parameters: planner.parameters)
    }
}
