import Testing

@testable import FlowModel

@Suite("Route weights")
struct WeightTests {
    let r0 = ResourceID(0)
    let r1 = ResourceID(1)

    @Test("One resource shared by weights 1 and 2: equal rates x with x + 2x = capacity")
    func singleResource() {
        let rates = MaxMinSolver.solve(capacities: [10], routes: [[r0], [r0]], weights: [[1], [2]])
        expectClose(rates[0], 10.0 / 3)
        expectClose(rates[1], 10.0 / 3)
    }

    @Test("Omitted weights are 1, and weights(of:) reports them")
    func defaults() {
        var s = MaxMinSolver(capacities: [10, 10])
        let a = s.addFlow(route: [r0, r1])
        // No weight stored while every weight is 1; the first other weight fills them in.
        #expect(s.weights(of: a) == [1, 1])
        let b = s.addFlow(route: [r0, r1], weights: [0.5, 3], rateCap: nil)
        let c = s.addFlow(route: [r1])
        #expect(s.weights(of: a) == [1, 1])
        #expect(s.weights(of: b) == [0.5, 3])
        #expect(s.weights(of: c) == [1])
        // R1: x + 3x = 10 gives 2.5, below R0's 10 / 1.5.
        s.update(activating: [a, b], deactivating: [])
        expectClose(s.rate(of: a), 2.5)
        expectClose(s.rate(of: b), 2.5)
        #expect(MaxMinSolver.solve(capacities: [6], routes: [[r0], [r0]], weights: [[], [1]]) == [3, 3])
    }

    @Test("A weighted flow held back by a tighter resource leaves capacity to the others")
    func tighterElsewhere() {
        // R0 (10): A (w 1), B (w 2). R1 (3): B (w 1.5), C (w 1).
        // Levels: R0 10 / 3, R1 3 / 2.5 = 1.2, so R1 saturates first: B = C = 1.2 (1.5·1.2 + 1.2 = 3).
        // R0 then has 10 - 2·1.2 = 7.6 left for A alone.
        let rates = MaxMinSolver.solve(
            capacities: [10, 3], routes: [[r0], [r0, r1], [r1]], weights: [[1], [2, 1.5], [1]])
        expectClose(rates[0], 7.6)
        expectClose(rates[1], 1.2)
        expectClose(rates[2], 1.2)
    }

    @Test("Weights with caps: a binding cap frees its weighted consumption, a loose one does not bind")
    func weightsAndCaps() {
        // R0 (10): A (w 2, cap 1), B (w 1), C (w 3). Level 10 / 6 > 1, so A stops at its cap;
        // B and C share 10 - 2·1 = 8 with weight 4: 2 each (2 + 2 + 3·2 = 10).
        let binding = MaxMinSolver.solve(
            capacities: [10], routes: [[r0], [r0], [r0]], weights: [[2], [1], [3]], rateCaps: [1, nil, nil])
        expectClose(binding[0], 1)
        expectClose(binding[1], 2)
        expectClose(binding[2], 2)
        let loose = MaxMinSolver.solve(
            capacities: [10], routes: [[r0], [r0], [r0]], weights: [[2], [1], [3]], rateCaps: [5, 9, nil])
        for x in loose { expectClose(x, 10.0 / 6) }
    }

    @Test("Incremental update with weights: a leaving heavy flow frees its weighted share")
    func incremental() {
        var s = MaxMinSolver(capacities: [12])
        let a = s.addFlow(route: [r0])
        let b = s.addFlow(route: [r0], weights: [5], rateCap: nil)
        s.update(activating: [a, b], deactivating: [])
        expectClose(s.rate(of: a), 2)
        expectClose(s.rate(of: b), 2)
        s.update(activating: [], deactivating: [b])
        expectClose(s.rate(of: a), 12)
        s.update(activating: [b], deactivating: [a])
        expectClose(s.rate(of: b), 12.0 / 5)
    }

