import ArgumentParser
import DynamicBuffers
import Foundation

/// `p2psim timeline FILE [--trace FILE] [--stats] [--set NAME=VALUE]`: run one timeline
/// scenario (dma-buf, P2PDMA, RDMA ODP, HMM, pipelines) and print what happened when.
struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Run a timeline scenario (dynamic buffers) and print its timeline.",
        discussion: """
            Prints every record (attach, pin, move-notify, fence-wait, migration, remap, fault, \
            path-change, eviction, provider choice...) with its simulated time, each DMA's path \
            segments and bandwidth, each pipeline with P2P against the CPU in the loop, the \
            run's invariants, then the file's expectations. docs/dynamic-buffers.md describes \
            the format. Exit status 0 when the invariants hold and every expectation passes, 1 \
            otherwise, 2 when the file does not load.
            """
    )

    @Argument(help: "A timeline scenario file (root element <timeline>).")
    var file: String

    @Option(help: "Also write a Chrome trace (Perfetto, chrome://tracing) to this file.")
    var trace: String?

    @Flag(help: "Also print statistics: records by kind, their time and bytes, DMA bytes by path.")
    var stats = false

    @Option(help: "Output format: table or json (records, DMAs, pipelines, expectations).")
    var format: OutputFormat = .table

    @Option(
        name: .customLong("set"),
        help: "Override a model parameter after the file's own (NAME=VALUE; repeatable).")
    var overrides: [String] = []

    func run() throws {
        var scenario: TimelineScenario
        do { scenario = try TimelineLoader.load(contentsOf: file) } catch {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
        for override in try parseOverrides(overrides) {
            do { try scenario.parameters.set(override.name, to: override.value) } catch {
                StandardError.write("error: --set \(override.name)=\(override.value): \(error.description)")
                throw ExitCode(2)
            }
        }
        let run = BufferTimeline.run(scenario)
        let report = TimelineReport(run: run)
        let rows = TimelineChecker.check(scenario, run)
        if format == .json {
            print(try report.json(rows: rows), terminator: "")
        } else {
            print(report.text(), terminator: "")
            if stats { print("\n" + report.statistics(), terminator: "") }
            print("\nexpectations:")
            for row in rows {
                print("  \(row.passed ? "pass" : "FAIL")  \(row.label): expected \(row.expected), got \(row.got)")
                if !row.passed { print("        \(row.location) [source: \(row.source)]") }
            }
        }
        if let trace {
            do { try Data(try report.chromeTrace().utf8).write(to: URL(fileURLWithPath: trace)) } catch {
                StandardError.write("error: cannot write '\(trace)': \(error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        if rows.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}
