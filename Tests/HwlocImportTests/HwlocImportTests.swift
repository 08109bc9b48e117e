import Fabric
import Foundation
import Testing
import Topology
import Units

@testable import HwlocImport

/// A small hwloc document: one Intel package, a host bridge, a root port with a switch holding
/// two GPUs (written in reverse bus order), an NVSwitch and a NIC; `osdev` gives the OS device
/// types for the version.
private func fixture(version: String, gpuType: String, nicType: String, distances: String = "") -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <!DOCTYPE topology SYSTEM "hwloc2.dtd">
    <topology version="\(version)">
      <object type="Machine" os_index="0" gp_index="1">
        <object type="Package" os_index="0" gp_index="2">
          <info name="CPUVendor" value="GenuineIntel"/>
          <info name="CPUFamilyNumber" value="6"/>
          <info name="CPUModelNumber" value="85"/>
          <object type="NUMANode" os_index="0" gp_index="3" local_memory="68719476736"/>
          <object type="Bridge" gp_index="10" bridge_type="0-1" depth="0" bridge_pci="0000:[10-1f]">
            <object type="Bridge" gp_index="11" bridge_type="1-1" depth="1" bridge_pci="0000:[11-1f]" pci_busid="0000:10:00.0" pci_type="0604 [8086:2030] [8086:0000] 04" pci_link_speed="31.507692">
              <object type="Bridge" gp_index="12" bridge_type="1-1" depth="2" bridge_pci="0000:[12-1f]" pci_busid="0000:11:00.0" pci_type="0604 [1000:c010] [1000:c010] b0" pci_link_speed="31.507692">
                <object type="Bridge" gp_index="14" bridge_type="1-1" depth="3" bridge_pci="0000:[14-14]" pci_busid="0000:12:01.0" pci_type="0604 [1000:c010] [1000:c010] b0" pci_link_speed="31.507692">
                  <object type="PCIDev" gp_index="24" pci_busid="0000:14:00.0" pci_type="0302 [10de:20b0] [10de:134f] a1" pci_link_speed="31.507692">
                    <object type="OSDev" gp_index="34" name="nvml1" osdev_type="\(gpuType)"/>
                  </object>
                </object>
                <object type="Bridge" gp_index="13" bridge_type="1-1" depth="3" bridge_pci="0000:[13-13]" pci_busid="0000:12:00.0" pci_type="0604 [1000:c010] [1000:c010] b0" pci_link_speed="31.507692">
                  <object type="PCIDev" gp_index="23" pci_busid="0000:13:00.0" pci_type="0302 [10de:20b0] [10de:134f] a1" pci_link_speed="31.507692">
                    <object type="OSDev" gp_index="33" name="nvml0" osdev_type="\(gpuType)"/>
                  </object>
                </object>
                <object type="Bridge" gp_index="15" bridge_type="1-1" depth="3" bridge_pci="0000:[15-15]" pci_busid="0000:12:02.0" pci_type="0604 [1000:c010] [1000:c010] b0" pci_link_speed="7.876923">
                  <object type="PCIDev" gp_index="25" subtype="NVSwitch" pci_busid="0000:15:00.0" pci_type="0680 [10de:1af1] [0000:0000] a1" pci_link_speed="7.876923"/>
                </object>
                <object type="Bridge" gp_index="16" bridge_type="1-1" depth="3" bridge_pci="0000:[16-16]" pci_busid="0000:12:03.0" pci_type="0604 [1000:c010] [1000:c010] b0" pci_link_speed="31.507692">
                  <object type="PCIDev" gp_index="26" pci_busid="0000:16:00.0" pci_type="0207 [15b3:101b] [15b3:0007] 00" pci_link_speed="31.507692">
                    <object type="OSDev" gp_index="36" name="mlx5_0" osdev_type="\(nicType)"/>
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

