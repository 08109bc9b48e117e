import Fabric
import Testing
import Topology

/// A one-socket machine whose switch, downstream ports and endpoints carry `bus` attributes.
private func machine(gpuBus: String = "0x4e", nicBus: String = "0x4f", switchBus: String = "0x49") -> String {
    """
    <topology name="fixed" version="1">
      <socket id="cpu0" vendor="intel" family="6">
        <memory capacity="64 GiB" bandwidth="100 GB/s" latency="90 ns"/>
        <rootComplex id="rc0" hostBridge="8086:09a2" bus="0x48" p2p="readwrite">
          <rootPort id="rp" device="1" gen="5" width="16">
            <switch id="sw" bus="\(switchBus)" pciId="1000:c030" gen="5" width="16" latency="115 ns">
              <downstreamPort id="dp3" bus="0x4a" device="3">
                <endpoint id="gpu0" kind="gpu" pciId="10de:2330" bus="\(gpuBus)" gen="5" width="16"/>
              </downstreamPort>
              <downstreamPort id="dp4" bus="0x4a" device="4">
                <endpoint id="nic0" kind="nic" pciId="15b3:1021" bus="\(nicBus)" gen="5" width="16"/>
              </downstreamPort>
            </switch>
          </rootPort>
          <rootPort id="rp2" device="2" gen="5" width="16">
            <endpoint id="nvme0" kind="nvme" pciId="144d:a824" gen="4" width="4"/>
          </rootPort>
        </rootComplex>
      </socket>
    </topology>
    """
}

@Suite("fixed bus numbers")
struct FixedBusTests {
    @Test("enumeration keeps the buses the file gives and numbers the rest after them")
    func keepsBuses() throws {
        let enumerated = try EnumeratedMachine(try TopologyLoader.load(text: machine(), file: "fixed.xml"))
        let address = { (id: String) in enumerated.nodes[enumerated.topology.nodeIndex(of: id)!].address.description }
        #expect(address("gpu0") == "0000:4e:00.0")
        #expect(address("nic0") == "0000:4f:00.0")
        #expect(address("dp3") == "0000:4a:03.0")
        #expect(address("sw") == "0000:49:00.0")
        #expect(address("rp") == "0000:48:01.0")
        // The unnumbered port takes the next bus after those used.
        #expect(address("nvme0") == "0000:50:00.0")
        let rp = enumerated.nodes[enumerated.topology.nodeIndex(of: "rp")!]
        #expect(rp.secondaryBus == 0x49 && rp.subordinateBus == 0x4f)
    }

    @Test("a bus already used, or not above its parent's, is an enumeration error at the port")
    func conflicts() throws {
        let clash = try TopologyLoader.load(text: machine(nicBus: "0x4e"), file: "clash.xml")
        #expect(throws: EnumerationError.self) { try EnumeratedMachine(clash) }
        let below = try TopologyLoader.load(text: machine(switchBus: "0x47"), file: "below.xml")
        #expect(throws: EnumerationError.self) { try EnumeratedMachine(below) }
    }

    @Test("a bus outside 0-255 is a load error with its line")
    func outOfRange() {
        #expect {
            _ = try TopologyLoader.load(text: machine(gpuBus: "300"), file: "range.xml")
        } throws: { error in
            (error as? TopologyLoadError)?.diagnostics.contains { $0.location.line == 8 && $0.message.contains("300") } ?? false
        }
    }
}
