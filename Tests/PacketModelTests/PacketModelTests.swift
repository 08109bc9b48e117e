import PCIeProtocol
import Testing
import Units

@testable import PacketModel

/// A requester on one link, its completer's memory on the other end.
func singleLink(_ configuration: PCIeLinkConfiguration, memoryLatency: Picoseconds = .ns(20)) -> PacketFabric {
    PacketScenarios.singleLink(configuration, memoryLatency: memoryLatency)
}

/// The analytical payload bandwidth of PCIeProtocol for the same transfer.
func analytical(_ configuration: PCIeLinkConfiguration, _ operation: DMAOperation, bytes: Int) -> Double {
    PacketModelFigures.analytical(configuration, operation, bytes: bytes)
}

/// GB/s with four decimals, as docs/packet-model.md prints them.
func gigabytes(_ bytesPerSecond: Double) -> String { formatDecimal(bytesPerSecond / 1e9, maxFractionDigits: 4) }

/// Relative difference of `a` from `b`.
func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / b }

@Suite("Packet model: single link against PCIeProtocol's accounting")
struct SingleLinkTests {
    static let links: [(PCIeGeneration, LinkWidth)] = [(.gen3, .x8), (.gen4, .x16), (.gen5, .x16)]
    /// The simulated figures (GB/s), as docs/packet-model.md shows them.
    static let simulatedWrites: [PCIeGeneration: String] = [.gen3: "7.1824", .gen4: "28.7265", .gen5: "57.4451"]
    static let simulatedReads: [PCIeGeneration: String] = [.gen3: "7.2222", .gen4: "28.9703", .gen5: "57.8927"]

    @Test("1 MiB writes at MPS 256 match effectiveBandwidth within 1%", arguments: links)
    func writes(generation: PCIeGeneration, width: LinkWidth) throws {
        let configuration = PCIeLinkConfiguration(generation: generation, width: width, maxPayloadSize: .bytes256)
        let bytes = 1 << 20
        let result = try PacketSimulation.run(
            fabric: singleLink(configuration),
            transfers: [PacketTransfer(kind: .write, bytes: UInt64(bytes), requestRoute: ["dn", "mem"], tag: "w")])
        let transfer = try #require(result.transfer("w"))
        let expected = analytical(configuration, .write, bytes: bytes)
        #expect(relative(transfer.achievedBandwidth.bytesPerSecond, expected) < 0.01)
        #expect(gigabytes(transfer.achievedBandwidth.bytesPerSecond) == Self.simulatedWrites[generation])
        #expect(transfer.tlps.memoryWrites == bytes / 256)
        #expect(transfer.status == .success)
        #expect(result.bottleneck.cause == .stage("dn"))
    }

    @Test("1 MiB reads (MRRS 512, 256 tags) match effectiveBandwidth within 1%", arguments: links)
    func reads(generation: PCIeGeneration, width: LinkWidth) throws {
        let configuration = PCIeLinkConfiguration(generation: generation, width: width, maxPayloadSize: .bytes256)
        let bytes = 1 << 20
        let result = try PacketSimulation.run(
            fabric: singleLink(configuration),
            transfers: [
                PacketTransfer(
                    kind: .read, bytes: UInt64(bytes), requestRoute: ["up", "mem"], completionRoute: ["dn"], tag: "r")
            ])
        let transfer = try #require(result.transfer("r"))
        let expected = analytical(configuration, .read, bytes: bytes)
        #expect(relative(transfer.achievedBandwidth.bytesPerSecond, expected) < 0.01)
        #expect(gigabytes(transfer.achievedBandwidth.bytesPerSecond) == Self.simulatedReads[generation])
        #expect(transfer.tlps.memoryReads == bytes / 512)
        #expect(transfer.tlps.completionsWithData == bytes / 256)
        #expect(result.bottleneck.cause == .stage("dn"))
    }
}

@Suite("Packet model: flow control, tags, splitting, errors")
struct BehaviourTests {
    /// Two Gen4 x16 sources into a switch whose uplink is Gen3 x8.
    static func sharedUplink() -> (PacketFabric, [PacketTransfer]) {
        let scenario = PacketScenarios.sharedUplink()
        return (scenario.fabric, scenario.transfers)
    }

