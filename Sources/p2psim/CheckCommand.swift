import ArgumentParser
import Foundation
import P2PSim

/// `p2psim check SCENARIO...|DIR [--junit FILE] [--set NAME=VALUE]`: run scenarios and check
/// their expectations.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run scenario files and check their expectations.",
        discussion: """
            A directory means every *.xml in it and its subdirectories, sorted by path; timeline \
            scenarios (<timeline>, docs/dynamic-buffers.md) run beside flow scenarios. Prints a table (scenario, \
            expectation, expected, got, error, result), each failure with its file:line and \
            source, and a totals line 'N passed, M failed'. Exit status 0 when every expectation \
            passes, 1 when one fails, 2 when a file does not load.
            """
    )

    @Argument(help: "Scenario files or directories of them.")
    var paths: [String]

    @Option(help: "Also write JUnit XML to this file.")
    var junit: String?

    @Option(
        name: .customLong("set"),
        help: "Override a model parameter in every scenario, after the scenario's own (NAME=VALUE; repeatable).")
    var overrides: [String] = []

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func run() throws {
        for path in paths where rootElementName(ofFile: path) == "topology" {
            StandardError.write(
                "\(path): error: this is a topology file, not a scenario; a scenario names its topology and its expectations (docs/scenarios.md). To check a topology file, run: p2psim validate \(path)"
            )
            throw ExitCode(2)
        }
        let parameters = try parseOverrides(overrides)
        let report: CheckReport
        do {
            report = try ScenarioSuite.check(paths, overriding: parameters)
        } catch {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
        switch format {
        case .table: print(report.text(), terminator: "")
        case .json: print(try sortedJSON(CheckJSON(report)), terminator: "")
        }
        if let junit {
            do {
                try Data(report.junit().utf8).write(to: URL(fileURLWithPath: junit))
            } catch {
                StandardError.write("error: cannot write '\(junit)': \(error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        if report.failed > 0 { throw ExitCode(1) }
    }
}

/// Parses `NAME=VALUE` overrides; a malformed one is a usage error.
func parseOverrides(_ texts: [String]) throws -> [ParameterOverride] {
    try texts.map { text in
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw ValidationError("--set takes NAME=VALUE, not '\(text)'")
        }
        return ParameterOverride(name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }
}
