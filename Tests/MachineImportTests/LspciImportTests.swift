import Fabric
import Foundation
import Policy
import Reports
import Routing
import Testing
import Topology

@testable import MachineImport

/// Imports an lspci fixture and enumerates the result.
private func importLspci(_ name: String) throws -> (MachineImportResult, EnumeratedMachine) {
    let file = FixtureFiles.path("lspci/" + name)
    let result = try MachineImporter.importLspci(text: try FixtureFiles.text("lspci/" + name), file: file)
    let topology = try TopologyLoader.load(text: result.xml, file: "imported.xml")
    return (result, try EnumeratedMachine(topology))
}

/// The addresses of the header lines of an lspci file, with domain 0000 where lspci printed none.
private func sourceAddresses(_ name: String) throws -> Set<String> {
    Set(
        try FixtureFiles.text("lspci/" + name).split(separator: "\n").compactMap { line -> String? in
            guard let first = line.first, first.isHexDigit else { return nil }
            return BusAddress(String(line.prefix { $0 != " " }))?.description
        })
}

private func address(_ machine: EnumeratedMachine, _ id: String) -> String? {
    machine.topology.nodeIndex(of: id).map { machine.nodes[$0].address.description }
}

@Suite("import lspci: public outputs")
struct LspciImportTests {
    @Test(
        "every imported function keeps the address lspci printed",
        arguments: ["dell-poweredge-c4140-p100.lspci", "supermicro-as4124gs-tnr-rome.lspci"])
    func addressesMatchSource(name: String) throws {
        let (_, machine) = try importLspci(name)
        let source = try sourceAddresses(name)
        let imported = machine.topology.nodes.indices.map { machine.nodes[$0].address.description }
        #expect(!imported.isEmpty)
        for address in imported { #expect(source.contains(address), "\(address) is not in \(name)") }
    }

    @Test("Dell C4140: Skylake-SP root ports, ACS read, P100s with their drivers, P2P through the allowlisted host bridge")
    func dellC4140() throws {
        let (result, machine) = try importLspci("dell-poweredge-c4140-p100.lspci")
        #expect(address(machine, "gpu0") == "0000:18:00.0")
        #expect(address(machine, "gpu1") == "0000:3b:00.0")
        let port = try #require(machine.topology.nodeIndex(of: "p0000_17_00.0").map { machine.topology.nodes[$0] })
        #expect(port.acsCapability == [.sourceValidation, .translationBlocking, .requestRedirect, .completionRedirect, .upstreamForwarding])
        #expect(port.acsControl.isEmpty)
        let gpu = try #require(machine.topology.nodeIndex(of: "gpu0").map { machine.topology.nodes[$0] })
        #expect(gpu.endpoint?.driver == "nvidia")
        #expect(gpu.endpoint?.maxPayload.bytes == 256 && gpu.endpoint?.maxReadRequest.bytes == 512)
        #expect(gpu.link == PCIeLinkSpec(generation: 3, width: 16))
        #expect(gpu.endpoint?.memory?.capacity.bytes == 16 << 30)
        #expect(machine.topology.sockets.first?.vendor == .intel)
        #expect(result.notes.contains { $0.contains("0000:17:05.0") })
        let decision = try #require(KernelView(machine: machine).decide(provider: "gpu1", client: "gpu0"))
        #expect(decision.mapType == .throughHostBridge)
    }

    @Test("Supermicro EPYC Rome: AMD host, a multi-function GPU, an unknown GPU said to be unknown")
    func rome() throws {
        let (result, machine) = try importLspci("supermicro-as4124gs-tnr-rome.lspci")
        #expect(machine.topology.sockets.first?.vendor == .amd)
        #expect(machine.topology.sockets.first?.family == 0x17)
        #expect(machine.topology.rootComplexes.first?.hostBridge.description == "1022:1480")
        #expect(address(machine, "gpu0") == "0000:01:00.0")
        #expect(address(machine, "pci0000_01_00.1") == "0000:01:00.1")
        #expect(result.warnings.contains { $0.message.contains("10de:1eb0") && $0.message.contains("unknown GPU") })
        #expect(result.warnings.contains { $0.location.line == 96 })
    }

    @Test("ASUS ESC4000 G2 without root: capabilities denied are reported, links and ACS assumed")
    func nonRoot() throws {
        let (result, machine) = try importLspci("asus-esc4000-g2-nonroot.lspci")
        #expect(result.unreadable.contains { $0.contains("<access denied>") && $0.contains("23 function(s)") })
        #expect(result.warnings.contains { $0.message.contains("ACS is not readable") })
        #expect(address(machine, "nic0") == "0000:05:00.0")
        #expect(address(machine, "nic1") == "0000:06:00.0")
        #expect(machine.topology.rootComplexes.first?.hostBridge.description == "8086:3c00")
        // The BMC's VGA sits behind a PCI-to-PCI bridge: imported, renumbered, and said so.
        #expect(result.warnings.contains { $0.message.contains("0000:08:00.0") && $0.message.contains("new bus number") })
    }

    @Test("header lines without ids or an address are errors with file and line")
    func badInput() {
        let text = "00:00.0 Host bridge [0600]: Intel Corporation Device [8086:2020]\n\tNUMA node: 0\n\nnot a device line\n"
        #expect {
            _ = try MachineImporter.importLspci(text: text, file: "bad.lspci")
        } throws: { error in
            guard let error = error as? MachineImportError else { return false }
            return error.diagnostics.contains { $0.location.line == 4 && $0.location.file == "bad.lspci" }
        }
        let noIds = "00:00.0 Host bridge: Intel Corporation Sky Lake-E DMI3 Registers (rev 04)\n"
        #expect(throws: MachineImportError.self) { _ = try MachineImporter.importLspci(text: noIds, file: "plain.lspci") }
    }

