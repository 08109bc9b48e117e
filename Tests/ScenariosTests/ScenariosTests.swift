import Engine
import Foundation
import Scenarios
import Testing
import Topology

/// The repository's root, found from this file.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The project's regression suite.
let scenariosDirectory = repositoryRoot + "/scenarios"

/// Loads a scenario from `text` as if it were the file `scenarios/test.xml`.
func loadScenario(_ text: String) throws(ScenarioLoadError) -> Scenario {
    try ScenarioLoader.load(text: text, file: scenariosDirectory + "/test.xml")
}

/// The diagnostics of loading `text`, empty when it loads.
func loadDiagnostics(_ text: String) -> [Diagnostic] {
    do {
        _ = try loadScenario(text)
        return []
    } catch {
        return error.diagnostics
    }
}

@Suite struct RegressionSuiteTests {
    @Test func checkScenariosPasses() throws {
        let report = try ScenarioSuite.check([scenariosDirectory])
        let failures = report.results.flatMap { result in
            result.expectations.filter { $0.verdict == .fail || $0.verdict == .unexpectedPass }.map {
                "\(result.scenario.name) \($0.expectation.label): expected \($0.expected), got \($0.got)"
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(report.failed == 0)
        #expect(report.passed >= 30)
        // Known discrepancies run and are reported, each with the mechanism p2psim lacks.
        #expect(report.known > 0)
        for result in report.results {
            for expectation in result.expectations where expectation.verdict == .known {
                #expect(!(expectation.expectation.knownDiscrepancy ?? "").isEmpty)
            }
        }
        #expect(
            report.text().hasSuffix(
                "\n\(report.passed) passed, 0 failed; \(report.known) known discrepancies (expected failures)\n"))
    }

    @Test func knownDiscrepanciesAreReportedAndAFixedOneFails() throws {
        let text = dgx1Scenario(
            """
            <transfer id="nv2" from="gpu0" to="gpu3" size="256 MiB"/>
            <!-- a figure the model misses -->
            <expect transfer="nv2" metric="bandwidth" value="90 GB/s" tolerance="1%" known="no such mechanism"/>
            <!-- a figure the model meets, still marked known -->
            <expect transfer="nv2" mechanism="nvlink" known="stale mark"/>
            """)
        let report = CheckReport(results: [ScenarioRunner.run(try loadScenario(text))])
        #expect(report.known == 1)
        #expect(report.failed == 1)
        #expect(report.results[0].expectations.map(\.verdict) == [.known, .unexpectedPass])
        let out = report.text()
        #expect(out.contains("KNOWN test nv2 bandwidth"))
        #expect(out.contains("[known: no such mechanism]"))
        #expect(out.contains("UNEXPECTED PASS (remove its known mark) test nv2 mechanism"))
        let junit = report.junit()
        #expect(junit.contains("<skipped message=\"known discrepancy: expected 90 GB/s ± 1%"))
        #expect(junit.contains("failures=\"1\""))
    }

    @Test func everyBundledTopologyHasAScenario() throws {
        let scenarios = try ScenarioSuite.load([scenariosDirectory])
        let covered = Set(scenarios.map { URL(fileURLWithPath: $0.topologyFile).lastPathComponent })
        let bundled = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/topologies")
            .filter { $0.hasSuffix(".xml") }
        for file in bundled { #expect(covered.contains(file), "no scenario for \(file)") }
    }

    @Test func changingNVLinkEfficiencyFailsWithAReadableDiff() throws {
        let file = scenariosDirectory + "/dgx1-v100.xml"
        let report = try ScenarioSuite.check([file], overriding: [ParameterOverride(name: "nvlinkEfficiency", value: "0.5")])
        #expect(report.failed > 0)
        let failure = try #require(
            report.results[0].expectations.first { $0.expectation.label == "nv2 bandwidth" })
        #expect(failure.verdict == .fail)
        #expect(failure.expected == "48.49 GB/s ± 1.5 GB/s")
        // Two NVLink2 links x 25 GB/s x 0.5 = 25 GB/s, less the latency and the software cost.
        let got = try #require(Double(failure.got.replacingOccurrences(of: " GB/s", with: "")))
        #expect(got > 24 && got <= 25)
        let text = report.text()
        #expect(text.contains("FAIL dgx1-v100 nv2 bandwidth: expected 48.49 GB/s ± 1.5 GB/s, got \(failure.got) ("))
        let line = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains(#"<expect transfer="nv2" metric="bandwidth""#) }.map { $0 + 1 }
        #expect(text.contains("dgx1-v100.xml:\(try #require(line)):3"))
        #expect(text.contains("\(report.passed) passed, \(report.failed) failed"))
        // The mechanisms and the kernel's decisions do not depend on the efficiency.
        #expect(report.results[0].expectations.first { $0.expectation.label == "nv1 mechanism" }?.passed == true)
    }

    @Test func unknownOverrideIsBadInput() {
        #expect(throws: ScenarioLoadError.self) {
            try ScenarioSuite.check(
                [scenariosDirectory + "/default.xml"], overriding: [ParameterOverride(name: "warpSpeed", value: "9")])
        }
    }
}

@Suite struct JUnitTests {
    @Test func junitHasTheExpectedStructure() throws {
        let report = try ScenarioSuite.check(
            [scenariosDirectory + "/default.xml", scenariosDirectory + "/dgx1-v100.xml"],
            overriding: [ParameterOverride(name: "nvlinkEfficiency", value: "0.5")])
        let text = report.junit()
        let sources = SourceTexts()
        let parsed = XMLReader.read(text: text, file: "junit.xml", schema: nil, sources: sources)
        #expect(parsed.diagnostics.isEmpty)
        let root = try #require(parsed.root)
        #expect(root.name == "testsuites")
        #expect(root.attribute("failures") == String(report.failed))
        #expect(root.children.count == 2)
        var failures = 0
        for (suite, result) in zip(root.children, report.results) {
            #expect(suite.name == "testsuite")
            #expect(suite.attribute("name") == result.scenario.name)
            #expect(suite.attribute("tests") == String(result.expectations.count))
            #expect(Double(suite.attribute("time") ?? "") != nil)
            #expect(suite.children.count == result.expectations.count)
            for (testcase, expectation) in zip(suite.children, result.expectations) {
                #expect(testcase.name == "testcase")
                #expect(testcase.attribute("name") == expectation.expectation.label)
                let time = try #require(Double(testcase.attribute("time") ?? ""))
                #expect(time >= 0)
                let failure = testcase.children.first { $0.name == "failure" }
                let skipped = testcase.children.first { $0.name == "skipped" }
                #expect((failure != nil) == (expectation.verdict == .fail || expectation.verdict == .unexpectedPass))
                #expect((skipped != nil) == (expectation.verdict == .known))
                if let failure {
                    failures += 1
                    let message = failure.attribute("message") ?? ""
                    #expect(message.contains("expected \(expectation.expected)"))
                    #expect(message.contains("got \(expectation.got)"))
                }
            }
        }
        #expect(failures == report.failed)
        #expect(failures > 0)
    }

