import Testing

@testable import Policy

/// Devices on different root ports / host bridges (map_through_host_bridge:).
@Suite struct HostBridgeTests {
    @Test func twoRootPortsAMDZenThroughHostBridgeDistance4() {
        let m = Fixtures.twoRootPorts(host: Fixtures.amdHostBridge)
        let d = P2PPolicy(topology: m.topology, platform: .amdZen2).calcMapTypeAndDistance(provider: m.a, client: m.b)
        // No common bridge: dist_a = len([a, RP1]) = 2, dist_b = len([b, RP2]) = 2 → 4.
        // Root-port ACS bits are found by the provider loop but ignored (acs_redirects stays false).
        #expect(d.mapType == .throughHostBridge)
        #expect(d.distance == 4)
        #expect(d.commonUpstreamBridge == nil)
        #expect(d.acsRedirectingBridges.isEmpty)
        #expect(d.disableACSRedirectParameter == nil)
        #expect(d.messages.isEmpty)
    }

    @Test func twoRootPortsIntelClientNotSupported() {
        let m = Fixtures.twoRootPorts(host: Fixtures.intelClientHostBridge, rootPortDevice: 0x1901)
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(provider: m.a, client: m.b)
        // Same 2 + 2 walk; 8086:9b33 not listed. warn = acs_redirects = false → no whitelist warning, only the
        // verbose "cannot be used" line.
        #expect(d.mapType == .notSupported)
        #expect(d.distance == -1)
        #expect(d.pathLength == 4)
        #expect(
            d.messages.map(\.line) == [
                "amdgpu 0000:02:00.0: cannot be used for peer-to-peer DMA as the client and provider "
                    + "(0000:01:00.0) do not share an upstream bridge or whitelisted host bridge"
            ])
        #expect(d.hostBridgePath.lookups.map(\.outcome) == [.notInAllowlist])
        let actions = d.suggestions.map(\.action)
        #expect(actions.contains(.placeUnderCommonSwitch(provider: m.a, client: m.b)))
        #expect(actions.contains(.useAMDZenCPU))
        #expect(actions.contains(.useAllowlistedHostBridge(hostBridges: [0])))
    }

    @Test func nonVerboseRefusalPrintsNothing() {
        let m = Fixtures.twoRootPorts(host: Fixtures.intelClientHostBridge)
        let d = P2PPolicy(topology: m.topology, platform: .intel)
            .calcMapTypeAndDistance(provider: m.a, client: m.b, verbose: false)
        #expect(d.mapType == .notSupported)
        #expect(d.messages.isEmpty)
    }

    @Test func twoRootPortsAllowlistedSkylakeE() {
        let m = Fixtures.twoRootPorts(host: Fixtures.skylakeEHostBridge, rootPortDevice: 0x2030)
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(provider: m.a, client: m.b)
        // 00:00.0 = 8086:2020 "Intel Skylake-E", flags 0 → THRU_HOST_BRIDGE, distance 2 + 2 = 4.
        #expect(d.mapType == .throughHostBridge)
        #expect(d.distance == 4)
        #expect(d.hostBridgePath.lookups.first?.allowed == true)
        #expect(d.hostBridgePath.lookups.first?.hostBridgeDevice == 0)
    }

    @Test func hygonIsNotTrustedByCPURule() {
        // cpu_supports_p2pdma() tests X86_VENDOR_AMD only; Hygon family 0x18 falls through to the allowlist.
        let m = Fixtures.twoRootPorts(host: (0x1d94, 0x1450))
        let d = P2PPolicy(topology: m.topology, platform: PlatformFacts(cpuVendor: .hygon, x86Family: 0x18))
            .calcMapTypeAndDistance(provider: m.a, client: m.b)
        #expect(d.mapType == .notSupported)
        #expect(!PlatformFacts(cpuVendor: .amd, x86Family: 0x16).cpuSupportsP2PDMA)
        #expect(PlatformFacts(cpuVendor: .amd, x86Family: 0x17).cpuSupportsP2PDMA)
        #expect(!PlatformFacts(cpuVendor: .amd, x86Family: nil).cpuSupportsP2PDMA)
    }

    @Test func xeonE5SameHostBridgeAllowed() {
        let m = Fixtures.twoRootPorts(host: Fixtures.xeonE5HostBridge, rootPortDevice: 0x3c08)
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(provider: m.a, client: m.b)
        // host_a == host_b → __host_bridge_whitelist(host, same_host_bridge = true): 8086:3c00 REQ_SAME_HOST_BRIDGE ok.
        #expect(d.mapType == .throughHostBridge)
        #expect(d.distance == 4)
        #expect(d.hostBridgePath.lookups.first?.outcome == .allowed(HostBridgeAllowlist.kernel[0]))
    }

    @Test func xeonE5AcrossTwoHostBridgesRefused() {
        let m = Fixtures.twoHostBridges(host0: Fixtures.xeonE5HostBridge, host1: Fixtures.xeonE5HostBridge)
        #expect(m.topology.validate().isEmpty)
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(provider: m.a, client: m.b)
        // Walk: [a, RP0] and [b, RP1] → 2 + 2 = 4, no common bridge.
        // Different host bridges → lookup A with same_host_bridge = false: 3c00 has REQ_SAME_HOST_BRIDGE → false;
        // the && short-circuits, so host bridge 1 is never looked up.
        #expect(d.mapType == .notSupported)
        #expect(d.pathLength == 4)
        #expect(d.hostBridgePath.lookups.count == 1)
        #expect(
            d.hostBridgePath.lookups.first?.outcome == .refusedRequiresSameHostBridge(HostBridgeAllowlist.kernel[0]))
        #expect(
            d.messages.map(\.line) == [
                "nvme 0000:81:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:01:00.0) "
                    + "do not share an upstream bridge or whitelisted host bridge"
            ])
        #expect(d.suggestions.map(\.action).contains(.placeUnderSameHostBridge(entry: HostBridgeAllowlist.kernel[0])))
    }

    @Test func skylakeEAcrossHostBridgesUsesFirstRootPortWhenNoDevfn0() {
        // Host bridge 1 (root bus 0x17) has no 00.0 function; its first root-bus device is the root port at
        // 17:02.0, which only the "PCIe Root Port" branch of pci_host_bridge_dev() can pick.
        var b = PCITopologyBuilder()
        let hb0 = b.addHostBridge(name: "pci0000:00", rootBus: 0, vendorID: 0x8086, deviceID: 0x2020)
        let hb1 = b.addHostBridge(name: "pci0000:17", rootBus: 0x17)
        let rp0 = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb0), bus: 0, device: 1, vendorID: 0x8086, deviceID: 0x2030)
        let rp1 = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb1), bus: 0x17, device: 2, vendorID: 0x8086, deviceID: 0x2032)
        let a = b.addFunction(.endpoint, on: .bridge(rp0), bus: 1, device: 0, vendorID: 0x144d, deviceID: 0xa80a)
        let c = b.addFunction(.endpoint, on: .bridge(rp1), bus: 0x18, device: 0, vendorID: 0x144d, deviceID: 0xa80a)
        let topo = b.build()
        #expect(topo.hostBridgeDevice(of: hb1) == rp1)
        let d = P2PPolicy(topology: topo, platform: .intel).calcMapTypeAndDistance(provider: a, client: c)
        // Both lookups pass with same_host_bridge = false (2020 and 2032 have no flag) → THRU, 2 + 2 = 4.
        #expect(d.mapType == .throughHostBridge)
        #expect(d.distance == 4)
        #expect(d.hostBridgePath.lookups.map(\.allowed) == [true, true])
        #expect(d.hostBridgePath.lookups.map(\.deviceID) == [0x2020, 0x2032])
    }

    @Test func hostBridgeWithoutDevfn0OrRootPortIsRefusedSilently() {
        // First device on root bus 0 is an RCiEP at 00:04.0: pci_host_bridge_dev() returns NULL → false, no warning
        // even with ACS redirect (warn only happens after a device was found).
        var b = PCITopologyBuilder()
        let hb = b.addHostBridge(name: "pci0000:00")
        let ep = b.addFunction(
            .rootComplexIntegratedEndpoint, on: .rootBus(hostBridge: hb), bus: 0, device: 4, vendorID: 0x8086,
            deviceID: 0x2021)
        let rp = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb), bus: 0, device: 5, vendorID: 0x8086, deviceID: 0x1901)
        let nvme = b.addFunction(.endpoint, on: .bridge(rp), bus: 1, device: 0, vendorID: 0x144d, deviceID: 0xa80a)
        let topo = b.build()
        #expect(topo.hostBridgeDevice(of: hb) == nil)
        let d = P2PPolicy(topology: topo, platform: .intel).calcMapTypeAndDistance(provider: ep, client: nvme)
        // [ep] (1) and [nvme, rp] (2): no common → path 3, refused.
        #expect(d.mapType == .notSupported)
        #expect(d.pathLength == 3)
        #expect(d.hostBridgePath.lookups.first?.outcome == .noHostBridgeDevice)
    }

    @Test(arguments: [
        (UInt16(0x8086), UInt16(0x2f00), true, true),  // Xeon E5 v3, REQ_SAME_HOST_BRIDGE, same host → ok
        (UInt16(0x8086), UInt16(0x2f01), false, false),  // across host bridges → refused
        (UInt16(0x1ae0), UInt16(0x1234), false, true),  // Google, PCI_ANY_ID
        (UInt16(0x10de), UInt16(0x2f97), false, true),  // Nvidia CPU
        (UInt16(0x1d17), UInt16(0x1005), false, false),  // Zhaoxin REQ_SAME_HOST_BRIDGE across
        (UInt16(0x1d17), UInt16(0x1008), false, true),  // Zhaoxin KH-50000 no flag
        (UInt16(0x8086), UInt16(0x9b33), true, false),  // not listed
    ])
    func allowlistLookup(vendor: UInt16, device: UInt16, sameHost: Bool, expected: Bool) {
        var b = PCITopologyBuilder()
        let hb = b.addHostBridge(name: "pci0000:00", vendorID: vendor, deviceID: device)
        let topo = b.build()
        let (lookup, _) = lookUpHostBridge(
            hb, sameHostBridge: sameHost, warn: false, topology: topo, allowlist: HostBridgeAllowlist.kernel)
        #expect(lookup.allowed == expected)
    }
}
