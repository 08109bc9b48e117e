import DynamicBuffers
import Foundation
import Reports
import Topology
import Units

/// Finds, loads and runs scenario files.
public enum ScenarioSuite {
    /// The scenario files `paths` name: a file as is, a directory as every `*.xml` in it and
    /// in its subdirectories (`scenarios/dynamic/`), sorted by path.
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
                let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
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

    /// Loads every flow scenario `paths` name (see `files(_:)`); timeline scenarios
    /// (`<timeline>`, run by `check` and `p2psim timeline`) are left out.
    ///
    /// - Throws: `ScenarioLoadError` with the diagnostics of every file that does not load.
    public static func load(_ paths: [String]) throws(ScenarioLoadError) -> [Scenario] {
        var scenarios: [Scenario] = []
        var diagnostics: [Diagnostic] = []
        for file in try files(paths) where !TimelineLoader.isTimeline(file: file) {
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
        results += try checkTimelines(try files(paths).filter { TimelineLoader.isTimeline(file: $0) }, overriding: overrides)
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

    /// Expectations that missed as their `known` mark says (reported, not failing the check).
    public var known: Int { results.reduce(0) { $0 + $1.known } }

    /// `N passed, M failed`, then the known discrepancies when there are any.
    public var totalsLine: String {
        "\(passed) passed, \(failed) failed" + (known > 0 ? "; \(known) known discrepancies (expected failures)" : "")
    }

    /// The summary table (scenario, expectation, expected, got, error, result), then the
    /// failures with their source and location, then the totals line.
    public func text() -> String {
        var rows = [["scenario", "expectation", "expected", "got", "error", "result"]]
        for result in results {
            for expectation in result.expectations {
                rows.append([
                    result.scenario.name, expectation.expectation.label, expectation.expected, expectation.got,
                    expectation.error,
                    expectation.verdict == .pass ? "pass" : expectation.verdict == .known ? "known" : "FAIL",
                ])
            }
        }
        var out = TextTable(rows: rows, alignNumbersRight: false).render()
        let failures = results.flatMap { result in
            result.expectations.filter { $0.verdict != .pass }.map { (result, $0) }
        }
        if !failures.isEmpty {
            out += "\n"
            for (result, failure) in failures {
                let word: String
                switch failure.verdict {
                case .known: word = "KNOWN"
                case .unexpectedPass: word = "UNEXPECTED PASS (remove its known mark)"
                default: word = "FAIL"
                }
                out +=
                    "\(failure.expectation.location): \(word) \(result.scenario.name) \(failure.expectation.label): expected \(failure.expected), got \(failure.got)\(failure.error.isEmpty ? "" : " (\(failure.error))") [source: \(failure.expectation.source)]"
                    + (failure.expectation.knownDiscrepancy.map { " [known: \($0)]" } ?? "") + "\n"
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
            "<testsuites name=\"p2psim check\" tests=\"\(passed + failed + known)\" failures=\"\(failed)\" errors=\"0\" skipped=\"\(known)\" time=\"\(seconds(total))\">\n"
        for result in results {
            let time = result.expectations.reduce(0.0) { $0 + $1.simulatedSeconds }
            out +=
                "  <testsuite name=\"\(escape(result.scenario.name))\" file=\"\(escape(result.scenario.file))\" tests=\"\(result.expectations.count)\" failures=\"\(result.failed)\" errors=\"0\" skipped=\"\(result.known)\" time=\"\(seconds(time))\">\n"
            for expectation in result.expectations {
                let location = expectation.expectation.location
                let head =
                    "    <testcase classname=\"\(escape(result.scenario.name))\" name=\"\(escape(expectation.expectation.label))\" file=\"\(escape(location.file))\" line=\"\(location.line)\" time=\"\(seconds(expectation.simulatedSeconds))\""
                if expectation.verdict == .pass {
                    out += head + "/>\n"
                } else if expectation.verdict == .known {
                    let message =
                        "known discrepancy: expected \(expectation.expected), got \(expectation.got); \(expectation.expectation.knownDiscrepancy ?? "")"
                    out += head + ">\n      <skipped message=\"\(escape(message))\"/>\n    </testcase>\n"
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
