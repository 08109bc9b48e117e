import ArgumentParser
import P2PSim

extension NVBandwidthRun.TestCase: ExpressibleByArgument {}

/// `p2psim nvbandwidth [TOPOLOGY] [--testcase NAME...]`: nvbandwidth's copy-engine test cases.
struct NVBandwidthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nvbandwidth",
        abstract: "nvbandwidth's copy-engine test cases (host_to_device_memcpy_ce and friends), with SUM lines.",
        discussion: """
            Test cases: \(NVBandwidthRun.TestCase.allCases.map(\.rawValue).joined(separator: ", ")). \
            Host copies use each GPU's own socket; a bidirectional case reports the named \
            direction while the reverse copy runs. N/A where a pair has no peer access.
            """
    )

    @Argument(help: "A topology file or bundled name (default: the built-in default topology).")
    var file: String?

    @Option(name: [.customShort("t"), .long], help: "A test case to run (repeatable; default: all).")
    var testcase: [NVBandwidthRun.TestCase] = []

    @Option(help: "Comma-separated device ids, without spaces (default: every GPU and accelerator).")
    var devices: String?

    @Option(
        name: [.customShort("b"), .long], help: "Bytes per copy, with a unit (default: 512 MiB, as nvbandwidth).",
        transform: parseSize)
    var bufferSize: ByteCount = NVBandwidthRun.defaultBufferSize

    @Option(help: "Simulation fidelity: 'flow' (the default) or 'packet' (PCIe paths only).")
    var fidelity: Fidelity = .flow

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @OptionGroup var load: LoadOptions

    @OptionGroup var model: ModelOptions

    func run() throws {
        let machine = try load.machine(file, hint: "hint: choose test cases with --testcase NAME")
        let ids = try MatrixCommand.devices(devices, of: machine.topology)
        let planner = try model.planner(machine)
        let meter = terminalProgressMeter("nvbandwidth")
        defer { clearProgress(meter) }
        let run: NVBandwidthRun
        do {
            run = try NVBandwidthRun.run(
                planner: planner, devices: ids,
                testcases: testcase.isEmpty ? NVBandwidthRun.TestCase.allCases : testcase,
                bufferSize: bufferSize, fidelity: fidelity, meter: meter)
        } catch {
            StandardError.write("error: \(error)")
            throw ExitCode(2)
        }
        let report = NVBandwidthReport(
            run: run, topology: machine.topology.name, fidelity: fidelity, bufferSize: bufferSize)
        switch format {
        case .table: print(report.text(), terminator: "")
        case .json: print(try report.json(), terminator: "")
        }
    }
}