    @Test func outputIsDeterministic() throws {
        let first = try ScenarioSuite.check([scenariosDirectory])
        let second = try ScenarioSuite.check([scenariosDirectory])
        #expect(first.text() == second.text())
        #expect(first.junit() == second.junit())
    }
}

/// A scenario on the DGX-1 with `body` after the topology.
func dgx1Scenario(_ body: String) -> String {
    """
    <?xml version="1.0"?>
    <scenario name="test" version="1">
      <topology href="../topologies/dgx1-v100.xml"/>
    \(body)
    </scenario>
    """
}

@Suite struct BrokenScenarioTests {
    @Test func missingUnit() {
        let diagnostics = loadDiagnostics(
            dgx1Scenario(
                """
                  <transfer id="t1" from="gpu0" to="gpu1" size="256 potatoes"/>
                """))
        let error = diagnostics.first { $0.message.contains("unknown unit") }
        #expect(error?.location.line == 4)
        #expect(error?.location.column == 43)
        #expect(error?.location.file.hasSuffix("scenarios/test.xml") == true)
    }

    @Test func missingUnitInAnExpectation() {
        let diagnostics = loadDiagnostics(
            dgx1Scenario(
                """
                  <transfer id="t1" from="gpu0" to="gpu1" size="1 MiB"/>
                  <expect transfer="t1" metric="bandwidth" value="21" tolerance="5%" source="test"/>
                """))
        #expect(diagnostics.contains { $0.location.line == 5 && $0.message.contains("value: '21' has no unit") })
    }

    @Test func unknownTransferInAnExpectation() {
        let diagnostics = loadDiagnostics(
            dgx1Scenario(
                """
                  <transfer id="t1" from="gpu0" to="gpu1" size="1 MiB"/>
                  <!-- a test -->
                  <expect transfer="t9" mechanism="nvlink"/>
                """))
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.location.line == 6)
        #expect(diagnostics.first?.message.contains("unknown transfer 't9' (known: t1)") == true)
    }

