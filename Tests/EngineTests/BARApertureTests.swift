import Engine
import Fabric
import Testing
import Topology

@Suite("BAR apertures and resizable BAR")
struct BARApertureTests {
    /// Two consumer GPUs below one switch without ACS redirect on an AMD Zen host: Linux allows
    /// BUS_ADDR, but each GPU's BAR1 exposes 256 MiB of its 24 GiB (Resizable BAR up to 32 GiB).
    static let text = """
        <?xml version="1.0"?>
        <topology name="rebar" version="1">
          <socket id="cpu0" vendor="amd" family="0x19">
            <memory capacity="64 GiB" bandwidth="80 GB/s" latency="90 ns"/>
            <rootComplex id="rc0" hostBridge="1022:14d8" p2p="readwrite">
              <rootPort id="rp0" device="1" gen="4" width="16">
                <switch id="sw" gen="4" width="16" latency="105 ns">
                  <downstreamPort id="sw.0">
                    <endpoint id="gpu0" kind="gpu" pciId="10de:2204" gen="4" width="16">
                      <bar index="1" size="256 MiB" bits="64" prefetchable="true" exposes="memory" resizable="256 MiB, 1 GiB, 32 GiB"/>
                      <memory capacity="24 GiB" bandwidth="936 GB/s" latency="500 ns"/>
                    </endpoint>
                  </downstreamPort>
                  <downstreamPort id="sw.1">
                    <endpoint id="gpu1" kind="gpu" pciId="10de:2204" gen="4" width="16">
                      <bar index="1" size="256 MiB" bits="64" prefetchable="true" exposes="memory" resizable="256 MiB, 1 GiB, 32 GiB"/>
                      <memory capacity="24 GiB" bandwidth="936 GB/s" latency="500 ns"/>
                    </endpoint>
                  </downstreamPort>
                </switch>
              </rootPort>
            </rootComplex>
          </socket>
        </topology>
        """

    func planner() throws -> TransferPlanner {
        TransferPlanner(machine: try EnumeratedMachine(try TopologyLoader.load(text: Self.text, file: "rebar.xml")))
    }

    @Test func aBufferInsideTheWindowGoesPeerToPeer() throws {
        let p = try planner()
        let plan = try p.plan(from: p.end(named: "gpu0"), to: p.end(named: "gpu1"), buffer: (0, 128 << 20))
        #expect(plan.mechanism == .pcieP2PBusAddress)
    }

    @Test func aBufferBeyondTheWindowBouncesAndResizableBARFixesIt() throws {
        let p = try planner()
        let buffer: (offset: UInt64, size: UInt64) = (1 << 30, 256 << 20)
        let bounced = try p.plan(from: p.end(named: "gpu0"), to: p.end(named: "gpu1"), buffer: buffer)
        #expect(bounced.mechanism == .bounce)
        #expect(bounced.mapType == "BUS_ADDR")
        #expect(bounced.notes.first?.contains("beyond its BAR1 window of 256 MiB") == true)
        #expect(bounced.notes.first?.contains("Resizable BAR (up to 32 GiB)") == true)
        #expect(throws: TransferPlanningError.self) {
            try p.plan(from: p.end(named: "gpu0"), to: p.end(named: "gpu1"), choice: .p2p, buffer: buffer)
        }
        let rebar = try p.plan(from: p.end(named: "gpu0"), to: p.end(named: "gpu1"), buffer: buffer, resizableBAR: true)
        #expect(rebar.mechanism == .pcieP2PBusAddress)
    }

    @Test func aBufferBeyondTheMemoryIsAnError() throws {
        let p = try planner()
        #expect(throws: TransferPlanningError.self) {
            try p.plan(
                from: p.end(named: "gpu0"), to: p.end(named: "gpu1"), buffer: (23 << 30, 2 << 30), resizableBAR: true)
        }
    }
}
