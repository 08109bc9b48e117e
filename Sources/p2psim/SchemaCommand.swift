import ArgumentParser
import P2PSim

/// `p2psim schema`: print the XML Schema of the topology format.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the XML Schema (XSD) of the topology format, for editors and xmllint."
    )

    func run() throws {
        print(TopologySchema.xsd)
    }
}
