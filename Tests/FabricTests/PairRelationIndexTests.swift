import Fabric
import Foundation
import Testing
import Topology

@Suite("Pair relations by index (show's matrix at scale)")
struct PairRelationIndexTests {
    static let names = [
        "default", "dgx1-v100", "dgx-a100", "hgx-h100", "mi250x-node", "mi300x-8", "workstation-pcie-switch",
        "intel-client", "gpudirect-storage",
    ]

    @Test("Every endpoint pair of every bundled topology relates as Topology.relation does", arguments: names)
    func sameAsTopology(name: String) throws {
        let path = bundledTopologies.appendingPathComponent(name + ".xml").path
        let topology = try TopologyLoader.load(contentsOf: path)
        let devices = topology.endpointIndices
        let index = PairRelationIndex(topology: topology, devices: devices)
        var codes = [UInt8](repeating: 0, count: devices.count)
        for a in devices.indices {
            let vendor = index.vendorRelations(of: a)
            codes.withUnsafeMutableBufferPointer { index.pcieRow(a, into: $0) }
            for b in devices.indices {
                let expected = topology.relation(between: devices[a], and: devices[b])
                #expect(index.relation(a, b) == expected, "\(name): \(devices[a]) \(devices[b])")
                let row = vendor[b] ?? PairRelationIndex.pcieCodes[Int(codes[b])]
                #expect(row == expected, "\(name) row: \(devices[a]) \(devices[b])")
            }
        }
    }

    @Test("Nested switches: PIX under one switch, PXB across two, PHB across root ports, NODE and SYS")
    func nestedSwitches() throws {
        let text = """
            <?xml version="1.0"?>
            <topology name="nested" version="1">
              <socket id="cpu0" vendor="amd" family="0x19">
                <rootComplex id="rc0" hostBridge="1022:14a4" p2p="readwrite" segment="0">
                  <rootPort id="rp0" device="1" gen="4" width="16">
                    <switch id="top" gen="4" width="16" latency="105 ns">
                      <downstreamPort id="top.dp0">
                        <switch id="leaf0" gen="4" width="16" latency="105 ns">
                          <downstreamPort id="leaf0.dp0"><endpoint id="a" kind="gpu" pciId="10de:2330" gen="4" width="16"/></downstreamPort>
                          <downstreamPort id="leaf0.dp1"><endpoint id="b" kind="gpu" pciId="10de:2330" gen="4" width="16"/></downstreamPort>
                        </switch>
                      </downstreamPort>
                      <downstreamPort id="top.dp1"><endpoint id="c" kind="gpu" pciId="10de:2330" gen="4" width="16"/></downstreamPort>
                    </switch>
                  </rootPort>
                  <rootPort id="rp1" device="2" gen="4" width="16"><endpoint id="d" kind="gpu" pciId="10de:2330" gen="4" width="16"/></rootPort>
                </rootComplex>
                <rootComplex id="rc1" hostBridge="1022:14a4" p2p="readwrite" segment="1">
                  <rootPort id="rp2" device="1" gen="4" width="16"><endpoint id="e" kind="gpu" pciId="10de:2330" gen="4" width="16"/></rootPort>
                </rootComplex>
              </socket>
              <socket id="cpu1" vendor="amd" family="0x19">
                <rootComplex id="rc2" hostBridge="1022:14a4" p2p="readwrite" segment="2">
                  <rootPort id="rp3" device="1" gen="4" width="16"><endpoint id="f" kind="gpu" pciId="10de:2330" gen="4" width="16"/></rootPort>
                </rootComplex>
              </socket>
            </topology>
            """
        let topology = try TopologyLoader.load(text: text, file: "nested.xml")
        let devices = ["a", "b", "c", "d", "e", "f"].compactMap { topology.nodeIndex(of: $0) }
        let index = PairRelationIndex(topology: topology, devices: devices)
        let row = devices.indices.map { index.relation(0, $0).description }
        #expect(row == ["X", "PIX", "PXB", "PHB", "NODE", "SYS"])
        for a in devices.indices {
            for b in devices.indices {
                #expect(index.relation(a, b) == topology.relation(between: devices[a], and: devices[b]))
            }
        }
    }
}
