import Testing

@testable import Policy

/// Devices below one or two PCIe switches (calc_map_type_and_dist()).
@Suite struct SwitchTopologyTests {
    @Test func oneSwitchNoACSIsBusAddressDistance4() {
        let m = Fixtures.oneSwitch()
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(
            provider: m.nvme, client: m.nic)
        // Provider chain [nvme, DSP0, USP, RP]; client chain [nic, DSP1, USP, RP].
        // a=nvme: no match (dist_a 0→1); a=DSP0: no match (→2); a=USP found at index 2 of the client chain.
        // dist = dist_a 2 + dist_b 2 = 4, no ACS anywhere → BUS_ADDR, host bridge not consulted (Intel client is fine).
        #expect(d.mapType == .busAddress)
        #expect(d.mapType.kernelName == "BUS_ADDR")
        #expect(d.distance == 4)
        #expect(d.providerHops == 2 && d.clientHops == 2)
        #expect(d.providerChain == [m.nvme, m.down0, m.upstream, m.rootPort])
        #expect(d.clientChain == [m.nic, m.down1, m.upstream, m.rootPort])
        #expect(d.commonUpstreamBridge == m.upstream)
        #expect(d.hostBridgePath == .notNeeded)
        #expect(d.messages.isEmpty)
        #expect(d.suggestions.isEmpty)
    }

    @Test func acsNonRedirectBitsDoNotMatter() {
        // SV|TB|UF|DT are not RR/CR/EC: pci_bridge_has_acs_redir() returns 0 → still BUS_ADDR, distance 4.
        let bits: ACSControl = [.sourceValidation, .translationBlocking, .upstreamForwarding, .directTranslated]
        let m = Fixtures.oneSwitch(acsDown0: bits, acsDown1: bits, acsUpstream: bits)
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(
            provider: m.nvme, client: m.nic)
        #expect(d.mapType == .busAddress)
        #expect(d.distance == 4)
    }

