import ArgumentParser
import P2PSim

/// `p2psim matrix [TOPOLOGY]`: p2pBandwidthLatencyTest-style matrices.
struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Bandwidth and latency matrices over GPU-like devices, in the layout of p2pBandwidthLatencyTest."
    )

    @Argument(help: "A topology file (default: the built-in default topology).")
    var file: String?

    @Option(help: "Comma-separated device ids (default: every GPU and accelerator).")
    var devices: String?

    @Option(help: "Output format: table, json or csv.")
    var format: MatrixFormat = .table

    @Option(help: "Compute only part K of N (1-based) of the source rows, for job arrays; join with `p2psim merge`.")
    var shard: Shard = Shard(index: 0, count: 1)

    @Option(help: "Simulation fidelity: 'flow' (the default for matrices) or 'packet' (PCIe paths only).")
    var fidelity: Fidelity = .flow

    enum MatrixFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    func run() throws {
        let machine = try enumerate(try loadTopology(file))
        let topology = machine.topology
        let ids =
            devices?.split(separator: ",").map { String($0).trimmingSpaces }
            ?? topology.nodes.indices.filter {
                topology.nodes[$0].endpoint?.kind == .gpu || topology.nodes[$0].endpoint?.kind == .accelerator
            }.map { topology.nodes[$0].id }
        guard !ids.isEmpty else {
            StandardError.write("error: '\(topology.name)' has no GPU or accelerator; name devices with --devices")
            throw ExitCode(2)
        }
        do {
            let meter = terminalProgressMeter("matrix")
            defer { clearProgress(meter) }
            let report = try MatrixReport.make(
                planner: TransferPlanner(machine: machine), devices: ids, shardIndex: shard.index,
                shardCount: shard.count, fidelity: fidelity, meter: meter)
            switch format {
            case .table: print(report.text(), terminator: "")
            case .json: print(try report.json(), terminator: "")
            case .csv: print(report.csv(), terminator: "")
            }
        } catch let error as TransferPlanningError {
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
    }
}
