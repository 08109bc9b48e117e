import Foundation
import SimKernel
import Testing

@testable import DynamicBuffers

/// Hostile timelines: the examples with one quantity replaced by an extreme or broken value
/// either load and run with their invariants kept, or are refused with diagnostics; never a trap.
@Suite struct HostileTimelineTests {
    static let values = [
        "0 B", "1 B", "3 B", "16 EiB", "3 GiB", "0 ms", "18446744073709551615 ps", "1 s", "-1 MiB", "abc", "",
        "200 Tb/s", "0 Gb/s", "1 b/s",
    ]

    @Test(arguments: ["dmabuf-eviction", "hmm-migration", "p2pdma-providers", "rdma-odp", "pipeline"])
    func mutatedExamplesNeverTrap(name: String) throws {
        let file = repositoryRoot + "/scenarios/dynamic/\(name).xml"
        let original = try String(contentsOfFile: file, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"(size|at|chunk|lineRate|offset)="([^"]*)""#)
        let matches = pattern.matches(in: original, range: NSRange(original.startIndex..., in: original))
        var random = SplitMix64(seed: 7)
        var ran = 0
        for _ in 0..<40 {
            var text = original
            let match = matches[Int(random.next(below: UInt64(matches.count)))]
            let value = Self.values[Int(random.next(below: UInt64(Self.values.count)))]
            if let range = Range(match.range(at: 2), in: text) { text.replaceSubrange(range, with: value) }
            do {
                let scenario = try TimelineLoader.load(text: text, file: file)
                let run = BufferTimeline.run(scenario)
                #expect(run.violations.isEmpty, "\(run.violations)\n\(text)")
                ran += 1
            } catch {
                #expect(!error.diagnostics.isEmpty)
            }
        }
        // Some mutations are accepted and run: the runs, not only the loader, are exercised.
        #expect(ran > 0)
    }
}
