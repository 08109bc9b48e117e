import Testing

@testable import DynamicBuffers

/// The in-tree P2PDMA provider, client and orchestrator roles.
@Suite struct P2PDMATests {
    static let providers = """
          <provider device="gpu0" size="1 GiB"/>
          <provider device="nvme0"/>
          <provider device="gpu2" size="1 GiB"/>
        """

    @Test func orchestratorPicksTheClosestProviderAmongThree() throws {
        let run = try run(
            "gpudirect-storage",
            Self.providers + """
                  <allocate at="0 ms" id="m" clients="nvme0 nic0" size="64 MiB"/>
                  <dma at="0 ms" id="w" via="m" client="nic0" size="64 MiB" access="write"/>
                """)
        #expect(run.allocations["m"] == .some("nvme0"))
        let choice = try #require(run.records(.providerChoice, subject: "m").first)
        #expect(choice.message.contains("gpu0 8, nvme0 4, gpu2 16"))
        #expect(run.dma("w")?.segments.map(\.path) == ["p2p"])
        #expect(run.records(.clientMapping, subject: "m").allSatisfy { $0.message.contains("BUS_ADDR") })
    }

    @Test func tiesAreBrokenAtRandomAsTheKernelDoesButReproducibly() throws {
        var picks: Set<String> = []
        for seed in 1...8 {
            let body =
                "<settings seed=\"\(seed)\"/>\n" + Self.providers + """
                      <allocate at="0 ms" id="m" clients="nvme1 nic0" size="64 MiB"/>
                    """
            let first = try run("gpudirect-storage", body).allocations["m"] ?? nil
            let again = try run("gpudirect-storage", body).allocations["m"] ?? nil
            #expect(first == again)
            #expect(first == "gpu0" || first == "nvme0")
            if let first { picks.insert(first) }
        }
        #expect(picks == ["gpu0", "nvme0"])
    }

    @Test func allocationFailsWhenThePoolIsExhausted() throws {
        let run = try run(
            "gpudirect-storage",
            Self.providers + """
                  <allocate at="0 ms" id="m1" clients="nvme0 nic0" size="200 MiB"/>
                  <allocate at="0 ms" id="m2" clients="nvme0 nic0" size="100 MiB"/>
                  <free at="1 ms" allocation="m1"/>
                  <allocate at="2 ms" id="m3" clients="nvme0 nic0" size="100 MiB"/>
                  <dma at="0 ms" id="w" via="m2" client="nic0" size="100 MiB" access="write"/>
                """)
        #expect(run.allocations["m1"] == .some("nvme0"))
        #expect(run.allocations["m2"] == .some(nil))
        #expect(run.allocations["m3"] == .some("nvme0"))
        #expect(run.records(.poolExhausted).count == 1)
        #expect(run.dma("w")?.segments.map(\.path) == ["system"])
    }

    @Test func clientsAcrossSocketsMapThroughTheHostBridge() throws {
        let run = try run(
            "gpudirect-storage",
            "<provider device=\"gpu2\" size=\"1 GiB\"/>\n<allocate at=\"0 ms\" id=\"m\" clients=\"nic0\" size=\"64 MiB\"/>"
        )
        #expect(run.allocations["m"] == .some("gpu2"))
        #expect(run.records(.clientMapping, subject: "m").first?.message.contains("THRU_HOST_BRIDGE") == true)
    }
}
