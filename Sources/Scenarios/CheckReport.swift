import Foundation
import Reports
import Topology
import Units

/// Finds, loads and runs scenario files.
public enum ScenarioSuite {
    /// The scenario files `paths` name: a file as is, a directory as every `*.xml` in it
    /// (not recursive), sorted by name.
    ///
    /// - Throws: `ScenarioLoadError` naming each path that does not exist.
    public static func files(_ paths: [String]) throws(ScenarioLoadError) -> [String] {
        var files: [String] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(
                    Diagnostic(.error, at: SourceLocation(file: path, line: 0), "no such scenario file or directory"))
                continue
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                let directory = path.hasSuffix("/") ? path : path + "/"
                let found = names.filter { $0.hasSuffix(".xml") }.sorted().map { directory + $0 }
                if found.isEmpty {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: SourceLocation(file: path, line: 0), "no *.xml scenario in the directory"))
                }
                files += found
            } else {
                files.append(path)
            }
        }
        if !diagnostics.isEmpty { throw ScenarioLoadError(diagnostics: diagnostics) }
        return files
    }

    /// Loads every scenario `paths` name (see `files(_:)`).
    ///
    /// - Throws: `ScenarioLoadError` with the diagnostics of every file that does not load.
    public static func load(_ paths: [String]) throws(ScenarioLoadError) -> [Scenario] {
        var scenarios: [Scenario] = []
        var diagnostics: [Diagnostic] = []
        for file in try files(paths) {
            do { scenarios.append(try ScenarioLoader.load(contentsOf: file)) } catch {
                diagnostics += error.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw ScenarioLoadError(diagnostics: diagnostics) }
        return scenarios
    }

    /// Loads and runs every scenario `paths` name, with `overrides` applied on top of each
    /// scenario's own parameters.
    ///
    /// - Throws: `ScenarioLoadError` for files that do not load or an override that does not apply.
    public static func check(
        _ paths: [String], overriding overrides: [ParameterOverride] = []
    ) throws(ScenarioLoadError) -> CheckReport {
        var results: [ScenarioResult] = []
        for scenario in try load(paths) {
            do { results.append(try ScenarioRunner.run(scenario, overriding: overrides)) } catch {
                throw ScenarioLoadError(diagnostics: [
                    Diagnostic(.error, at: SourceLocation(file: "<override>", line: 0), error.description)
                ])
            }
        }
        return CheckReport(results: results)
    }
}

/// The outcome of checking scenarios: a table, a totals line and JUnit XML.
public struct CheckReport: Sendable {
    /// One result per scenario, in the order run.
    public var results: [ScenarioResult]

    /// Creates a report.
    public init(results: [ScenarioResult]) { self.results = results }

    /// Expectations that passed, over all scenarios.
    public var passed: Int { results.reduce(0) { $0 + $1.passed } }
    /// Expectations that failed.
    public var failed: Int { results.reduce(0) { $0 + $1.failed } }

    /// `N passed, M failed`.
    public var totalsLine: String { "\(passed) passed, \(failed) failed" }

    /// The summary table (scenario, expectation, expected, got, error, result), then the
    /// failures with their source and location, then the totals line.
    public func text() -> String {
        var rows = [["scenario", "expectation", "expected", "got", "error", "result"]]
        for result in results {
            for expectation in result.expectations {
                rows.append([
                    result.scenario.name, expectation.expectation.label, expectation.expected, expectation.got,
                    expectation.error, expectation.passed ? "pass" : "FAIL",
                ])
            }
        }
        var out = TextTable(rows: rows, alignNumbersRight: false).render()
        let failures = results.flatMap { result in result.expectations.filter { !$0.passed }.map { (result, $0) } }
        if !failures.isEmpty {
            out += "\n"
            for (result, failure) in failures {
                out +=
                    "\(failure.expectation.location): FAIL \(result.scenario.name) \(failure.expectation.label): expected \(failure.expected), got \(failure.got)\(failure.error.isEmpty ? "" : " (\(failure.error))") [source: \(failure.expectation.source)]\n"
            }
        }
        out += "\n" + totalsLine + "\n"
        return out
    }

    /// JUnit XML: `<testsuites>`, a `<testsuite>` per scenario, a `<testcase>` per expectation
    /// with `time` in simulated seconds (deterministic), `<failure message>` on failures.
    public func junit() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let total = results.reduce(0.0) { $0 + $1.expectations.reduce(0.0) { $0 + $1.simulatedSeconds } }
        out +=
            "<testsuites name=\"p2psim check\" tests=\"\(passed + failed)\" failures=\"\(failed)\" errors=\"0\" time=\"\(seconds(total))\">\n"
        for result in results {
            let time = result.expectations.reduce(0.0) { $0 + $1.simulatedSeconds }
            out +=
                "  <testsuite name=\"\(escape(result.scenario.name))\" file=\"\(escape(result.scenario.file))\" tests=\"\(result.expectations.count)\" failures=\"\(result.failed)\" errors=\"0\" skipped=\"0\" time=\"\(seconds(time))\">\n"
            for expectation in result.expectations {
                let location = expectation.expectation.location
                let head =
                    "    <testcase classname=\"\(escape(result.scenario.name))\" name=\"\(escape(expectation.expectation.label))\" file=\"\(escape(location.file))\" line=\"\(location.line)\" time=\"\(seconds(expectation.simulatedSeconds))\""
                if expectation.passed {
                    out += head + "/>\n"
                } else {
                    let message =
                        "expected \(expectation.expected), got \(expectation.got)"
                        + (expectation.error.isEmpty ? "" : " (\(expectation.error))")
                    out += head + ">\n"
                    out +=
                        "      <failure message=\"\(escape(message))\" type=\"expectation\">\(escape(message))\nsource: \(escape(expectation.expectation.source))\nat: \(escape(location.description))</failure>\n"
                    out += "    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    private func seconds(_ value: Double) -> String { formatDecimal(value, maxFractionDigits: 9) }
}

/// `text` with XML's special characters escaped for attributes and content.
func escape(_ text: String) -> String {
    var out = ""
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\n": out += "&#10;"
        default: out.append(character)
        }
    }
    return out
}
