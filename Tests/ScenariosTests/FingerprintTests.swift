import Foundation
import Testing

@testable import Scenarios

@Suite("Scenario fingerprints in baselines")
struct FingerprintTests {
    @Test func everyScenarioHasAStableFingerprint() throws {
        let scenarios = try ScenarioSuite.load([scenariosDirectory])
        let first = Baseline(results: scenarios.map { ScenarioRunner.run($0) }, version: "test")
        let second = Baseline(results: scenarios.map { ScenarioRunner.run($0) }, version: "test")
        #expect(first.scenarios.values.allSatisfy { $0.fingerprint?.count == 16 })
        #expect(first.scenarios.mapValues(\.fingerprint) == second.scenarios.mapValues(\.fingerprint))
        // Different scenarios have different event sequences.
        #expect(Set(first.scenarios.values.compactMap(\.fingerprint)).count == first.scenarios.count)
    }

    @Test func aChangedEventSequenceFailsEvenWhenTheFiguresAgree() throws {
        let scenarios = try ScenarioSuite.load([scenariosDirectory + "/default.xml"])
        let recorded = Baseline(results: scenarios.map { ScenarioRunner.run($0) }, version: "test")
        var tampered = recorded
        tampered.scenarios["default"]?.fingerprint = "0123456789abcdef"
        let comparison = BaselineComparison(old: tampered, new: recorded, tolerances: BaselineTolerances())
        #expect(comparison.movedBeyondTolerance)
        #expect(comparison.changes.contains { $0.hasPrefix("default event fingerprint: 0123456789abcdef ->") })
        // A baseline from before fingerprints compares as before.
        var old = recorded
        old.scenarios["default"]?.fingerprint = nil
        #expect(!BaselineComparison(old: old, new: recorded, tolerances: BaselineTolerances()).movedBeyondTolerance)
    }

    @Test func whenFiguresMoveTheFingerprintIsOnlyNoted() throws {
        let scenarios = try ScenarioSuite.load([scenariosDirectory + "/dgx1-v100.xml"])
        let recorded = Baseline(results: scenarios.map { ScenarioRunner.run($0) }, version: "test")
        let slower = try scenarios.map {
            try ScenarioRunner.run($0, overriding: [ParameterOverride(name: "nvlinkEfficiency", value: "0.5")])
        }
        let comparison = BaselineComparison(
            old: recorded, new: Baseline(results: slower, version: "test"), tolerances: BaselineTolerances())
        #expect(comparison.notes.contains { $0.hasPrefix("dgx1-v100: event fingerprint differs") })
        #expect(!comparison.changes.contains { $0.contains("event fingerprint") })
    }
}
