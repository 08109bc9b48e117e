/// Which model computes transfers.
public enum Fidelity: String, Sendable, CaseIterable, Codable {
    /// The flow-level (fluid) model: max-min fair rates over shared resources; cost independent
    /// of the bytes moved.
    case flow
    /// The packet model: every TLP on every PCIe hop, with credits and tags; PCIe paths only.
    case packet
}

extension TransferPlanner {
    /// Runs `transfers` concurrently in `fidelity` and returns their outcomes in order.
    ///
    /// - Throws: `TransferPlanningError` in packet fidelity for a transfer over a vendor link.
    public func simulate(_ transfers: [ScheduledTransfer], fidelity: Fidelity) throws(TransferPlanningError)
        -> [TransferOutcome]
    {
        try OperationSchedule.checkSize(of: transfers, parameters: parameters)
        switch fidelity {
        case .flow: return FlowEngine(planner: self).run(transfers).outcomes
        case .packet: return try PacketEngine(planner: self).run(transfers).outcomes
        }
    }
}
