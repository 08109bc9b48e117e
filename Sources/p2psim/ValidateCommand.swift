import ArgumentParser
import P2PSim

/// `p2psim validate FILE...`: check topology files and report every problem.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check topology files against the schema and the semantic rules.",
        discussion: "Prints every problem as file:line:column. Exit status 0 when all files are valid, 2 otherwise."
    )

    @Argument(help: "Topology files to check.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            do {
                let topology = try BundledTopology.load(file)
                for warning in topology.warnings { StandardError.write(warning.description) }
                let machine = try EnumeratedMachine(topology)
                let endpoints = topology.endpointIndices.count
                print(
                    "\(file): valid: '\(topology.name)', \(topology.sockets.count) socket(s), \(topology.rootComplexes.count) root complex(es), \(topology.switches.count) switch(es), \(endpoints) endpoint(s), \(topology.vendorLinks.count) vendor link(s), \(machine.nodes.count) PCI node(s)"
                )
            } catch let error as TopologyLoadError {
                StandardError.write(error.description)
                failed = true
            } catch let error as EnumerationError {
                StandardError.write(error.description)
                failed = true
            }
        }
        if failed { throw ExitCode(2) }
    }
}
