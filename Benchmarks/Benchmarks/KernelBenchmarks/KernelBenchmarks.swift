import Benchmark
import P2PSim
import SimKernel

/// The number of events pending throughout a hold-model run.
let pendingEvents = 10_000
/// The number of hold steps per run (pop the earliest event, push one later).
let holdSteps = 1_000_000

/// A model with 64 components, each counting the events it receives and rescheduling each
/// event to another component after a random delay: the kernel's dispatch path under load.
struct HoldComponents: SimulationModel {
    typealias Message = UInt32
    var received = [UInt64](repeating: 0, count: 64)
    var random = SplitMix64(seed: 1)
    var remaining = holdSteps

    mutating func handle(_ event: ScheduledEvent<UInt32>, scheduler: inout Scheduler<UInt32>) {
        received[event.target.index] &+= 1
        guard remaining > 0 else { return }
        remaining -= 1
        let bits = random.next()
        scheduler.schedule(event.message &+ 1, to: ComponentID(Int(bits >> 58)), after: Picoseconds(bits & 0xFFFF))
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        maxDuration: .seconds(10),
        maxIterations: 15
    )

    // The bare future-event set: 10,000 pending events; pop the earliest, push one at
    // now + random delay; 1M steps. Events/s = 1M / wall time.
    Benchmark("Hold model, bare event queue (1M events, 10k pending)") { benchmark in
        for _ in benchmark.scaledIterations {
            var queue = FutureEventSet<UInt32>()
            queue.reserveCapacity(pendingEvents + 1)
            var random = SplitMix64(seed: 1)
            for i in 0..<pendingEvents {
                queue.push(at: Picoseconds(random.next() & 0xFFFF), to: ComponentID(i & 63), port: PortID(0), 0)
            }
            var checksum: UInt64 = 0
            for _ in 0..<holdSteps {
                guard let event = queue.popEarliest() else { break }
                checksum &+= event.time.rawValue
                let bits = random.next()
                queue.push(
                    at: event.time + Picoseconds(bits & 0xFFFF), to: ComponentID(Int(bits >> 58)), port: PortID(0),
                    event.message &+ 1)
            }
            blackHole(checksum)
        }
    }

    // The same through the kernel: events dispatched to components of a model.
    Benchmark("Hold model, kernel dispatching to components (1M events, 10k pending)") { benchmark in
        for _ in benchmark.scaledIterations {
            var simulation = Simulation(model: HoldComponents())
            simulation.scheduler.reserveCapacity(pendingEvents + 1)
            var random = SplitMix64(seed: 2)
            for i in 0..<pendingEvents {
                simulation.scheduler.schedule(0, to: ComponentID(i & 63), after: Picoseconds(random.next() & 0xFFFF))
            }
            simulation.runUntilIdle()
            blackHole(simulation.eventCount)
        }
    }
}