/// NVLinkBandwidth in the heterogeneous form: nvml0, nvml1, the NVSwitch; 12 links each.
private let heteroMatrix = """
      <distances2hetero nbobjs="3" kind="25" name="NVLinkBandwidth">
        <indexes length="30">OSDev:33 OSDev:34 PCIDev:25 </indexes>
        <u64values length="30">0 0 300000 0 0 300000 300000 300000 0 </u64values>
      </distances2hetero>
    """

private func load(_ text: String, options: HwlocImportOptions = HwlocImportOptions()) throws -> Topology {
    let result = try HwlocImporter.importTopology(text: text, file: "fixture.xml", options: options)
    return try TopologyLoader.load(text: result.xml, file: "imported.xml")
}

@Suite("hwloc import: fixtures")
struct HwlocFixtureTests {
    @Test(
        "hwloc 2.x enum and 3.0 bitmask osdev_type give the same machine",
        arguments: [
            ("2.0", "1", "3"), ("3.0", "12", "48"),
        ])
    func osdevForms(version: String, gpu: String, nic: String) throws {
        let topology = try load(fixture(version: version, gpuType: gpu, nicType: nic))
        #expect(topology.endpoints(ofKind: .gpu).count == 2)
        #expect(topology.endpoints(ofKind: .nic).count == 1)
        #expect(topology.endpoints(ofKind: .nvswitch).count == 1)
        #expect(topology.sockets.first?.vendor == .intel)
        #expect(topology.sockets.first?.family == 6)
    }

    @Test("osdev_type decoding: 2.x enum, 3.0 bitmask")
    func osdevDecoding() {
        #expect(OSDeviceClass(osdevType: 1, bitmask: false) == .gpu)
        #expect(OSDeviceClass(osdevType: 5, bitmask: false) == .coprocessor)
        #expect(OSDeviceClass(osdevType: 3, bitmask: false) == .openFabrics)
        #expect(OSDeviceClass(osdevType: 12, bitmask: true) == [.gpu, .coprocessor])
        #expect(OSDeviceClass(osdevType: 1, bitmask: true) == .storage)
        #expect(OSDeviceClass.fromName("mlx5_0") == .openFabrics)
        #expect(OSDeviceClass.fromName("cuda0") == .gpu)
    }

    @Test("GPUs are named in PCI bus order and keep hwloc's names as labels")
    func naming() throws {
        let topology = try load(fixture(version: "2.0", gpuType: "1", nicType: "3"))
        let gpu0 = try #require(topology.nodeIndex(of: "gpu0"))
        let label = topology.nodes[gpu0].endpoint?.label ?? ""
        #expect(label.contains("nvml0") && label.contains("0000:13:00.0"))
        #expect(topology.nodeIndex(of: "nic0") != nil)
        #expect(topology.nodeIndex(of: "nvswitch0") != nil)
        #expect(topology.rootComplexes.first?.bus == 0x10)
        #expect(topology.switches.count == 1)
        #expect(topology.switches.first?.latency == Picoseconds.ns(105))
    }

    @Test("link speeds: exact matches, ambiguous speeds resolved by the device's generation")
    func linkSpeeds() {
        #expect(DeviceKnowledge.linkCandidates(speed: 15.753846).contains(PCIeLinkSpec(generation: 3, width: 16)))
        #expect(DeviceKnowledge.linkCandidates(speed: 31.507692).contains(PCIeLinkSpec(generation: 4, width: 16)))
        #expect(DeviceKnowledge.linkCandidates(speed: 63.015385).contains(PCIeLinkSpec(generation: 5, width: 16)))
        let ambiguous = DeviceKnowledge.linkCandidates(speed: 7.876923)
        #expect(ambiguous.contains(PCIeLinkSpec(generation: 3, width: 8)))
        #expect(ambiguous.contains(PCIeLinkSpec(generation: 4, width: 4)))
        #expect(DeviceKnowledge.nearestLink(speed: 0.2) == PCIeLinkSpec(generation: 1, width: 1))
    }