    @Test func acsOnBothDownstreamPortsIntelClientIsRefusedWithKernelWarnings() {
        let m = Fixtures.oneSwitch(acsDown0: .linuxDefaultEnabled, acsDown1: .linuxDefaultEnabled)
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(
            provider: m.nvme, client: m.nic)
        // Provider loop prints DSP0 (02:00.0); check_b_path_acs prints DSP1 (02:01.0); acs_cnt = 2.
        // Intel: cpu_supports_p2pdma() false; host_bridge_whitelist(warn = acs_redirects = true):
        // 00:00.0 is 8086:9b33, not listed → "Host bridge not in P2PDMA whitelist" → NOT_SUPPORTED.
        #expect(d.mapType == .notSupported)
        #expect(d.distance == -1)
        #expect(d.pathLength == 4)
        #expect(d.acsRedirectingBridges == [m.down0, m.down1])
        #expect(d.disableACSRedirectParameter == "pci=disable_acs_redir=0000:02:00.0;0000:02:01.0")
        #expect(
            d.messages.map(\.line) == [
                "mlx5_core 0000:04:00.0: ACS redirect is set between the client and provider (0000:03:00.0)",
                "mlx5_core 0000:04:00.0: to disable ACS redirect for this path, add the kernel parameter: "
                    + "pci=disable_acs_redir=0000:02:00.0;0000:02:01.0",
                "pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:9b33",
                "mlx5_core 0000:04:00.0: cannot be used for peer-to-peer DMA as the client and provider "
                    + "(0000:03:00.0) do not share an upstream bridge or whitelisted host bridge",
            ])
        #expect(
            d.suggestions.map(\.action).contains(
                .clearACSRedirect(
                    functions: [m.down0, m.down1],
                    kernelParameter: "pci=disable_acs_redir=0000:02:00.0;0000:02:01.0")))
        #expect(d.suggestions.map(\.action).contains(.useAMDZenCPU))
    }

    @Test func whitelistWarningIsPrintedEvenWhenNotVerbose() {
        // Quirk: calc_map_type_and_dist() passes warn = acs_redirects to host_bridge_whitelist(), not verbose.
        // So a non-verbose pci_p2pdma_distance() (e.g. from amdgpu_dma_buf_attach()) still logs this line.
        let m = Fixtures.oneSwitch(acsDown0: .linuxDefaultEnabled, acsDown1: .linuxDefaultEnabled)
        let r = P2PPolicy(topology: m.topology, platform: .intel)
            .distance(provider: m.nvme, client: .pci(m.nic), verbose: false)
        #expect(r.distance == -1)
        #expect(r.messages.map(\.line) == ["pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:9b33"])
    }

    @Test func acsOnBothDownstreamPortsAMDZenGoesThroughHostBridge() {
        let m = Fixtures.oneSwitch(
            host: Fixtures.amdHostBridge, acsDown0: .linuxDefaultEnabled, acsDown1: .linuxDefaultEnabled)
        let d = P2PPolicy(topology: m.topology, platform: .amdZen2).calcMapTypeAndDistance(
            provider: m.nvme, client: m.nic)
        // Same walk (distance 2 + 2 = 4); cpu_supports_p2pdma(): AMD family 0x17 >= 0x17 → THRU_HOST_BRIDGE.
        // The allowlist is never consulted, so no "Host bridge not in P2PDMA whitelist" line.
        #expect(d.mapType == .throughHostBridge)
        #expect(d.mapType.kernelName == "THRU_HOST_BRIDGE")
        #expect(d.distance == 4)
        #expect(d.hostBridgePath == .allowedByCPU(.amdZen2))
        #expect(d.messages.count == 2)
        #expect(
            d.messages.last?.line
                == "mlx5_core 0000:04:00.0: to disable ACS redirect for this path, add the kernel parameter: "
                + "pci=disable_acs_redir=0000:02:00.0;0000:02:01.0")
    }

    @Test func acsOnlyOnClientDownstreamPort() {
        let m = Fixtures.oneSwitch(host: Fixtures.amdHostBridge, acsDown1: [.requestRedirect])
        let d = P2PPolicy(topology: m.topology, platform: .amdZen4).calcMapTypeAndDistance(
            provider: m.nvme, client: m.nic)
        // Only check_b_path_acs finds DSP1 (02:01.0): list "0000:02:01.0", Zen 4 (0x19) → THRU_HOST_BRIDGE, 4.
        #expect(d.mapType == .throughHostBridge)
        #expect(d.distance == 4)
        #expect(d.acsRedirectingBridges == [m.down1])
        #expect(d.disableACSRedirectParameter == "pci=disable_acs_redir=0000:02:01.0")
    }

    @Test func egressControlOnCommonUpstreamPortIsCountedByProviderLoop() {
        // The provider loop checks `a` before looking for it in the client chain, so the common USP is checked.
        let m = Fixtures.oneSwitch(host: Fixtures.skylakeEHostBridge, acsUpstream: [.sourceValidation, .egressControl])
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(
            provider: m.nvme, client: m.nic)
        // Redirect list "0000:01:00.0"; Intel CPU but 00:00.0 is 8086:2020 (Skylake-E, no flag) → THRU, 2 + 2 = 4.
        #expect(d.mapType == .throughHostBridge)
        #expect(d.distance == 4)
        #expect(d.acsRedirectingBridges == [m.upstream])
        #expect(d.disableACSRedirectParameter == "pci=disable_acs_redir=0000:01:00.0")
        guard case .allowedByAllowlist(let lookups) = d.hostBridgePath else {
            Issue.record("expected allowlist")
            return
        }
        #expect(lookups.count == 1)
        #expect(lookups.first?.outcome == .allowed(HostBridgeAllowlist.kernel[8]))
        #expect(HostBridgeAllowlist.kernel[8].deviceID == 0x2020)
        #expect(d.messages.count == 2)  // the two ACS lines, no whitelist warning (entry matched)
    }

    @Test func acsOnRootPortAboveTheCommonBridgeIsIgnored() {
        // The walk stops at the common USP; the root port above it is never checked.
        let m = Fixtures.oneSwitch(acsRootPort: .linuxDefaultEnabled)
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(
            provider: m.nvme, client: m.nic)
        #expect(d.mapType == .busAddress)
        #expect(d.distance == 4)
    }

    @Test func twoSwitchLevelsDistance6() {
        var b = PCITopologyBuilder()
        let hb = b.addHostBridge(name: "pci0000:00", vendorID: 0x1022, deviceID: 0x1480)
        let rp = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb), bus: 0, device: 1, function: 1, vendorID: 0x1022, deviceID: 0x1483)
        let usp1 = b.addFunction(
            .switchUpstreamPort, on: .bridge(rp), bus: 1, device: 0, vendorID: 0x1000, deviceID: 0xc010)
        let dsp1a = b.addFunction(
            .switchDownstreamPort, on: .bridge(usp1), bus: 2, device: 0, vendorID: 0x1000, deviceID: 0xc010)
        let dsp1b = b.addFunction(
            .switchDownstreamPort, on: .bridge(usp1), bus: 2, device: 1, vendorID: 0x1000, deviceID: 0xc010)
        let usp2 = b.addFunction(
            .switchUpstreamPort, on: .bridge(dsp1a), bus: 3, device: 0, vendorID: 0x1000, deviceID: 0xc010)
        let dsp2 = b.addFunction(
            .switchDownstreamPort, on: .bridge(usp2), bus: 4, device: 0, vendorID: 0x1000, deviceID: 0xc010)
        let a = b.addFunction(.endpoint, on: .bridge(dsp2), bus: 5, device: 0, vendorID: 0x144d, deviceID: 0xa80a)
        let c = b.addFunction(.endpoint, on: .bridge(dsp1b), bus: 6, device: 0, vendorID: 0x15b3, deviceID: 0x1017)
        let topo = b.build()
        #expect(topo.validate().isEmpty)
        let d = P2PPolicy(topology: topo, platform: .intel).calcMapTypeAndDistance(provider: a, client: c)
        // Provider chain [a, DSP2, USP2, DSP1a, USP1, RP]: USP1 is the 5th node → dist_a = 4.
        // Client chain [c, DSP1b, USP1, RP]: USP1 at index 2 → dist_b = 2. Total 6, no ACS → BUS_ADDR.
        #expect(d.mapType == .busAddress)
        #expect(d.distance == 6)
        #expect(d.providerHops == 4 && d.clientHops == 2)
        #expect(d.commonUpstreamBridge == usp1)
    }

    @Test func sameFunctionIsDistanceZero() {
        let m = Fixtures.oneSwitch()
        let d = P2PPolicy(topology: m.topology, platform: .intel).calcMapTypeAndDistance(provider: m.gpu, client: m.gpu)
        // a == bb on the very first comparison: dist_a 0 + dist_b 0.
        #expect(d.mapType == .busAddress)
        #expect(d.distance == 0)
        #expect(d.commonUpstreamBridge == m.gpu)
    }
}
