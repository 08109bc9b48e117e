import PCIeProtocol
import Testing
import Units

@testable import PacketModel

@Suite("Packet model: invariants stop a broken run")
struct InvariantTests {
    /// Runs the 1 MiB two-level switch tree write with `sabotage` applied; returns the error.
    static func brokenRun(_ sabotage: (Int) -> PacketInvariantSabotage, link: StageID) throws -> PacketModelError? {
        let scenario = PacketScenarios.twoLevelSwitchTreeWrite(bytes: 1 << 20)
        var simulation = try PacketSimulation(fabric: scenario.fabric, transfers: scenario.transfers)
        let index = try #require(scenario.fabric.stages.firstIndex { $0.id == link })
        simulation.simulation.model.sabotage = sabotage(index)
        do {
            _ = try simulation.run()
            return nil
        } catch {
            return error
        }
    }

    @Test("An UpdateFC that returns more than the receiver advertised stops the run")
    func creditsAboveLimit() throws {
        let error = try #require(try Self.brokenRun({ .returnExtraCredit(link: $0) }, link: "leaf0.up"))
        #expect(error.message.hasPrefix("packet model invariant broken at "))
        #expect(error.message.contains("stage 'leaf0.up'"))
        #expect(error.message.contains("posted credits above the advertised 127/750"))
    }

    @Test("A TLP that takes more credits than the receiver has stops the run")
    func negativeCredits() throws {
        let error = try #require(try Self.brokenRun({ .overdrawCredits(link: $0) }, link: "leaf1.dn"))
        #expect(error.message.contains("stage 'leaf1.dn'"))
        #expect(error.message.contains("posted credits went negative"))
    }

    @Test("A link busy longer than the time elapsed stops the run")
    func busyBeyondElapsed() throws {
        let error = try #require(try Self.brokenRun({ .overchargeBusyTime(link: $0) }, link: "ep1.dn"))
        #expect(error.message.contains("stage 'ep1.dn'"))
        #expect(error.message.contains("ps elapsed"))
        // The time of the violation is the simulated time of the first TLP's commit on ep1.dn.
        let time = error.message.split(separator: " ")[5]
        #expect(UInt64(time).map { $0 > 0 && $0 < 2_000_000 } == true)
    }

    @Test("Unbroken runs of every pinned scenario keep the invariants")
    func unbroken() throws {
        for pin in PinnedResultTests.pins {
            let (fabric, transfers) = PinnedResultTests.scenario(pin.name)
            #expect(throws: Never.self) { try PacketSimulation.run(fabric: fabric, transfers: transfers) }
        }
    }
}
