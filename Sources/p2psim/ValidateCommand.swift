import ArgumentParser
import P2PSim

/// `p2psim validate FILE...`: check topology files and report every problem.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check topology files against the schema and the semantic rules.",
        discussion: "Prints every problem as file:line:column. Exit status 0 when all files are valid, 2 otherwise."
    )

    @Argument(help: "Topology files (or bundled names) to check.")
    var files: [String]

    @Option(help: "Output format: table (problems on standard error) or json (everything on standard output).")
    var format: OutputFormat = .table

    @Flag(name: [.customShort("q"), .long], help: "Do not print warnings.")
    var quiet = false

    func run() throws {
        var entries: [ValidationJSON] = []
        for file in files {
            var entry = ValidationJSON(file: file, valid: false, diagnostics: [])
            defer { entries.append(entry) }
            if case .missing = BundledTopology.resolve(file) {
                let message = BundledTopology.missingMessage(file)
                entry.diagnostics = [
                    DiagnosticJSON(Diagnostic(.error, at: SourceLocation(file: file, line: 0), message))
                ]
                if format == .table { StandardError.write("error: " + message) }
                continue
            }
            do {
                let topology = try BundledTopology.load(file)
                entry.diagnostics = topology.warnings.map(DiagnosticJSON.init)
                if format == .table, !quiet {
                    for warning in topology.warnings { StandardError.write(warning.description) }
                }
                let machine = try EnumeratedMachine(topology)
                entry.valid = true
                entry.name = topology.name
                entry.sockets = topology.sockets.count
                entry.rootComplexes = topology.rootComplexes.count
                entry.switches = topology.switches.count
                entry.endpoints = topology.endpointIndices.count
                entry.vendorLinks = topology.vendorLinks.count
                entry.pciNodes = machine.nodes.count
                if format == .table {
                    print(
                        "\(file): valid: '\(topology.name)', \(topology.sockets.count) socket(s), \(topology.rootComplexes.count) root complex(es), \(topology.switches.count) switch(es), \(topology.endpointIndices.count) endpoint(s), \(topology.vendorLinks.count) vendor link(s), \(machine.nodes.count) PCI node(s)"
                    )
                }
            } catch let error as TopologyLoadError {
                entry.diagnostics = error.diagnostics.map(DiagnosticJSON.init)
                if format == .table { StandardError.write(error.description) }
            } catch let error as EnumerationError {
                entry.diagnostics.append(DiagnosticJSON(Diagnostic(.error, at: error.location, error.message)))
                if format == .table { StandardError.write(error.description) }
            }
        }
        if format == .json { print(try sortedJSON(entries), terminator: "") }
        if entries.contains(where: { !$0.valid }) { throw ExitCode(2) }
    }
}
