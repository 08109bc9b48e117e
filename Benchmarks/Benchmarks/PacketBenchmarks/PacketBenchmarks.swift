import Benchmark
import P2PSim
import PacketModel

/// Events per second (all kernel events) and TLP-hops per second (TLPs times link directions
/// crossed) of one run, from its wall time.
struct Rates {
    var events: Int
    var tlpHops: Int
}

/// Runs the two-level switch tree write of `bytes` and returns the rates and the result.
func runTree(bytes: UInt64) throws -> (Rates, PacketResult) {
    let scenario = PacketScenarios.twoLevelSwitchTreeWrite(bytes: bytes)
    let clock = ContinuousClock()
    let begin = clock.now
    let result = try PacketSimulation.run(fabric: scenario.fabric, transfers: scenario.transfers)
    let elapsed = clock.now - begin
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let hops = result.stages.filter { $0.kindName == "link" }.reduce(0) { $0 + $1.tlpCount }
    let rates = Rates(
        events: Int(Double(result.eventCount) / seconds), tlpHops: Int(Double(hops) / seconds))
    return (rates, result)
}

let benchmarks: @Sendable () -> Void = {
    let eventsPerSecond = BenchmarkMetric.custom("events/s", polarity: .prefersLarger, useScalingFactor: false)
    let tlpHopsPerSecond = BenchmarkMetric.custom("TLP-hops/s", polarity: .prefersLarger, useScalingFactor: false)

    // Event rate: a 64 MiB peer-to-peer write (262,144 MWr of 256 B) across the two-level switch
    // tree; events/s counts every kernel event, TLP-hops/s every TLP transmission on a link.
    Benchmark(
        "Packet model event rate (64 MiB write, two-level switch tree)",
        configuration: .init(
            metrics: [.wallClock, eventsPerSecond, tlpHopsPerSecond, .mallocCountTotal],
            timeUnits: .milliseconds, maxDuration: .seconds(20), maxIterations: 10)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let (rates, result) = try runTree(bytes: 64 << 20)
            benchmark.measurement(eventsPerSecond, rates.events)
            benchmark.measurement(tlpHopsPerSecond, rates.tlpHops)
            blackHole(result.makespan)
        }
    }

    // The 1 GiB peer-to-peer write across the two-level switch tree: wall time and peak memory.
    Benchmark(
        "Packet model 1 GiB write, two-level switch tree",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident, eventsPerSecond],
            timeUnits: .milliseconds, maxDuration: .seconds(60), maxIterations: 5)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let (rates, result) = try runTree(bytes: 1 << 30)
            benchmark.measurement(eventsPerSecond, rates.events)
            blackHole(result.makespan)
        }
    }
}
