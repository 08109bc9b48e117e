import Testing

@testable import FlowModel

/// Asserts two rates are equal within a relative tolerance.
func expectClose(_ a: Double, _ b: Double, relative: Double = 1e-12, sourceLocation: SourceLocation = #_sourceLocation)
{
    let scale = max(abs(a), abs(b), 1e-300)
    #expect(abs(a - b) / scale <= relative, "\(a) != \(b)", sourceLocation: sourceLocation)
}

/// A tiny deterministic pseudo-random generator (SplitMix64) for reproducible random cases.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random routes (distinct resources) over `resources` resources.
func randomRoute(resources: Int, maxLength: Int, rng: inout SplitMix64) -> [ResourceID] {
    let length = Int.random(in: 1...maxLength, using: &rng)
    var route: [ResourceID] = []
    while route.count < length {
        let r = ResourceID(Int.random(in: 0..<resources, using: &rng))
        if !route.contains(r) { route.append(r) }
    }
    return route
}

@Suite("MaxMinSolver")
struct SolverTests {
    @Test("One bottleneck shared equally by N flows", arguments: [1, 2, 3, 7, 100])
    func singleBottleneck(n: Int) {
        let rates = MaxMinSolver.solve(
            capacities: [12e9, 1e12], routes: Array(repeating: [ResourceID(0), ResourceID(1)], count: n))
        #expect(rates.count == n)
        for r in rates { expectClose(r, 12e9 / Double(n)) }
    }

    @Test("Two-level bottlenecks: the flow limited elsewhere leaves its share to the others")
    func twoLevels() {
        // R0 (10) carries f0, f1; R1 (4) carries f1, f2, f3. R1 is the first bottleneck: 4/3 each;
        // f0 then gets what f1 leaves on R0: 10 - 4/3.
        let r0 = ResourceID(0)
        let r1 = ResourceID(1)
        let rates = MaxMinSolver.solve(capacities: [10, 4], routes: [[r0], [r0, r1], [r1], [r1]])
        expectClose(rates[0], 10 - 4.0 / 3)
        expectClose(rates[1], 4.0 / 3)
        expectClose(rates[2], 4.0 / 3)
        expectClose(rates[3], 4.0 / 3)
    }

    @Test("Classic three-level max-min example")
    func threeLevels() {
        // R0 (1): f0, f1, f2 -> 1/3 each. R1 (2): f0, f3 -> f3 could get 5/3 there,
        // but R2 (3): f3, f4 -> 1.5 each is the tighter level.
        let r = (0..<3).map { ResourceID($0) }
        let rates = MaxMinSolver.solve(
            capacities: [1, 2, 3], routes: [[r[0], r[1]], [r[0]], [r[0]], [r[1], r[2]], [r[2]]])
        for i in 0..<3 { expectClose(rates[i], 1.0 / 3) }
        expectClose(rates[3], 1.5)
        expectClose(rates[4], 1.5)
    }

    @Test("Per-flow caps act as private resources")
    func caps() {
        let r0 = ResourceID(0)
        // A binding cap: the capped flow gets 2, the others split the remaining 8.
        let binding = MaxMinSolver.solve(capacities: [10], routes: [[r0], [r0], [r0]], rateCaps: [2, nil, nil])
        expectClose(binding[0], 2)
        expectClose(binding[1], 4)
        expectClose(binding[2], 4)
        // A cap above the fair share does not bind.
        let loose = MaxMinSolver.solve(capacities: [10], routes: [[r0], [r0], [r0]], rateCaps: [5, 9, nil])
        for x in loose { expectClose(x, 10.0 / 3) }
        // Empty routes: the cap alone decides; uncapped means unconstrained.
        let empty = MaxMinSolver.solve(capacities: [10], routes: [[], []], rateCaps: [7, nil])
        expectClose(empty[0], 7)
        #expect(empty[1] == .infinity)
    }

    @Test("Incremental update: freed capacity goes to the flows it bottlenecked")
    func incrementalFree() {
        var s = MaxMinSolver(capacities: [10, 4])
        let r0 = ResourceID(0)
        let r1 = ResourceID(1)
        let f0 = s.addFlow(route: [r0])
        let f1 = s.addFlow(route: [r0, r1])
        let f2 = s.addFlow(route: [r1])
        s.update(activating: [f0, f1, f2], deactivating: [])
        expectClose(s.rate(of: f1), 2)
        expectClose(s.rate(of: f0), 8)
        s.update(activating: [], deactivating: [f2])
        // f1 now limited by R1 (4), and f0 gets 6.
        expectClose(s.rate(of: f1), 4)
        expectClose(s.rate(of: f0), 6)
        #expect(s.rate(of: f2) == 0)
        #expect(Set(s.changedFlows) == [f0, f1])
    }

    @Test(
        "Selective updates match full recomputation on random activation sequences",
        arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func selectiveMatchesFull(seed: UInt64) {
        var rng = SplitMix64(state: seed)
        let resources = 12
        var s = MaxMinSolver(capacities: (0..<resources).map { _ in Double(Int.random(in: 1...20, using: &rng)) * 1e9 })
        var ids: [FlowID] = []
        for _ in 0..<120 {
            let cap: Double? = Int.random(in: 0..<4, using: &rng) == 0 ? Double.random(in: 1e8...5e9, using: &rng) : nil
            ids.append(s.addFlow(route: randomRoute(resources: resources, maxLength: 4, rng: &rng), rateCap: cap))
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
            s.update(activating: on, deactivating: off)
            var full = s
            full.recomputeAll()
            for f in ids {
                #expect(s.isActive(f) == isOn[f.index])
                expectClose(s.rate(of: f), full.rate(of: f), relative: 1e-7)
            }
            #expect(
                full.changedFlows.isEmpty
                    || full.changedFlows.allSatisfy {
                        abs(full.rate(of: $0) - s.rate(of: $0)) <= 1e-7 * max(full.rate(of: $0), s.rate(of: $0))
                    })
        }
    }

    @Test("Results are deterministic: two identical runs give bit-identical rates")
    func determinism() {
        func run() -> [Double] {
            var rng = SplitMix64(state: 42)
            let routes = (0..<300).map { _ in randomRoute(resources: 20, maxLength: 5, rng: &rng) }
            let caps: [Double?] = (0..<300).map { i in i % 7 == 0 ? 1e9 : nil }
            return MaxMinSolver.solve(capacities: (0..<20).map { Double($0 + 1) * 3e9 }, routes: routes, rateCaps: caps)
        }
        #expect(run() == run())
    }
}
