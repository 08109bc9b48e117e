import Testing
import Units

@testable import DynamicBuffers

/// Pipelines peer-to-peer against the CPU in the loop.
@Suite struct PipelineTests {
    @Test func peerToPeerSavesTheBounceAndTheCPU() throws {
        let run = try run(
            "gpudirect-storage",
            """
              <pipeline id="ingest" stages="nic0 gpu0 nvme1" size="64 MiB" chunk="4 MiB" lineRate="200 Gb/s"/>
            """)
        let pipeline = try #require(run.pipelines.first)
        let (p2p, cpu) = (pipeline.peerToPeer, pipeline.cpuInLoop)
        #expect(p2p.steps == ["nic0 -> gpu0 (pcie-p2p-bus-addr)", "gpu0 -> nvme1 (pcie-p2p-bus-addr)"])
        #expect(p2p.cpuSyncs == 0 && p2p.systemMemoryBytes == 0)
        // Per chunk: a synchronisation per bounce (two hops) and one to launch the second hop.
        #expect(cpu.cpuSyncs == 16 * 3)
        #expect(cpu.cpuTime == Picoseconds(48 * Picoseconds.us(10).rawValue))
        #expect(cpu.systemMemoryBytes == 2 * 2 * (64 << 20))
        #expect(p2p.firstChunk < cpu.firstChunk)
        #expect(p2p.duration < cpu.duration)
        // The flow shop: no step of a chunk ends before the chunk's previous step.
        let stages = run.stageRecords.filter { $0.subject == "ingest.cpu" && $0.message.hasPrefix("chunk 0:") }
        #expect(zip(stages, stages.dropFirst()).allSatisfy { $0.end <= $1.start })
    }

    @Test func whereLinuxRefusesPeerToPeerThePeerModeBounces() throws {
        let run = try run(
            "workstation-pcie-switch", "<pipeline id=\"p\" stages=\"gpu0 gpu1\" size=\"16 MiB\" chunk=\"4 MiB\"/>")
        let pipeline = try #require(run.pipelines.first)
        #expect(pipeline.peerToPeer.steps == ["gpu0 -> gpu1 (bounce)"])
    }
}
