import Fabric
import Policy
import Routing
import Testing
import Topology

@testable import MachineImport

/// The sysfs fixture's import, the text an overlay applies to.
private func importedText() throws -> String {
    try MachineImporter.importSysfs(root: FixtureFiles.path("sysfs-xeon-switch")).xml
}

private func load(_ text: String) throws -> EnumeratedMachine {
    try EnumeratedMachine(try TopologyLoader.load(text: text, file: "overlaid.xml"))
}

@Suite("overlays")
struct OverlayTests {
    static let overlay = """
        <overlay version="1">
          <!-- what if 19:00.0 did not redirect peer requests? -->
          <port address="0000:19:00.0" acsCtrl="SV UF"/>
          <iommu mode="passthrough"/>
          <rootComplex address="0000:00" hostBridge="8086:09a2"/>
          <endpoint id="gpu0" driver="nvidia" driverP2P="none"/>
          <endpoint address="0000:1c:00.0" gen="3" width="4"/>
        </overlay>
        """

    @Test("an overlay sets ACS, IOMMU mode, host bridge, drivers and links on named devices")
    func applies() throws {
        let before = try load(try importedText())
        #expect(KernelView(machine: before).decide(provider: "gpu0", client: "nvme0")?.mapType == .throughHostBridge)
        let text = try TopologyOverlay.apply(
            overlayText: Self.overlay, overlayFile: "what-if.xml", to: try importedText(), topologyFile: "imported.xml")
        let after = try load(text)
        let topology = after.topology
        let port = try #require(topology.nodeIndex(of: "p0000_19_00.0").map { topology.nodes[$0] })
        #expect(port.acsControl == [.sourceValidation, .upstreamForwarding])
        #expect(topology.rootComplexes.allSatisfy { $0.iommu?.mode == .passthrough })
        #expect(topology.rootComplexes[0].hostBridge.description == "8086:09a2")
        let gpu = try #require(topology.nodeIndex(of: "gpu0").map { topology.nodes[$0] })
        #expect(gpu.endpoint?.driverP2P == DriverP2PPolicy.none)
        let nvme = try #require(topology.nodeIndex(of: "nvme0").map { topology.nodes[$0] })
        #expect(nvme.link == PCIeLinkSpec(generation: 3, width: 4))
        // Both ports below the switch now keep peer traffic in the switch.
        let decision = try #require(KernelView(machine: after).decide(provider: "gpu0", client: "nvme0"))
        #expect(decision.mapType == .busAddress)
        // The addresses are still the machine's.
        #expect(after.nodes[try #require(topology.nodeIndex(of: "gpu0"))].address.description == "0000:1a:00.0")
        // Comments and the import's header survive.
        #expect(text.contains("Imported by p2psim import sysfs"))
    }

    @Test("an overlay naming no device of the topology is an error at the overlay's line")
    func unknownDevice() throws {
        let overlay = "<overlay version=\"1\">\n  <endpoint id=\"gpu9\" driver=\"nvidia\"/>\n  <port address=\"0000:77:00.0\" acsCtrl=\"\"/>\n</overlay>\n"
        #expect {
            _ = try TopologyOverlay.apply(
                overlayText: overlay, overlayFile: "bad.xml", to: try importedText(), topologyFile: "imported.xml")
        } throws: { error in
            guard let error = error as? TopologyLoadError else { return false }
            return error.diagnostics.contains { $0.location.file == "bad.xml" && $0.location.line == 2 && $0.message.contains("gpu9") }
                && error.diagnostics.contains { $0.location.line == 3 && $0.message.contains("0000:77:00.0") }
        }
    }

    @Test("an overlay that breaks its schema is an error with file and line")
    func schema() throws {
        let overlay = "<overlay version=\"1\">\n  <port id=\"p0000_19_00.0\" acsCtrl=\"SV XX\"/>\n</overlay>\n"
        #expect {
            _ = try TopologyOverlay.apply(
                overlayText: overlay, overlayFile: "schema.xml", to: try importedText(), topologyFile: "imported.xml")
        } throws: { error in
            guard let error = error as? TopologyLoadError else { return false }
            return error.diagnostics.contains { $0.location.file == "schema.xml" && $0.location.line == 2 }
        }
    }
}

@Suite("overlay schema")
struct OverlaySchemaTests {
    @Test("every value type the overlay shares is copied from the topology schema")
    func sharedTypes() {
        for name in OverlaySchema.sharedTypeNames {
            #expect(OverlaySchema.xsd.contains("<xs:simpleType name=\"\(name)\">"), "\(name) is missing")
        }
    }
}
