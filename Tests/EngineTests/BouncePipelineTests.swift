import Engine
import Fabric
import Foundation
import Testing
import Topology
import Units

/// A machine written for these tests: two GPUs on their own root ports of one AMD socket.
func twoGPUMachine(
    engines: Int = 2, iommu: String = #"<iommu mode="passthrough" pageSize="4 KiB"/>"#, gpuExtra: String = "",
    dma: String = "", socket: String = #"vendor="amd" family="0x19" model="0x01""#, hostBridge: String = "1022:1480",
    complex: String = ""
) throws -> TransferPlanner {
    func gpu(_ id: String) -> String {
        """
        <endpoint id="\(id)" kind="gpu" pciId="10de:20f1" gen="4" width="16" mps="256 B" mrrs="512 B" tags="256" driver="nvidia"\(gpuExtra)>
          <bar index="1" size="64 GiB" bits="64" prefetchable="true" exposes="memory"/>
          <memory capacity="40 GiB" bandwidth="1555 GB/s" latency="500 ns" kind="HBM2"/>
          <dma engines="\(engines)" rate="32 GB/s"\(dma)/>
        </endpoint>
        """
    }
    let text = """
        <topology name="two-gpus" version="1">
          <socket id="cpu0" \(socket)>
            <memory capacity="256 GiB" bandwidth="204.8 GB/s" latency="110 ns"/>
            <rootComplex id="rc0" hostBridge="\(hostBridge)" p2p="readwrite"\(complex)>
              \(iommu)
              <rootPort id="rc0.rp1" device="1" gen="4" width="16">\(gpu("gpu0"))</rootPort>
              <rootPort id="rc0.rp2" device="2" gen="4" width="16">\(gpu("gpu1"))</rootPort>
            </rootComplex>
          </socket>
        </topology>
        """
    let topology = try TopologyLoader.load(text: text, file: "two-gpus.xml")
    return TransferPlanner(machine: try EnumeratedMachine(topology))
}

/// Loads a one-GPU topology whose GPU endpoint carries `endpoint` (extra attributes) and `body`
/// (child elements), and checks that it is refused with an error at `line` of x.xml that mentions
/// `mentioning`.
func expectOneGPUTopologyRefused(
    endpoint: String = "", body: String = "", line: Int, mentioning: String,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    let text = """
        <topology name="x" version="1">
          <socket id="cpu0" vendor="amd" family="0x19" model="0x01">
            <rootComplex id="rc0" hostBridge="1022:1480" p2p="readwrite">
              <rootPort id="rc0.rp1" device="1" gen="4" width="16">
                <endpoint id="gpu0" kind="gpu" pciId="10de:20f1" gen="4" width="16"\(endpoint)>\(body)</endpoint>
              </rootPort>
            </rootComplex>
          </socket>
        </topology>
        """
    do {
        _ = try TopologyLoader.load(text: text, file: "x.xml")
        Issue.record("the topology loaded", sourceLocation: sourceLocation)
    } catch {
        #expect("\(error)".contains("x.xml:\(line):"), "\(error)", sourceLocation: sourceLocation)
        #expect("\(error)".contains(mentioning), "\(error)", sourceLocation: sourceLocation)
    }
}

@Suite("The bounce as a staged pipeline")
struct BouncePipelineTests {
    let size: UInt64 = 8 << 20

    func bounce(_ planner: TransferPlanner, _ a: String = "gpu0", _ b: String = "gpu1") throws -> ScheduledTransfer {
        ScheduledTransfer(label: "\(a)->\(b)", plan: try planner.plan(a, b, choice: .bounce), bytes: size)
    }

    @Test("No chunk leaves staging before it arrived, and every byte is delivered once, in both fidelities")
    func causality() throws {
        let planner = try twoGPUMachine()
        let transfers = [try bounce(planner)]
        let flow = FlowEngine(planner: planner).run(transfers, recordingLoads: false)
        let packet = try PacketEngine(planner: planner).run(transfers)
        let synchronisation = planner.parameters.bounceChunkSynchronisation
        for (operations, timings) in [(flow.operations, flow.timings), (packet.operations, packet.timings)] {
            #expect(operations.count == 2 * Int(size / planner.parameters.bounceChunkSize.bytes))
            try operations.checkInvariants(timings: timings, transfers: transfers, synchronisation: synchronisation)
            for (index, operation) in operations.enumerated() where operation.leg == 1 {
                let landed = operations.indices.first { operations[$0].leg == 0 && operations[$0].chunk == operation.chunk }!
                #expect(timings[index].issue >= timings[landed].finish + synchronisation)
            }
            #expect(operations.filter { $0.leg == 0 }.map(\.bytes).reduce(0, +) == size)
            #expect(operations.filter { $0.leg == 1 }.map(\.bytes).reduce(0, +) == size)
        }
    }

