import Fabric
import Policy
import Routing
import Testing
import Topology

/// The topology-to-kernel adapter, end to end: what `explain` decides for devices the bundled
/// machines do not have (SR-IOV virtual functions, platform devices, integrated endpoints).
@Suite("Kernel view of a topology")
struct KernelViewTests {
    static let text = """
        <?xml version="1.0"?>
        <topology name="view" version="1">
          <socket id="cpu0" vendor="intel" family="6">
            <rootComplex id="rc0" hostBridge="8086:2020" p2p="readwrite">
              <rootPort id="rp0" device="1" gen="4" width="16">
                <switch id="sw" gen="4" width="16" latency="105 ns">
                  <downstreamPort id="sw.0">
                    <endpoint id="nic0" kind="nic" pciId="15b3:101b" gen="4" width="16">
                      <bar index="0" size="32 MiB" bits="64" prefetchable="true"/>
                      <sriov totalVFs="8" numVFs="2"/>
                    </endpoint>
                  </downstreamPort>
                  <downstreamPort id="sw.1" acsCap="SV RR CR UF" acsCtrl="SV RR CR UF">
                    <endpoint id="gpu0" kind="gpu" pciId="10de:20b0" gen="4" width="16">
                      <bar index="1" size="64 GiB" bits="64" prefetchable="true" exposes="memory"/>
                      <memory capacity="40 GiB" bandwidth="1555 GB/s" latency="500 ns"/>
                    </endpoint>
                  </downstreamPort>
                  <downstreamPort id="sw.2">
                    <endpoint id="gpu1" kind="gpu" pciId="10de:20b0" gen="4" width="16">
                      <bar index="1" size="64 GiB" bits="64" prefetchable="true" exposes="memory"/>
                      <memory capacity="40 GiB" bandwidth="1555 GB/s" latency="500 ns"/>
                    </endpoint>
                  </downstreamPort>
                </switch>
              </rootPort>
              <rootPort id="rp1" device="2" gen="4" width="16">
                <endpoint id="gpu2" kind="gpu" pciId="10de:20b0" gen="4" width="16">
                  <bar index="1" size="64 GiB" bits="64" prefetchable="true" exposes="memory"/>
                  <memory capacity="40 GiB" bandwidth="1555 GB/s" latency="500 ns"/>
                </endpoint>
              </rootPort>
              <endpoint id="dsa0" kind="accelerator" pciId="8086:0b25" gen="4" width="16" device="3"/>
            </rootComplex>
            <platformDevice id="dsp0" kind="accelerator" label="an on-chip engine"/>
          </socket>
        </topology>
        """

    func view() throws -> KernelView {
        KernelView(machine: try EnumeratedMachine(try TopologyLoader.load(text: Self.text, file: "view.xml")))
    }

    @Test func virtualFunctionsAreNamedAndStartFromTheirPhysicalFunction() throws {
        let view = try view()
        #expect(view.device(named: "nic0.vf0") != nil)
        #expect(view.device(named: "nic0.vf1") != nil)
        #expect(view.device(named: "nic0.vf2") == nil)
        // A VF walks up from its PF's bridge: same switch as gpu1, no ACS on that path.
        let decision = try #require(view.decide(provider: "gpu1", client: "nic0.vf1"))
        #expect(decision.mapType == .busAddress)
        #expect(decision.distance == 4)
    }

    @Test func acsRedirectOnOnePortForcesTheHostBridge() throws {
        let view = try view()
        // gpu0's downstream port redirects; Skylake-E 8086:2020 is on the allowlist.
        let decision = try #require(view.decide(provider: "gpu0", client: "gpu1"))
        #expect(decision.mapType == .throughHostBridge)
        #expect(decision.acsRedirectingBridges.count == 1)
        #expect(decision.messages.contains { $0.line.contains("pci=disable_acs_redir=") })
    }

    @Test func twoRootPortsOfAnAllowlistedHostBridge() throws {
        let decision = try #require(try view().decide(provider: "gpu2", client: "gpu1"))
        #expect(decision.mapType == .throughHostBridge)
        #expect(decision.commonUpstreamBridge == nil)
    }

    @Test func aPlatformDeviceIsRefusedAndAnIntegratedEndpointIsNot() throws {
        let view = try view()
        let platform = try #require(view.decide(provider: "gpu1", client: "dsp0"))
        #expect(platform.mapType == .notSupported)
        #expect(platform.distance == -1)
        let integrated = try #require(view.decide(provider: "gpu1", client: "dsa0"))
        #expect(integrated.mapType == .throughHostBridge)
        // A platform device has no BAR: it cannot be a provider.
        #expect(view.decide(provider: "dsp0", client: "gpu1") == nil)
    }
}
