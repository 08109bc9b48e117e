import Fabric
import Foundation
import Testing
import Topology

/// The repository's topologies/ folder.
let bundledTopologies: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("topologies")

func gpuMatrix(_ name: String) throws -> [[String]] {
    let topology = try TopologyLoader.load(contentsOf: bundledTopologies.appendingPathComponent(name + ".xml").path)
    let gpus = topology.endpoints(ofKind: .gpu)
    return gpus.map { a in gpus.map { b in topology.relation(between: a, and: b).description } }
}

@Suite("Device relations")
struct RelationTests {
    /// DGX-1 with V100: the GPU block of `nvidia-smi topo -m` (NVIDIA DGX-1 with Tesla V100
    /// System Architecture whitepaper, WP-08437-002, figure 3; hybrid cube-mesh).
    @Test func dgx1MatchesNvidiaSmi() throws {
        let expected = [
            "X NV1 NV1 NV2 NV2 SYS SYS SYS",
            "NV1 X NV2 NV1 SYS NV2 SYS SYS",
            "NV1 NV2 X NV2 SYS SYS NV1 SYS",
            "NV2 NV1 NV2 X SYS SYS SYS NV1",
            "NV2 SYS SYS SYS X NV1 NV1 NV2",
            "SYS NV2 SYS SYS NV1 X NV2 NV1",
            "SYS SYS NV1 SYS NV1 NV2 X NV2",
            "SYS SYS SYS NV1 NV2 NV1 NV2 X",
        ]
        #expect(try gpuMatrix("dgx1-v100").map { $0.joined(separator: " ") } == expected)
    }

    /// DGX A100 and HGX H100: every GPU pair is NV12 / NV18 through the NVSwitches.
    @Test(arguments: [("dgx-a100", "NV12"), ("hgx-h100", "NV18")])
    func nvswitchSystemsAreFullyConnected(name: String, relation: String) throws {
        let matrix = try gpuMatrix(name)
        #expect(matrix.count == 8)
        for (i, row) in matrix.enumerated() {
            for (j, cell) in row.enumerated() {
                #expect(cell == (i == j ? "X" : relation), "\(name) gpu\(i)-gpu\(j)")
            }
        }
    }

    @Test func pcieRelationsOfTheDefaultTopology() throws {
        let topology = try TopologyLoader.load(contentsOf: bundledTopologies.appendingPathComponent("default.xml").path)
        func id(_ name: String) -> Int { topology.nodeIndex(of: name) ?? -1 }
        #expect(topology.pcieRelation(between: id("gpu0"), and: id("gpu1")) == .pix)
        #expect(topology.pcieRelation(between: id("gpu0"), and: id("gpu2")) == .phb)
        #expect(topology.pcieRelation(between: id("gpu0"), and: id("gpu0")) == .same)
    }

    @Test func mi300xIsFullyConnectedByXGMI() throws {
        let matrix = try gpuMatrix("mi300x-8")
        #expect(matrix.flatMap { $0 }.filter { $0 == "XGMI" }.count == 56)
    }
}
