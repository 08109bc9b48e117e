import Foundation
import Testing

@testable import FlowModel

/// Locates the shared reference data (`shared/data`): `$P2PSIM_SHARED_DATA` first, then a
/// `shared/data` directory next to any ancestor of this source file.
enum ReferenceData {
    static let sharedDirectory: String? = {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if let env = ProcessInfo.processInfo.environment["P2PSIM_SHARED_DATA"],
            fm.fileExists(atPath: env, isDirectory: &isDirectory), isDirectory.boolValue
        {
            return env
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" && !dir.path.isEmpty {
            let candidate = dir.appendingPathComponent("shared/data")
            if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate.path
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    /// The flow-anchor directory, if present with its files.
    static let flowAnchor: String? = {
        guard let shared = sharedDirectory else { return nil }
        let dir = shared + "/flow-anchor"
        return FileManager.default.fileExists(atPath: dir + "/out_b.csv") ? dir : nil
    }()

    static func text(_ name: String) throws -> String {
        let dir = try #require(flowAnchor)
        return try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
    }
}

@Suite(
    "Flow-anchor reference (SimGrid 3.32)",
    .enabled(if: ReferenceData.flowAnchor != nil, "shared/data/flow-anchor not found"))
struct FlowAnchorTests {
    /// Replays a case and returns the maximum relative error of completion times against SimGrid.
    func maxRelativeError(case name: String, endpoints: Int, batchWindow: UInt64) throws -> Double {
        let flows = try #require(FlowAnchorCSV.parseFlows(try ReferenceData.text("flows_\(name).csv")))
        let expected = try #require(FlowAnchorCSV.parseFinishTimes(try ReferenceData.text("out_\(name).csv")))
        try #require(flows.count == expected.count)
        var sim = FlowAnchorPlatform(endpointCount: endpoints).makeSimulation(flows: flows)
        sim.absoluteBatchWindow = batchWindow
        sim.run()
        var worst = 0.0
        for (i, reference) in expected.enumerated() {
            let t = try #require(sim.finishTimeSeconds(of: FlowID(i)))
            worst = max(worst, abs(t - reference) / reference)
        }
        return worst
    }

    @Test("Case a (8 endpoints, 56 flows) matches SimGrid")
    func caseA() throws {
        #expect(try maxRelativeError(case: "a", endpoints: 8, batchWindow: 0) <= 1e-6)
        #expect(try maxRelativeError(case: "a", endpoints: 8, batchWindow: 1000) <= 1e-12)
    }

    @Test("Case b (64 endpoints, 1,000 flows) matches SimGrid")
    func caseB() throws {
        // Exact event times: within 2e-9 (SimGrid merges events closer than 1 ns).
        #expect(try maxRelativeError(case: "b", endpoints: 64, batchWindow: 0) <= 1e-6)
        // With SimGrid's 1 ns event merging, agreement is to rounding.
        #expect(try maxRelativeError(case: "b", endpoints: 64, batchWindow: 1000) <= 1e-12)
    }

    @Test("Case a by hand: the README's two completion times")
    func caseAByHand() throws {
        let flows = try #require(FlowAnchorCSV.parseFlows(try ReferenceData.text("flows_a.csv")))
        var sim = FlowAnchorPlatform(endpointCount: 8).makeSimulation(flows: flows)
        sim.run()
        // gpu0 -> gpu1 (id 0): 300 ns alone at 64e9/3 (6,400 B) before the cross-socket flows start.
        expectClose(try #require(sim.finishTimeSeconds(of: FlowID(0))), 5e-7 + (268_435_456 - 6400) / 16e9)
        // gpu0 -> gpu4 (id 3): 16 flows share each uplink direction: 4e9 B/s throughout.
        expectClose(try #require(sim.finishTimeSeconds(of: FlowID(3))), 5e-7 + 268_435_456 / 4e9)
    }
}
