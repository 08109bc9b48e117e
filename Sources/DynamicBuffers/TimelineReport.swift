import Foundation
import Reports
import Units

/// What users read of a timeline run: the timeline as text, statistics, a Chrome trace.
public struct TimelineReport: Sendable {
    /// The run.
    public var run: TimelineRun

    /// Creates a report of `run`.
    public init(run: TimelineRun) { self.run = run }

    /// Every record, one a line (start, end, kind, subject, device, message), then each DMA's
    /// path segments, each pipeline's two modes and the invariants.
    public func text() -> String {
        var out = "timeline \(run.name): \(run.records.count) records, last at \(run.end)\n\n"
        var rows = [["start", "end", "kind", "subject", "device", "what"]]
        for record in run.records {
            rows.append([
                record.start.description, record.end == record.start ? "" : record.end.description,
                record.kind.rawValue, record.subject, record.device ?? "", record.message,
            ])
        }
        out += Self.table(rows)
        if !run.dmas.isEmpty {
            out += "\nDMAs:\n"
            for dma in run.dmas {
                let segments = dma.segments.map {
                    "\($0.path) \(ByteCount($0.bytes)) at \(DataRate(bytesPerSecond: $0.bandwidth))"
                }.joined(separator: " -> ")
                let time = dma.end.map { "\($0 - dma.start)" } ?? "did not complete"
                out +=
                    "  \(dma.id): \(ByteCount(dma.requested)) in \(time): \(segments.isEmpty ? "nothing moved" : segments)\n"
            }
        }
        if !run.pipelines.isEmpty {
            out += "\nPipelines:\n"
            for pipeline in run.pipelines {
                let (p2p, cpu) = (pipeline.peerToPeer, pipeline.cpuInLoop)
                out += "  \(pipeline.id) (\(pipeline.stages.joined(separator: " -> "))):\n"
                for mode in [p2p, cpu] {
                    out +=
                        "    \(mode.mode == "p2p" ? "peer-to-peer" : "CPU in the loop"): \(mode.duration) (first chunk through in \(mode.firstChunk)), \(mode.cpuSyncs) CPU synchronisations (\(mode.cpuTime)), \(ByteCount(mode.systemMemoryBytes)) through system memory\n"
                        + "      each chunk: \(mode.steps.joined(separator: "; "))\n"
                }
                if cpu.duration > p2p.duration {
                    out +=
                        "    P2P saves \(cpu.duration - p2p.duration) overall, \(cpu.firstChunk - min(cpu.firstChunk, p2p.firstChunk)) per chunk's trip, and \(cpu.cpuTime - min(cpu.cpuTime, p2p.cpuTime)) of CPU time\n"
                }
            }
        }
        out +=
            "\ninvariants: "
            + (run.violations.isEmpty
                ? "bytes delivered equal bytes requested, in order; nothing landed during a move\n"
                : "BROKEN\n" + run.violations.map { "  " + $0 }.joined(separator: "\n") + "\n")
        return out
    }

    /// The run as JSON, with sorted keys.
    ///
    /// Every record, each DMA's segments (bandwidth in bytes per second) and chunk count,
    /// pipelines, allocations, placements, violations and `rows`, the checked expectations when
    /// given. Times are picoseconds, sizes bytes.
    public func json(rows: [TimelineCheckRow] = []) throws -> String {
        struct Segment: Encodable {
            var path: String, mechanism: String, bytes: UInt64, start: Picoseconds, end: Picoseconds
            var bandwidth: Double
        }
        struct DMA: Encodable {
            var id: String, buffer: String?, requested: UInt64, start: Picoseconds, end: Picoseconds?
            var segments: [Segment], chunks: Int
        }
        struct Document: Encodable {
            var name: String, end: Picoseconds, records: [TimelineRecord], dmas: [DMA]
            var pipelines: [PipelineResult], allocations: [String: String], placements: [String: String]
            var violations: [String], expectations: [TimelineCheckRow]
        }
        let dmas = run.dmas.map { dma in
            DMA(
                id: dma.id, buffer: dma.buffer, requested: dma.requested, start: dma.start, end: dma.end,
                segments: dma.segments.map {
                    Segment(
                        path: $0.path, mechanism: $0.mechanism, bytes: $0.bytes, start: $0.start, end: $0.end,
                        bandwidth: $0.bandwidth)
                }, chunks: dma.chunks.count)
        }
        return try sortedJSON(
            Document(
                name: run.name, end: run.end, records: run.records, dmas: dmas, pipelines: run.pipelines,
                allocations: run.allocations.mapValues { $0 ?? "none" },
                placements: run.placements.mapValues(\.rawValue), violations: run.violations, expectations: rows))
    }

