import Engine
import Fabric
import Foundation
import Topology

/// The repository's topologies/ folder.
let bundledTopologies: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("topologies")

/// A planner for the bundled topology `name`.
func planner(_ name: String, parameters: ModelParameters = ModelParameters()) throws -> TransferPlanner {
    let topology = try TopologyLoader.load(contentsOf: bundledTopologies.appendingPathComponent(name + ".xml").path)
    return TransferPlanner(machine: try EnumeratedMachine(topology), parameters: parameters)
}

extension TransferPlanner {
    /// Plans `from` to `to` by ids.
    func plan(_ from: String, _ to: String, choice: PathChoice = .auto, direction: DMADirection = .push) throws
        -> TransferPlan
    {
        try plan(from: end(named: from), to: end(named: to), choice: choice, direction: direction)
    }

    /// Runs one transfer alone and returns its outcome.
    func run(_ from: String, _ to: String, bytes: UInt64, choice: PathChoice = .auto) throws -> TransferOutcome {
        let plan = try plan(from, to, choice: choice)
        return FlowEngine(planner: self).run([ScheduledTransfer(label: "\(from)->\(to)", plan: plan, bytes: bytes)])
            .outcomes[0]
    }
}
