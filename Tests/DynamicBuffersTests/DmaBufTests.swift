import Engine
import Testing

@testable import DynamicBuffers

/// dma-buf: static and dynamic attachments, peer2peer, eviction with move_notify and fences.
@Suite struct DmaBufTests {
    /// gpu1 reads gpu0's 1 GiB buffer; gpu0 is evicted at 2 ms and the buffer returns at 25 ms.
    static let eviction = """
          <buffer id="b" device="gpu0" size="1 GiB"/>
          <attach id="a1" buffer="b" importer="gpu1"/>
          <dma at="0 ms" id="d1" via="a1" size="1 GiB"/>
          <evict at="2 ms" device="gpu0" size="1 GiB"/>
          <restore at="25 ms" buffer="b"/>
        """

    /// The engine's bandwidth for `bytes` on `plan`, alone on the machine.
    func engineBandwidth(_ scenario: TimelineScenario, _ plan: TransferPlan, bytes: UInt64) -> Double {
        let planner = TransferPlanner(machine: scenario.machine, parameters: scenario.parameters)
        return FlowEngine(planner: planner).run([ScheduledTransfer(label: "ref", plan: plan, bytes: bytes)])
            .outcomes[0].bandwidth
    }

    @Test func dynamicImportRunsThroughSystemMemoryAfterEvictionAndReturnsToPeerToPeer() throws {
        let scenario = try timeline("mi300x-8", Self.eviction)
        let run = BufferTimeline.run(scenario)
        #expect(run.violations.isEmpty)
        let dma = try #require(run.dma("d1"))
        #expect(dma.segments.map(\.path) == ["p2p", "system", "p2p"])
        #expect(dma.chunks.reduce(0) { $0 + $1.length } == 1 << 30)
        // The system-memory segment runs at the engine's host-to-device rate into gpu1 (the
        // second leg of a bounce), the peer segments at its peer rate.
        let planner = TransferPlanner(machine: scenario.machine, parameters: scenario.parameters)
        let gpu0 = try #require(scenario.machine.topology.nodeIndex(of: "gpu0"))
        let gpu1 = try #require(scenario.machine.topology.nodeIndex(of: "gpu1"))
        let hostToDevice = try planner.plan(from: .host(0), to: .device(gpu1))
        let system = dma.segments[1]
        let reference = engineBandwidth(scenario, hostToDevice, bytes: system.bytes)
        #expect(abs(system.bandwidth - reference) / reference < 0.02, "\(system.bandwidth) against \(reference)")
        let peer = try planner.plan(from: .device(gpu0), to: .device(gpu1), choice: .p2p, direction: .pull)
        let peerReference = engineBandwidth(scenario, peer, bytes: dma.segments[2].bytes)
        #expect(abs(dma.segments[2].bandwidth - peerReference) / peerReference < 0.02)
        // Each move: move_notify to the importer, a fence wait for the chunk in flight, the copy,
        // then a re-map before the next chunk.
        #expect(run.records(.moveNotify, subject: "a1").count == 2)
        #expect(run.records(.fenceWait, subject: "b").count == 2)
        #expect(run.records(.remap, subject: "a1").count == 2)
        #expect(run.records(.pathChange, subject: "d1").count == 2)
        #expect(run.placements["b"] == .vram)
    }

    @Test func chunksNeverLandWhileTheBufferIsCopied() throws {
        let run = try run("mi300x-8", Self.eviction)
        let dma = try #require(run.dma("d1"))
        for migration in run.records(.migration, subject: "b") {
            #expect(!dma.chunks.contains { $0.time > migration.start && $0.time < migration.end })
        }
        // The fence ends when the chunk in flight lands: the copy starts then.
        let fence = try #require(run.records(.fenceWait, subject: "b").first)
        #expect(dma.chunks.contains { $0.time == fence.end })
        #expect(run.records(.migration, subject: "b").first?.start == fence.end)
    }

