import Testing
import Units

@testable import DynamicBuffers

/// RDMA memory regions: registration pins with a cost; on-demand paging faults per page.
@Suite struct RDMATests {
    func body(pagesPerFault: Int) -> String {
        """
          <settings odpPageSize="1 MiB" odpPagesPerFault="\(pagesPerFault)" odpFaultLatency="100 us"/>
          <region id="mr" nic="nic0" size="16 MiB" odp="yes" lineRate="200 Gb/s"/>
          <dma at="0 ms" id="cold" via="mr" size="16 MiB"/>
          <dma at="100 ms" id="warm" via="mr" size="16 MiB"/>
        """
    }

    @Test(arguments: [1, 4]) func odpFaultsAddTheirLatencyPerFaultingPage(pagesPerFault: Int) throws {
        let run = try run("gpudirect-storage", body(pagesPerFault: pagesPerFault))
        let faults = 16 / pagesPerFault
        #expect(run.records(.fault, subject: "mr").count == faults)
        let cold = try #require(run.dma("cold"))
        let warm = try #require(run.dma("warm"))
        let coldTime = try #require(cold.end) - cold.start
        let warmTime = try #require(warm.end) - warm.start
        let added = Double((coldTime - warmTime).rawValue)
        let expected = Double(faults) * 100e6
        // Each fault also pays the path's latency again when the NIC retries (about 1 µs).
        #expect(abs(added - expected) / expected < 0.03, "\(coldTime - warmTime) for \(faults) faults")
        #expect(cold.segments.count == 1 && warm.segments.count == 1)
    }

    @Test func invalidationDropsTheMappingAndTheNextAccessFaults() throws {
        let run = try run(
            "gpudirect-storage",
            body(pagesPerFault: 16)
                + "<invalidate at=\"150 ms\" region=\"mr\"/>\n<dma at=\"200 ms\" id=\"after\" via=\"mr\" size=\"16 MiB\"/>"
        )
        #expect(run.records(.fault, subject: "mr").count == 2)
        #expect(run.records(.fault, subject: "mr").last?.start == .ms(200))
    }

    @Test func registrationPinsEveryPageAtItsCostAndTheNICRunsAtItsLineRate() throws {
        let run = try run(
            "gpudirect-storage",
            """
              <settings pinCostPerPage="1 us"/>
              <region id="mr" nic="nic0" size="64 MiB" lineRate="200 Gb/s"/>
              <dma at="0 ms" id="d" via="mr" size="64 MiB"/>
            """)
        let registration = try #require(run.records(.registration, subject: "mr").first)
        #expect(registration.end - registration.start == .us(16_384))
        let dma = try #require(run.dma("d"))
        #expect(dma.chunks.first.map { $0.time > registration.end } == true)
        // 200 Gb/s is 25 GB/s, below the NIC's PCIe Gen4 x16 link.
        #expect(abs(dma.segments[0].bandwidth - 25e9) / 25e9 < 0.01)
    }

    @Test func odpRegionOverADmaBufFaultsAgainAfterTheExporterMovesIt() throws {
        let run = try run(
            "mi300x-8",
            """
              <settings odpFaultLatency="50 us"/>
              <buffer id="r" device="gpu0" size="64 MiB"/>
              <region id="mr0" nic="nic0" buffer="r" odp="yes"/>
              <dma at="0 ms" id="d" via="mr0" size="64 MiB"/>
              <evict at="1 ms" device="gpu0" size="64 MiB"/>
            """)
        let dma = try #require(run.dma("d"))
        #expect(dma.segments.map(\.path) == ["p2p", "system"])
        let copy = try #require(run.records(.migration, subject: "r").first)
        let before = run.records(.fault, subject: "mr0").filter { $0.start < copy.start }.count
        let after = run.records(.fault, subject: "mr0").filter { $0.start >= copy.end }.count
        // Every 2 MiB range read from VRAM faulted once, and every range read after the move
        // faults again; a fault being serviced when the move came is wasted and taken again.
        let inVRAM = Int(dma.segments[0].bytes / (2 << 20))
        #expect(before == inVRAM || before == inVRAM + 1)
        #expect(after == Int(dma.segments[1].bytes / (2 << 20)))
        #expect(run.records(.invalidate, subject: "mr0").count == 1)
        #expect(run.records(.remap, subject: "mr0").isEmpty)
    }
}
