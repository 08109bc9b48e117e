import Benchmark
import Foundation
import FlowModel
import P2PSim
import Reports
import Topology

/// A generated fabric of 1,024 endpoints: 2 sockets x 4 root complexes (a PCI segment each) x
/// 4 root ports, each with a 32-port switch of 32 GPUs.
let fabric1024 = generatedFabric(complexesPerSocket: 4, gpusPerPort: 32, barSize: "128 GiB")

/// The bundled topologies folder, relative to this package.
let topologies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("topologies")

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        maxDuration: .seconds(10),
        maxIterations: 20
    )

    // Issue [2/9]: loading a generated 1,024-endpoint topology takes under 0.5 s.
    Benchmark("Load and enumerate a 1,024-endpoint topology (repeat expansion, schema, checks)") { benchmark in
        for _ in benchmark.scaledIterations {
            let topology = try TopologyLoader.load(text: fabric1024, file: "fabric-1024.xml")
            precondition(topology.endpointIndices.count == 1_024)
            blackHole(try EnumeratedMachine(topology))
        }
    }

    // Issue [7/9]: SimGrid's flow-anchor case c (10,000 concurrent 256 MiB flows on 1,024
    // endpoints), replayed in the flow model; skipped when ../shared/data is absent.
    let caseC = topologies.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/data/flow-anchor/flows_c.csv")
    if let text = try? String(contentsOf: caseC, encoding: .utf8), let flows = FlowAnchorCSV.parseFlows(text) {
        Benchmark("Flow anchor case c: 10,000 flows on 1,024 endpoints (flow model)") { benchmark in
            for _ in benchmark.scaledIterations {
                var simulation = FlowAnchorPlatform(endpointCount: 1_024).makeSimulation(flows: flows)
                simulation.run()
                blackHole(simulation.finishTimeSeconds(of: FlowID(0)))
            }
        }
    }

    // Issue [7/9]: p2psim matrix topologies/hgx-h100.xml in flow fidelity under 100 ms.
    Benchmark("matrix hgx-h100, flow fidelity (8 GPUs: 64 pairs x 6 runs)") { benchmark in
        let topology = try TopologyLoader.load(contentsOf: topologies.appendingPathComponent("hgx-h100.xml").path)
        let planner = TransferPlanner(machine: try EnumeratedMachine(topology))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try MatrixReport.make(planner: planner, devices: (0..<8).map { "gpu\($0)" }))
        }
    }

    // Issue 14: `show`'s device matrix on a generated 2,048-endpoint machine (the 16,384-endpoint
    // figure is a whole-process measurement, see docs/benchmarks.md).
    Benchmark(
        "show matrix, generated 2,048 endpoints",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, maxDuration: .seconds(30),
            maxIterations: 5)
    ) { benchmark in
        let topology = try TopologyLoader.load(text: generatedFabric(gpusPerPort: 4), file: "fabric-2048.xml")
        let report = TopologyReport(machine: try EnumeratedMachine(topology))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(report.matrixText().utf8.count)
        }
    }

    // Issue 14: load and enumerate a generated 16,384-endpoint topology (target < 300 ms).
    Benchmark(
        "Load and enumerate a generated 16,384-endpoint topology",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, maxDuration: .seconds(30),
            maxIterations: 5)
    ) { benchmark in
        let text = generatedFabric(gpusPerPort: 32)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let topology = try TopologyLoader.load(text: text, file: "fabric-16384.xml")
            precondition(topology.endpointIndices.count == 16_384)
            blackHole(try EnumeratedMachine(topology))
        }
    }

    // Issue 14: 400,000 flows of 256 MiB on the flow-anchor platform at 16,384 endpoints (target
    // < 1 s in process).
    Benchmark(
        "Flow replay: 400,000 flows on 16,384 endpoints (flow model)",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, maxDuration: .seconds(30),
            maxIterations: 3)
    ) { benchmark in
        let flows = FlowAnchorPlatform(endpointCount: 16_384).randomFlows(count: 400_000)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var simulation = FlowAnchorPlatform(endpointCount: 16_384).makeSimulation(flows: flows)
            simulation.run()
            blackHole(simulation.finishTimeSeconds(of: FlowID(0)))
        }
    }
}
