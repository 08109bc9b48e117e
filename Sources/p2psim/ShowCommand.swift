import ArgumentParser
import P2PSim

/// `p2psim show [FILE]`: the PCIe tree and the device relationship matrix, or the drawing.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract:
            "Print a topology's PCIe tree (as lspci -tv) and its device matrix (as nvidia-smi topo -m), or draw it.",
        discussion: """
            Without a file, shows the built-in default topology; a bundled topology can be named \
            (p2psim show hgx-h100). --format svg draws it (sockets, root complexes, switches, \
            endpoints, PCIe links with generation and width, NVLink, NVSwitch and XGMI); --format \
            dot writes a Graphviz graph (dot -Tsvg).
            """
    )

    @Argument(help: "A topology file or bundled name (default: the built-in default topology).")
    var file: String?

    @Option(help: "Output format: table, json, svg or dot.")
    var format: ShowFormat = .table

    @OptionGroup var load: LoadOptions

    enum ShowFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, svg, dot
    }

    func run() throws {
        let machine = try load.machine(file)
        let report = TopologyReport(machine: machine)
        switch format {
        case .table:
            print("\(machine.topology.name)\(machine.topology.description.map { ": \($0)" } ?? "")\n")
            print(report.treeText())
            report.printMatrixText()
        case .json:
            print(try report.json(), terminator: "")
        case .svg:
            print(SVGTopology(machine: machine).svg(standalone: true), terminator: "")
        case .dot:
            print(DOTTopology(machine: machine).dot(), terminator: "")
        }
    }
}
