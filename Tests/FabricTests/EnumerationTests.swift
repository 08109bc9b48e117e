import Fabric
import Testing
import Topology

@Suite("Enumeration")
struct EnumerationTests {
    static let text = """
        <?xml version="1.0"?>
        <topology name="tree" version="1">
          <socket id="cpu0" vendor="amd" family="0x19">
            <rootComplex id="rc0" hostBridge="1022:1480" p2p="readwrite">
              <rootPort id="rp0" device="1" gen="4" width="16">
                <switch id="top" gen="4" width="16" latency="105 ns">
                  <downstreamPort id="top.0">
                    <switch id="mid" gen="4" width="16" latency="105 ns">
                      <downstreamPort id="mid.0">
                        <switch id="leaf" gen="4" width="16" latency="105 ns">
                          <downstreamPort id="leaf.0">
                            <endpoint id="gpu0" kind="gpu" pciId="10de:20b0" gen="4" width="16">
                              <bar index="0" size="16 MiB" bits="32" prefetchable="false"/>
                              <bar index="1" size="64 GiB" bits="64" prefetchable="true"/>
                            </endpoint>
                          </downstreamPort>
                          <downstreamPort id="leaf.1">
                            <endpoint id="gpu1" kind="gpu" pciId="10de:20b0" gen="4" width="16">
                              <bar index="1" size="64 GiB" bits="64" prefetchable="true"/>
                            </endpoint>
                          </downstreamPort>
                        </switch>
                      </downstreamPort>
                    </switch>
                  </downstreamPort>
                  <downstreamPort id="top.1">
                    <endpoint id="nic0" kind="nic" pciId="15b3:101b" gen="4" width="16">
                      <bar index="0" size="32 MiB" bits="64" prefetchable="true"/>
                    </endpoint>
                  </downstreamPort>
                </switch>
              </rootPort>
            </rootComplex>
          </socket>
        </topology>
        """

    @Test func busNumbersAreDepthFirst() throws {
        let machine = try EnumeratedMachine(try TopologyLoader.load(text: Self.text, file: "tree.xml"))
        let topology = machine.topology
        func node(_ id: String) -> EnumeratedNode { machine.nodes[topology.nodeIndex(of: id) ?? 0] }
        #expect(node("rp0").address.description == "0000:00:01.0")
        #expect(node("rp0").secondaryBus == 1 && node("rp0").subordinateBus == 9)
        #expect(node("top").address.bus == 1 && node("top").secondaryBus == 2)
        #expect(node("mid").address.bus == 3)
        #expect(node("leaf").address.bus == 5)
        #expect(node("gpu0").address.description == "0000:07:00.0")
        #expect(node("gpu1").address.description == "0000:08:00.0")
        #expect(node("nic0").address.description == "0000:09:00.0")
    }

    @Test func barsLieInsideEveryWindowAbove() throws {
        let machine = try EnumeratedMachine(try TopologyLoader.load(text: Self.text, file: "tree.xml"))
        let topology = machine.topology
        for endpoint in topology.endpointIndices {
            let details = topology.nodes[endpoint].endpoint
            for (bar, range) in zip(details?.bars ?? [], machine.nodes[endpoint].barRanges) {
                #expect(range.base % bar.size.bytes == 0, "BAR naturally aligned")
                var ancestor = topology.nodes[endpoint].parent
                while let index = ancestor {
                    let window =
                        bar.prefetchable && bar.is64Bit
                        ? machine.nodes[index].prefetchableWindow : machine.nodes[index].memoryWindow
                    #expect(
                        window.contains(range.base) && window.contains(range.end - 1),
                        "\(topology.nodes[endpoint].id) BAR\(bar.index) in \(topology.nodes[index].id)")
                    ancestor = topology.nodes[index].parent
                }
            }
        }
        // Every address has at most one owner.
        let gpu0 = machine.nodes[topology.nodeIndex(of: "gpu0") ?? 0].barRanges[1]
        #expect(machine.bar(containing: gpu0.base + 12345)?.node == topology.nodeIndex(of: "gpu0"))
        #expect(machine.bar(containing: 0x10) == nil)
    }
}

@Suite("Enumeration errors")
struct EnumerationErrorTests {
    @Test func overlappingRootBusesAreRefused() throws {
        let text = """
            <?xml version="1.0"?>
            <topology name="overlap" version="1">
              <socket id="cpu0" vendor="amd" family="0x19">
                <rootComplex id="rc0" hostBridge="1022:1480" p2p="readwrite" bus="0">
                  <rootPort id="rc0.rp0" device="1" gen="4" width="16">
                    <switch id="sw" gen="4" width="16" latency="105 ns">
                      <downstreamPort id="sw.0"/><downstreamPort id="sw.1"/><downstreamPort id="sw.2"/>
                    </switch>
                  </rootPort>
                </rootComplex>
                <rootComplex id="rc1" hostBridge="1022:1480" p2p="readwrite" bus="2"/>
              </socket>
            </topology>
            """
        let topology = try TopologyLoader.load(text: text, file: "overlap.xml")
        #expect(throws: EnumerationError.self) { try EnumeratedMachine(topology) }
        do {
            _ = try EnumeratedMachine(topology)
        } catch {
            #expect(error.location.line == 11)
            #expect(error.message.contains("rc1"))
        }
    }
}
