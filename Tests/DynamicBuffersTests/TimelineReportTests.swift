import Foundation
import Testing
import Units

@testable import DynamicBuffers

/// What users read: the timeline, statistics and the Chrome trace.
@Suite struct TimelineReportTests {
    func evictionRun() throws -> TimelineRun {
        try run(
            "mi300x-8",
            """
              <buffer id="b" device="gpu0" size="256 MiB"/>
              <attach id="a1" buffer="b" importer="gpu1"/>
              <dma at="0 ms" id="d1" via="a1" size="256 MiB"/>
              <evict at="1 ms" device="gpu0" size="256 MiB"/>
            """)
    }

    @Test func textListsEveryRecordAndEachDMAsSegments() throws {
        let run = try evictionRun()
        let text = TimelineReport(run: run).text()
        for kind in ["move-notify", "fence-wait", "migration", "remap", "path-change", "eviction"] {
            #expect(text.contains("  \(kind) "), "no \(kind) line")
        }
        #expect(text.contains("d1: 256 MiB in "))
        #expect(text.contains("p2p ") && text.contains(" -> system "))
        #expect(text.contains("invariants: bytes delivered equal bytes requested"))
    }

    @Test func statisticsCountRecordsAndBytesByPath() throws {
        let run = try evictionRun()
        let stats = TimelineReport(run: run).statistics()
        let moveNotify = stats.split(separator: "\n").first { $0.hasPrefix("move-notify ") }
        #expect(moveNotify?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "1")
        let segments = try #require(run.dma("d1")?.segments)
        #expect(
            stats.contains(
                "DMA bytes by path: p2p \(ByteCount(segments[0].bytes)), system \(ByteCount(segments[1].bytes))"))
    }

    @Test func chromeTraceHasEveryRecordOnNamedTracks() throws {
        let run = try evictionRun()
        let json = try TimelineReport(run: run).chromeTrace()
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(document["traceEvents"] as? [[String: Any]])
        let spans = events.filter { ($0["ph"] as? String) == "X" || ($0["ph"] as? String) == "i" }
        #expect(spans.count == run.records.count)
        let threads = events.filter { ($0["name"] as? String) == "thread_name" }
        let named = Set(threads.compactMap { ($0["args"] as? [String: Any])?["name"] as? String })
        #expect(named.isSuperset(of: ["gpu0", "gpu1"]))
        #expect(events.allSatisfy { $0["tid"] is Int && $0["pid"] is Int })
        // Deterministic: the same run gives the same file.
        #expect(try TimelineReport(run: try evictionRun()).chromeTrace() == json)
    }

    @Test func jsonCarriesRecordsSegmentsAndExpectations() throws {
        let scenario = try timeline(
            "mi300x-8",
            """
              <buffer id="b" device="gpu0" size="64 MiB"/>
              <attach id="a1" buffer="b" importer="gpu1" peer2peer="no"/>
              <dma at="0 ms" id="d1" via="a1" size="64 MiB"/>
              <expect check="placement" subject="b" value="system" source="amdgpu_dma_buf_map()"/>
            """)
        let run = BufferTimeline.run(scenario)
        let json = try TimelineReport(run: run).json(rows: TimelineChecker.check(scenario, run))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((document["records"] as? [Any])?.count == run.records.count)
        let dma = try #require((document["dmas"] as? [[String: Any]])?.first)
        #expect(dma["chunks"] as? Int == 32)
        #expect(((dma["segments"] as? [[String: Any]])?.first?["path"] as? String) == "system")
        #expect((document["placements"] as? [String: String])?["b"] == "system")
        let rows = try #require(document["expectations"] as? [[String: Any]])
        #expect(rows.map { $0["label"] as? String } == ["placement b", "invariants"])
        #expect(rows.allSatisfy { $0["passed"] as? Bool == true })
    }
}
