import PCIeProtocol
import Testing
import Units

@testable import PacketModel

/// Committing TLPs ahead of their `arrive` events, with UpdateFC batches applied ahead of their
/// `credits` events, against the same runs event by event.
@Suite("Packet model: commits ahead of arrival give the event-by-event results")
struct CommitAheadTests {
    /// The two-level switch tree with a Gen3 x8 third link and small posted buffers (8 TLPs,
    /// 2 KiB) at the receivers of the two middle links: the links before the slow one run short
    /// of credits, so TLPs are committed ahead on credits applied ahead, wait in queues, and
    /// arrive by event, in turn.
    static func tightTree(bytes: UInt64) -> (fabric: PacketFabric, transfers: [PacketTransfer]) {
        var scenario = PacketScenarios.twoLevelSwitchTreeWrite(bytes: bytes)
        let slow = PacketStageKind.linkDirection(
            configuration: PCIeLinkConfiguration(generation: .gen3, width: .x8), latency: .ns(5))
        let small = FlowControlCredits(
            postedHeader: 8, postedData: 128, nonPostedHeader: 8, nonPostedData: 0, completionHeader: nil,
            completionData: nil)
        for s in scenario.fabric.stages.indices {
            let id = scenario.fabric.stages[s].id
            if id == "leaf1.dn" || id == "leaf1.up" { scenario.fabric.stages[s].kind = slow }
            if id == "leaf0.up" || id == "leaf1.dn" { scenario.fabric.stages[s].receiverCredits = small }
        }
        return scenario
    }

    /// Runs a scenario, with commits ahead or with every TLP taken by its `arrive` event.
    static func run(
        _ scenario: (fabric: PacketFabric, transfers: [PacketTransfer]), ahead: Bool
    ) throws -> PacketResult {
        var simulation = try PacketSimulation(fabric: scenario.fabric, transfers: scenario.transfers)
        if !ahead {
            let stages = simulation.simulation.model.stages
            for s in 0..<stages.count { stages[s].commitsAhead = false }
        }
        return try simulation.run()
    }

    static let scenarios = ["two-level tree, 4 MiB", "tight tree, 1 MiB"]

    static func scenario(_ name: String) -> (fabric: PacketFabric, transfers: [PacketTransfer]) {
        name == "two-level tree, 4 MiB"
            ? PacketScenarios.twoLevelSwitchTreeWrite(bytes: 4 << 20) : tightTree(bytes: 1 << 20)
    }

    @Test("Every figure but the event count equals the event-by-event run's", arguments: scenarios)
    func sameResults(name: String) throws {
        let ahead = try Self.run(Self.scenario(name), ahead: true)
        let stepwise = try Self.run(Self.scenario(name), ahead: false)
        #expect(PinnedResultTests.fingerprint(ahead) == PinnedResultTests.fingerprint(stepwise))
        #expect(ahead.eventCount < stepwise.eventCount)
    }

    @Test("On the tree, every event is the start or an UpdateFC's return: no TLP waits for an arrive event")
    func treeEvents() throws {
        let result = try Self.run(Self.scenario("two-level tree, 4 MiB"), ahead: true)
        let updateFCs = result.stages.filter { $0.kindName == "link" }.reduce(0) { $0 + $1.updateFCs }
        #expect(result.eventCount == UInt64(1 + updateFCs))
    }

    @Test("On the tight tree, the slow link is saturated and the link before it stalls on credits")
    func tightTreeStalls() throws {
        let result = try Self.run(Self.scenario("tight tree, 1 MiB"), ahead: true)
        #expect(result.stage("leaf0.up").map { $0.flowControlStallTime > .zero } == true)
        #expect(result.stage("leaf1.dn").map { $0.busyFraction > 0.9 } == true)
    }
}
