import Fabric
import Testing
import Topology

@Suite("Routing memory requests by address")
struct AddressRoutingTests {
    func machine() throws -> EnumeratedMachine {
        try EnumeratedMachine(try TopologyLoader.load(text: EnumerationTests.text, file: "tree.xml"))
    }

    @Test func aWriteToAPeerBARGoesThroughTheThreeLevelTree() throws {
        let m = try machine()
        let gpu0 = m.topology.nodeIndex(of: "gpu0") ?? -1
        let gpu1 = m.topology.nodeIndex(of: "gpu1") ?? -1
        let nic0 = m.topology.nodeIndex(of: "nic0") ?? -1
        let target = m.nodes[gpu1].barRanges[0].base + 4_096
        let route = m.routeMemoryRequest(from: gpu0, address: target, isRead: false)
        #expect(route.outcome == .bar(node: gpu1, bar: 0))
        #expect(route.hops == ["gpu0", "leaf.0", "leaf", "leaf.1", "gpu1"])
        // From the NIC on the top switch, the request climbs to the top switch and goes down
        // two levels.
        let fromNIC = m.routeMemoryRequest(from: nic0, address: target, isRead: true)
        #expect(fromNIC.outcome == .bar(node: gpu1, bar: 0))
        #expect(fromNIC.hops == ["nic0", "top.1", "top", "top.0", "mid", "mid.0", "leaf", "leaf.1", "gpu1"])
    }

    @Test func anAddressNoWindowClaimsIsAnUnsupportedRequest() throws {
        let m = try machine()
        let gpu0 = m.topology.nodeIndex(of: "gpu0") ?? -1
        // In the 32-bit MMIO region, but beyond every BAR and window.
        let route = m.routeMemoryRequest(from: gpu0, address: 0xF000_0000, isRead: true)
        #expect(route.outcome == .unsupportedRequest)
        #expect(route.hops.last == "rc0")
    }

    @Test func systemMemoryAddressesGoToTheRootComplex() throws {
        let m = try machine()
        let gpu0 = m.topology.nodeIndex(of: "gpu0") ?? -1
        #expect(
            m.routeMemoryRequest(from: gpu0, address: 0x1000_0000, isRead: false).outcome
                == .systemMemory(rootComplex: 0))
        #expect(
            m.routeMemoryRequest(from: gpu0, address: 1 << 33, isRead: true).outcome == .systemMemory(rootComplex: 0))
    }

    @Test func aWritesOnlyRootComplexRefusesPeerReads() throws {
        let topology = try TopologyLoader.load(
            contentsOf: bundledTopologies.appendingPathComponent("intel-client.xml").path)
        let m = try EnumeratedMachine(topology)
        let gpu0 = topology.nodeIndex(of: "gpu0") ?? -1
        let gpu1 = topology.nodeIndex(of: "gpu1") ?? -1
        let target = m.nodes[gpu1].barRanges.last?.base ?? 0
        #expect(
            m.routeMemoryRequest(from: gpu0, address: target, isRead: false).outcome
                == .bar(node: gpu1, bar: m.nodes[gpu1].barRanges.count - 1))
        #expect(
            m.routeMemoryRequest(from: gpu0, address: target, isRead: true).outcome
                == .refusedByRootComplex(rootComplex: 0))
    }
}
