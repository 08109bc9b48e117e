import ArgumentParser
import P2PSim

/// The `p2psim` command: emulate the data paths inside a machine.
@main
struct P2PSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p2psim",
        abstract: "Emulate peer-to-peer DMA and bounce paths between devices inside a machine.",
        discussion: """
            p2psim loads a machine's topology (PCIe root complexes, switches, endpoints, NVLink, \
            XGMI, socket links, IOMMU) and tells how a transfer between two devices travels, \
            whether Linux allows it peer-to-peer, and how fast it goes.
            """,
        version: p2psimVersion,
        subcommands: []
    )
}