    @Test("lspci -t trees give each bridge's bus range from the drawing's columns")
    func treeParser() {
        // From `lspci -t` of a 2x RTX 5090 workstation posted in github.com/noonghunna/club-3090 issue 858.
        let tree = """
            -[0000:00]-+-00.0
                       +-01.0
                       +-01.1-[01]--+-00.0
                       |            \\-00.1
                       +-02.1-[04-10]----00.0-[05-10]--+-00.0-[06]----00.0
                       |                               +-02.0-[07]----00.0
                       |                               \\-0d.0-[10]----00.0
                       +-08.3-[13]----00.0
            """
        var parser = LspciTreeParser()
        parser.parse(tree)
        let at = { (text: String) in BusAddress(text)! }
        #expect(parser.bridges[at("0000:00:01.1")]?.secondary == 1)
        #expect(parser.bridges[at("0000:00:02.1")]?.subordinate == 0x10)
        #expect(parser.bridges[at("0000:04:00.0")]?.secondary == 5)
        #expect(parser.bridges[at("0000:05:02.0")]?.secondary == 7)
        #expect(parser.bridges[at("0000:05:0d.0")]?.secondary == 0x10)
        #expect(parser.functions.contains(at("0000:10:00.0")))
        #expect(parser.functions.contains(at("0000:01:00.1")))
        #expect(parser.functions.contains(at("0000:13:00.0")))
    }
}

@Suite("import lspci: explain prints the source's addresses")
struct LspciExplainTests {
    @Test("explain gpu0 gpu1 on the imported C4140 names 0000:18:00.0, 0000:3b:00.0 and their root ports")
    func explainAddresses() throws {
        let (_, machine) = try importLspci("dell-poweredge-c4140-p100.lspci")
        let view = KernelView(machine: machine)
        let decision = try #require(view.decide(provider: "gpu1", client: "gpu0"))
        let text = P2PExplanationReport(view: view, decision: decision, clientID: "gpu0", providerID: "gpu1").text()
        for address in ["0000:18:00.0", "0000:3b:00.0", "0000:17:00.0", "0000:3a:00.0"] {
            #expect(text.contains(address), "explain output lacks \(address)")
        }
        let source = try sourceAddresses("dell-poweredge-c4140-p100.lspci")
        let printed = text.split(whereSeparator: { " ()\n,".contains($0) }).compactMap { BusAddress(String($0)) }
        #expect(!printed.isEmpty)
        for address in printed { #expect(source.contains(address.description), "\(address) is not in the lspci output") }
    }
}

@Suite("import lspci: --tree")
struct LspciTreeOptionTests {
    @Test("bridges printed without a Bus: line are placed from the lspci -t tree")
    func treeFillsBusRanges() throws {
        let text = try FixtureFiles.text("lspci/dell-poweredge-c4140-p100.lspci")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("Bus: primary=") }.joined(separator: "\n")
        let withoutTree = try MachineImporter.importLspci(text: text, file: "c4140.lspci")
        #expect(withoutTree.unreadable.contains { $0.contains("0000:17:00.0") && $0.contains("give --tree") })
        // A tree as `lspci -t` draws it for these functions (written for this test).
        let tree = "+-[0000:3a]---00.0-[3b]----00.0\n+-[0000:17]-+-00.0-[18]----00.0\n|           \\-05.0\n\\-[0000:00]---00.0\n"
        let result = try MachineImporter.importLspci(text: text, file: "c4140.lspci", tree: tree)
        let machine = try EnumeratedMachine(try TopologyLoader.load(text: result.xml, file: "c4140.xml"))
        #expect(address(machine, "gpu0") == "0000:18:00.0")
        #expect(address(machine, "gpu1") == "0000:3b:00.0")
    }
}

@Suite("import lspci: line endings")
struct LspciLineEndingTests {
    @Test("CR LF line endings import as LF ones do")
    func crlf() throws {
        let text = try FixtureFiles.text("lspci/dell-poweredge-c4140-p100.lspci")
        let lf = try MachineImporter.importLspci(text: text, file: "c4140.lspci")
        let crlf = try MachineImporter.importLspci(
            text: text.replacingOccurrences(of: "\n", with: "\r\n"), file: "c4140.lspci")
        #expect(lf.xml == crlf.xml)
        #expect(lf.xml.contains("driver=\"nvidia\""))
    }
}
