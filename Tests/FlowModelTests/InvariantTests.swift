import SimKernel
import Testing

@testable import FlowModel

@Suite("FlowSimulation invariants and fingerprints")
struct FlowInvariantTests {
    /// Two flows of 100 B and 300 B sharing a 100 B/s resource.
    private func sharedResource() -> FlowSimulation {
        var simulation = FlowSimulation(capacities: [100])
        simulation.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 100))
        simulation.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 300, startTime: 1_000_000_000_000))
        return simulation
    }

    @Test func aResourceCarryingMoreThanItsCapacityStopsTheRun() {
        var simulation = sharedResource()
        // The test-only hook: the invariant now checks against 60 B/s while the solver shares
        // 100 B/s, so the first flow alone (100 B/s) already breaks it, at time 0.
        simulation.lowerCheckedCapacityForTesting(of: ResourceID(0), to: 60)
        simulation.run()
        let violation = simulation.violation
        #expect(violation?.invariant == "every flow's rate within its resources' capacities")
        #expect(violation?.component == "FlowSimulation resource 0")
        #expect(violation?.time == .zero)
        #expect(violation?.detail.contains("above its capacity of 60") == true)
        // The run stopped there: no flow finished.
        #expect(simulation.finishTime(of: FlowID(0)) == nil)
        #expect(simulation.eventCount == 1)
    }

    @Test func aRunWithinItsCapacitiesHasNoViolation() {
        var simulation = sharedResource()
        // Each flow drains alone at exactly the capacity: on the bound, not above it.
        simulation.lowerCheckedCapacityForTesting(of: ResourceID(0), to: 100)
        simulation.run()
        #expect(simulation.violation == nil)
        #expect(simulation.finishTime(of: FlowID(1)) == 4_000_000_000_000)
    }

    @Test func fingerprintsAreDeterministicAndSeeBehaviourChanges() {
        var a = sharedResource()
        var b = sharedResource()
        a.run()
        b.run()
        #expect(a.fingerprint == b.fingerprint)
        var c = FlowSimulation(capacities: [100])
        c.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 100))
        c.addFlow(FlowSpec(route: [ResourceID(0)], bytes: 301, startTime: 1_000_000_000_000))
        c.run()
        #expect(c.fingerprint != a.fingerprint)
    }
}