    @Test("an A100 at 31.5 GB/s is Gen4 x16 and gets its BAR1")
    func endpointDefaults() throws {
        let topology = try load(fixture(version: "2.0", gpuType: "1", nicType: "3"))
        let gpu = try #require(topology.nodeIndex(of: "gpu1"))
        #expect(topology.nodes[gpu].link == PCIeLinkSpec(generation: 4, width: 16))
        let bar1 = topology.nodes[gpu].endpoint?.bars.first { $0.exposesMemory }
        #expect(bar1?.size == ByteCount.gib(64))
    }

    @Test("distances2hetero NVLinkBandwidth: 300000 MB/s to an NVSwitch is 12 NVLink3 links, NV12")
    func heterogeneousMatrix() throws {
        let topology = try load(fixture(version: "2.0", gpuType: "1", nicType: "3", distances: heteroMatrix))
        let gpu0 = try #require(topology.nodeIndex(of: "gpu0"))
        let gpu1 = try #require(topology.nodeIndex(of: "gpu1"))
        #expect(topology.relation(between: gpu0, and: gpu1) == .nvlink(12))
        #expect(topology.pcieRelation(between: gpu0, and: gpu1) == .pix)
    }

    @Test("options: IOMMU mode and ACS redirect")
    func options() throws {
        let topology = try load(
            fixture(version: "3.0", gpuType: "12", nicType: "48"),
            options: HwlocImportOptions(iommu: .translated, acsRedirect: true))
        #expect(topology.rootComplexes.first?.iommu?.mode == .translated)
        let ports = topology.nodes.filter { $0.kind == .switchDownstreamPort }
        #expect(!ports.isEmpty && ports.allSatisfy { $0.acsControl.contains(.requestRedirect) })
    }

    @Test("the output is byte-identical across runs and lists its assumptions")
    func deterministic() throws {
        let text = fixture(version: "2.0", gpuType: "1", nicType: "3", distances: heteroMatrix)
        let first = try HwlocImporter.importTopology(text: text, file: "f.xml")
        let second = try HwlocImporter.importTopology(text: text, file: "f.xml")
        #expect(first.xml == second.xml)
        #expect(!first.notes.isEmpty)
        #expect(first.xml.contains("Assumptions"))
    }

    @Test("malformed files are diagnostics with file:line:column, not crashes")
    func errors() {
        let broken = fixture(version: "2.0", gpuType: "1", nicType: "3")
            .replacingOccurrences(of: "pci_busid=\"0000:16:00.0\"", with: "pci_busid=\"zz\"")
        do {
            _ = try HwlocImporter.importTopology(text: broken, file: "bad.xml")
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.first?.location.line == 27)
            #expect(error.errors.first?.location.column ?? 0 > 0)
        }
        #expect(throws: TopologyLoadError.self) {
            _ = try HwlocImporter.importTopology(text: "<topology version=\"2.0\"><object", file: "cut.xml")
        }
        #expect(throws: TopologyLoadError.self) {
            _ = try HwlocImporter.importTopology(text: "<topology><object/></topology>", file: "notype.xml")
        }
    }

    @Test("hwloc files are recognised; p2psim files are not")
    func detection() {
        #expect(HwlocImporter.isHwloc(text: fixture(version: "3.0", gpuType: "12", nicType: "48"), file: "a.xml"))
        #expect(!HwlocImporter.isHwloc(text: "<topology name=\"x\" version=\"1\"><socket/></topology>", file: "b.xml"))
    }
}

/// The shared data folder: $P2PSIM_SHARED_DATA, else a sibling `shared/data` of a folder above
/// this file.
let sharedHwlocFolder: String? = {
    if let path = ProcessInfo.processInfo.environment["P2PSIM_SHARED_DATA"] {
        let folder = path + "/hwloc"
        return FileManager.default.fileExists(atPath: folder) ? folder : nil
    }
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while url.path != "/" {
        let candidate = url.appendingPathComponent("shared/data/hwloc").path
        if FileManager.default.fileExists(atPath: candidate) { return candidate }
        url = url.deletingLastPathComponent()
    }
    return nil
}()

private func loadShared(_ name: String) throws -> Topology {
    let path = (sharedHwlocFolder ?? "") + "/" + name
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try HwlocImporter.load(text: text, file: path)
}

