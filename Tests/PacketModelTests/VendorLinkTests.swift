import LinkProtocols
import PCIeProtocol
import Testing
import Units

@testable import PacketModel

/// Vendor links in the packet model against the flit accounting of `LinkProtocols`, by hand.
@Suite("Packet model: vendor links at flit level")
struct VendorLinkTests {
    /// A requester writing over `profile` (100 ns each way) into an unlimited memory.
    static func write(_ profile: LinkProfile, bytes: UInt64, requestBytes: TransactionSizeLimit = .bytes256) throws
        -> PacketResult
    {
        var fabric = PacketFabric()
        fabric.addVendorLink(forward: "a->b", backward: "b->a", profile: profile, latency: .ns(100))
        fabric.add(PacketStage(id: "b.memory", kind: .memory(latency: .ns(50), bandwidth: nil)))
        return try PacketSimulation.run(
            fabric: fabric,
            transfers: [
                PacketTransfer(
                    kind: .write, bytes: bytes,
                    requester: RequesterParameters(maxPayloadSize: requestBytes, maxReadRequestSize: requestBytes),
                    requestRoute: ["a->b", "b.memory"], tag: "w")
            ])
    }

    @Test("NVLink4, one link: 4096 writes of 256 B are 4096 x 17 flits at 25 GB/s, each answered by one flit")
    func nvlinkWrite() throws {
        let result = try Self.write(NVLinkProtocol.profile(.nvlink4), bytes: 1 << 20)
        let transfer = try #require(result.transfer("w"))
        // 272 B at 40 ps/B = 10,880 ps per packet; the last ends at 4096 x 10,880 ps, arrives 100 ns
        // later and is written at once (unlimited memory): credits (2,048 flits) never bind.
        #expect(transfer.finish.rawValue == 4096 * 10_880 + 100_000)
        let forward = try #require(result.stage("a->b"))
        #expect(forward.tlpBytes == 4096 * 272)
        #expect(forward.busyTime.rawValue == 4096 * 10_880)
        #expect(forward.acks == 0 && forward.updateFCs == 0)
        let backward = try #require(result.stage("b->a"))
        #expect(backward.dllpsTransmitted == 4096)  // one write response per request
        #expect(backward.busyTime.rawValue == 4096 * 16 * 40)
        #expect(
            abs(
                transfer.achievedBandwidth.bytesPerSecond / 25e9
                    - NVLinkProtocol.profile(.nvlink4)
                    .payloadEfficiency(.write, payload: 256)) < 0.003)
    }

    @Test("NVLink4, 18 bonded links: packets spread over the lanes, 18 times the rate")
    func bondedLanes() throws {
        let single = try #require(try Self.write(NVLinkProtocol.profile(.nvlink4), bytes: 18 << 20).transfer("w"))
        let bonded = try #require(
            try Self.write(NVLinkProtocol.profile(.nvlink4, bonded: 18), bytes: 18 << 20).transfer("w"))
        // 73,728 packets of 10,880 ps: on 18 lanes, 4,096 rounds.
        #expect(single.finish.rawValue == 73_728 * 10_880 + 100_000)
        #expect(bonded.finish.rawValue == 4096 * 10_880 + 100_000)
    }

    @Test("XGMI (MI300X): a 256 B write is 4 packets of 80 B at 64 GB/s x 128/130")
    func xgmiWrite() throws {
        let result = try Self.write(XGMIProtocol.profile(.mi300), bytes: 1 << 20)
        let transfer = try #require(result.transfer("w"))
        // 4096 x 320 B = 1,310,720 B at 63.015 GB/s = 20.8 us exactly (up to the last picosecond).
        let serialisation = Int64(transfer.finish.rawValue) - 100_000 - 20_800_000
        #expect(abs(serialisation) <= 1)
        #expect(try #require(result.stage("a->b")).tlpBytes == 4096 * 320)
        #expect(try #require(result.stage("b->a")).dllpsTransmitted == 0)  // posted writes
    }

    @Test("UPI at 10.4 GT/s: 64 B writes are 9 flits; 20.8 GB/s of flit payload gives 18.49 GB/s")
    func upiWrite() throws {
        let profile = SocketLinkProtocol.profile(.upi(gigatransfersPerSecond: 10.4))
        let result = try Self.write(profile, bytes: 1 << 20, requestBytes: .bytes128)
        let transfer = try #require(result.transfer("w"))
        // A 128 B request is two lines: 2 x (8 + 64) B of flit payload; 20.8 GB/s of it.
        #expect(try #require(result.stage("a->b")).tlpBytes == 8192 * 144)
        let expected = 20.8e9 * 64 / 72
        #expect(abs(transfer.achievedBandwidth.bytesPerSecond / expected - 1) < 0.01)
    }

    @Test("NVLink2 reads: header-only requests one way, 17-flit responses the other")
    func nvlinkRead() throws {
        var fabric = PacketFabric()
        fabric.addVendorLink(
            forward: "a->b", backward: "b->a", profile: NVLinkProtocol.profile(.nvlink2), latency: .ns(100))
        fabric.add(PacketStage(id: "b.memory", kind: .memory(latency: .ns(50), bandwidth: nil)))
        let result = try PacketSimulation.run(
            fabric: fabric,
            transfers: [
                PacketTransfer(
                    kind: .read, bytes: 1 << 20,
                    requester: RequesterParameters(maxPayloadSize: .bytes256, maxReadRequestSize: .bytes256),
                    requestRoute: ["a->b", "b.memory"], completionRoute: ["b->a"], tag: "r")
            ])
        #expect(try #require(result.stage("a->b")).tlpBytes == 4096 * 16)
        #expect(try #require(result.stage("b->a")).tlpBytes == 4096 * 272)
        let transfer = try #require(result.transfer("r"))
        #expect(abs(transfer.achievedBandwidth.bytesPerSecond / (25e9 * 256 / 272) - 1) < 0.01)
        #expect(transfer.bottleneck.cause == .stage("b->a"))
    }

    @Test("A cross-socket PCIe write: Gen4 x16 links on both sides of one UPI link, which binds")
    func crossSocket() throws {
        var fabric = PacketFabric()
        let gen4 = PCIeLinkConfiguration(generation: .gen4, width: .x16)
        fabric.addLink(downstream: "gpu0.down", upstream: "gpu0.up", configuration: gen4, latency: .ns(50))
        fabric.add(PacketStage(id: "rc0", kind: .switchCrossing(latency: .ns(100), bandwidth: nil)))
        fabric.addVendorLink(
            forward: "cpu0->cpu1", backward: "cpu1->cpu0",
            profile: SocketLinkProtocol.profile(.upi(gigatransfersPerSecond: 10.4)), latency: .ns(100))
        fabric.add(PacketStage(id: "rc1", kind: .switchCrossing(latency: .ns(100), bandwidth: nil)))
        fabric.addLink(
            downstream: "gpu1.down", upstream: "gpu1.up", configuration: gen4, latency: .ns(50),
            downstreamCredits: .endpoint)
        fabric.add(PacketStage(id: "gpu1.memory", kind: .memory(latency: .ns(300), bandwidth: nil)))
        let result = try PacketSimulation.run(
            fabric: fabric,
            transfers: [
                PacketTransfer(
                    kind: .write, bytes: 4 << 20,
                    requestRoute: ["gpu0.up", "rc0", "cpu0->cpu1", "rc1", "gpu1.down", "gpu1.memory"], tag: "w")
            ])
        let transfer = try #require(result.transfer("w"))
        // A 256 B MWr is 4 lines: 4 x (8 + 64) B of flit payload at 20.8 GB/s.
        #expect(abs(transfer.achievedBandwidth.bytesPerSecond / (20.8e9 * 64 / 72) - 1) < 0.01)
        #expect(transfer.bottleneck.cause == .stage("cpu0->cpu1"))
        #expect(try #require(result.stage("cpu0->cpu1")).tlpBytes == 16384 * 4 * 72)
    }
}

