import Testing

@testable import FlowModel

/// Picoseconds per second, for readable expectations.
let ps: UInt64 = 1_000_000_000_000

@Suite("FlowSimulation")
struct SimulationTests {
    @Test("A finishing flow frees capacity and the other speeds up")
    func freeCapacity() {
        // One resource of 100 B/s. f0: 100 B, f1: 300 B, both at t = 0.
        // Both drain at 50 B/s; f0 ends at 2 s; f1 has 200 B left and then drains at 100 B/s: ends at 4 s.
        var sim = FlowSimulation(capacities: [100])
        let f0 = sim.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 100))
        let f1 = sim.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 300))
        sim.run()
        #expect(sim.finishTime(of: f0) == 2 * ps)
        #expect(sim.finishTime(of: f1) == 4 * ps)
        #expect(sim.bytesCarried(by: ResourceID(0)) == 400)
        expectClose(sim.busyTime(of: ResourceID(0)), 4)
    }

    @Test("Latency is paid before draining, without using bandwidth")
    func latency() {
        // f0 pays 1 s of latency; f1 drains alone at 100 B/s for 1 s (100 B), then both at 50 B/s:
        // f0 (100 B) ends at 3 s; f1 has 100 B left at 3 s and ends at 4 s.
        var sim = FlowSimulation(capacities: [100])
        let f0 = sim.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 100, startTime: 0, latency: ps))
        let f1 = sim.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 300))
        sim.run()
        #expect(sim.finishTime(of: f0) == 3 * ps)
        #expect(sim.finishTime(of: f1) == 4 * ps)
    }

    @Test("Two-level bottleneck with a cap, over time")
    func twoLevelsOverTime() {
        // R0 (10 B/s): f0, f1; R1 (4 B/s): f1, f2 (f2 capped at 1 B/s).
        // Rates: f2 = 1, f1 = min(R1 residual 3, R0 share 5) = 3, f0 = 7.
        // f1: 30 B ends at 10 s. f0: 140 B, 70 B done at 10 s, then 10 B/s -> ends at 17 s.
        // f2: 20 B at 1 B/s -> 20 s (the cap still binds after f1 leaves).
        var sim = FlowSimulation(capacities: [10, 4])
        let r0 = ResourceID(0)
        let r1 = ResourceID(1)
        let f0 = sim.addFlow(FlowSpec(route: [r0], bytes: 140))
        let f1 = sim.addFlow(FlowSpec(route: [r0, r1], bytes: 30))
        let f2 = sim.addFlow(FlowSpec(route: [r1], bytes: 20, rateCap: 1))
        sim.run()
        #expect(sim.finishTime(of: f1) == 10 * ps)
        #expect(sim.finishTime(of: f0) == 17 * ps)
        #expect(sim.finishTime(of: f2) == 20 * ps)
    }

    @Test("Running in steps and adding flows later gives the same result as one run")
    func steppedRun() {
        // f0: 300 B alone at 100 B/s from 0; at 1 s f1 (100 B) joins: both at 50 B/s.
        // f1 ends at 3 s; f0 had 300 - 100 - 100 = 100 B left and ends at 4 s.
        var sim = FlowSimulation(capacities: [100])
        let f0 = sim.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 300))
        sim.run(until: ps / 2)
        #expect(sim.now == 0.5)
        #expect(sim.rate(of: f0) == 100)
        let f1 = sim.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 100, startTime: ps))
        sim.run()
        #expect(sim.finishTime(of: f1) == 3 * ps)
        #expect(sim.finishTime(of: f0) == 4 * ps)
    }

    @Test("Zero-byte and unconstrained flows finish after their latency")
    func trivialFlows() {
        var sim = FlowSimulation(capacities: [1])
        let a = sim.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 0, startTime: 5, latency: 7))
        let b = sim.addFlow(FlowSpec(route: [], bytes: 1000, startTime: 1, latency: 2))
        let c = sim.addFlow(FlowSpec(route: [], bytes: 1000, startTime: 0, latency: 0, rateCap: 500))
        sim.run()
        #expect(sim.finishTime(of: a) == 12)
        #expect(sim.finishTime(of: b) == 3)
        #expect(sim.finishTime(of: c) == 2 * ps)
    }

    /// A random scenario with staggered starts, latencies and caps.
    func randomSimulation(seed: UInt64, selective: Bool) -> [Double] {
        var rng = SplitMix64(state: seed)
        let resources = 16
        var sim = FlowSimulation(
            capacities: (0..<resources).map { _ in Double(Int.random(in: 1...16, using: &rng)) * 4e9 })
        sim.selectiveUpdate = selective
        var ids: [FlowID] = []
        for _ in 0..<150 {
            let cap: Double? =
                Int.random(in: 0..<5, using: &rng) == 0 ? Double.random(in: 1e9...2e10, using: &rng) : nil
            ids.append(
                sim.addFlow(
                    FlowSpec(
                        route: randomRoute(resources: resources, maxLength: 5, rng: &rng),
                        bytes: UInt64.random(in: 1...(1 << 24), using: &rng),
                        startTime: UInt64.random(in: 0...2_000_000_000, using: &rng),
                        latency: UInt64.random(in: 0...1_000_000, using: &rng),
                        rateCap: cap)))
        }
        sim.run()
        return ids.map { sim.finishTimeSeconds(of: $0) ?? .nan }
    }

    @Test("Selective updates give the same completion times as full recomputation", arguments: [11, 12, 13, 14])
    func selectiveMatchesFull(seed: UInt64) {
        let selective = randomSimulation(seed: seed, selective: true)
        let full = randomSimulation(seed: seed, selective: false)
        for (a, b) in zip(selective, full) { expectClose(a, b, relative: 1e-9) }
    }

    @Test("Simulation is deterministic: two runs give bit-identical completion times")
    func determinism() {
        let a = randomSimulation(seed: 99, selective: true)
        let b = randomSimulation(seed: 99, selective: true)
        #expect(a.allSatisfy { !$0.isNaN })
        #expect(a == b)
    }
}
