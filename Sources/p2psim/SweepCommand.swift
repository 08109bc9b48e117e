import ArgumentParser
import Foundation
import P2PSim

/// A part of a job split over a batch scheduler's array (`--shard K/N`).
struct Shard: ExpressibleByArgument {
    /// Zero-based index of this part.
    var index: Int
    /// The number of parts.
    var count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else { return nil }
        index = k - 1
        count = n
    }

    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    static var defaultValueDescription: String { "1/1" }
}

/// `p2psim sweep [TOPOLOGY] --from A --to B`: both paths over transfer sizes.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Bandwidth of P2P and of the bounce from 4 KiB to 1 GiB, as a table, CSV, JSON or an SVG plot.",
        discussion: """
            --shard K/N computes every N-th size starting with the K-th, so that a sweep spreads \
            over a job array (Slurm --array); `p2psim merge` joins the parts' JSON into what one \
            run gives.
            """
    )

    @Argument(help: "A topology file or bundled name (default: the built-in default topology).")
    var file: String?

    @OptionGroup var pair: PairOptions

    @Option(help: "Output format: table, csv, json or svg.")
    var format: SweepFormat = .table

    @Option(help: "Compute only part K of N (1-based), for job arrays.")
    var shard: Shard = Shard(index: 0, count: 1)

    @Option(help: "Simulation fidelity: 'flow' (the default for sweeps) or 'packet' (PCIe paths only).")
    var fidelity: Fidelity = .flow

    @OptionGroup var load: LoadOptions

    @OptionGroup var model: ModelOptions

    enum SweepFormat: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json, svg
    }

    func run() throws {
        let (from, to) = try pair.ends(command: "sweep")
        let machine = try load.machine(file, hint: deviceOptionHint("sweep"))
        let planner = try model.planner(machine)
        let report: SweepReport
        let meter = terminalProgressMeter("sweep")
        defer { clearProgress(meter) }
        do {
            report = try SweepReport.make(
                planner: planner, from: from, to: to, shardIndex: shard.index,
                shardCount: shard.count, fidelity: fidelity, meter: meter)
        } catch {
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .table: print(report.text(), terminator: "")
        case .csv: print(report.csv(), terminator: "")
        case .json: print(try report.json(), terminator: "")
        case .svg: print(report.svg(), terminator: "")
        }
    }
}

/// `p2psim merge PART...`: join the JSON parts of a sharded sweep or matrix.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the JSON outputs of `sweep --shard` or `matrix --shard` parts into one result."
    )

    @Argument(help: "JSON files written by the parts.")
    var parts: [String]

    func run() throws {
        var sweeps: [SweepReport] = []
        var matrices: [MatrixReport] = []
        let decoder = JSONDecoder()
        for part in parts {
            guard let data = FileManager.default.contents(atPath: part) else {
                StandardError.write("\(part): error: cannot be read")
                throw ExitCode(2)
            }
            if let sweep = try? decoder.decode(SweepReport.self, from: data), sweep.kind == "sweep" {
                sweeps.append(sweep)
            } else if let matrix = try? decoder.decode(MatrixReport.self, from: data), matrix.kind == "matrix" {
                matrices.append(matrix)
            } else {
                StandardError.write("\(part): error: not the JSON of a sweep or matrix part")
                throw ExitCode(2)
            }
        }
        guard sweeps.isEmpty || matrices.isEmpty else {
            StandardError.write("error: cannot merge sweeps with matrices")
            throw ExitCode(2)
        }
        do {
            if !sweeps.isEmpty {
                print(try SweepReport.merge(sweeps).json(), terminator: "")
            } else {
                print(try MatrixReport.merge(matrices).json(), terminator: "")
            }
        } catch let error as TransferPlanningError {
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
    }
}
