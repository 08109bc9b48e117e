import ArgumentParser
import Foundation
import P2PSim

/// `p2psim import`: convert other descriptions of a machine to the topology format.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a description of a real machine to a p2psim topology file.",
        subcommands: [ImportHwlocCommand.self]
    )
}

/// IOMMU modes as a command-line choice.
extension IOMMUSpec.Mode: ExpressibleByArgument {}

/// `p2psim import hwloc FILE -o TOPOLOGY.xml`: import an `lstopo --of xml` file.
struct ImportHwlocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hwloc",
        abstract: "Import an hwloc topology (lstopo --of xml) as a p2psim topology file.",
        discussion: """
            Every assumption the import makes (what hwloc does not record: switch latency, BAR \
            sizes, ACS, IOMMU, memory bandwidth...) is printed as a note on standard error and \
            written as a comment at the top of the output. The result is checked with the normal \
            loader. Exit status 2 for a bad hwloc file.
            """
    )

    @Argument(help: "The hwloc XML file.")
    var file: String

    @Option(name: .shortAndLong, help: "Where to write the topology (default: standard output).")
    var output: String?

    @Option(help: "IOMMU mode on every root complex: off, passthrough or translated (default: none written, off).")
    var iommu: IOMMUSpec.Mode?

    @Flag(help: "Enable ACS P2P Request/Completion Redirect on every switch downstream port.")
    var acsRedirect = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            StandardError.write("\(file): error: the file cannot be read")
            throw ExitCode(2)
        }
        let text = String(decoding: data, as: UTF8.self)
        let options = HwlocImportOptions(iommu: iommu, acsRedirect: acsRedirect)
        let result: HwlocImportResult
        do {
            result = try HwlocImporter.importTopology(text: text, file: file, options: options)
        } catch {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
        for warning in result.warnings { StandardError.write(warning.description) }
        for note in result.notes { StandardError.write("\(file): note: \(note)") }
        let topology: Topology
        do {
            topology = try TopologyLoader.load(text: result.xml, file: output ?? "<imported topology>")
            _ = try EnumeratedMachine(topology)
        } catch let error as TopologyLoadError {
            StandardError.write("the imported topology does not load (a bug in the importer):\n\(error.description)")
            throw ExitCode(2)
        } catch {
            StandardError.write("the imported topology does not enumerate: \(error)")
            throw ExitCode(2)
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(result.xml.utf8)) else {
                StandardError.write("\(output): error: cannot be written")
                throw ExitCode(2)
            }
            StandardError.write(
                "\(output): \(topology.sockets.count) socket(s), \(topology.rootComplexes.count) root complex(es), \(topology.switches.count) switch(es), \(topology.endpointIndices.count) endpoint(s), \(topology.vendorLinks.count) vendor link(s)"
            )
        } else {
            print(result.xml, terminator: "")
        }
    }
}
