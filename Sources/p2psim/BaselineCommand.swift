import ArgumentParser
import Foundation
import P2PSim

/// `p2psim baseline record|compare`: golden figures for every transfer of every scenario.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Record every metric of every scenario's transfers, or compare a new run with a record.",
        subcommands: [Record.self, Compare.self]
    )

    /// `p2psim baseline record DIR -o FILE`.
    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Run scenarios and write every transfer's time, bandwidth, latency and mechanism as JSON.",
            discussion: """
                The file also holds p2psim's version and FNV-1a 64 hashes of the model parameters \
                and topology files (they detect change, not tampering).
                """
        )

        @Argument(help: "Scenario files or directories of them.")
        var paths: [String]

        @Option(name: .shortAndLong, help: "The baseline file to write.")
        var output: String

        func run() throws {
            let results = try runScenarios(paths)
            let baseline = Baseline(results: results, version: p2psimVersion)
            do {
                try Data(try baseline.json().utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                StandardError.write("error: cannot write '\(output)': \(error.localizedDescription)")
                throw ExitCode(2)
            }
            let transfers = results.reduce(0) { $0 + $1.transfers.count }
            print("recorded \(results.count) scenario(s), \(transfers) transfer(s) in \(output)")
        }
    }

    /// `p2psim baseline compare DIR FILE [--tolerance 1%]`.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: "Run scenarios again and print what moved since the baseline.",
            discussion: """
                Prints 'scenario/transfer metric: old -> new (+x.x%)' for each change, and notes \
                when the version or a hash differs. Exit status 1 when anything moved beyond its \
                tolerance, 0 otherwise, 2 on bad input.
                """
        )

        @Argument(help: "Scenario files or directories of them (a directory first), then the baseline file.")
        var arguments: [String]

        @Option(help: "Tolerance for every metric, such as 1%.", transform: parsePercent)
        var tolerance: Double = 0

        @Option(help: "Tolerance for time and latency (default: --tolerance).", transform: parsePercent)
        var toleranceTime: Double?

        @Option(help: "Tolerance for bandwidth (default: --tolerance).", transform: parsePercent)
        var toleranceBandwidth: Double?

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard arguments.count >= 2 else {
                throw ValidationError("give the scenarios (files or a directory) and then the baseline file")
            }
        }

        func run() throws {
            guard let file = arguments.last else { throw ExitCode(2) }
            let old: Baseline
            do {
                guard let data = FileManager.default.contents(atPath: file) else {
                    StandardError.write("error: cannot read baseline '\(file)'")
                    throw ExitCode(2)
                }
                old = try Baseline.decode(json: data)
            } catch let error as ExitCode {
                throw error
            } catch {
                StandardError.write("error: '\(file)' is not a baseline: \(error)")
                throw ExitCode(2)
            }
            let results = try runScenarios(Array(arguments.dropLast()))
            let new = Baseline(results: results, version: p2psimVersion)
            let comparison = BaselineComparison(
                old: old, new: new,
                tolerances: BaselineTolerances(
                    time: toleranceTime ?? tolerance, bandwidth: toleranceBandwidth ?? tolerance))
            switch format {
            case .table:
                for note in comparison.notes { print("note: \(note)") }
                for change in comparison.changes { print(change) }
                if comparison.changes.isEmpty { print("nothing moved") }
            case .json:
                print(
                    try sortedJSON(
                        BaselineComparisonJSON(
                            notes: comparison.notes, changes: comparison.changes,
                            movedBeyondTolerance: comparison.movedBeyondTolerance)), terminator: "")
            }
            if comparison.movedBeyondTolerance { throw ExitCode(1) }
        }
    }
}

/// Loads and runs scenarios; a file that does not load exits with status 2.
private func runScenarios(_ paths: [String]) throws -> [ScenarioResult] {
    do {
        return try ScenarioSuite.load(paths).map { ScenarioRunner.run($0) }
    } catch {
        StandardError.write(error.description)
        throw ExitCode(2)
    }
}

/// Parses a percentage such as "1%" or "0.5%" into a fraction.
func parsePercent(_ text: String) throws -> Double {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard trimmed.hasSuffix("%"), let value = Double(trimmed.dropLast()), value >= 0, value.isFinite else {
        throw ValidationError("a tolerance is a percentage such as 1%, not '\(text)'")
    }
    return value / 100
}
