// PacketScenarios.swift — ready-made fabrics for tests and benchmarks.
//
// Sources: switch latency from `SwitchLatency` (issue [3/9]); link settings from
// `PCIeLinkConfiguration`'s defaults (pcie-bench's: MPS 256, MRRS 512, RCB 64, 64-bit).

import PCIeProtocol
import Units

/// Small fabrics built from public figures, for tests, benchmarks and examples.
public enum PacketScenarios {
    /// A peer-to-peer write from one endpoint to another across a two-level switch tree:
    /// endpoint → leaf switch → top switch → leaf switch → endpoint.
    ///
    /// Four links (eight link directions: four carry the MWrs, four carry their DLLPs), three
    /// switch crossings of `SwitchLatency.gen4`, and the peer's memory. Link latency 5 ns.
    public static func twoLevelSwitchTreeWrite(
        bytes: UInt64, configuration: PCIeLinkConfiguration = PCIeLinkConfiguration(generation: .gen4, width: .x16)
    ) -> (fabric: PacketFabric, transfers: [PacketTransfer]) {
        var fabric = PacketFabric()
        let latency = Picoseconds.ns(5)
        fabric.addLink(
            downstream: "ep0.dn", upstream: "ep0.up", configuration: configuration, latency: latency,
            downstreamCredits: .endpoint)
        fabric.add(PacketStage(id: "leaf0", kind: .switchCrossing(latency: SwitchLatency.gen4, bandwidth: nil)))
        fabric.addLink(downstream: "leaf0.dn", upstream: "leaf0.up", configuration: configuration, latency: latency)
        fabric.add(PacketStage(id: "top", kind: .switchCrossing(latency: SwitchLatency.gen4, bandwidth: nil)))
        fabric.addLink(downstream: "leaf1.dn", upstream: "leaf1.up", configuration: configuration, latency: latency)
        fabric.add(PacketStage(id: "leaf1", kind: .switchCrossing(latency: SwitchLatency.gen4, bandwidth: nil)))
        fabric.addLink(
            downstream: "ep1.dn", upstream: "ep1.up", configuration: configuration, latency: latency,
            downstreamCredits: .endpoint)
        fabric.add(PacketStage(id: "ep1.mem", kind: .memory(latency: .ns(300), bandwidth: nil)))
        let transfer = PacketTransfer(
            kind: .write, bytes: bytes, startAddress: 1 << 40,
            requestRoute: ["ep0.up", "leaf0", "leaf0.up", "top", "leaf1.dn", "leaf1", "ep1.dn", "ep1.mem"],
            tag: "ep0→ep1")
        return (fabric, [transfer])
    }
}
