import ArgumentParser
import Foundation
import P2PSim

/// `p2psim report [TOPOLOGY] -o report.html`: everything about a machine on one HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Write one self-contained HTML page: the topology drawn, P2P decisions, bandwidth heat maps, a size sweep.",
        discussion: """
            The page has no external resources (inline SVG and CSS, a few lines of script for \
            hover). It shows the topology, the P2P decision of every pair of GPUs, NICs and NVMe \
            drives with its reason, the bandwidth matrices of the GPUs (P2P and bounce, one way and \
            both ways), bandwidth against transfer size for one pair with the crossover, and the \
            model parameters with their origins.
            """
    )

    @Argument(help: "A topology file or bundled name (default: the built-in default topology).")
    var file: String?

    @Option(name: .shortAndLong, help: "The HTML file to write (default: standard output).")
    var output: String?

    @Option(help: "The pair of the size sweep, SRC,DST (default: the first two GPUs).")
    var pair: String?

    @Option(help: "Simulation fidelity: 'flow' (the default) or 'packet' (PCIe paths only).")
    var fidelity: Fidelity = .flow

    @OptionGroup var load: LoadOptions

    @OptionGroup var model: ModelOptions

    func validate() throws {
        if let pair {
            let parts = pair.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
                throw ValidationError("--pair takes two device ids separated by a comma, such as --pair gpu0,gpu1")
            }
            guard parts[0] != parts[1] else { throw ValidationError("--pair names '\(parts[0])' twice") }
        }
    }

    func run() throws {
        let machine = try load.machine(file, hint: "hint: the sweep's devices go in --pair SRC,DST")
        let planner = try model.planner(machine)
        let meter = terminalProgressMeter("report")
        defer { clearProgress(meter) }
        let page: HTMLReport
        do {
            let ends = pair.map { $0.split(separator: ",").map(String.init) }
            let survey = try MachineSurveyRun.run(
                planner: planner, pair: ends.map { ($0[0], $0[1]) }, fidelity: fidelity, meter: meter)
            page = HTMLReport(machine: machine, survey: survey, generator: "p2psim \(p2psimVersion)")
        } catch {
            StandardError.write("error: \(error)" + (pair == nil ? " (--pair SRC,DST)" : ""))
            throw ExitCode(2)
        }
        if let output {
            try writeOutput(page.html(), to: output)
        } else {
            print(page.html(), terminator: "")
        }
    }
}
