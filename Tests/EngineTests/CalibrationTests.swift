import Engine
import Foundation
import Reports
import Testing
import Topology

@Suite("Calibration against published figures")
struct CalibrationTests {
    /// 8x H100 SXM, p2pBandwidthLatencyTest and nvbandwidth (../shared/data/measurements/README.md):
    /// every off-diagonal cell within 10% of the published range's midpoint.
    @Test func hgxH100MatrixIsWithinTenPercent() throws {
        let planner = try planner("hgx-h100")
        let report = try MatrixReport.make(planner: planner, devices: (0..<8).map { "gpu\($0)" })
        func check(_ matrix: [[Double]], low: Double, high: Double, _ what: String) {
            let midpoint = (low + high) / 2
            for (i, row) in matrix.enumerated() {
                for (j, value) in row.enumerated() where i != j {
                    #expect(abs(value - midpoint) / midpoint <= 0.10, "\(what) [\(i)][\(j)] = \(value)")
                }
            }
        }
        check(report.unidirectional.p2pEnabled, low: 365, high: 393, "unidirectional P2P")
        check(report.unidirectional.p2pDisabled, low: 36.3, high: 38.4, "unidirectional P2P disabled")
        check(report.bidirectional.p2pEnabled, low: 738, high: 775, "bidirectional P2P")
        for value in report.hostToDevice { #expect(abs(value - 55.3) / 55.3 <= 0.10) }
        for value in report.deviceToHost { #expect(abs(value - 55.2) / 55.2 <= 0.10) }
        #expect(report.connectivity.allSatisfy { $0.allSatisfy { $0 == 1 } })
    }

    /// DGX-1 with P2P disabled: a bidirectional copy between two GPUs behind one PCIe switch
    /// shares the switch uplink in both directions of the bounce, so it reaches much less than
    /// between GPUs behind different switches (measured on DGX-1 P100: ~10.5 vs 17-18 GB/s).
    @Test func dgx1BidirectionalBounceShapeMatches() throws {
        let planner = try planner("dgx1-v100")
        let report = try MatrixReport.make(planner: planner, devices: ["gpu0", "gpu1", "gpu2"])
        let sameSwitch = report.bidirectional.p2pDisabled[0][1]
        let otherSwitch = report.bidirectional.p2pDisabled[0][2]
        #expect(sameSwitch < 0.7 * otherSwitch, "\(sameSwitch) vs \(otherSwitch)")
        #expect(sameSwitch / otherSwitch > 0.45)
    }

    @Test func matrixIsDeterministic() throws {
        let first = try MatrixReport.make(planner: try planner("dgx-a100"), devices: ["gpu0", "gpu3", "gpu6"]).json()
        let second = try MatrixReport.make(planner: try planner("dgx-a100"), devices: ["gpu0", "gpu3", "gpu6"]).json()
        #expect(first == second)
    }

    @Test func compareJSONHasTheContractedKeys() throws {
        let refused = try ComparisonReport.make(
            planner: try planner("workstation-pcie-switch"), from: "gpu0", to: "gpu1", bytes: 1 << 26, direction: .push,
            stagingSocket: nil)
        let object = try JSONSerialization.jsonObject(with: Data(try refused.json().utf8)) as? [String: Any]
        #expect(object?["p2p"] is NSNull)
        #expect(object?["speedup"] is NSNull)
        let bounce = object?["bounce"] as? [String: Any]
        for key in ["seconds", "bandwidthGBps", "path", "bottleneck"] { #expect(bounce?[key] != nil, "\(key)") }
        let allowed = try ComparisonReport.make(
            planner: try planner("default"), from: "gpu0", to: "gpu1", bytes: 1 << 28, direction: .push,
            stagingSocket: nil)
        #expect(allowed.p2p?.mechanism == "pcie-p2p-bus-addr")
        #expect((allowed.speedup ?? 0) > 1)
    }
}
