import ArgumentParser
import Foundation
import P2PSim

/// `p2psim explain [TOPOLOGY] A B`: the Linux P2P DMA decision between two devices, step by step.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain, step by step, whether Linux allows P2P DMA between two devices, and why.",
        discussion: """
            Reproduces drivers/pci/p2pdma.c: both upstream-bridge chains, the common bridge, ACS \
            redirect, the host-bridge allowlist or AMD Zen rule, the map type and distance, the \
            kernel's messages, BAR visibility, and what would change the outcome. A is the client \
            (the device whose DMA engine moves data); B is the provider (whose memory is exposed \
            through its BAR).
            """
    )

    @Argument(help: "A topology file and two device ids, or just two device ids for the built-in default topology.")
    var arguments: [String]

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(
        name: .customLong("client"),
        help: "A further client of the same provider (repeatable): adds pci_p2pdma_distance_many() over all clients.")
    var moreClients: [String] = []

    @OptionGroup var load: LoadOptions

    func validate() throws {
        guard arguments.count == 2 || arguments.count == 3 else {
            throw ValidationError("expected [TOPOLOGY] A B, got \(arguments.count) argument(s)")
        }
    }

    /// The topology and the two devices, or a usage error (exit status 2) that says what is
    /// where when a topology is given after the devices or in place of one.
    func split() throws -> (file: String?, client: String, provider: String) {
        let topologies = arguments.indices.filter { looksLikeTopology(arguments[$0]) }
        if arguments.count == 3, let misplaced = topologies.first, misplaced != 0, !looksLikeTopology(arguments[0]) {
            let devices = arguments.indices.filter { $0 != misplaced }.map { arguments[$0] }
            StandardError.write(
                "error: the topology goes first: p2psim explain \(arguments[misplaced]) \(devices.joined(separator: " "))"
            )
            throw ExitCode(2)
        }
        if arguments.count == 2, let topology = topologies.first {
            let other = arguments[1 - topology]
            StandardError.write(
                "error: explain needs two devices after the topology '\(arguments[topology])', got only '\(other)' (p2psim explain \(arguments[topology]) CLIENT PROVIDER)"
            )
            throw ExitCode(2)
        }
        return (
            arguments.count == 3 ? arguments[0] : nil, arguments[arguments.count - 2], arguments[arguments.count - 1]
        )
    }

    func run() throws {
        let (file, clientID, providerID) = try split()
        let machine = try load.machine(file, hint: "hint: p2psim explain [TOPOLOGY] CLIENT PROVIDER")
        let topology = machine.topology
        let view = KernelView(machine: machine)
        for id in [clientID, providerID] + moreClients where view.device(named: id) == nil {
            let known = topology.endpointIndices.map { topology.nodes[$0].id }.joined(separator: ", ")
            StandardError.write("error: no device '\(id)' in '\(topology.name)' (devices: \(known))")
            throw ExitCode(2)
        }
        guard let decision = view.decide(provider: providerID, client: clientID) else {
            StandardError.write("error: '\(providerID)' is not a PCI device, so it cannot provide P2P memory")
            throw ExitCode(2)
        }
        var explanation = P2PExplanationReport(
            view: view, decision: decision, clientID: clientID, providerID: providerID)
        if !moreClients.isEmpty, case .pci(let provider) = view.device(named: providerID) {
            let clients = ([clientID] + moreClients).compactMap { view.device(named: $0) }
            explanation.distanceMany = (
                [clientID] + moreClients, view.policy.distanceMany(provider: provider, clients: clients)
            )
        }
        switch format {
        case .table: print(explanation.text(), terminator: "")
        case .json: print(try explanation.json(), terminator: "")
        }
    }
}
