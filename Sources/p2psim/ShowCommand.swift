import ArgumentParser
import P2PSim

/// `p2psim show [FILE]`: the PCIe tree and the device relationship matrix.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a topology's PCIe tree (as lspci -tv) and its device matrix (as nvidia-smi topo -m).",
        discussion: "Without a file, shows the built-in default topology."
    )

    @Argument(help: "A topology file (default: the built-in default topology).")
    var file: String?

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func run() throws {
        let machine = try enumerate(try loadTopology(file))
        let report = TopologyReport(machine: machine)
        switch format {
        case .table:
            print("\(machine.topology.name)\(machine.topology.description.map { ": \($0)" } ?? "")\n")
            print(report.treeText())
            report.printMatrixText()
        case .json:
            print(try report.json(), terminator: "")
        }
    }
}