    @Test("Two writers into one slow uplink: half each, stall on the fast inputs")
    func backPressure() throws {
        let (fabric, transfers) = Self.sharedUplink()
        let result = try PacketSimulation.run(fabric: fabric, transfers: transfers)
        let slow = PCIeLinkConfiguration(generation: .gen3, width: .x8)
        let share = analytical(slow, .write, bytes: 8 << 20) / 2
        for name in ["A", "B"] {
            let transfer = try #require(result.transfer(name))
            #expect(relative(transfer.achievedBandwidth.bytesPerSecond, share) < 0.05)
            #expect(transfer.bottleneck.cause == .stage("uplink"))
        }
        for input in ["a.in", "b.in"] {
            let stage = try #require(result.stage(StageID(input)))
            #expect(stage.flowControlStallTime > .us(100))
        }
        let uplink = try #require(result.stage("uplink"))
        #expect(uplink.busyFraction > 0.95)
        #expect(uplink.flowControlStallTime == .zero)
        let figures = try PacketModelFigures.sharedUplink()
        #expect(figures.bandwidths.map(gigabytes) == ["3.5911", "3.5909"])
        #expect(figures.stalls.map { $0.rawValue / 1_000_000 } == [1018, 1018])
    }

    /// A Gen4 x16 link to a memory whose latency makes the round trip about 2 us.
    static func longPath(tags: Int, bytes: UInt64) throws -> PacketTransferResult {
        let scenario = PacketScenarios.longRoundTripRead(tags: tags, bytes: bytes)
        let result = try PacketSimulation.run(fabric: scenario.fabric, transfers: scenario.transfers)
        return try #require(result.transfer("r"))
    }

    @Test("32 tags × 512 B over a 2 us round trip give about 8.2 GB/s; 256 tags reach the link")
    func tagLimit() throws {
        let limited = try Self.longPath(tags: 32, bytes: 16 << 20)
        #expect(relative(limited.achievedBandwidth.bytesPerSecond, 32 * 512 / 2e-6) < 0.03)
        #expect(gigabytes(limited.achievedBandwidth.bytesPerSecond) == "8.1966")
        #expect(limited.bottleneck.cause == .tags)
        let open = try Self.longPath(tags: 256, bytes: 16 << 20)
        let link = analytical(PCIeLinkConfiguration(generation: .gen4, width: .x16), .read, bytes: 16 << 20)
        #expect(relative(open.achievedBandwidth.bytesPerSecond, link) < 0.02)
        #expect(gigabytes(open.achievedBandwidth.bytesPerSecond) == "28.8754")
        #expect(open.bottleneck.cause == .stage("dn"))
    }

    @Test("8 KiB written from 0x0F80 at MPS 256: 33 MWr, never across 4 KiB")
    func fourKiBBoundary() throws {
        // By hand: 0x0F80..0x1000 is 128 B (cut at the 4 KiB boundary); 0x1000..0x2000 is 16 × 256 B;
        // 0x2000..0x2F80 is 3968 B = 15 × 256 B + 128 B. So 31 TLPs of 256 B and 2 of 128 B.
        let configuration = PCIeLinkConfiguration(generation: .gen3, width: .x8)
        let result = try PacketSimulation.run(
            fabric: singleLink(configuration),
            transfers: [
                PacketTransfer(kind: .write, bytes: 8192, startAddress: 0x0F80, requestRoute: ["dn", "mem"], tag: "w")
            ])
        let transfer = try #require(result.transfer("w"))
        #expect(transfer.tlps.memoryWrites == 33)
        let link = try #require(result.stage("dn"))
        #expect(link.tlpCount == 33)
        #expect(link.payloadBytes == 8192)
        // 4DW header + 8 B framing = 24 B per MWr.
        #expect(link.tlpBytes == 31 * (256 + 24) + 2 * (128 + 24))
    }

    /// Two endpoints under different root ports of a root complex that forwards writes only.
    static func writesOnlyRootComplex() -> PacketFabric {
        var fabric = PacketFabric()
        let configuration = PCIeLinkConfiguration(generation: .gen4, width: .x16)
        fabric.addLink(downstream: "a.dn", upstream: "a.up", configuration: configuration, latency: .ns(5))
        fabric.addLink(downstream: "b.dn", upstream: "b.up", configuration: configuration, latency: .ns(5))
        fabric.add(
            PacketStage(
                id: "rc", kind: .rootComplexForwarding(latency: .ns(200), bandwidth: nil, forwardsReads: false)))
        fabric.add(PacketStage(id: "bar", kind: .memory(latency: .ns(300), bandwidth: nil)))
        return fabric
    }