@Suite("hwloc import: real machines", .enabled(if: sharedHwlocFolder != nil))
struct HwlocSharedDataTests {
    @Test(
        "every file in shared/data/hwloc imports, loads and enumerates",
        arguments: [
            "24em64t-2n6c2t-pci.xml", "32em64t-2n8c2t-pci-wholeio.xml", "64intel64-3g2n+2n-irregulargroups+pci.xml",
            "96em64t-4n4d3ca2co-pci.xml", "nvidiaDGX2-v2.xml", "nvidiaDGX2-v3.xml", "power8gpudistances.xml",
        ])
    func importsAll(name: String) throws {
        let topology = try loadShared(name)
        _ = try EnumeratedMachine(topology)
        #expect(!topology.rootComplexes.isEmpty)
    }

    @Test("the hand-edited file warns about the device outside its bridge's bus range")
    func handEdited() throws {
        let topology = try loadShared("32em64t-2n8c2t-pci-wholeio.xml")
        #expect(topology.warnings.contains { $0.message.contains("not in the bus range") })
    }

    @Test(
        "DGX-2: 16 GPUs, 12 NVSwitches, the PLX tree, nvidia-smi topo -mp relations, NV6",
        arguments: [
            "nvidiaDGX2-v2.xml", "nvidiaDGX2-v3.xml",
        ])
    func dgx2(name: String) throws {
        let topology = try loadShared(name)
        let gpus = (0..<16).compactMap { topology.nodeIndex(of: "gpu\($0)") }
        #expect(gpus.count == 16)
        #expect(topology.endpoints(ofKind: .gpu).count == 16)
        #expect(topology.endpoints(ofKind: .nvswitch).count == 12)
        #expect(topology.rootComplexes.count == 4)
        #expect(topology.switches.count == 14)
        #expect(topology.nodes.contains { $0.pciIdentity == PCIIdentity("10b5:9781") })
        // nvidia-smi topo -mp on a DGX-2, from GPU0.
        #expect(topology.pcieRelation(between: gpus[0], and: gpus[1]) == .pix)
        #expect(topology.pcieRelation(between: gpus[0], and: gpus[2]) == .pxb)
        #expect(topology.pcieRelation(between: gpus[0], and: gpus[3]) == .pxb)
        for other in 4...7 { #expect(topology.pcieRelation(between: gpus[0], and: gpus[other]) == .node) }
        for other in 8...15 { #expect(topology.pcieRelation(between: gpus[0], and: gpus[other]) == .sys) }
        for a in 0..<16 {
            for b in 0..<16 where a != b {
                #expect(topology.relation(between: gpus[a], and: gpus[b]) == .nvlink(6))
            }
        }
    }

    @Test("POWER8: NVLink between the GPU pairs (2 NVLink1 links), links to the CPUs reported")
    func power8() throws {
        let path = (sharedHwlocFolder ?? "") + "/power8gpudistances.xml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let result = try HwlocImporter.importTopology(text: text, file: path)
        #expect(result.notes.contains { $0.contains("cpu0") && $0.contains("not modelled") })
        let topology = try TopologyLoader.load(text: result.xml, file: "p8.xml")
        let gpu0 = try #require(topology.nodeIndex(of: "gpu0"))
        let gpu1 = try #require(topology.nodeIndex(of: "gpu1"))
        #expect(topology.relation(between: gpu0, and: gpu1) == .nvlink(2))
        #expect(topology.sockets.first?.vendor == .ibm)
    }
}

@Suite("hwloc import: this machine")
struct HwlocLocalMachineTests {
    @Test(
        "lstopo-no-graphics output of the machine running the tests imports",
        .enabled(if: FileManager.default.fileExists(atPath: "/tmp/local.xml")))
    func localMachine() throws {
        let text = try String(contentsOfFile: "/tmp/local.xml", encoding: .utf8)
        let topology = try HwlocImporter.load(text: text, file: "/tmp/local.xml")
        _ = try EnumeratedMachine(topology)
    }
}
