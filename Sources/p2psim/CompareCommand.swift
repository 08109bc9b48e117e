import ArgumentParser
import P2PSim

/// `p2psim compare [TOPOLOGY] [--from A --to B] [--size N]`: P2P via BAR against a bounce.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract:
            "Simulate a transfer peer-to-peer (via the peer's BAR) and bounced through system memory, side by side.",
        discussion: """
            Without arguments, runs the built-in default topology from gpu0 to gpu1 with 256 MiB. \
            The P2P side takes the path Linux permits (vendor link, PCIe below a switch, or through \
            the host bridge); the bounce copies device to host into a pinned staging buffer and host \
            to device, pipelined over chunks.
            """
    )

    @Argument(help: "A topology file or bundled name (default: the built-in default topology).")
    var file: String?

    @OptionGroup var pair: PairOptions

    @Option(parsing: .unconditional, help: "Bytes to move, with a unit (256 MiB, 1 GB...).", transform: parseSize)
    var size: ByteCount = .mib(256)

    @Flag(
        help: "The destination reads the source's BAR (non-posted reads) instead of the source writing (posted writes)."
    )
    var pull = false

    @Option(
        parsing: .unconditional,
        help: "Where the data lies in the provider's device memory; P2P reaches only what its BAR exposes.",
        transform: parseSize)
    var bufferOffset: ByteCount?

    @Option(help: "Socket whose memory holds the staging buffer (default: the source's).")
    var stagingSocket: String?

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(
        help:
            "Simulation fidelity: 'flow' (the fluid model) or 'packet' (every TLP on every PCIe hop; PCIe paths only).")
    var fidelity: Fidelity = .flow

    @Option(help: "Write a Chrome trace-event JSON file (Perfetto, chrome://tracing): one process per path.")
    var trace: String?

    @Option(help: "Write per-resource statistics of both runs as JSON.")
    var stats: String?

    @OptionGroup var load: LoadOptions

    @OptionGroup var model: ModelOptions

    func run() throws {
        let (from, to) = try pair.ends(command: "compare")
        let machine = try load.machine(file, hint: deviceOptionHint("compare"))
        let planner = try model.planner(machine)
        var staging: Int?
        if let stagingSocket {
            guard let index = machine.topology.sockets.firstIndex(where: { $0.id == stagingSocket }) else {
                StandardError.write("error: no socket '\(stagingSocket)'")
                throw ExitCode(2)
            }
            staging = index
        }
        let made: (report: ComparisonReport, runs: [(name: String, run: FlowRun)])
        do {
            made = try ComparisonReport.makeWithRuns(
                planner: planner, from: from, to: to, bytes: size.bytes, direction: pull ? .pull : .push,
                stagingSocket: staging, fidelity: fidelity, bufferOffset: bufferOffset?.bytes,
                resizableBAR: load.resizableBar)
        } catch {
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .table: print(made.report.text(), terminator: "")
        case .json: print(try made.report.json(), terminator: "")
        }
        if let trace {
            var document = ChromeTrace()
            for (index, entry) in made.runs.enumerated() {
                document.add(run: entry.run, resources: planner.resources, process: index + 1, name: entry.name)
            }
            try writeOutput(try document.json(), to: trace)
        }
        if let stats {
            let documents = try made.runs.map { try RunStatistics(run: $0.run).json() }
            try writeOutput("[\n" + documents.joined(separator: ",\n") + "]\n", to: stats)
        }
    }
}

/// Parses a size argument, with a message ArgumentParser shows as a usage error.
func parseSize(_ text: String) throws -> ByteCount {
    do {
        return try ByteCount.parse(text)
    } catch {
        throw ValidationError("size: \(error)")
    }
}
