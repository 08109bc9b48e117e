import Testing

@testable import Policy

/// SR-IOV VFs, multi-function devices, RCiEPs and non-PCI clients.
@Suite struct FunctionTopologyTests {
    /// One switch (as Fixtures.oneSwitch) where 03:00.0 is an SR-IOV PF with VF 03:00.2.
    func sriovSwitch(acsDown0: ACSControl? = nil) -> (PCITopology, pf: Int, vf: Int, nic: Int, down0: Int) {
        var b = PCITopologyBuilder()
        let hb = b.addHostBridge(name: "pci0000:00", vendorID: 0x1022, deviceID: 0x1480)
        let rp = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb), bus: 0, device: 1, function: 1, vendorID: 0x1022, deviceID: 0x1483)
        let usp = b.addFunction(
            .switchUpstreamPort, on: .bridge(rp), bus: 1, device: 0, vendorID: 0x10b5, deviceID: 0x8747)
        let d0 = b.addFunction(
            .switchDownstreamPort, on: .bridge(usp), bus: 2, device: 0, vendorID: 0x10b5, deviceID: 0x8747,
            acs: acsDown0)
        let d1 = b.addFunction(
            .switchDownstreamPort, on: .bridge(usp), bus: 2, device: 1, vendorID: 0x10b5, deviceID: 0x8747)
        let pf = b.addFunction(
            .endpoint, on: .bridge(d0), bus: 3, device: 0, vendorID: 0x15b3, deviceID: 0x101d, driverName: "mlx5_core")
        let vf = b.addVirtualFunction(of: pf, bus: 3, device: 0, function: 2, deviceID: 0x101e, driverName: "mlx5_core")
        let nic = b.addFunction(
            .endpoint, on: .bridge(d1), bus: 4, device: 0, vendorID: 0x144d, deviceID: 0xa80a, driverName: "nvme")
        return (b.build(), pf, vf, nic, d0)
    }

    @Test func vfUnderSameSwitchAsPeer() {
        let (topo, pf, vf, nvme, d0) = sriovSwitch()
        #expect(topo.validate().isEmpty)
        // pci_upstream_bridge(vf) = pci_upstream_bridge(pci_physfn(vf)) = DSP0.
        #expect(topo.upstreamBridge(vf) == d0)
        #expect(topo.physfn(vf) == pf)
        let d = P2PPolicy(topology: topo, platform: .intel).calcMapTypeAndDistance(provider: nvme, client: vf)
        // [nvme, DSP1, USP, RP] vs [vf, DSP0, USP, RP]: 2 + 2 = 4, BUS_ADDR.
        #expect(d.mapType == .busAddress)
        #expect(d.distance == 4)
        #expect(d.clientChain == [vf, d0, 2, 1])  // ids: 1 = RP, 2 = USP (0 is the 00.0 host bridge)
    }

    @Test func vfAndItsOwnPFDistance2() {
        let (topo, pf, vf, _, d0) = sriovSwitch()
        let d = P2PPolicy(topology: topo, platform: .intel).calcMapTypeAndDistance(provider: pf, client: vf)
        // a = pf: not in [vf, DSP0, USP, RP] → dist_a 1; a = DSP0 found at index 1 → dist_b 1. Total 2
        // (the VF's upstream bridge skips the PF: the kernel's "one step down ... one step back" case).
        #expect(d.mapType == .busAddress)
        #expect(d.distance == 2)
        #expect(d.commonUpstreamBridge == d0)
    }

    @Test func vfAndPFWithACSOnTheirPortGoThroughHostBridge() {
        let (topo, pf, vf, _, d0) = sriovSwitch(acsDown0: .linuxDefaultEnabled)
        let d = P2PPolicy(topology: topo, platform: .amdZen2).calcMapTypeAndDistance(provider: pf, client: vf)
        // The common bridge DSP0 is checked by the provider loop: RR|CR set → redirect, Zen → THRU, distance 2.
        #expect(d.mapType == .throughHostBridge)
        #expect(d.distance == 2)
        #expect(d.acsRedirectingBridges == [d0])
        #expect(
            d.messages.map(\.line) == [
                "mlx5_core 0000:03:00.2: ACS redirect is set between the client and provider (0000:03:00.0)",
                "mlx5_core 0000:03:00.2: to disable ACS redirect for this path, add the kernel parameter: "
                    + "pci=disable_acs_redir=0000:02:00.0",
            ])
    }

    /// 00:01.0 RP → 01:00.0 and 01:00.1 (two functions of one multi-function device).
    func multiFunction(acsF0: ACSControl? = nil) -> (PCITopology, f0: Int, f1: Int, rp: Int) {
        var b = PCITopologyBuilder()
        let hb = b.addHostBridge(name: "pci0000:00", vendorID: 0x8086, deviceID: 0x9b33)
        let rp = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb), bus: 0, device: 1, vendorID: 0x8086, deviceID: 0x1901)
        let f0 = b.addFunction(
            .endpoint, on: .bridge(rp), bus: 1, device: 0, function: 0, vendorID: 0x15b3, deviceID: 0x1017, acs: acsF0,
            isMultiFunction: true)
        let f1 = b.addFunction(
            .endpoint, on: .bridge(rp), bus: 1, device: 0, function: 1, vendorID: 0x15b3, deviceID: 0x1017,
            isMultiFunction: true)
        return (b.build(), f0, f1, rp)
    }

    @Test func twoFunctionsOfOneDeviceDistance2() {
        let (topo, f0, f1, rp) = multiFunction()
        let d = P2PPolicy(topology: topo, platform: .intel).calcMapTypeAndDistance(provider: f0, client: f1)
        // [f0, RP] vs [f1, RP]: f0 not found (dist_a 1), RP at index 1 (dist_b 1) → 2, BUS_ADDR.
        #expect(d.mapType == .busAddress)
        #expect(d.distance == 2)
        #expect(d.commonUpstreamBridge == rp)
    }

    @Test func multiFunctionACSOnProviderFunctionItselfCounts() {
        // Quirk: the provider loop calls pci_bridge_has_acs_redir() on the provider endpoint too.
        let (topo, f0, f1, _) = multiFunction(acsF0: [.requestRedirect, .completionRedirect])
        let d = P2PPolicy(topology: topo, platform: .intel).calcMapTypeAndDistance(provider: f0, client: f1)
        #expect(d.mapType == .notSupported)
        #expect(d.pathLength == 2)
        #expect(d.disableACSRedirectParameter == "pci=disable_acs_redir=0000:01:00.0")
        #expect(d.messages.map(\.line).contains("pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:9b33"))
    }

    @Test func rootComplexIntegratedEndpoints() {
        // Two RCiEPs on root bus 0 (no upstream bridge): chains [a] and [b] → 1 + 1 = 2, no common bridge.
        var b = PCITopologyBuilder()
        let hb = b.addHostBridge(name: "pci0000:00", vendorID: 0x8086, deviceID: 0x2020)
        let a = b.addFunction(
            .rootComplexIntegratedEndpoint, on: .rootBus(hostBridge: hb), bus: 0, device: 4, vendorID: 0x8086,
            deviceID: 0x0b25)
        let c = b.addFunction(
            .rootComplexIntegratedEndpoint, on: .rootBus(hostBridge: hb), bus: 0, device: 5, vendorID: 0x8086,
            deviceID: 0x0cfe)
        let topo = b.build()
        let skx = P2PPolicy(topology: topo, platform: .intel).calcMapTypeAndDistance(provider: a, client: c)
        #expect(skx.mapType == .throughHostBridge)
        #expect(skx.distance == 2)
        #expect(skx.commonUpstreamBridge == nil)
        var client = topo
        client.functions[0].deviceID = 0x9b33  // same machine with a non-allowlisted 00.0
        let refused = P2PPolicy(topology: client, platform: .intel).calcMapTypeAndDistance(provider: a, client: c)
        #expect(refused.mapType == .notSupported)
        #expect(refused.distance == -1)
    }

    func platformMachine() -> (PCITopology, nvme: Int, orphan: Int, child: Int, nic: Int) {
        var m = Fixtures.oneSwitch()
        var topo = m.topology
        topo.platformDevices = [
            PlatformDeviceDescription(id: 0, name: "dma-engine.0"),
            PlatformDeviceDescription(
                id: 1, name: "mlx5_core.rdma.0", driverName: "mlx5_ib", busName: "auxiliary", parent: .pci(m.nic)),
        ]
        m.topology = topo
        return (topo, m.nvme, 0, 1, m.nic)
    }

    @Test func platformClientWithoutPCIParent() {
        let (topo, nvme, orphan, _, _) = platformMachine()
        let policy = P2PPolicy(topology: topo, platform: .amdZen2)
        let many = policy.distanceMany(provider: nvme, clients: [.platform(orphan)])
        #expect(many.distance == -1)
        #expect(many.refusedClients == [.platform(orphan)])
        #expect(
            many.messages.map(\.line) == [
                "platform dma-engine.0: cannot be used for peer-to-peer DMA as it is not a PCI device"
            ])
        let map = policy.mapType(provider: nvme, client: .platform(orphan))
        #expect(map.mapType == .notSupported)
        #expect(map.distance == -1)
        #expect(map.messages.isEmpty)  // pci_p2pdma_map_type() returns silently
    }

    @Test func childOfPCIDeviceDiffersBetweenDistanceAndMapType() {
        let (topo, nvme, _, child, nic) = platformMachine()
        let policy = P2PPolicy(topology: topo, platform: .intel)
        // distance_many walks dev->parent (find_parent_pci_dev) to 04:00.0 → same switch, 4.
        let many = policy.distanceMany(provider: nvme, clients: [.platform(child)])
        #expect(many.distance == 4)
        #expect(many.decisions.first?.resolvedClient == nic)
        // pci_p2pdma_map_type() only checks dev_is_pci(dev) → NOT_SUPPORTED.
        #expect(policy.mapType(provider: nvme, client: .platform(child)).mapType == .notSupported)
    }

    @Test func providerWithoutP2PDMAStateIsRefusedByMapType() {
        var m = Fixtures.oneSwitch()
        m.topology.functions[m.nvme].hasP2PDMA = false
        let d = P2PPolicy(topology: m.topology, platform: .intel).mapType(provider: m.nvme, client: .pci(m.nic))
        #expect(d.mapType == .notSupported)
        #expect(d.suggestions.map(\.action) == [.registerProviderMemory(provider: m.nvme)])
    }
}