    @Test func pinnedRDMAImportBlocksEvictionOfItsBuffer() throws {
        let body = """
              <buffer id="r" device="gpu0" size="256 MiB"/>
              <region id="mr0" nic="nic0" buffer="r"/>
              <dma at="0 ms" id="d" via="mr0" size="256 MiB"/>
              <evict at="1 ms" device="gpu0" size="256 MiB"/>
            """
        let pinned = try run("mi300x-8", body)
        #expect(pinned.records(.eviction, subject: "r").isEmpty)
        let failure = try #require(pinned.records(.evictionFailed, subject: "gpu0").first)
        #expect(failure.message.contains("r (pinned by mr0)"))
        #expect(pinned.placements["r"] == .vram)
        #expect(pinned.dma("d")?.segments.map(\.path) == ["p2p"])
        // With on-demand paging the region attaches dynamically: the same pressure evicts r.
        let odp = try run(
            "mi300x-8", body.replacingOccurrences(of: "buffer=\"r\"/>", with: "buffer=\"r\" odp=\"yes\"/>"))
        #expect(odp.records(.eviction, subject: "r").count == 1)
        #expect(odp.records(.evictionFailed).isEmpty)
        #expect(odp.placements["r"] == .system)
    }

    @Test func importerWithoutFencesIsAttachedPinned() throws {
        let run = try run(
            "mi300x-8",
            """
              <buffer id="b" device="gpu0" size="64 MiB"/>
              <attach id="a" buffer="b" importer="nic0" mode="dynamic"/>
            """)
        let attach = try #require(run.records(.attach, subject: "a").first)
        #expect(attach.message.contains("(pinned,"))
        #expect(run.records(.pin, subject: "b").count == 1)
    }

    @Test func importerWithoutPeer2PeerForcesSystemMemory() throws {
        let body = """
              <buffer id="b" device="gpu0" size="512 MiB"/>
              <attach id="a1" buffer="b" importer="gpu1" peer2peer="no"/>
              <dma at="0 ms" id="d1" via="a1" size="512 MiB"/>
            """
        let refused = try run("mi300x-8", body)
        #expect(refused.placements["b"] == .system)
        #expect(refused.dma("d1")?.segments.map(\.path) == ["system"])
        #expect(refused.records(.placement, subject: "b").count == 1)
        // The DMA waits for the placement copy: it never reads pages being moved.
        let copy = try #require(refused.records(.migration, subject: "b").first)
        #expect((refused.dma("d1")?.chunks.first?.time ?? .zero) > copy.end)
        let allowed = try run("mi300x-8", body.replacingOccurrences(of: " peer2peer=\"no\"", with: ""))
        #expect(allowed.placements["b"] == .vram)
        #expect(allowed.dma("d1")?.segments.map(\.path) == ["p2p"])
    }

    @Test func pinningPolicyMakesPressureFail() throws {
        let body = """
              <buffer id="b" device="gpu0" size="64 GiB"/>
              <evict at="1 ms" device="gpu0" size="32 GiB"/>
            """
        let movable = try run("mi300x-8", body)
        #expect(movable.records(.evictionFailed).isEmpty)
        #expect(movable.placements["b"] == .system)
        let pinned = try run("mi300x-8", "<settings pinVRAMOnLargeBAR=\"yes\"/>\n" + body)
        #expect(pinned.records(.evictionFailed).count == 1)
        #expect(pinned.placements["b"] == .vram)
        #expect(pinned.records(.pin).first?.message.contains("can no longer be evicted") == true)
    }

    @Test func concurrentDataMovementSharesTheMachine() throws {
        // nic0 reads its pinned buffer r through gpu0's BAR while b's eviction copy leaves gpu0
        // over the same PCIe link: both slow down, as the engine shares the link between them.
        func body(_ at: String) -> String {
            """
              <buffer id="b" device="gpu0" size="1 GiB"/>
              <buffer id="r" device="gpu0" size="256 MiB"/>
              <region id="mr0" nic="nic0" buffer="r"/>
              <dma at="\(at)" id="d2" via="mr0" size="256 MiB"/>
              <evict at="0 ms" device="gpu0" size="1 GiB"/>
            """
        }
        let shared = try run("mi300x-8", body("1 ms"))
        let alone = try run("mi300x-8", body("100 ms"))
        let sharedRate = try #require(shared.dma("d2")?.segments.first?.bandwidth)
        let aloneRate = try #require(alone.dma("d2")?.segments.first?.bandwidth)
        #expect(sharedRate < 0.9 * aloneRate, "\(sharedRate) while the copy runs, \(aloneRate) alone")
        let sharedCopy = try #require(shared.records(.migration, subject: "b").first)
        let aloneCopy = try #require(alone.records(.migration, subject: "b").first)
        #expect(sharedCopy.end - sharedCopy.start > aloneCopy.end - aloneCopy.start)
    }
}