    @Test("A writes-only root complex completes a peer read with Unsupported Request and forwards a write")
    func unsupportedRequest() throws {
        let fabric = Self.writesOnlyRootComplex()
        let read = PacketTransfer(
            kind: .read, bytes: 64 << 10, requestRoute: ["a.up", "rc", "b.dn", "bar"],
            completionRoute: ["b.up", "rc", "a.dn"], tag: "read")
        let write = PacketTransfer(
            kind: .write, bytes: 64 << 10, startAddress: 1 << 20, requestRoute: ["a.up", "rc", "b.dn", "bar"],
            tag: "write")
        let result = try PacketSimulation.run(fabric: fabric, transfers: [read, write])
        let r = try #require(result.transfer("read"))
        #expect(r.status == .unsupportedRequest)
        #expect(r.dataIsAllOnes)
        #expect(r.tlps.memoryReads == 128)
        #expect(r.unsupportedRequests == 128)
        #expect(r.tlps.completionsWithoutData == 128)
        #expect(r.tlps.completionsWithData == 0)
        #expect(r.finish > r.start)
        let w = try #require(result.transfer("write"))
        #expect(w.status == .success)
        #expect(!w.dataIsAllOnes)
        let bar = try #require(result.stage("bar"))
        #expect(bar.payloadBytes == 64 << 10)  // only the write's bytes reached the peer
        let bLink = try #require(result.stage("b.dn"))
        #expect(bLink.tlpCount == 256)  // the write's MWrs; no MRd crossed
    }

    @Test("A DMA rate cap below the link is reported as the bottleneck")
    func dmaEngine() throws {
        let configuration = PCIeLinkConfiguration(generation: .gen3, width: .x8)
        let result = try PacketSimulation.run(
            fabric: singleLink(configuration),
            transfers: [
                PacketTransfer(
                    kind: .write, bytes: 1 << 20,
                    requester: RequesterParameters(dmaRate: .gigabytesPerSecond(2)),
                    requestRoute: ["dn", "mem"], tag: "w")
            ])
        let transfer = try #require(result.transfer("w"))
        #expect(relative(transfer.achievedBandwidth.gigabytesPerSecond, 2) < 0.01)
        #expect(transfer.bottleneck.cause == .dmaEngine)
    }

    @Test("Same inputs, byte-identical result description")
    func determinism() throws {
        let (fabric, transfers) = Self.sharedUplink()
        let first = try PacketSimulation.run(fabric: fabric, transfers: transfers).description
        let second = try PacketSimulation.run(fabric: fabric, transfers: transfers).description
        #expect(first == second)
        #expect(first.contains("transfer A: write"))
    }

    @Test("Bad descriptions are refused with a reason")
    func validation() {
        var fabric = singleLink(PCIeLinkConfiguration(generation: .gen3, width: .x8))
        #expect(throws: PacketModelError.self) {
            try PacketSimulation(
                fabric: fabric, transfers: [PacketTransfer(kind: .write, bytes: 64, requestRoute: ["dn"], tag: "x")])
        }
        #expect(throws: PacketModelError.self) {
            try PacketSimulation(
                fabric: fabric,
                transfers: [PacketTransfer(kind: .read, bytes: 64, requestRoute: ["up", "mem"], tag: "x")])
        }
        fabric.add(PacketStage(id: "mem", kind: .memory(latency: .zero, bandwidth: nil)))
        #expect(throws: PacketModelError.self) { try PacketSimulation(fabric: fabric, transfers: []) }
    }
}

