import Foundation
import Testing

@testable import Topology

@Suite("Bundled topologies")
struct BundledTopologyTests {
    static let files = [
        "default", "dgx1-v100", "dgx-a100", "hgx-h100", "mi250x-node", "mi300x-8", "workstation-pcie-switch",
        "intel-client", "gpudirect-storage",
    ]

    @Test(arguments: files)
    func everyBundledTopologyLoads(name: String) throws {
        let topology = try TopologyLoader.load(contentsOf: bundledTopologies.appendingPathComponent(name + ".xml").path)
        #expect(topology.name == name)
        #expect(!topology.endpoints(ofKind: .gpu).isEmpty)
        // GPUs are numbered gpu0...gpuN-1 in file (PCI bus) order.
        let gpus = topology.endpoints(ofKind: .gpu).map { topology.nodes[$0].id }
        #expect(Set(gpus) == Set((0..<gpus.count).map { "gpu\($0)" }))
    }
}