    @Test(
        "Selective updates match full recomputation on random weighted activation sequences",
        arguments: [21, 22, 23, 24, 25, 26, 27, 28])
    func selectiveMatchesFull(seed: UInt64) {
        var rng = SplitMix64(state: seed)
        let resources = 12
        var selective = MaxMinSolver(
            capacities: (0..<resources).map { _ in Double(Int.random(in: 1...20, using: &rng)) * 1e9 })
        var full = selective
        full.selectiveUpdate = false
        var ids: [FlowID] = []
        for _ in 0..<120 {
            let cap: Double? = Int.random(in: 0..<4, using: &rng) == 0 ? Double.random(in: 1e8...5e9, using: &rng) : nil
            let route = randomRoute(resources: resources, maxLength: 4, rng: &rng)
            // Mostly 1, sometimes small (request traffic) or large (heavy consumers).
            let weights = route.map { _ -> Double in
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: Double.random(in: 0.01...0.1, using: &rng)
                case 1: Double.random(in: 1...4, using: &rng)
                default: 1
                }
            }
            let id = selective.addFlow(route: route, weights: weights, rateCap: cap)
            #expect(full.addFlow(route: route, weights: weights, rateCap: cap) == id)
            ids.append(id)
        }
        var isOn = Array(repeating: false, count: ids.count)
        for _ in 0..<60 {
            var on: [FlowID] = []
            var off: [FlowID] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<ids.count, using: &rng)
                if on.contains(ids[i]) || off.contains(ids[i]) { continue }
                if isOn[i] { off.append(ids[i]) } else { on.append(ids[i]) }
                isOn[i].toggle()
            }
            selective.update(activating: on, deactivating: off)
            full.update(activating: on, deactivating: off)
            var recomputed = selective
            recomputed.recomputeAll()
            for f in ids {
                expectClose(selective.rate(of: f), full.rate(of: f), relative: 1e-7)
                expectClose(selective.rate(of: f), recomputed.rate(of: f), relative: 1e-7)
            }
            // Feasibility: no resource is over its capacity (with weights).
            var used = Array(repeating: 0.0, count: resources)
            for f in ids where isOn[f.index] {
                for (r, w) in zip(selective.route(of: f), selective.weights(of: f)) {
                    used[r.index] += w * selective.rate(of: f)
                }
            }
            for r in 0..<resources {
                #expect(used[r] <= selective.capacity(of: ResourceID(r)) * (1 + 1e-9))
            }
        }
    }

    @Test("A weight-2 flow of 10 bytes alone on a 10 B/s resource finishes at 2 s and counts 20 bytes")
    func simulationAlone() {
        var sim = FlowSimulation(capacities: [10])
        let f = sim.addFlow(FlowSpec(route: [r0], weights: [2], bytes: 10))
        sim.run()
        #expect(sim.finishTime(of: f) == 2 * ps)
        #expect(sim.bytesCarried(by: r0) == 20)
        expectClose(sim.busyTime(of: r0), 2)
    }

    @Test("Weighted flows over time: the light flow ends first and the heavy one then speeds up")
    func simulationShared() {
        // R0 (10 B/s): f0 (10 B, w 1), f1 (30 B, w 2), both at 10/3 B/s; f0 ends at 3 s.
        // f1 has 20 B left and drains alone at 10 / 2 = 5 B/s: ends at 7 s. R1 (100 B/s) carries
        // f1 with weight 0.25 and never binds. Bytes carried: R0 10 + 2·30 = 70, R1 0.25·30 = 7.5.
        var sim = FlowSimulation(capacities: [10, 100])
        let f0 = sim.addFlow(FlowSpec(route: [r0], bytes: 10))
        let f1 = sim.addFlow(FlowSpec(route: [r0, r1], weights: [2, 0.25], bytes: 30))
        sim.run()
        #expect(sim.finishTime(of: f0) == 3 * ps)
        #expect(sim.finishTime(of: f1) == 7 * ps)
        expectClose(sim.bytesCarried(by: r0), 70)
        expectClose(sim.bytesCarried(by: r1), 7.5)
        expectClose(sim.busyTime(of: r0), 7)
        expectClose(sim.busyTime(of: r1), 7)
    }

    @Test("Selective updates give the same weighted completion times as full recomputation", arguments: [31, 32, 33])
    func simulationSelectiveMatchesFull(seed: UInt64) {
        func run(selective: Bool) -> [Double] {
            var rng = SplitMix64(state: seed)
            let resources = 16
            var sim = FlowSimulation(
                capacities: (0..<resources).map { _ in Double(Int.random(in: 1...16, using: &rng)) * 4e9 })
            sim.selectiveUpdate = selective
            var ids: [FlowID] = []
            for _ in 0..<150 {
                let cap: Double? =
                    Int.random(in: 0..<5, using: &rng) == 0 ? Double.random(in: 1e9...2e10, using: &rng) : nil
                let route = randomRoute(resources: resources, maxLength: 5, rng: &rng)
                let weights = route.map { _ in
                    Int.random(in: 0..<2, using: &rng) == 0 ? 1 : Double.random(in: 0.02...3, using: &rng)
                }
                ids.append(
                    sim.addFlow(
                        FlowSpec(
                            route: route, weights: weights,
                            bytes: UInt64.random(in: 1...(1 << 24), using: &rng),
                            startTime: UInt64.random(in: 0...2_000_000_000, using: &rng),
                            latency: UInt64.random(in: 0...1_000_000, using: &rng),
                            rateCap: cap)))
            }
            sim.run()
            return ids.map { sim.finishTimeSeconds(of: $0) ?? .nan }
        }
        let selective = run(selective: true)
        let full = run(selective: false)
        #expect(selective.allSatisfy { !$0.isNaN })
        for (a, b) in zip(selective, full) { expectClose(a, b, relative: 1e-9) }
    }
}