@Suite("Packet model: two-level switch tree")
struct SwitchTreeTests {
    @Test("A peer write across endpoint → switch → switch → switch → endpoint runs at the link's rate")
    func treeBandwidth() throws {
        let scenario = PacketScenarios.twoLevelSwitchTreeWrite(bytes: 16 << 20)
        let result = try PacketSimulation.run(fabric: scenario.fabric, transfers: scenario.transfers)
        let transfer = try #require(result.transfers.first)
        let link = analytical(PCIeLinkConfiguration(generation: .gen4, width: .x16), .write, bytes: 16 << 20)
        #expect(relative(transfer.achievedBandwidth.bytesPerSecond, link) < 0.01)
        #expect(gigabytes(transfer.achievedBandwidth.bytesPerSecond) == "28.7139")
        #expect(transfer.tlps.memoryWrites == (16 << 20) / 256)
        for id in ["ep0.up", "leaf0.up", "leaf1.dn", "ep1.dn"] {
            #expect(result.stage(StageID(id))?.tlpCount == (16 << 20) / 256)
        }
    }

    @Test("Memory is bounded by credits: the TLP pool peaks at the same size for 4 MiB and 64 MiB")
    func boundedMemory() throws {
        func peakPool(_ bytes: UInt64) throws -> (Int, Int) {
            let scenario = PacketScenarios.twoLevelSwitchTreeWrite(bytes: bytes)
            var simulation = try PacketSimulation(fabric: scenario.fabric, transfers: scenario.transfers)
            _ = try simulation.run()
            return (simulation.simulation.model.pool.count, simulation.simulation.model.batches.count)
        }
        let small = try peakPool(4 << 20)
        let large = try peakPool(64 << 20)
        #expect(small == large)
        #expect(large.0 < 1_000)
    }
}

@Suite("Packet model: a device's requests behind its own posted writes")
struct PostedBacklogTests {
    /// A device on a Gen4 x16 link writes 32 MiB (its engines at 64 GB/s, faster than the link)
    /// and reads 4 MiB with 16 tags through the same transmitter, to a memory 500 ns away.
    static func run(backlog: Int) throws -> (read: PacketTransferResult, write: PacketTransferResult) {
        let configuration = PCIeLinkConfiguration(generation: .gen4, width: .x16)
        var fabric = PacketFabric()
        fabric.addLink(
            downstream: "dn", upstream: "up", configuration: configuration, latency: .ns(5),
            downstreamCredits: .endpoint, upstreamCredits: .endpoint)
        fabric.add(PacketStage(id: "mem", kind: .memory(latency: .ns(500), bandwidth: nil)))
        let writer = RequesterParameters(dmaRate: .gigabytesPerSecond(64), postedBacklog: backlog)
        let reader = RequesterParameters(outstandingReadTags: 16, postedBacklog: backlog)
        let transfers = [
            PacketTransfer(kind: .write, bytes: 32 << 20, requester: writer, requestRoute: ["up", "mem"], tag: "w"),
            PacketTransfer(
                kind: .read, bytes: 4 << 20, startAddress: 1 << 32, requester: reader, requestRoute: ["up", "mem"],
                completionRoute: ["dn"], tag: "r"),
        ]
        let result = try PacketSimulation.run(fabric: fabric, transfers: transfers)
        return (try #require(result.transfer("r")), try #require(result.transfer("w")))
    }

    @Test("reads wait behind the writer's backlog: 16 x 512 B per (round trip + 48 KiB at the link's rate)")
    func requestsWaitBehindTheBacklog() throws {
        let open = try Self.run(backlog: 0)
        let ordered = try Self.run(backlog: 48 << 10)
        // Without a backlog the requests pass the writes round-robin, one write ahead at most:
        // the read's round trip is its tags' bytes over its rate.
        let roundTrip = 16 * 512 / open.read.achievedBandwidth.bytesPerSecond
        #expect(roundTrip < 0.7e-6, "\(roundTrip)")
        // With one, every request waits for the 48 KiB ahead of it to drain at the write rate.
        let drain = Double(48 << 10) / ordered.write.achievedBandwidth.bytesPerSecond
        let expected = 16 * 512 / (roundTrip + drain)
        #expect(relative(ordered.read.achievedBandwidth.bytesPerSecond, expected) < 0.05, "\(expected)")
        #expect(ordered.read.achievedBandwidth.bytesPerSecond < 0.5 * open.read.achievedBandwidth.bytesPerSecond)
        // The writes keep the link busy either way.
        #expect(relative(ordered.write.achievedBandwidth.bytesPerSecond, open.write.achievedBandwidth.bytesPerSecond) < 0.03)
    }
}