    /// Statistics: how many records of each kind and their total time, bytes per path, bytes
    /// migrated, pinned bytes.
    public func statistics() -> String {
        var rows = [["kind", "count", "total time", "bytes"]]
        for kind in RecordKind.allCases {
            let records = run.records.filter { $0.kind == kind }
            guard !records.isEmpty else { continue }
            let time = records.reduce(Picoseconds.zero) { $0 + ($1.end - $1.start) }
            rows.append([
                kind.rawValue, "\(records.count)", time.description,
                ByteCount(records.reduce(0) { $0 + $1.bytes }).description,
            ])
        }
        var out = Self.table(rows)
        var byPath: [String: UInt64] = [:]
        for dma in run.dmas {
            for segment in dma.segments { byPath[segment.path, default: 0] += segment.bytes }
        }
        if !byPath.isEmpty {
            out +=
                "\nDMA bytes by path: "
                + byPath.keys.sorted().map { "\($0) \(ByteCount(byPath[$0] ?? 0))" }.joined(separator: ", ") + "\n"
        }
        return out
    }

    /// A Chrome trace-event JSON file (Perfetto, chrome://tracing): each record a span or an
    /// instant on its device's track (threads named by metadata events); pipeline stages in a
    /// second process, one track per pipeline mode.
    public func chromeTrace() throws -> String {
        struct Event: Encodable {
            var name: String
            var cat: String?
            var ph: String
            var ts: Double
            var dur: Double?
            var pid: Int
            var tid: Int
            var s: String?
            var args: [String: String]
        }
        struct Document: Encodable {
            var traceEvents: [Event]
            var displayTimeUnit = "ns"
        }
        var events: [Event] = []
        var tracks: [String: Int] = [:]
        func track(_ name: String, process: Int) -> Int {
            let key = "\(process)/\(name)"
            if let known = tracks[key] { return known }
            let id = tracks.count + 1
            tracks[key] = id
            events.append(
                Event(name: "thread_name", ph: "M", ts: 0, pid: process, tid: id, args: ["name": name]))
            return id
        }
        for (process, name) in [(1, "timeline \(run.name)"), (2, "pipelines")] {
            events.append(Event(name: "process_name", ph: "M", ts: 0, pid: process, tid: 0, args: ["name": name]))
        }
        for (process, records) in [(1, run.records), (2, run.stageRecords)] {
            for record in records {
                let span = record.end > record.start
                let tid = track(process == 1 ? record.device ?? record.subject : record.subject, process: process)
                events.append(
                    Event(
                        name: record.kind.rawValue + " " + record.subject, cat: record.kind.rawValue,
                        ph: span ? "X" : "i",
                        ts: Double(record.start.rawValue) / 1e6,
                        dur: span ? Double((record.end - record.start).rawValue) / 1e6 : nil, pid: process, tid: tid,
                        s: span ? nil : "t", args: ["message": record.message, "bytes": "\(record.bytes)"]))
            }
        }
        return try sortedJSON(Document(traceEvents: events), pretty: false)
    }

    static func table(_ rows: [[String]]) -> String { TextTable(rows: rows, alignNumbersRight: false).render() }
}
