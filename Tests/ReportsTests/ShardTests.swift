import Engine
import Fabric
import Foundation
import Reports
import Testing
import Topology

let topologies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("topologies")

func planner(_ name: String) throws -> TransferPlanner {
    let topology = try TopologyLoader.load(contentsOf: topologies.appendingPathComponent(name + ".xml").path)
    return TransferPlanner(machine: try EnumeratedMachine(topology))
}

@Suite("Sweeps, matrices and shards")
struct ShardTests {
    @Test func shardedSweepMergesToTheSingleRun() throws {
        let p = try planner("default")
        let single = try SweepReport.make(planner: p, from: "gpu0", to: "gpu2")
        let parts = try (0..<4).map {
            try SweepReport.make(planner: p, from: "gpu0", to: "gpu2", shardIndex: $0, shardCount: 4)
        }
        #expect(parts.map(\.points.count).reduce(0, +) == SweepReport.standardSizes.count)
        #expect(try SweepReport.merge(parts.reversed()).json() == single.json())
    }

    @Test func shardedMatrixMergesToTheSingleRun() throws {
        let p = try planner("dgx1-v100")
        let devices = (0..<8).map { "gpu\($0)" }
        let single = try MatrixReport.make(planner: p, devices: devices)
        let parts = try (0..<3).map {
            try MatrixReport.make(planner: p, devices: devices, shardIndex: $0, shardCount: 3)
        }
        #expect(try MatrixReport.merge(parts).json() == single.json())
        #expect(throws: TransferPlanningError.self) { try MatrixReport.merge([parts[0], parts[0]]) }
    }

    @Test func sweepBandwidthGrowsWithSizeAndP2PWinsOnTheDefaultMachine() throws {
        let sweep = try SweepReport.make(planner: try planner("default"), from: "gpu0", to: "gpu1")
        let p2p = sweep.points.compactMap(\.p2pGBps)
        #expect(p2p.count == sweep.points.count)
        #expect(zip(p2p, p2p.dropFirst()).allSatisfy { $0 <= $1 + 1e-9 })
        #expect(sweep.points.allSatisfy { ($0.p2pGBps ?? 0) > $0.bounceGBps })
        #expect(sweep.crossovers.isEmpty)
        let svg = sweep.svg()
        #expect(svg.hasPrefix("<svg") && svg.contains("polyline") && svg.hasSuffix("</svg>\n"))
    }
}
