import SimKernel
import Testing
import Units

/// A hold model: each event reschedules itself after a random delay, and every event is logged.
struct HoldModel: SimulationModel {
    typealias Message = UInt64
    var random: SplitMix64
    var log: [String] = []
    var remaining: Int

    mutating func handle(_ event: ScheduledEvent<UInt64>, scheduler: inout Scheduler<UInt64>) {
        log.append("\(event.time.rawValue) \(event.target.rawValue) \(event.message)")
        guard remaining > 0 else { return }
        remaining -= 1
        let delay = Picoseconds(random.next() % 1_000)
        let target = ComponentID(Int(random.next() % 8))
        scheduler.schedule(event.message &+ 1, to: target, after: delay)
    }
}

/// Records the order in which events arrive.
struct Recorder: SimulationModel {
    typealias Message = Int
    var seen: [Int] = []
    mutating func handle(_ event: ScheduledEvent<Int>, scheduler: inout Scheduler<Int>) {
        seen.append(event.message)
    }
}

/// Forwards every message over its channel once, recording arrival times.
struct Relay: SimulationModel {
    typealias Message = Int
    var outgoing: [ChannelID?]
    var arrivals: [(time: UInt64, component: Int32, port: Int32, message: Int)] = []
    mutating func handle(_ event: ScheduledEvent<Int>, scheduler: inout Scheduler<Int>) {
        arrivals.append((event.time.rawValue, event.target.rawValue, event.port.rawValue, event.message))
        if let channel = outgoing[event.target.index], event.message > 0 {
            scheduler.send(event.message - 1, on: channel)
        }
    }
}

@Suite("Simulation kernel")
struct SimulationTests {
    func holdTrace(seed: UInt64) -> [String] {
        var simulation = Simulation(model: HoldModel(random: SplitMix64(seed: seed), remaining: 5_000))
        for i in 0..<100 {
            simulation.scheduler.schedule(UInt64(i) * 1_000, to: ComponentID(i % 8), after: Picoseconds(UInt64(i % 7)))
        }
        simulation.runUntilIdle()
        return simulation.model.log
    }

    @Test func sameSeedGivesByteIdenticalTraces() {
        let first = holdTrace(seed: 42)
        let second = holdTrace(seed: 42)
        #expect(first.count == 5_100)
        #expect(first.joined(separator: "\n").utf8.elementsEqual(second.joined(separator: "\n").utf8))
        #expect(holdTrace(seed: 43) != first)
    }

    @Test func timeNeverGoesBackwards() {
        let times = holdTrace(seed: 7).compactMap { UInt64($0.split(separator: " ")[0]) }
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func equalTimesAreFirstInFirstOut() {
        var simulation = Simulation(model: Recorder())
        // Interleave two times; within each time, insertion order must be kept.
        for i in 0..<1_000 {
            simulation.scheduler.schedule(i, to: ComponentID(0), after: Picoseconds(UInt64(i % 2) * 10))
        }
        simulation.runUntilIdle()
        let expected = Array(stride(from: 0, to: 1_000, by: 2)) + Array(stride(from: 1, to: 1_000, by: 2))
        #expect(simulation.model.seen == expected)
        #expect(simulation.eventCount == 1_000)
    }

    @Test func cancelledEventsAreSkipped() {
        var simulation = Simulation(model: Recorder())
        let handles = (0..<10).map { simulation.scheduler.schedule($0, to: ComponentID(0), after: .ns(UInt64($0))) }
        simulation.scheduler.cancel(handles[3])
        simulation.scheduler.cancel(handles[7])
        simulation.runUntilIdle()
        #expect(simulation.model.seen == [0, 1, 2, 4, 5, 6, 8, 9])
        #expect(simulation.eventCount == 8)
    }

    @Test func runUntilStopsAtTheLimitAndResumes() {
        var simulation = Simulation(model: Recorder())
        for i in 0..<10 { simulation.scheduler.schedule(i, to: ComponentID(0), after: .ns(UInt64(i) * 10)) }
        #expect(simulation.run(until: .ns(45)) == .reachedTimeLimit)
        #expect(simulation.model.seen == [0, 1, 2, 3, 4])
        #expect(simulation.now == .ns(45))
        #expect(simulation.run(maxEvents: 2) == .reachedEventLimit)
        #expect(simulation.model.seen == [0, 1, 2, 3, 4, 5, 6])
        #expect(simulation.runUntilIdle() == .idle)
        #expect(simulation.model.seen.count == 10)
        #expect(simulation.now == .ns(90))
    }

    @Test func channelsDeliverAfterTheirLatency() {
        var scheduler = Scheduler<Int>()
        let a = ComponentID(0)
        let b = ComponentID(1)
        let ab = scheduler.connect(from: Endpoint(a, PortID(0)), to: Endpoint(b, PortID(3)), latency: .ns(100))
        let ba = scheduler.connect(from: Endpoint(b, PortID(3)), to: Endpoint(a, PortID(0)), latency: .ns(40))
        #expect(scheduler.lookahead == .ns(40))
        scheduler.schedule(3, to: a)
        var simulation = Simulation(model: Relay(outgoing: [ab, ba]), scheduler: scheduler)
        simulation.runUntilIdle()
        let arrivals = simulation.model.arrivals.map { "\($0.time)@\($0.component):\($0.port)=\($0.message)" }
        #expect(arrivals == ["0@0:0=3", "100000@1:3=2", "140000@0:0=1", "240000@1:3=0"])
    }

    @Test func tracerSeesEveryHandledEvent() {
        final class Box: @unchecked Sendable { var times: [UInt64] = [] }
        let box = Box()
        var simulation = Simulation(model: Recorder())
        simulation.tracer = { box.times.append($0.time.rawValue) }
        for i in 0..<5 { simulation.scheduler.schedule(i, to: ComponentID(0), after: .ns(UInt64(5 - i))) }
        simulation.runUntilIdle()
        #expect(box.times == [1_000, 2_000, 3_000, 4_000, 5_000])
        #expect(simulation.model.seen == [4, 3, 2, 1, 0])
    }
}
