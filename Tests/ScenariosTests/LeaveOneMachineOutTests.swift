import Foundation
import Testing

@testable import Scenarios

@Suite("Leave one machine out: the report reads the scenarios")
struct LeaveOneMachineOutTests {
    @Test("Every figure of the machines' scenarios is a row; every miss beyond 25% names the mechanism p2psim lacks")
    func rowsComeFromTheScenarios() throws {
        let rows = try LeaveOneMachineOut.rows(scenarios: URL(fileURLWithPath: scenariosDirectory))
        let expectations = try LeaveOneMachineOut.machines.reduce(0) { total, machine in
            total + (try ScenarioLoader.load(contentsOf: scenariosDirectory + "/\(machine).xml")).expectations.count
        }
        #expect(rows.count == expectations)
        #expect(rows.count >= 50)
        for row in rows where abs(row.error ?? 0) > 0.25 {
            #expect(row.missingMechanism != nil, "\(row.machine) \(row.figure) \(row.pair)")
        }
        #expect(rows.filter { $0.right != nil }.allSatisfy { $0.right == true })
    }

    @Test("A published range is the expectation's value: its middle is what the check compares")
    func rangeValue() throws {
        let parts = try #require(ScenarioLoader.rangeParts("15.5-17.9 GB/s"))
        #expect(parts.low == "15.5 GB/s")
        #expect(parts.high == "17.9 GB/s")
        #expect(ScenarioLoader.rangeParts("16.7 GB/s") == nil)
        #expect(ScenarioLoader.rangeParts("-3 GB/s") == nil)
    }

    @Test("A range that runs backwards is refused with its place in the file")
    func backwardsRange() throws {
        let text = """
            <scenario name="x" version="1">
              <topology href="../topologies/default.xml"/>
              <transfer id="t1" from="gpu0" to="gpu1" size="1 MiB"/>
              <expect transfer="t1" metric="bandwidth" value="20-10 GB/s" tolerance="1 GB/s" source="a test"/>
            </scenario>
            """
        #expect(throws: ScenarioLoadError.self) {
            try ScenarioLoader.load(text: text, file: scenariosDirectory + "/backwards.xml")
        }
        do {
            _ = try ScenarioLoader.load(text: text, file: scenariosDirectory + "/backwards.xml")
        } catch {
            #expect(error.description.contains("backwards.xml:4:"))
            #expect(error.description.contains("runs backwards"))
        }
    }
}
