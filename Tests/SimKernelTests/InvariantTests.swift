import Testing
import Units

@testable import SimKernel

/// A model that, at its first event, schedules an event earlier than the clock through the
/// test-only hook (the future-event set's `push`, reached with `@testable`), which no public
/// API can do.
private struct TimeTraveller: SimulationModel {
    var handled = 0

    mutating func handle(_ event: ScheduledEvent<Int>, scheduler: inout Scheduler<Int>) {
        handled += 1
        if event.message == 0 {
            scheduler.events.push(at: .ns(5), to: ComponentID(Int32(1)), port: PortID(0), 1)
        }
    }
}

/// A model that schedules `remaining` more events, `step` apart.
private struct Ticker: SimulationModel {
    var step: Picoseconds

    mutating func handle(_ event: ScheduledEvent<Int>, scheduler: inout Scheduler<Int>) {
        if event.message > 0 { scheduler.schedule(event.message - 1, to: event.target, after: step) }
    }
}

@Suite("Kernel invariants and fingerprints")
struct InvariantTests {
    @Test func anEventInThePastStopsTheRun() {
        var simulation = Simulation(model: TimeTraveller())
        simulation.scheduler.schedule(0, to: ComponentID(Int32(0)), after: .ns(10))
        #expect(simulation.runUntilIdle() == .invariantViolated)
        let violation = simulation.violation
        #expect(violation?.invariant == "no event in the past")
        #expect(violation?.time == .ns(10))
        #expect(violation?.component.hasPrefix("SimKernel") == true)
        #expect(violation?.description.contains("at simulated time 10 ns") == true)
        #expect(simulation.model.handled == 1)
        // A stopped simulation stays stopped.
        #expect(simulation.runUntilIdle() == .invariantViolated)
    }

    @Test func aNormalRunHasNoViolation() {
        var simulation = Simulation(model: Ticker(step: .ns(3)))
        simulation.scheduler.schedule(5, to: ComponentID(Int32(0)))
        #expect(simulation.runUntilIdle() == .idle)
        #expect(simulation.violation == nil)
        #expect(simulation.eventCount == 6)
    }

    @Test func fingerprintsAreDeterministicAndSeeBehaviourChanges() {
        func fingerprint(step: Picoseconds, count: Int) -> EventFingerprint {
            var simulation = Simulation(model: Ticker(step: step))
            simulation.scheduler.schedule(count, to: ComponentID(Int32(2)))
            simulation.runUntilIdle()
            return simulation.fingerprint
        }
        #expect(fingerprint(step: .ns(3), count: 100) == fingerprint(step: .ns(3), count: 100))
        #expect(fingerprint(step: .ns(3), count: 100) != fingerprint(step: .ns(4), count: 100))
        #expect(fingerprint(step: .ns(3), count: 100) != fingerprint(step: .ns(3), count: 101))
        #expect(fingerprint(step: .ns(3), count: 1).description.count == 16)
    }
}
