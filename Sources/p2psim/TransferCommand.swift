import ArgumentParser
import Foundation
import P2PSim

/// `p2psim transfer [TOPOLOGY] --from A --to B --size N`: the life of a transfer.
struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Simulate one transfer, or several at once, and show how each travels and what limits it.",
        discussion: """
            --concurrent adds transfers that run at the same time (SRC:DST or SRC:DST:SIZE), so \
            shared links, switches, memories and NVLinks show their contention. A device id or a \
            socket id (cpu0, meaning its memory) may be either end.
            """
    )

    @Argument(help: "A topology file or bundled name (default: the built-in default topology).")
    var file: String?

    @OptionGroup var pair: PairOptions

    @Option(parsing: .unconditional, help: "Bytes to move, with a unit.", transform: parseSize)
    var size: ByteCount = .mib(256)

    @Flag(help: "Posted writes by the source (default) or non-posted reads by the destination.")
    var operation: DMAOperationFlag = .write

    @Option(help: "Path: auto, p2p, pcie or bounce.")
    var path: PathChoice = .auto

    @Option(help: "A transfer running at the same time: SRC:DST or SRC:DST:SIZE. Repeatable.")
    var concurrent: [String] = []

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Make the transfer (not the --concurrent ones) a stream of DMAs of this size, each paying its device's issue cost (<dma issueCost>) and its path's latency.",
            valueName: "size"), transform: parseSize)
    var dmaSize: ByteCount?

    @Option(help: "With --dma-size: how many DMAs may be in flight at once (the queue's depth).")
    var queueDepth: Int = 1

    @Option(help: "Simulation fidelity: 'flow' (the fluid model) or 'packet' (every TLP on every PCIe hop).")
    var fidelity: Fidelity = .flow

    @Option(help: "Output format: table, json or csv.")
    var format: TransferFormat = .table

    @Option(help: "Write a Chrome trace-event JSON file (Perfetto, chrome://tracing).")
    var trace: String?

    @Option(help: "Write per-resource statistics as JSON.")
    var stats: String?

    @OptionGroup var load: LoadOptions

    @OptionGroup var model: ModelOptions

    enum DMAOperationFlag: String, EnumerableFlag {
        case write, read
    }

    enum TransferFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    func run() throws {
        let (from, to) = try pair.ends(command: "transfer")
        var requests = [(from, to, size.bytes)]
        for spec in concurrent { requests.append(try Self.concurrentRequest(spec, defaultSize: size)) }
        let machine = try load.machine(file, hint: deviceOptionHint("transfer"))
        let planner = try model.planner(machine)
        let direction: DMADirection = operation == .read ? .pull : .push
        var scheduled: [ScheduledTransfer]
        switch Self.plan(requests, planner: planner, choice: path, direction: direction) {
        case .success(let transfers): scheduled = transfers
        case .failure(let error):
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
        guard (1...1 << 20).contains(queueDepth) else {
            StandardError.write("error: --queue-depth \(queueDepth) is out of range: expected 1 to 1048576")
            throw ExitCode(2)
        }
        if queueDepth != 1 && dmaSize == nil {
            StandardError.write("error: --queue-depth needs --dma-size (a transfer without it is one DMA)")
            throw ExitCode(2)
        }
        if let dmaSize {
            guard dmaSize.bytes > 0 else {
                StandardError.write("error: --dma-size must be at least 1 B")
                throw ExitCode(2)
            }
            guard scheduled[0].plan.mechanism != .bounce else {
                StandardError.write(
                    "error: --dma-size: \(scheduled[0].label) is staged through system memory, which moves in the driver's chunks (bounceChunkSize); DMA sizes apply to direct copies"
                )
                throw ExitCode(2)
            }
            scheduled[0].dmaSize = dmaSize.bytes
            scheduled[0].queueDepth = queueDepth
        }
        let report: TransferReport
        var traceDocument = ChromeTrace()
        var statistics: String?
        do { try OperationSchedule.checkSize(of: scheduled, parameters: planner.parameters) } catch {
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
        switch fidelity {
        case .flow:
            let run = FlowEngine(planner: planner).run(scheduled, recordingLoads: trace != nil)
            report = TransferReport(planner: planner, run: run, direction: direction)
            traceDocument.add(
                run: run, resources: planner.resources, process: 1, name: "\(machine.topology.name) (flow)")
            statistics = try RunStatistics(run: run).json()
        case .packet:
            let run: PacketEngine.Run
            do {
                run = try PacketEngine(planner: planner).run(scheduled)
            } catch {
                StandardError.write("error: \(error)")
                throw ExitCode(2)
            }
            report = TransferReport(planner: planner, packetRun: run, direction: direction)
            traceDocument.add(packetRun: run, process: 1, name: "\(machine.topology.name) (packet)")
            statistics = try PacketStatistics(run: run).json()
        }
        switch format {
        case .table: print(report.text(), terminator: "")
        case .json: print(try report.json(), terminator: "")
        case .csv: print(report.csv(), terminator: "")
        }
        if let trace { try writeOutput(try traceDocument.json(), to: trace) }
        if let stats, let statistics { try writeOutput(statistics, to: stats) }
    }
}

extension TransferCommand {
    /// Parses a `--concurrent` value, SRC:DST or SRC:DST:SIZE; anything else is a usage error
    /// that says what was expected (exit status 2).
    static func concurrentRequest(_ spec: String, defaultSize: ByteCount) throws -> (String, String, UInt64) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            var message =
                "error: --concurrent takes SRC:DST or SRC:DST:SIZE, such as gpu1:gpu0 or gpu1:gpu0:64MiB, not '\(spec)'"
            if parts.count == 1, spec.contains("-") || spec.contains(">") || spec.contains(",") {
                message += " (separate the devices with a colon)"
            }
            StandardError.write(message)
            throw ExitCode(2)
        }
        guard parts[0] != parts[1] else {
            StandardError.write("error: --concurrent \(spec): both ends are '\(parts[0])'")
            throw ExitCode(2)
        }
        let bytes: UInt64
        if parts.count == 3 {
            do {
                bytes = try ByteCount.parse(parts[2]).bytes
            } catch {
                StandardError.write("error: --concurrent \(spec): size: \(error)")
                throw ExitCode(2)
            }
        } else {
            bytes = defaultSize.bytes
        }
        return (parts[0], parts[1], bytes)
    }

    /// Plans every requested transfer, or says why one cannot be planned.
    static func plan(
        _ requests: [(String, String, UInt64)], planner: TransferPlanner, choice: PathChoice, direction: DMADirection
    ) -> Result<[ScheduledTransfer], TransferPlanningError> {
        var scheduled: [ScheduledTransfer] = []
        for (source, destination, bytes) in requests {
            let plan: TransferPlan
            do {
                plan = try planner.plan(
                    from: planner.end(named: source), to: planner.end(named: destination), choice: choice,
                    direction: direction)
            } catch {
                return .failure(error)
            }
            scheduled.append(ScheduledTransfer(label: "\(source)->\(destination)", plan: plan, bytes: bytes))
        }
        return .success(scheduled)
    }
}

extension Fidelity: ExpressibleByArgument {}

/// Writes `text` to `path`; a path that cannot be written is bad input (exit 2).
func writeOutput(_ text: String, to path: String) throws {
    do {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        StandardError.write("error: cannot write '\(path)': \(error.localizedDescription)")
        throw ExitCode(2)
    }
}

extension PathChoice: ExpressibleByArgument {}
