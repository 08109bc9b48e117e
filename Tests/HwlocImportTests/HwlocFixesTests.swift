import Fabric
import Foundation
import Policy
import Routing
import Testing
import Topology
import Units

@testable import HwlocImport

/// A small hwloc 2.0 document with the values the hostile-input tests replace: one Intel package
/// with its NUMA nodes, a host bridge with a root port and two GPUs of `gpuIds` (the second on
/// a lower bus but with the higher CUDA index).
private func document(
    version: String? = "2.0", family: String = "6", numaMemory: [String] = ["68719476736"],
    firstBus: String = "0000:13:00.0", linkSpeed: String = "31.507692", gpuIds: (String, String) = ("10de:20b0", "10de:20b0"),
    distances: String = ""
) -> String {
    let numa = numaMemory.enumerated().map { index, bytes in
        "      <object type=\"NUMANode\" os_index=\"\(index)\" gp_index=\"\(3 + index)\" local_memory=\"\(bytes)\"/>"
    }.joined(separator: "\n")
    let versionAttribute = version.map { " version=\"\($0)\"" } ?? ""
    let package = version == nil ? "Socket" : "Package"
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <topology\(versionAttribute)>
          <object type="Machine" os_index="0" gp_index="1">
            <object type="\(package)" os_index="0" gp_index="2">
              <info name="CPUVendor" value="GenuineIntel"/>
              <info name="CPUFamilyNumber" value="\(family)"/>
        \(numa)
              <object type="Bridge" gp_index="10" bridge_type="0-1" depth="0" bridge_pci="0000:[10-1f]">
                <object type="Bridge" gp_index="11" bridge_type="1-1" depth="1" bridge_pci="0000:[11-1f]" pci_busid="0000:10:00.0" pci_type="0604 [8086:2030] [8086:0000] 04" pci_link_speed="31.507692">
                  <object type="Bridge" gp_index="12" bridge_type="1-1" depth="2" bridge_pci="0000:[12-1f]" pci_busid="0000:11:00.0" pci_type="0604 [1000:c010] [1000:c010] b0" pci_link_speed="31.507692">
                    <object type="Bridge" gp_index="13" bridge_type="1-1" depth="3" bridge_pci="0000:[13-13]" pci_busid="0000:12:00.0" pci_type="0604 [1000:c010] [1000:c010] b0" pci_link_speed="31.507692">
                      <object type="PCIDev" gp_index="23" pci_busid="\(firstBus)" pci_type="0302 [\(gpuIds.0)] [10de:134f] a1" pci_link_speed="\(linkSpeed)">
                        <object type="OSDev" gp_index="33" name="cuda1" osdev_type="1"/>
                      </object>
                    </object>
                    <object type="Bridge" gp_index="14" bridge_type="1-1" depth="3" bridge_pci="0000:[14-14]" pci_busid="0000:12:01.0" pci_type="0604 [1000:c010] [1000:c010] b0" pci_link_speed="31.507692">
                      <object type="PCIDev" gp_index="24" pci_busid="0000:14:00.0" pci_type="0302 [\(gpuIds.1)] [10de:134f] a1" pci_link_speed="31.507692">
                        <object type="OSDev" gp_index="34" name="cuda0" osdev_type="1"/>
                      </object>
                    </object>
                  </object>
                </object>
              </object>
            </object>
          </object>
        \(distances)
        </topology>
        """
}

/// The diagnostics of an import that must fail (the command exits with status 2 on them).
private func failure(_ text: String) -> [Diagnostic] {
    do {
        _ = try HwlocImporter.importTopology(text: text, file: "hostile.xml")
        return []
    } catch {
        return error.diagnostics
    }
}

@Suite("hwloc import: hostile values (issue 18)")
struct HwlocHostileValueTests {
    @Test("NUMA local_memory that sum past 2^64 are an error at the package's line, not a crash")
    func memoryOverflow() {
        let errors = failure(document(numaMemory: ["18446744073709551615", "18446744073709551615"]))
        #expect(errors.contains { $0.message.contains("2^64") && $0.location.line == 4 && $0.location.file == "hostile.xml" })
    }

    @Test("NVLinkBandwidth 18446744073709551615 is an error at the matrix's line, not a crash")
    func hugeNVLinkBandwidth() {
        let matrix = """
              <distances2hetero nbobjs="2" kind="25" name="NVLinkBandwidth">
                <indexes length="20">OSDev:33 OSDev:34 </indexes>
                <u64values length="60">0 18446744073709551615 18446744073709551615 0 </u64values>
              </distances2hetero>
            """
        let errors = failure(document(distances: matrix))
        #expect(errors.contains { $0.message.contains("not a plausible NVLink bandwidth") && $0.location.line == 26 })
    }

    @Test("pci_link_speed nan or -1 is a warning with the hwloc line; the import succeeds with a valid topology",
        arguments: ["nan", "-1", "inf"])
    func badLinkSpeed(speed: String) throws {
        let result = try HwlocImporter.importTopology(text: document(linkSpeed: speed), file: "hostile.xml")
        #expect(result.warnings.contains { $0.message.contains("\"\(speed)\"") && $0.location.line == 12 })
        let topology = try TopologyLoader.load(text: result.xml, file: "imported.xml")
        _ = try EnumeratedMachine(topology)
    }

    @Test("a negative bus id is an error at its line")
    func negativeBus() {
        let errors = failure(document(firstBus: "0000:-1:00.0"))
        #expect(errors.contains { $0.message.contains("is not a PCI address") && $0.location.line == 12 })
    }

    @Test("a negative CPU family is an error at its info line, never a family=\"0x-6\" attribute")
    func negativeFamily() {
        let errors = failure(document(family: "-6"))
        #expect(errors.contains { $0.message.contains("CPUFamilyNumber") && $0.location.line == 6 })
    }
}

@Suite("hwloc import: fixes")
struct HwlocFixTests {
    @Test("hwloc 1.x files are said to carry no NVLink information")
    func version1() throws {
        let result = try HwlocImporter.importTopology(text: document(version: nil), file: "old.xml")
        #expect(result.warnings.contains { $0.message.contains("no NVLink information") })
        let current = try HwlocImporter.importTopology(text: document(), file: "new.xml")
        #expect(!current.warnings.contains { $0.message.contains("no NVLink information") })
    }

    @Test("GPU order: PCI bus order by default, the cudaN index with the vendor order")
    func gpuOrder() throws {
        let text = document()
        let byBus = try TopologyLoader.load(
            text: try HwlocImporter.importTopology(text: text, file: "a.xml").xml, file: "a.xml")
        let machine = try EnumeratedMachine(byBus)
        #expect(machine.nodes[try #require(byBus.nodeIndex(of: "gpu0"))].address.description == "0000:13:00.0")
        let vendor = try TopologyLoader.load(
            text: try HwlocImporter.importTopology(
                text: text, file: "a.xml", options: HwlocImportOptions(gpuOrder: .vendor)
            ).xml, file: "a.xml")
        let vendorMachine = try EnumeratedMachine(vendor)
        #expect(vendorMachine.nodes[try #require(vendor.nodeIndex(of: "gpu0"))].address.description == "0000:14:00.0")
    }

    /// A machine with an L40S (gpu0, known) and an unknown NVIDIA GPU (gpu1), imported and loaded.
    static func importL40SAndUnknown() throws -> (result: HwlocImportResult, topology: Topology) {
        let result = try HwlocImporter.importTopology(
            text: document(gpuIds: ("10de:26b9", "10de:1eb0")), file: "families.xml")
        return (result, try TopologyLoader.load(text: result.xml, file: "families.xml"))
    }

    @Test("GPU families added to the table get memory and BARs; unknown GPUs are said to be unknown")
    func gpuFamilies() throws {
        let (result, topology) = try Self.importL40SAndUnknown()
        let l40s = try #require(topology.nodeIndex(of: "gpu0").flatMap { topology.nodes[$0].endpoint })
        #expect(l40s.memory?.capacity.bytes == 48 << 30)
        #expect(l40s.bars.first { $0.exposesMemory }?.size.bytes == 64 << 30)
        let unknown = try #require(topology.nodeIndex(of: "gpu1").flatMap { topology.nodes[$0].endpoint })
        #expect(unknown.memory == nil)
        #expect(result.warnings.contains { $0.message.contains("10de:1eb0") && $0.message.contains("unknown GPU") })
        for (id, gib) in [("1002:66a1", 32), ("1002:740f", 64), ("10de:2235", 48), ("10de:2684", 24), ("10de:2b85", 32)] {
            #expect(DeviceKnowledge.device(id)?.memory?.gib == gib, "\(id)")
        }
    }

    @Test("known NVIDIA families get their copy engines; families without a figure get none")
    func copyEngines() throws {
        let (_, topology) = try Self.importL40SAndUnknown()
        let l40s = try #require(topology.nodeIndex(of: "gpu0").flatMap { topology.nodes[$0].endpoint })
        #expect(l40s.dma?.engines == 2)
        #expect(l40s.dma?.outstandingReads == 64)
        #expect(l40s.dma?.writePayload == ByteCount(128))
        #expect(topology.nodeIndex(of: "gpu1").flatMap { topology.nodes[$0].endpoint?.dma } == nil)
        // Volta and Ampere: the calibration's outstanding reads and 128-byte writes; Hopper: tags
        // only, writes filling the MPS; Blackwell: none.
        #expect(
            DeviceKnowledge.copyEngines("10de:1db8")?.element
                == "<dma engines=\"6\" rate=\"150 GB/s\" outstandingReads=\"48\" writePayload=\"128 B\"/>")
        #expect(
            DeviceKnowledge.copyEngines("10de:20b2")?.element
                == "<dma engines=\"3\" rate=\"300 GB/s\" outstandingReads=\"48\" writePayload=\"128 B\"/>")
        #expect(DeviceKnowledge.copyEngines("10de:2330")?.element == "<dma engines=\"3\" rate=\"400 GB/s\"/>")
        #expect(DeviceKnowledge.copyEngines("10de:2901") == nil)
    }

    @Test("drivers come from the OS devices hwloc names")
    func drivers() throws {
        let topology = try TopologyLoader.load(
            text: try HwlocImporter.importTopology(text: document(), file: "d.xml").xml, file: "d.xml")
        #expect(topology.nodeIndex(of: "gpu0").flatMap { topology.nodes[$0].endpoint?.driver } == "nvidia")
        #expect(HwlocConverter.driver(osDevices: ["rsmi0", "card1"], pciId: "1002:740f") == "amdgpu")
        #expect(HwlocConverter.driver(osDevices: ["mlx5_0", "ib0"], pciId: "15b3:101b") == "mlx5_core")
        #expect(HwlocConverter.driver(osDevices: ["nvme0n1"], pciId: "144d:a80a") == "nvme")
        #expect(HwlocConverter.driver(osDevices: ["cuda0"], pciId: "1002:740f") == nil)
        #expect(HwlocConverter.driver(osDevices: ["eth0"], pciId: "8086:1521") == nil)
    }

    @Test("GeForce parts get driverP2P cuda-geforce")
    func geforce() throws {
        let result = try HwlocImporter.importTopology(
            text: document(gpuIds: ("10de:2684", "10de:20b0")), file: "geforce.xml")
        let topology = try TopologyLoader.load(text: result.xml, file: "geforce.xml")
        #expect(topology.nodeIndex(of: "gpu0").flatMap { topology.nodes[$0].endpoint?.driverP2P } == .cudaGeForce)
        #expect(topology.nodeIndex(of: "gpu1").flatMap { topology.nodes[$0].endpoint?.driverP2P } == nil)
    }
}

private func importShared(_ name: String) throws -> (HwlocImportResult, EnumeratedMachine) {
    let path = (sharedHwlocFolder ?? "") + "/" + name
    let result = try HwlocImporter.importTopology(text: try String(contentsOfFile: path, encoding: .utf8), file: path)
    return (result, try EnumeratedMachine(try TopologyLoader.load(text: result.xml, file: name)))
}

private func address(_ machine: EnumeratedMachine, _ id: String) -> String? {
    machine.topology.nodeIndex(of: id).map { machine.nodes[$0].address.description }
}

@Suite("hwloc import: real machines keep their addresses", .enabled(if: sharedHwlocFolder != nil))
struct HwlocRealAddressTests {
    @Test("the DGX-2 file after NVLinkBandwidth transitive closure: NV6 between every pair, not NV12")
    func dgx2Closure() throws {
        let (result, machine) = try importShared("hwloc-annotate-dgx2-nvlink-closure.xml")
        let topology = machine.topology
        let gpus = (0..<16).compactMap { topology.nodeIndex(of: "gpu\($0)") }
        #expect(gpus.count == 16)
        for a in gpus {
            for b in gpus where a != b { #expect(topology.relation(between: a, and: b) == .nvlink(6)) }
        }
        #expect(result.notes.contains { $0.contains("120 GPU-to-GPU entries are not imported") })
    }

    @Test("a CR LF hwloc file reads its distance matrices as an LF one does")
    func crlf() throws {
        let path = (sharedHwlocFolder ?? "") + "/nvidiaDGX2-v3.xml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lf = try HwlocImporter.importTopology(text: text, file: "dgx2.xml")
        let crlf = try HwlocImporter.importTopology(
            text: text.replacingOccurrences(of: "\n", with: "\r\n"), file: "dgx2.xml")
        #expect(lf.xml == crlf.xml)
        #expect(lf.xml.components(separatedBy: "<nvlink ").count - 1 == 96)
    }

    @Test("DGX-2: gpu12 keeps 0000:e0:00.0 (it was renumbered dc:00.0)")
    func dgx2Addresses() throws {
        let (_, machine) = try importShared("nvidiaDGX2-v3.xml")
        #expect(address(machine, "gpu12") == "0000:e0:00.0")
        #expect(address(machine, "gpu0") == "0000:34:00.0")
    }

    @Test("ipa20 (XE8640, Sapphire Rapids): gpu0 keeps 0000:4e:00.0, QAT and DLB are accelerators, the allowlist applies")
    func ipa20() throws {
        let (_, machine) = try importShared("flux-ipa20-xe8640-4xh100.xml")
        let topology = machine.topology
        #expect(address(machine, "gpu0") == "0000:4e:00.0")
        #expect(topology.endpoints(ofKind: .gpu).count == 4)
        #expect(topology.endpoints(ofKind: .accelerator).count == 4)
        let gpu0 = try #require(topology.nodeIndex(of: "gpu0"))
        #expect(topology.rootComplexes[topology.nodes[gpu0].rootComplex].hostBridge.description == "8086:09a2")
        let decision = try #require(KernelView(machine: machine).decide(provider: "gpu1", client: "gpu0"))
        #expect(decision.mapType == .throughHostBridge)
        guard case .allowedByAllowlist = decision.hostBridgePath else {
            Issue.record("the host bridge check is \(decision.hostBridgePath), not the allowlist")
            return
        }
    }
}
