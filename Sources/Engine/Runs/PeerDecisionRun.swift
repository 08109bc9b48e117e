/// How every ordered pair of devices would move data peer-to-peer: the mechanism the planner
/// picks when P2P is asked for (vendor link, NVSwitch, PCIe as Linux decides), or why there is
/// none, in which case a copy bounces through system memory.
public struct PeerDecisionRun: Sendable, Equatable {
    /// One pair's decision.
    public struct Decision: Sendable, Equatable, Codable {
        /// The P2P mechanism, or nil when P2P is refused; `local` on the diagonal.
        public var mechanism: TransferMechanism?
        /// The Linux map type, when the kernel's decision was consulted.
        public var mapType: String?
        /// Why: the planner's notes, or its refusal.
        public var reason: String
    }

    /// The devices, in order.
    public var devices: [String]
    /// `decisions[i][j]`: from device i (the client, whose DMA engine writes) to device j.
    public var decisions: [[Decision]]

    /// Decides every ordered pair of `devices` on `planner`'s machine.
    ///
    /// - Throws: `TransferPlanningError` when an id is not a device.
    public static func run(planner: TransferPlanner, devices: [String]) throws(TransferPlanningError)
        -> PeerDecisionRun
    {
        var nodes: [Int] = []
        for id in devices {
            guard case .device(let node) = try planner.end(named: id) else {
                throw TransferPlanningError(description: "'\(id)' is not a device")
            }
            nodes.append(node)
        }
        let decisions = nodes.indices.map { i in
            nodes.indices.map { j -> Decision in
                if i == j { return Decision(mechanism: .local, mapType: nil, reason: "the same device") }
                do throws(TransferPlanningError) {
                    let plan = try planner.plan(from: .device(nodes[i]), to: .device(nodes[j]), choice: .p2p)
                    return Decision(
                        mechanism: plan.mechanism, mapType: plan.mapType, reason: plan.notes.joined(separator: "; "))
                } catch {
                    return Decision(mechanism: nil, mapType: nil, reason: error.description)
                }
            }
        }
        return PeerDecisionRun(devices: devices, decisions: decisions)
    }
}
