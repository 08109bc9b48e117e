import Foundation
import P2PSim
import Testing

/// The root of the p2psim repository: this file's path without its last five components.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<5 { url.deleteLastPathComponent() }
    return url.path
}()

@Test func nvlinkCopyOnDGX1() throws {
    let topology = try TopologyLoader.load(contentsOf: repositoryRoot + "/topologies/dgx1-v100.xml")
    let planner = TransferPlanner(machine: try EnumeratedMachine(topology))
    let plan = try planner.plan(from: try planner.end(named: "gpu0"), to: try planner.end(named: "gpu1"))
    #expect(plan.mechanism == .nvlink)
    let run = FlowEngine(planner: planner).run([ScheduledTransfer(label: "copy", plan: plan, bytes: 256 << 20)])
    let gigabytesPerSecond = run.outcomes[0].bandwidth / 1e9
    // One NVLink2 link: 25 GB/s x nvlinkEfficiency 0.87.
    #expect((21...22.5).contains(gigabytesPerSecond))
}

@Test func scenarioFromTheRegressionSuite() throws {
    let scenario = try ScenarioLoader.load(contentsOf: repositoryRoot + "/scenarios/default.xml")
    let result = ScenarioRunner.run(scenario)
    #expect(result.failed == 0)
    #expect(result.transfer("p2p")?.mechanism == "pcie-p2p-bus-addr")
}
