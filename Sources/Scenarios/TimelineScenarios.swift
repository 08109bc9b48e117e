import DynamicBuffers
import Topology

extension ScenarioSuite {
    /// Loads, runs and checks timeline scenarios (`<timeline>`, DynamicBuffers), each as a
    /// scenario result whose rows are its expectations and the run's invariants.
    ///
    /// - Throws: `ScenarioLoadError` with the diagnostics of every file that does not load, or
    ///   an override that does not apply.
    static func checkTimelines(
        _ files: [String], overriding overrides: [ParameterOverride]
    ) throws(ScenarioLoadError) -> [ScenarioResult] {
        var results: [ScenarioResult] = []
        var diagnostics: [Diagnostic] = []
        for file in files {
            var timeline: TimelineScenario
            do { timeline = try TimelineLoader.load(contentsOf: file) } catch {
                diagnostics += error.diagnostics
                continue
            }
            for override in overrides {
                do { try timeline.parameters.set(override.name, to: override.value) } catch {
                    throw ScenarioLoadError(diagnostics: [
                        Diagnostic(.error, at: SourceLocation(file: "<override>", line: 0), error.description)
                    ])
                }
            }
            let run = BufferTimeline.run(timeline)
            let rows = TimelineChecker.check(timeline, run)
            let expectations = rows.map {
                Expectation(check: .timeline(label: $0.label), source: $0.source, location: $0.location)
            }
            let scenario = Scenario(
                name: timeline.name, file: timeline.file, topologyFile: timeline.topologyFile,
                topologyText: timeline.topologyText, machine: timeline.machine, parameters: timeline.parameters,
                overrides: [], transfers: [],
                expectations: expectations)
            results.append(
                ScenarioResult(
                    scenario: scenario, transfers: [],
                    expectations: zip(expectations, rows).map { expectation, row in
                        ExpectationResult(
                            expectation: expectation, expected: row.expected, got: row.got, error: "",
                            passed: row.passed, simulatedSeconds: run.end.seconds)
                    }))
        }
        if !diagnostics.isEmpty { throw ScenarioLoadError(diagnostics: diagnostics) }
        return results
    }
}
