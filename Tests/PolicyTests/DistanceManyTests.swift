import Testing

@testable import Policy

/// pci_p2pdma_distance_many() over several clients.
@Suite struct DistanceManyTests {
    /// One switch plus a device on a second root port 00:02.0 → 06:00.0 (Intel client host bridge).
    func machine() -> (PCITopology, Fixtures.OneSwitch, far: Int) {
        var m = Fixtures.oneSwitch()
        var topo = m.topology
        let rp2 = topo.functions.count
        topo.functions.append(
            PCIFunctionDescription(
                id: rp2, address: PCIAddress(bus: 0, device: 2, function: 0), vendorID: 0x8086, deviceID: 0x1901,
                kind: .rootPort, parentBridge: nil, hostBridge: 0))
        let far = topo.functions.count
        topo.functions.append(
            PCIFunctionDescription(
                id: far, address: PCIAddress(bus: 6, device: 0, function: 0), vendorID: 0x15b3, deviceID: 0x1017,
                kind: .endpoint, parentBridge: rp2, hostBridge: 0, driverName: "mlx5_core"))
        m.topology = topo
        return (topo, m, far)
    }

    @Test func sumOfDistances() {
        let (topo, m, _) = machine()
        #expect(topo.validate().isEmpty)
        let r = P2PPolicy(topology: topo, platform: .intel)
            .distanceMany(provider: m.nvme, clients: [.pci(m.nic), .pci(m.nvme), .pci(m.gpu)])
        // nic: 2 + 2 = 4; nvme itself: 0; gpu (DSP2): 2 + 2 = 4 → total 8.
        #expect(r.distance == 8)
        #expect(r.decisions.map(\.distance) == [4, 0, 4])
        #expect(r.refusedClients.isEmpty)
        #expect(r.isSupported)
    }

    @Test func oneRefusedClientMakesItMinusOneVerbose() {
        let (topo, m, far) = machine()
        let r = P2PPolicy(topology: topo, platform: .intel)
            .distanceMany(provider: m.nvme, clients: [.pci(far), .pci(m.nic)], verbose: true)
        // far: [far, RP2] vs provider [nvme, DSP0, USP, RP1] → no common bridge, Intel client → refused.
        // Verbose mode keeps going so the nic (4) is still evaluated, but the result is -1.
        #expect(r.distance == -1)
        #expect(r.refusedClients == [.pci(far)])
        #expect(r.decisions.count == 2)
        #expect(r.decisions.first?.pathLength == 6)  // dist_a = 4 (whole provider chain) + dist_b = 2
        #expect(r.unevaluatedClients.isEmpty)
        #expect(
            r.messages.map(\.line) == [
                "mlx5_core 0000:06:00.0: cannot be used for peer-to-peer DMA as the client and provider "
                    + "(0000:03:00.0) do not share an upstream bridge or whitelisted host bridge"
            ])
    }

    @Test func nonVerboseStopsAtFirstRefusal() {
        let (topo, m, far) = machine()
        let r = P2PPolicy(topology: topo, platform: .intel)
            .distanceMany(provider: m.nvme, clients: [.pci(far), .pci(m.nic)], verbose: false)
        #expect(r.distance == -1)
        #expect(r.decisions.count == 1)
        #expect(r.unevaluatedClients == [.pci(m.nic)])
        #expect(r.messages.isEmpty)
    }

    @Test func noClientsIsMinusOne() {
        let (topo, m, _) = machine()
        #expect(P2PPolicy(topology: topo, platform: .intel).distanceMany(provider: m.nvme, clients: []).distance == -1)
    }

    @Test func onAMDZenTheFarClientCountsItsFullChains() {
        let (topo, m, far) = machine()
        let r = P2PPolicy(topology: topo, platform: .amdZen2)
            .distanceMany(provider: m.nvme, clients: [.pci(far), .pci(m.nic)])
        // far through the host bridge: 4 + 2 = 6; nic: 4 → 10.
        #expect(r.distance == 10)
        #expect(r.decisions.map(\.mapType) == [.throughHostBridge, .busAddress])
    }
}
