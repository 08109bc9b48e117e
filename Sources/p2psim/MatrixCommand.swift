import ArgumentParser
import Foundation
import P2PSim

/// `p2psim matrix [TOPOLOGY]`: p2pBandwidthLatencyTest-style matrices.
struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Bandwidth and latency matrices over GPU-like devices, in the layout of p2pBandwidthLatencyTest.",
        discussion: """
            The table starts with the device list and peer-access lines p2pBandwidthLatencyTest \
            prints. --read measures P2P reads (the test's --p2p_read) instead of writes. For \
            nvbandwidth's named test cases, see `p2psim nvbandwidth`.
            """
    )

    @Argument(help: "A topology file or bundled name (default: the built-in default topology).")
    var file: String?

    @Option(help: "Comma-separated device ids, without spaces (default: every GPU and accelerator).")
    var devices: String?

    @Option(help: "Output format: table, json, csv or svg (the heat maps).")
    var format: MatrixFormat = .table

    @Option(help: "Compute only part K of N (1-based) of the source rows, for job arrays; join with `p2psim merge`.")
    var shard: Shard = Shard(index: 0, count: 1)

    @Option(help: "Simulation fidelity: 'flow' (the default for matrices) or 'packet' (PCIe paths only).")
    var fidelity: Fidelity = .flow

    @Flag(help: "P2P reads by the destination instead of writes by the source (p2pBandwidthLatencyTest --p2p_read).")
    var read = false

    @OptionGroup var load: LoadOptions

    @OptionGroup var model: ModelOptions

    enum MatrixFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv, svg
    }

    func validate() throws {
        if let devices,
            devices.split(separator: ",", omittingEmptySubsequences: false).contains(where: {
                $0.trimmingCharacters(in: .whitespaces).isEmpty
            })
        {
            throw ValidationError(
                "--devices takes ids separated by commas without spaces, such as --devices gpu0,gpu1 (got '\(devices)')"
            )
        }
    }

    func run() throws {
        let machine = try load.machine(file, hint: "hint: name devices with --devices gpu0,gpu1 (no spaces)")
        let ids = try Self.devices(devices, of: machine.topology)
        let planner = try model.planner(machine)
        let report: MatrixReport
        do {
            let meter = terminalProgressMeter("matrix")
            defer { clearProgress(meter) }
            report = try MatrixReport.make(
                planner: planner, devices: ids, shardIndex: shard.index, shardCount: shard.count,
                fidelity: fidelity, direction: read ? .pull : .push, meter: meter)
        } catch {
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .table:
            print(MatrixReport.preamble(machine: machine, devices: ids, connectivity: report.connectivity))
            print(report.text(), terminator: "")
        case .json: print(try report.json(), terminator: "")
        case .csv: print(report.csv(), terminator: "")
        case .svg: print(report.svg(), terminator: "")
        }
    }

    /// The ids of a `--devices` list, or every GPU and accelerator; none is a usage error.
    static func devices(_ list: String?, of topology: Topology) throws -> [String] {
        let ids = list.map(deviceList) ?? gpuLike(topology)
        guard !ids.isEmpty else {
            StandardError.write("error: '\(topology.name)' has no GPU or accelerator; name devices with --devices")
            throw ExitCode(2)
        }
        return ids
    }

    /// The ids of a `--devices` list.
    static func deviceList(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    /// Every GPU and accelerator, in file order.
    static func gpuLike(_ topology: Topology) -> [String] {
        topology.nodes.indices.filter {
            topology.nodes[$0].endpoint?.kind == .gpu || topology.nodes[$0].endpoint?.kind == .accelerator
        }.map { topology.nodes[$0].id }
    }
}
