import ArgumentParser
import P2PSim

/// `p2psim list [TOPOLOGY]`: the devices, their addresses, drivers and memories.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a topology's devices: kind, PCI address, driver, memory and name.",
        discussion: "Without a file, lists the built-in default topology; with --bundled, the bundled topology names."
    )

    @Argument(help: "A topology file or bundled name (default: the built-in default topology).")
    var file: String?

    @Flag(help: "List the bundled topologies' names instead.")
    var bundled = false

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @OptionGroup var load: LoadOptions

    func run() throws {
        if bundled {
            switch format {
            case .table: print(BundledTopology.names.joined(separator: "\n"))
            case .json: print(try sortedJSON(BundledTopology.names), terminator: "")
            }
            return
        }
        let list = DeviceList(machine: try load.machine(file))
        switch format {
        case .table: print(list.text(), terminator: "")
        case .json: print(try list.json(), terminator: "")
        }
    }
}