    @Test("A broken order is caught: an operation issued before what it waits for")
    func invariantCatchesEarlyIssue() throws {
        let planner = try twoGPUMachine()
        let transfers = [try bounce(planner)]
        var run = FlowEngine(planner: planner).run(transfers, recordingLoads: false)
        let second = run.operations.firstIndex { $0.leg == 1 }!
        run.timings[second].issue = .zero
        #expect(throws: InvariantFailure.self) {
            try run.operations.checkInvariants(
                timings: run.timings, transfers: transfers, synchronisation: planner.parameters.bounceChunkSynchronisation)
        }
    }

    @Test("A staging buffer is reused only after its host-to-device copy drained it", arguments: [1, 2, 4])
    func stagingPoolBound(buffers: Int) throws {
        var parameters = ModelParameters()
        parameters.bounceStagingBuffers = buffers
        let base = try twoGPUMachine()
        let planner = TransferPlanner(machine: base.machine, parameters: parameters)
        let run = FlowEngine(planner: planner).run([try bounce(planner)], recordingLoads: false)
        let chunks = run.operations.count / 2
        func index(leg: Int, chunk: Int) -> Int {
            run.operations.firstIndex { $0.leg == leg && $0.chunk == chunk }!
        }
        for k in buffers..<chunks {
            #expect(run.timings[index(leg: 0, chunk: k)].issue >= run.timings[index(leg: 1, chunk: k - buffers)].finish)
        }
        // At no instant do more than `buffers` chunks sit in staging (written, not yet drained).
        for k in 0..<chunks {
            let moment = run.timings[index(leg: 0, chunk: k)].issue
            let occupied = (0..<chunks).filter {
                run.timings[index(leg: 0, chunk: $0)].issue <= moment && run.timings[index(leg: 1, chunk: $0)].finish > moment
            }.count
            #expect(occupied <= buffers)
        }
    }

    @Test("More staging buffers never slow a bounce down")
    func moreBuffersHelp() throws {
        var times: [Picoseconds] = []
        for buffers in [1, 2, 4] {
            var parameters = ModelParameters()
            parameters.bounceStagingBuffers = buffers
            let planner = TransferPlanner(machine: try twoGPUMachine().machine, parameters: parameters)
            times.append(FlowEngine(planner: planner).run([try bounce(planner)]).outcomes[0].duration)
        }
        #expect(times[0] > times[1])
        #expect(times[1] >= times[2])
    }

    @Test("One copy engine per GPU serialises a GPU's two directions of a bidirectional bounce")
    func copyEngineLimit() throws {
        func bidirectional(engines: Int) throws -> (FlowRun, TransferPlanner) {
            let planner = try twoGPUMachine(engines: engines)
            let run = FlowEngine(planner: planner).run(
                [try bounce(planner, "gpu0", "gpu1"), try bounce(planner, "gpu1", "gpu0")], recordingLoads: false)
            return (run, planner)
        }
        let (one, planner) = try bidirectional(engines: 1)
        let (two, _) = try bidirectional(engines: 2)
        let gpu0 = planner.machine.topology.nodeIndex(of: "gpu0")
        // With one engine, gpu0's operations (its own device-to-host chunks and the other
        // transfer's host-to-device chunks) never overlap.
        let mine = one.operations.indices.filter { one.operations[$0].engineDevice == gpu0 }
            .map { (one.timings[$0].issue, one.timings[$0].finish) }.sorted { $0.0 < $1.0 }
        #expect(mine.count == one.operations.count / 2)
        for (earlier, later) in zip(mine, mine.dropFirst()) { #expect(later.0 >= earlier.1) }
        let total = { (run: FlowRun) in run.outcomes.map(\.bandwidth).reduce(0, +) }
        #expect(total(one) < 0.8 * total(two))
    }

    @Test("A bounce through 4 KiB IOMMU pages is slower than through 2 MiB pages when walks bind")
    func iommuPages() throws {
        func time(_ page: String) throws -> Picoseconds {
            let planner = try twoGPUMachine(
                iommu: #"<iommu mode="translated" pageSize="\#(page)" iotlbEntries="64" walkLatency="2 us"/>"#)
            return FlowEngine(planner: planner).run([try bounce(planner)]).outcomes[0].duration
        }
        let small = try time("4 KiB")
        let huge = try time("2 MiB")
        // 4 KiB x 5 walks / 2 us = 10.2 GB/s of translation per stream.
        #expect(small.seconds > 1.5 * huge.seconds)
        let passthrough = FlowEngine(planner: try twoGPUMachine()).run([try bounce(try twoGPUMachine())]).outcomes[0]
        #expect(passthrough.duration <= huge)
    }

    @Test("The packet model paces a bounce like the flow model, without taking its rates")
    func fidelitiesAgreeOnABounce() throws {
        let planner = try twoGPUMachine()
        let transfers = [try bounce(planner)]
        let flow = FlowEngine(planner: planner).run(transfers).outcomes[0].duration.seconds
        let packet = try PacketEngine(planner: planner).run(transfers).outcomes[0].duration.seconds
        #expect(abs(packet - flow) / flow < 0.05)
    }
}

@Suite("Host side: reads, sockets, drivers, NVSwitch planes")
struct HostSideTests {
    @Test("A device read of host memory takes the same time in both fidelities (within 5%)")
    func readLatencyAgrees() throws {
        let planner = try twoGPUMachine()
        let plan = try planner.plan("cpu0", "gpu0")
        let transfers = [ScheduledTransfer(label: "read", plan: plan, bytes: 8)]
        let flow = FlowEngine(planner: planner).run(transfers).outcomes[0].duration.seconds
        let packet = try PacketEngine(planner: planner).run(transfers).outcomes[0].duration.seconds
        #expect(abs(packet - flow) / packet < 0.05, "flow \(flow * 1e9) ns, packet \(packet * 1e9) ns")
    }

    @Test("Outstanding reads bound a host-to-device copy: requests x MRRS per round trip")
    func outstandingReads() throws {
        let planner = try twoGPUMachine(dma: #" outstandingReads="8""#)
        let leg = try planner.plan("cpu0", "gpu0").legs[0]
        let reads = try #require(leg.outstandingReads)
        #expect(reads.bytes == 8 * 512)
        let outcome = try planner.run("cpu0", "gpu0", bytes: 64 << 20)
        #expect(abs(outcome.bandwidth - 4096 / reads.roundTrip.seconds) / outcome.bandwidth < 0.02)
    }

    @Test("A GPU's host reads slow down while its own device-to-host writes fill its link")
    func readsQueueBehindWrites() throws {
        let planner = try twoGPUMachine(dma: #" outstandingReads="48""#)
        let read = try planner.plan("cpu0", "gpu0")
        let write = try planner.plan("gpu0", "cpu0")
        let bytes: UInt64 = 64 << 20
        let alone = FlowEngine(planner: planner).run([ScheduledTransfer(label: "h2d", plan: read, bytes: bytes)])
            .outcomes[0].bandwidth
        let both = FlowEngine(planner: planner).run([
            ScheduledTransfer(label: "h2d", plan: read, bytes: bytes),
            ScheduledTransfer(label: "d2h", plan: write, bytes: bytes),
        ]).outcomes
        #expect(both[0].bandwidth < 0.8 * alone)
        #expect(both[1].bandwidth > 0.95 * alone)
    }

    @Test("A GPU's host reads slow down where their requests join another device's writes that fill a shared switch uplink, and only there")
    func readsQueueBehindANeighboursWrites() throws {
        // ABCI 2.0 node A: gpu0 and gpu1 below one Gen4 switch, gpu2 below another.
        let planner = try planner("abci-a100x8")
        let bytes: UInt64 = 64 << 20
        let read = ScheduledTransfer(label: "h2d gpu1", plan: try planner.plan("cpu0", "gpu1"), bytes: bytes)
        func withWriter(_ writer: String) throws -> Double {
            let write = ScheduledTransfer(label: "d2h", plan: try planner.plan(writer, "cpu0"), bytes: bytes)
            return FlowEngine(planner: planner).run([read, write]).outcomes[0].bandwidth
        }
        let alone = FlowEngine(planner: planner).run([read]).outcomes[0].bandwidth
        // gpu0's writes fill the uplink that gpu1's requests join: they wait behind them.
        #expect(try withWriter("gpu0") < 0.8 * alone)
        // gpu2's writes fill only links gpu1's requests never use.
        #expect(try withWriter("gpu2") > 0.97 * alone)
    }

    @Test("Cross-socket PCIe P2P is slower than same-socket P2P")
    func crossSocket() throws {
        let planner = try planner("dual-xeon-a100pcie4")
        let same = try planner.run("gpu0", "gpu1", bytes: 40_000_000, choice: .p2p)
        let across = try planner.run("gpu0", "gpu2", bytes: 40_000_000, choice: .p2p)
        #expect(across.bandwidth < 0.95 * same.bandwidth)
        #expect(across.bottleneck.hasSuffix(".p2p"))
    }

    @Test("A GeForce pair is refused by the driver while the kernel would allow it")
    func geforceRefused() throws {
        let planner = try planner("wrx80-rtx4090")
        let decision = try #require(planner.kernel.decide(provider: "gpu1", client: "gpu0"))
        #expect(decision.mapType == .throughHostBridge)
        let plan = try planner.plan("gpu0", "gpu1")
        #expect(plan.mechanism == .bounce)
        #expect(plan.notes.contains { $0.contains("GeForce") && $0.contains("driver") })
        #expect(throws: TransferPlanningError.self) { _ = try planner.plan("gpu0", "gpu1", choice: .p2p) }
    }

    @Test("CUDA decides P2P itself: a host bridge off the kernel's allowlist does not stop it")
    func cudaIgnoresAllowlist() throws {
        // An Intel client host bridge (8086:4660) is not on p2pdma's allowlist: the kernel refuses.
        let planner = try twoGPUMachine(socket: #"vendor="intel" family="6" model="0x97""#, hostBridge: "8086:4660")
        let decision = try #require(planner.kernel.decide(provider: "gpu1", client: "gpu0"))
        #expect(decision.mapType == .notSupported)
        #expect(try planner.plan("gpu0", "gpu1").mechanism == .pcieP2PHostBridge)
    }

    @Test("Asymmetric NVSwitch planes: each plane carries what the smaller end's links allow")
    func asymmetricPlanes() throws {
        func gpu(_ id: String, _ device: Int) -> String {
            """
            <rootPort id="rp\(device)" device="\(device)" gen="4" width="16">
              <endpoint id="\(id)" kind="gpu" pciId="10de:20b0" gen="4" width="16">
                <memory capacity="40 GiB" bandwidth="1555 GB/s" latency="500 ns"/>
                <dma engines="3" rate="300 GB/s"/>
              </endpoint>
            </rootPort>
            """
        }
        let text = """
            <topology name="planes" version="1">
              <socket id="cpu0" vendor="amd" family="0x19" model="0x01">
                <rootComplex id="rc0" hostBridge="1022:1480" p2p="readwrite">\(gpu("gpu0", 1))\(gpu("gpu1", 2))</rootComplex>
              </socket>
              <nvswitch id="sw0" generation="2"/>
              <nvswitch id="sw1" generation="2"/>
              <nvlink a="gpu0" b="sw0" generation="3" links="3"/>
              <nvlink a="gpu0" b="sw1" generation="3" links="1"/>
              <nvlink a="gpu1" b="sw0" generation="3" links="1"/>
              <nvlink a="gpu1" b="sw1" generation="3" links="3"/>
            </topology>
            """
        let topology = try TopologyLoader.load(text: text, file: "planes.xml")
        let planner = TransferPlanner(machine: try EnumeratedMachine(topology))
        let outcome = try planner.run("gpu0", "gpu1", bytes: 1 << 30)
        #expect(try planner.plan("gpu0", "gpu1").mechanism == .nvswitch)
        // min(3, 1) + min(1, 3) = 2 links of 25 GB/s at the NVLink efficiency; 4 links each
        // would give twice that.
        let expected = 2 * 25e9 * MachineResources.nvlinkEfficiency(generation: 3)
        #expect(abs(outcome.bandwidth - expected) / expected < 0.01)
    }
}

@Suite("Devices that expose no memory")
struct NoMemoryTargetTests {
    @Test("A device with no memory behind a BAR is no P2P target: the data goes through system memory, and says why")
    func nvmeWithoutMemoryIsNoTarget() throws {
        let planner = try planner("default")
        let plan = try planner.plan("gpu0", "nvme0")
        #expect(plan.mechanism == .bounce)
        #expect(plan.notes.first?.contains("nvme0 exposes no memory through a BAR") == true)
        #expect(throws: TransferPlanningError.self) { _ = try planner.plan("gpu0", "nvme0", choice: .p2p) }
        // The other way, the GPU's memory is the target: the drive writes it peer-to-peer.
        #expect(try planner.plan("nvme0", "gpu0").mechanism.isPeerToPeer)
    }
}
