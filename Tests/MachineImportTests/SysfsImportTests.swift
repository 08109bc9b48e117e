import Fabric
import Foundation
import Policy
import Routing
import Testing
import Topology

@testable import MachineImport

/// The captured sysfs tree (Fixtures/make-sysfs-fixture.py): a Skylake-SP server with a
/// PEX88096 switch holding two A40s and an NVMe, a ConnectX-5 with SR-IOV, a GeForce RTX 4090.
private func importFixture(root: String = FixtureFiles.path("sysfs-xeon-switch")) throws -> (
    MachineImportResult, EnumeratedMachine
) {
    let result = try MachineImporter.importSysfs(root: root)
    let topology = try TopologyLoader.load(text: result.xml, file: "imported.xml")
    return (result, try EnumeratedMachine(topology))
}

private func address(_ machine: EnumeratedMachine, _ id: String) -> String? {
    machine.topology.nodeIndex(of: id).map { machine.nodes[$0].address.description }
}

private func node(_ machine: EnumeratedMachine, _ id: String) -> PCINode? {
    machine.topology.nodeIndex(of: id).map { machine.topology.nodes[$0] }
}

@Suite("import sysfs: a captured tree")
struct SysfsImportTests {
    @Test("every function keeps its domain:bus:device.function")
    func addresses() throws {
        let (_, machine) = try importFixture()
        #expect(address(machine, "gpu0") == "0000:1a:00.0")
        #expect(address(machine, "gpu1") == "0000:1b:00.0")
        #expect(address(machine, "nvme0") == "0000:1c:00.0")
        #expect(address(machine, "nic0") == "0000:3b:00.0")
        #expect(address(machine, "gpu2") == "0000:5e:00.0")
        #expect(address(machine, "sw0") == "0000:18:00.0")
        #expect(address(machine, "p0000_19_01.0") == "0000:19:01.0")
        #expect(machine.rootBuses == [0x00, 0x17, 0x3a, 0x5d])
    }

    @Test("ACS capability and control come from the config space, as the kernel left them")
    func acs() throws {
        let (_, machine) = try importFixture()
        let redirecting = try #require(node(machine, "p0000_19_00.0"))
        #expect(redirecting.acsControl == [.sourceValidation, .requestRedirect, .completionRedirect, .upstreamForwarding])
        #expect(redirecting.acsCapability.contains(.directTranslated))
        // pci=disable_acs_redir=0000:19:01.0;0000:19:02.0: the kernel cleared RR and CR there.
        #expect(node(machine, "p0000_19_01.0")?.acsControl == [.sourceValidation, .upstreamForwarding])
        #expect(node(machine, "p0000_19_02.0")?.acsControl == [.sourceValidation, .upstreamForwarding])
    }

    @Test("links: the maximum is written, a narrower trained width is kept, the current state is labelled")
    func links() throws {
        let (result, machine) = try importFixture()
        #expect(node(machine, "gpu2")?.link == PCIeLinkSpec(generation: 4, width: 16))
        #expect(node(machine, "gpu2")?.endpoint?.label?.contains("LnkSta 2.5 GT/s x16 of 16 GT/s x16") == true)
        #expect(node(machine, "nvme0")?.link == PCIeLinkSpec(generation: 4, width: 2))
        #expect(result.warnings.contains { $0.message.contains("0000:1c:00.0: link trained to x2 of x4") })
        #expect(node(machine, "nic0")?.endpoint?.maxReadRequest.bytes == 4096)
    }

    @Test("drivers, driverP2P, SR-IOV, host bridges and the IOMMU mode")
    func devices() throws {
        let (result, machine) = try importFixture()
        let topology = machine.topology
        #expect(node(machine, "gpu0")?.endpoint?.driver == "nvidia")
        #expect(node(machine, "gpu0")?.endpoint?.effectiveDriverP2P == .cuda)
        #expect(node(machine, "gpu2")?.endpoint?.driverP2P == .cudaGeForce)
        #expect(node(machine, "nvme0")?.endpoint?.driver == "nvme")
        #expect(node(machine, "nic0")?.endpoint?.driver == "mlx5_core")
        #expect(node(machine, "nic0")?.endpoint?.sriov?.totalVFs == 8)
        #expect(node(machine, "nic0")?.endpoint?.sriov?.numVFs == 2)
        #expect(topology.endpointIndices.count == 5)  // VFs and platform registers left out
        #expect(result.notes.contains { $0.contains("0000:00:05.0") && $0.contains("0000:17:05.0") })
        #expect(topology.rootComplexes.map(\.hostBridge.description) == ["8086:2020", "8086:2030", "8086:2030", "8086:2030"])
        #expect(topology.rootComplexes.allSatisfy { $0.iommu?.mode == .translated })
        #expect(topology.sockets.first?.vendor == .intel && topology.sockets.first?.family == 6)
        #expect(node(machine, "gpu0")?.endpoint?.bars.first { $0.exposesMemory }?.size.bytes == 64 << 30)
    }

