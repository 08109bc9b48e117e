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

extension PacketScenarios {
    /// A requester on one link (5 ns) and its completer's memory on the other end.
    ///
    /// The memory is unlimited, with `memoryLatency`; both directions advertise endpoint credits.
    /// Stages "dn" (toward the memory), "up", "mem".
    public static func singleLink(
        _ configuration: PCIeLinkConfiguration, memoryLatency: Picoseconds = .ns(20)
    ) -> PacketFabric {
        var fabric = PacketFabric()
        fabric.addLink(
            downstream: "dn", upstream: "up", configuration: configuration, latency: .ns(5),
            downstreamCredits: .endpoint, upstreamCredits: .endpoint)
        fabric.add(PacketStage(id: "mem", kind: .memory(latency: memoryLatency, bandwidth: nil)))
        return fabric
    }

    /// Two Gen4 x16 writers ("A" on "a.in", "B" on "b.in", 4 MiB each) into a switch ("sw") whose
    /// Gen3 x8 "uplink" leads to a 100 GB/s DRAM ("dram", 80 ns).
    public static func sharedUplink() -> (fabric: PacketFabric, transfers: [PacketTransfer]) {
        var fabric = PacketFabric()
        let fast = PCIeLinkConfiguration(generation: .gen4, width: .x16)
        let slow = PCIeLinkConfiguration(generation: .gen3, width: .x8)
        fabric.addLink(downstream: "a.in", upstream: "a.back", configuration: fast, latency: .ns(5))
        fabric.addLink(downstream: "b.in", upstream: "b.back", configuration: fast, latency: .ns(5))
        fabric.add(PacketStage(id: "sw", kind: .switchCrossing(latency: SwitchLatency.gen4, bandwidth: nil)))
        fabric.addLink(downstream: "uplink", upstream: "uplink.back", configuration: slow, latency: .ns(5))
        fabric.add(PacketStage(id: "dram", kind: .memory(latency: .ns(80), bandwidth: .gigabytesPerSecond(100))))
        let transfers = ["A", "B"].map { name in
            PacketTransfer(
                kind: .write, bytes: 4 << 20, startAddress: name == "A" ? 0 : 1 << 32,
                requestRoute: [StageID("\(name.lowercased()).in"), "sw", "uplink", "dram"], tag: name)
        }
        return (fabric, transfers)
    }

    /// A read ("r") of `bytes` over one Gen4 x16 link (no latency) from a memory whose 1,980 ns
    /// latency makes the round trip about 2 us, with `tags` read tags.
    public static func longRoundTripRead(
        tags: Int, bytes: UInt64
    ) -> (fabric: PacketFabric, transfers: [PacketTransfer]) {
        let configuration = PCIeLinkConfiguration(generation: .gen4, width: .x16)
        var fabric = PacketFabric()
        fabric.addLink(
            downstream: "dn", upstream: "up", configuration: configuration, latency: .zero,
            downstreamCredits: .endpoint, upstreamCredits: .endpoint)
        fabric.add(PacketStage(id: "mem", kind: .memory(latency: .ns(1_980), bandwidth: nil)))
        let transfer = PacketTransfer(
            kind: .read, bytes: bytes, requester: RequesterParameters(outstandingReadTags: tags),
            requestRoute: ["up", "mem"], completionRoute: ["dn"], tag: "r")
        return (fabric, [transfer])
    }
}