    @Test func cyclicAfter() {
        let diagnostics = loadDiagnostics(
            dgx1Scenario(
                """
                  <transfer id="a" from="gpu0" to="gpu1" size="1 MiB" after="c"/>
                  <transfer id="b" from="gpu0" to="gpu1" size="1 MiB" after="a"/>
                  <transfer id="c" from="gpu0" to="gpu1" size="1 MiB" after="b"/>
                """))
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.location.line == 4)
        #expect(diagnostics.first?.message.contains("cyclic 'after': a -> c -> b -> a") == true)
    }

    @Test func unknownParameter() {
        let diagnostics = loadDiagnostics(
            dgx1Scenario(
                """
                  <parameter name="nvlinkEficiency" value="0.5"/>
                  <transfer id="t1" from="gpu0" to="gpu1" size="1 MiB"/>
                """))
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.location.line == 4)
        #expect(diagnostics.first?.message.contains("unknown parameter 'nvlinkEficiency'") == true)
    }

    @Test func expectationWithoutSource() {
        let diagnostics = loadDiagnostics(
            dgx1Scenario(
                """
                  <transfer id="t1" from="gpu0" to="gpu1" size="1 MiB"/>
                  <expect transfer="t1" mechanism="nvlink"/>
                """))
        #expect(diagnostics.contains { $0.location.line == 5 && $0.message.contains("'source'") })
    }

    @Test func unknownDeviceAndMissingTopology() {
        let unknown = loadDiagnostics(dgx1Scenario(#"  <transfer id="t1" from="gpu0" to="gpu9" size="1 MiB"/>"#))
        #expect(unknown.contains { $0.location.line == 4 && $0.message.contains("no device or socket 'gpu9'") })
        let missing = loadDiagnostics(
            #"<scenario name="x" version="1"><topology href="nope.xml"/><transfer id="t" from="a" to="b" size="1 B"/></scenario>"#
        )
        #expect(missing.contains { $0.message.contains("does not load") })
    }
}

@Suite struct RunnerTests {
    @Test func dependentsStartAtTheirDependencysFinishAndRepeatsRunBackToBack() throws {
        let scenario = try loadScenario(
            dgx1Scenario(
                """
                  <transfer id="first" from="gpu0" to="gpu1" size="64 MiB" start="1 us"/>
                  <transfer id="then" from="gpu0" to="gpu1" size="64 MiB" after="first" repeat="3"/>
                  <transfer id="meanwhile" from="gpu2" to="gpu3" size="64 MiB"/>
                """))
        let result = ScenarioRunner.run(scenario)
        let first = try #require(result.transfer("first"))
        let then = try #require(result.transfer("then"))
        #expect(first.start == .us(1))
        #expect(then.start == first.finish)
        #expect(then.repetitions.count == 3)
        for (earlier, later) in zip(then.repetitions, then.repetitions.dropFirst()) {
            #expect(later.transfer.start == earlier.finish)
        }
        #expect(then.finish == then.repetitions.last?.finish)
        // Alone on its link, each repetition takes as long as the first copy.
        #expect(then.time == first.time)
    }

    @Test func refusedTransferHasNoMetrics() throws {
        let scenario = try loadScenario(
            dgx1Scenario(#"  <transfer id="t" from="gpu0" to="gpu5" size="1 MiB" path="p2p"/>"#))
        let result = ScenarioRunner.run(scenario)
        #expect(result.transfers[0].mechanism == "refused")
        #expect(result.transfers[0].bandwidth == nil)
        #expect(result.transfers[0].mapType == "NOT_SUPPORTED")
    }
}

@Suite struct BaselineTests {
    @Test func recordThenCompareFindsNothingThenFindsTheOverride() throws {
        let scenarios = try ScenarioSuite.load([scenariosDirectory])
        let recorded = Baseline(results: scenarios.map { ScenarioRunner.run($0) }, version: "test")
        let json = try recorded.json()
        let decoded = try Baseline.decode(json: Data(json.utf8))
        #expect(decoded == recorded)
        #expect(try decoded.json() == json)
        let again = Baseline(results: scenarios.map { ScenarioRunner.run($0) }, version: "test")
        let same = BaselineComparison(old: decoded, new: again, tolerances: BaselineTolerances())
        #expect(same.changes.isEmpty)
        #expect(same.notes.isEmpty)
        #expect(!same.movedBeyondTolerance)

        let slower = try scenarios.map {
            try ScenarioRunner.run($0, overriding: [ParameterOverride(name: "nvlinkEfficiency", value: "0.5")])
        }
        let moved = BaselineComparison(
            old: decoded, new: Baseline(results: slower, version: "test2"),
            tolerances: BaselineTolerances(time: 0.01, bandwidth: 0.01))
        #expect(moved.movedBeyondTolerance)
        #expect(moved.notes.contains("version differs: test -> test2"))
        #expect(moved.notes.contains { $0.hasPrefix("dgx1-v100: parameter hash differs") })
        // nv1 is one NVLink2 link: its flit accounting (0.94 of 25 GB/s) against 0.5.
        #expect(moved.changes.contains { $0.hasPrefix("dgx1-v100/nv1 bandwidth: 23.5") && $0.contains("-> 12.49") })
        // Nothing on PCIe moved.
        #expect(!moved.changes.contains { $0.hasPrefix("default/") })
    }

    @Test func fnv1a64KnownValues() {
        #expect(fnv1a64("") == "cbf29ce484222325")
        #expect(fnv1a64("a") == "af63dc4c8601ec8c")
    }
}
