import Topology
import Units

/// One checked expectation of a timeline (or the run's own invariants).
public struct TimelineCheckRow: Sendable, Hashable, Encodable {
    /// A short label (`count move-notify a1`, `paths d1`, `invariants`).
    public var label: String
    /// The expected value as text.
    public var expected: String
    /// What the run gave.
    public var got: String
    /// Whether it matched.
    public var passed: Bool
    /// Where the expected value comes from.
    public var source: String
    /// Where the element is.
    public var location: SourceLocation

    private enum CodingKeys: String, CodingKey { case label, expected, got, passed, source, file, line }

    /// Encodes the row with its location as `file` and `line`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(label, forKey: .label)
        try container.encode(expected, forKey: .expected)
        try container.encode(got, forKey: .got)
        try container.encode(passed, forKey: .passed)
        try container.encode(source, forKey: .source)
        try container.encode(location.file, forKey: .file)
        try container.encode(location.line, forKey: .line)
    }
}

/// Checks a timeline's expectations against its run; the run's invariants are always a row.
public enum TimelineChecker {
    /// The source named by the invariants row.
    public static let invariantSource =
        "the run's own check: every DMA delivered its bytes in order, none lost or duplicated, none landing during a move"

    /// Every expectation's row, then the invariants row.
    public static func check(_ scenario: TimelineScenario, _ run: TimelineRun) -> [TimelineCheckRow] {
        var rows = scenario.expectations.map { expectation -> TimelineCheckRow in
            let (got, passed, expected) = evaluate(expectation, run)
            return TimelineCheckRow(
                label: expectation.label, expected: expected, got: got, passed: passed, source: expectation.source,
                location: expectation.location)
        }
        rows.append(
            TimelineCheckRow(
                label: "invariants", expected: "none broken",
                got: run.violations.isEmpty ? "none broken" : run.violations.joined(separator: "; "),
                passed: run.violations.isEmpty, source: invariantSource,
                location: SourceLocation(file: scenario.file, line: 1)))
        return rows
    }

    private static func evaluate(_ expectation: TimelineExpectation, _ run: TimelineRun) -> (String, Bool, String) {
        let value = expectation.value
        let subject = expectation.subject
        switch expectation.check {
        case .count:
            let kind = RecordKind(rawValue: expectation.kind ?? "") ?? .attach
            let count = run.records(kind, subject: subject).count
            return ("\(count)", "\(count)" == value, value)
        case .paths:
            guard let dma = subject.flatMap(run.dma) else { return ("no such DMA", false, value) }
            let paths = dma.segments.map(\.path).joined(separator: " ")
            return (paths.isEmpty ? "none" : paths, paths == value, value)
        case .placement:
            let placement = subject.flatMap { run.placements[$0] }?.rawValue ?? "none"
            return (placement, placement == value, value)
        case .provider:
            var provider = "not allocated"
            if let subject, let entry = run.allocations[subject] { provider = entry ?? "none" }
            return (provider, provider == value, value)
        case .bandwidth:
            guard let dma = subject.flatMap(run.dma), let expected = try? DataRate.parse(value) else {
                return ("no such DMA", false, value)
            }
            let tolerance = expectation.tolerance ?? 0.05
            let text = "\(value) ± \(formatDecimal(tolerance * 100, maxFractionDigits: 3))%"
            let measured: Double
            if let segment = expectation.segment {
                guard segment <= dma.segments.count else { return ("only \(dma.segments.count) segments", false, text) }
                measured = dma.segments[segment - 1].bandwidth
            } else {
                guard let end = dma.end, end > dma.start else { return ("did not complete", false, text) }
                measured = Double(dma.requested) / (end - dma.start).seconds
            }
            let error =
                expected.bytesPerSecond > 0 ? abs(measured - expected.bytesPerSecond) / expected.bytesPerSecond : 0
            return (DataRate(bytesPerSecond: measured).description, error <= tolerance, text)
        case .faster:
            guard let pipeline = run.pipelines.first(where: { $0.id == subject }) else {
                return ("no such pipeline", false, value)
            }
            let p2p = pipeline.peerToPeer.duration
            let cpu = pipeline.cpuInLoop.duration
            let faster = p2p < cpu ? "p2p" : cpu < p2p ? "cpu" : "equal"
            return ("\(faster) (p2p \(p2p), cpu \(cpu))", faster == value, value)
        case .cpuSyncs:
            guard let pipeline = run.pipelines.first(where: { $0.id == subject }) else {
                return ("no such pipeline", false, value)
            }
            let mode = expectation.kind == "p2p" ? pipeline.peerToPeer : pipeline.cpuInLoop
            return ("\(mode.cpuSyncs)", "\(mode.cpuSyncs)" == value, value)
        case .message:
            let found = run.records.contains {
                (subject == nil || $0.subject == subject || $0.device == subject) && $0.message.contains(value)
            }
            return (found ? "found" : "not found", found, "a record saying '\(value)'")
        }
    }
}
