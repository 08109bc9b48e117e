import Benchmark
import Foundation
import P2PSim

/// A generated fabric of 1,024 endpoints: 2 sockets x 4 root complexes (a PCI segment each) x
/// 4 root ports, each with a 32-port switch of 32 GPUs, written with nested `<repeat>`s.
let fabric1024 = """
    <?xml version="1.0"?>
    <topology name="fabric-1024" version="1">
      <repeat count="2" var="s">
        <socket id="cpu{s}" vendor="amd" family="0x19">
          <memory capacity="512 GiB" bandwidth="460 GB/s" latency="110 ns"/>
          <repeat count="4" var="r">
            <rootComplex id="rc{s}.{r}" hostBridge="1022:14a4" p2p="readwrite" segment="{4*s+r}">
              <repeat count="4" var="p">
                <rootPort id="rc{s}.{r}.rp{p}" device="{p+1}" gen="5" width="16">
                  <switch id="sw{s}.{r}.{p}" gen="5" width="16" latency="115 ns">
                    <repeat count="32" var="i">
                      <downstreamPort id="sw{s}.{r}.{p}.dp{i}">
                        <endpoint id="gpu{512*s+128*r+32*p+i}" kind="gpu" pciId="10de:2330" gen="5" width="16">
                          <bar index="1" size="128 GiB" bits="64" prefetchable="true" exposes="memory"/>
                          <memory capacity="80 GiB" bandwidth="3350 GB/s" latency="500 ns"/>
                        </endpoint>
                      </downstreamPort>
                    </repeat>
                  </switch>
                </rootPort>
              </repeat>
            </rootComplex>
          </repeat>
        </socket>
      </repeat>
      <socketLink a="cpu0" b="cpu1" kind="infinity-fabric" links="4" bandwidth="64 GB/s" latency="120 ns"/>
    </topology>
    """

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
}