    @Test("the kernel's P2P decision on the imported machine")
    func kernelDecision() throws {
        let (_, machine) = try importFixture()
        let view = KernelView(machine: machine)
        // 19:00.0 redirects: through the allowlisted host bridge (8086:2030 at 17:00.0).
        let redirected = try #require(view.decide(provider: "gpu0", client: "nvme0"))
        #expect(redirected.mapType == .throughHostBridge)
        #expect(redirected.disableACSRedirectParameter?.contains("0000:19:00.0") == true)
        // 19:01.0 and 19:02.0 had redirect disabled on the command line: bus addresses.
        let direct = try #require(view.decide(provider: "gpu1", client: "nvme0"))
        #expect(direct.mapType == .busAddress)
        #expect(direct.distance == 4)
        // Across root complexes of one Skylake-SP socket: allowlisted.
        #expect(view.decide(provider: "gpu2", client: "nic0")?.mapType == .throughHostBridge)
    }

    @Test("without root: extended config space unreadable, ACS assumed from the IOMMU and the command line")
    func unprivileged() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("p2psim-sysfs-\(getpid())").path
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: FixtureFiles.path("sysfs-xeon-switch"), toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let devices = copy + "/sys/bus/pci/devices"
        for entry in try FileManager.default.contentsOfDirectory(atPath: devices) {
            let file = devices + "/" + entry + "/config"
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            try data.prefix(64).write(to: URL(fileURLWithPath: file))  // what a non-root reader gets
        }
        let (result, machine) = try importFixture(root: copy)
        #expect(result.unreadable.contains { $0.contains("0000:19:00.0") && $0.contains("only 64 bytes") })
        #expect(result.xml.contains("Not readable (what was assumed instead"))
        // Addresses and links still come from the header and the sysfs attributes.
        #expect(address(machine, "gpu1") == "0000:1b:00.0")
        #expect(node(machine, "nvme0")?.link == PCIeLinkSpec(generation: 4, width: 2))
        // Assumed: the kernel enabled SV RR CR UF (IOMMU on), except where disable_acs_redir names the port.
        #expect(node(machine, "p0000_19_00.0")?.acsControl == [.sourceValidation, .requestRedirect, .completionRedirect, .upstreamForwarding])
        #expect(node(machine, "p0000_19_01.0")?.acsControl == [.sourceValidation, .upstreamForwarding])
        #expect(result.warnings.contains { $0.message.contains("ACS is not readable") })
    }

    @Test("the running machine's own /sys imports to a topology that validates, or says there is no PCI device")
    func ownMachine() throws {
        do {
            let result = try MachineImporter.importSysfs(root: "/")
            let topology = try TopologyLoader.load(text: result.xml, file: "own.xml")
            _ = try EnumeratedMachine(topology)
            #expect(!topology.rootComplexes.isEmpty)
        } catch let error as MachineImportError {
            #expect(error.description.contains("no PCI devices"))
        }
    }

    @Test("a root with no sysfs is an error naming the directory")
    func missingTree() {
        #expect(throws: MachineImportError.self) { try MachineImporter.importSysfs(root: "/nonexistent-p2psim-root") }
    }
}

@Suite("import sysfs: hostile trees")
struct SysfsHostileTests {
    @Test("absurd resource, link and class values are survived; the output loads")
    func hostileValues() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("p2psim-hostile-\(getpid())").path
        try? FileManager.default.removeItem(atPath: root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let device = root + "/sys/bus/pci/devices/0000:00:02.0"
        try FileManager.default.createDirectory(atPath: device, withIntermediateDirectories: true)
        let files = [
            "vendor": "0x10de\n", "device": "0x2330\n", "class": "0x030200\n",
            "resource":
                "0x0000000000000000 0xffffffffffffffff 0x0000000000140204\n0x10 0x20 0x200\n"
                + "0x100000 0x1fffff 0x0000000000140204\n0x300000 0x300fff 0x200\n",
            "max_link_speed": "32.0 GT/s PCIe\n", "max_link_width": "3\n", "current_link_speed": "Unknown\n",
            "current_link_width": "99\n", "numa_node": "-1\n", "config": "\u{0}\u{1}",
        ]
        for (name, content) in files {
            try content.write(toFile: device + "/" + name, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(
            atPath: root + "/sys/bus/pci/devices/not-an-address", withIntermediateDirectories: true)
        let result = try MachineImporter.importSysfs(root: root)
        let topology = try TopologyLoader.load(text: result.xml, file: "hostile.xml")
        _ = try EnumeratedMachine(topology)
        let gpu = try #require(topology.nodeIndex(of: "gpu0").map { topology.nodes[$0] })
        #expect(gpu.link?.width == 2)
        #expect(result.warnings.contains { $0.message.contains("x3 is not a PCIe width") })
        // BAR 2 is 64-bit, so BAR 3 overlaps it and is left out; BAR 1 (17 bytes) is no BAR size.
        #expect(gpu.endpoint?.bars.map(\.index) == [2])
        #expect(result.warnings.contains { $0.message.contains("BAR 3") })
        #expect(result.warnings.contains { $0.message.contains("BAR 1") })
    }
}
