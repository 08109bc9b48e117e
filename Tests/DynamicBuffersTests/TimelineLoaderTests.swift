import Foundation
import Testing
import Topology

@testable import DynamicBuffers

/// Loading timelines: every problem with file:line:column; the example scenarios.
@Suite struct TimelineLoaderTests {
    @Test func unknownDeviceIsReportedAtItsAttribute() {
        let found = diagnostics("mi300x-8", "<buffer id=\"b\" device=\"gpu99\" size=\"1 GiB\"/>")
        #expect(found.count == 1)
        #expect(found.first?.message.contains("no device 'gpu99'") == true)
        #expect(found.first?.location.line == 4)
        #expect(found.first?.location.column == 16)
    }

    @Test func badUnitAndUnknownReferencesAreAllReported() {
        let found = diagnostics(
            "mi300x-8",
            """
              <buffer id="b" device="gpu0" size="1 GiB"/>
              <dma at="1 parsec" id="d" via="a1" size="1 MiB"/>
              <restore at="1 ms" buffer="c"/>
            """)
        #expect(found.count == 3)
        #expect(found.contains { $0.message.contains("at '1 parsec'") && $0.location.line == 5 })
        #expect(
            found.contains {
                $0.message.contains("unknown attachment, region or allocation 'a1'") && $0.location.line == 5
            })
        #expect(found.contains { $0.message.contains("unknown buffer 'c'") && $0.location.line == 6 })
    }

    @Test func buffersMustFitTogether() {
        let found = diagnostics(
            "mi300x-8",
            "<buffer id=\"b\" device=\"gpu0\" size=\"100 GiB\"/>\n<buffer id=\"c\" device=\"gpu0\" size=\"100 GiB\"/>")
        #expect(found.count == 1)
        #expect(found.first?.message.contains("add up to 200 GiB, more than its 192 GiB") == true)
        #expect(found.first?.location.line == 5)
    }

    @Test func hugeChunkCountsAreRefusedUpfront() {
        let found = diagnostics(
            "mi300x-8",
            """
              <settings chunk="1 B"/>
              <buffer id="b" device="gpu0" size="1 GiB"/>
              <attach id="a" buffer="b" importer="gpu1"/>
              <dma at="0 ms" id="d" via="a" size="1 GiB"/>
            """)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("beyond the limit") == true)
    }

    /// Each bad declaration or event (line 5 of the file), and words of its message.
    static let badInputs: [(String, String)] = [
        ("<attach id=\"a\" buffer=\"b\" importer=\"gpu0\"/>", "exports b itself"),
        ("<region id=\"r\" nic=\"nic0\" buffer=\"b\" size=\"1 MiB\"/>", "either a buffer"),
        ("<region id=\"r\" nic=\"nic0\"/>", "either a buffer"),
        ("<range id=\"h\" device=\"gpu0\" size=\"0 B\"/>", "at least one byte"),
        ("<provider device=\"nic0\"/>", "no BAR exposing memory"),
        ("<provider device=\"gpu0\" size=\"1 TiB\"/>", "more than the"),
        ("<pipeline id=\"p\" stages=\"gpu0\" size=\"1 MiB\" chunk=\"1 MiB\"/>", "two stages"),
        ("<dma at=\"0 ms\" id=\"d\" via=\"b\" size=\"1 MiB\"/>", "unknown attachment"),
        ("<evict at=\"0 ms\" device=\"gpu0\" size=\"lots\"/>", "size 'lots'"),
        ("<allocate at=\"0 ms\" id=\"m\" clients=\"nic0\" size=\"0 B\"/>", "at least one byte"),
        ("<region id=\"r\" nic=\"nic0\" size=\"1 MiB\" lineRate=\"0 Gb/s\"/>", "a rate above zero"),
        (
            "<region id=\"r\" nic=\"nic0\" buffer=\"b\"/><dma at=\"0 ms\" id=\"d\" via=\"r\" size=\"2 GiB\"/>",
            "more than the 1 GiB that r covers"
        ),
        ("<expect check=\"count\" kind=\"teleport\" value=\"1\" source=\"s\"/>", "count needs kind="),
        ("<expect check=\"paths\" value=\"p2p\" source=\"s\"/>", "needs subject="),
        ("<expect check=\"bandwidth\" subject=\"b\" value=\"fast\" source=\"s\"/>", "value 'fast'"),
    ]

    @Test(arguments: badInputs.indices) func badInputIsReportedWhereItIs(index: Int) {
        let (element, words) = Self.badInputs[index]
        let found = diagnostics("mi300x-8", "<buffer id=\"b\" device=\"gpu0\" size=\"1 GiB\"/>\n" + element)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.message.contains(words) == true, "\(found)")
        #expect(found.first?.location.line == 5)
    }

    @Test func schemaErrorsCarryTheirLine() {
        let found = diagnostics("mi300x-8", "<buffer id=\"b\" device=\"gpu0\" size=\"1 GiB\" colour=\"red\"/>")
        #expect(found.first?.location.line == 4)
        #expect(found.first?.message.contains("colour") == true)
    }

    @Test func aTimelineIsRecognisedByItsRootElement() {
        let directory = repositoryRoot + "/scenarios"
        #expect(TimelineLoader.isTimeline(file: directory + "/dynamic/dmabuf-eviction.xml"))
        #expect(!TimelineLoader.isTimeline(file: directory + "/dgx1-v100.xml"))
    }

    @Test(arguments: [
        "dmabuf-eviction", "dmabuf-no-peer2peer", "hmm-migration", "p2pdma-providers", "pinning-policy", "pipeline",
        "rdma-odp",
    ])
    func exampleScenariosPass(name: String) throws {
        let scenario = try TimelineLoader.load(contentsOf: repositoryRoot + "/scenarios/dynamic/\(name).xml")
        let rows = TimelineChecker.check(scenario, BufferTimeline.run(scenario))
        let failed = rows.filter { !$0.passed }
        #expect(failed.isEmpty, "\(failed)")
        #expect(rows.last?.label == "invariants")
    }
}
