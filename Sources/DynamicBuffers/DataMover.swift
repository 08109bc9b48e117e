import Engine
import Topology
import Units

/// A stretch of a DMA executed by the engine on one path: when each byte count is reached.
///
/// The engine runs the stretch's bytes as one transfer (a direct copy, or a bounce's chunk
/// pipeline) alone on the machine; the delivered-bytes curve is read from its copy operations
/// on the last leg (each moves its bytes evenly between its data start and its finish).
struct SegmentRun: Sendable {
    /// Absolute time the stretch was issued.
    var start: Picoseconds
    /// Last-leg operations: (data start, finish, bytes), relative to `start`, in finish order.
    var operations: [(dataStart: Picoseconds, finish: Picoseconds, bytes: UInt64)]
    /// The engine's mechanism.
    var mechanism: String

    /// Bytes of the stretch landed by the absolute time `time`.
    func delivered(at time: Picoseconds) -> UInt64 {
        guard time > start else { return 0 }
        let elapsed = time - start
        var total = 0.0
        for operation in operations {
            if elapsed >= operation.finish {
                total += Double(operation.bytes)
            } else if elapsed > operation.dataStart {
                let span = Double((operation.finish - operation.dataStart).rawValue)
                total += Double(operation.bytes) * Double((elapsed - operation.dataStart).rawValue) / span
            }
        }
        return UInt64(total.rounded(.down))
    }

    /// The absolute time at which `delivered` bytes of the stretch have landed.
    func time(delivered target: UInt64) -> Picoseconds {
        var cumulative: UInt64 = 0
        for operation in operations {
            if cumulative + operation.bytes >= target {
                let within = target - cumulative
                let span = operation.finish - operation.dataStart
                let fraction = operation.bytes == 0 ? 1 : Double(within) / Double(operation.bytes)
                return start + operation.dataStart
                    + Picoseconds(UInt64((Double(span.rawValue) * fraction).rounded(.up)))
            }
            cumulative += operation.bytes
        }
        return start + (operations.last?.finish ?? .zero)
    }
}

/// Runs the data movement of a timeline on the engine: DMAs, migrations and pipeline stages.
///
/// Results are cached by plan and size: the engine is deterministic and each run is alone on
/// the machine, so the same copy always takes the same time.
struct DataMover {
    let planner: TransferPlanner
    let engine: FlowEngine
    private var cache: [CacheKey: FlowRun] = [:]
    private var migrationPlans: [MigrationKey: TransferPlan] = [:]

    private struct MigrationKey: Hashable {
        var device: Int
        var toDevice: Bool
    }

    private struct CacheKey: Hashable {
        var plan: TransferPlan
        var bytes: UInt64
    }

    init(planner: TransferPlanner) {
        self.planner = planner
        self.engine = FlowEngine(planner: planner)
    }

    var topology: Topology { planner.machine.topology }

    /// The socket whose memory is `device`'s system memory (its root complex's).
    func socket(of device: Int) -> Int { topology.rootComplexes[topology.nodes[device].rootComplex].socket }

    /// The plan of `importer` accessing memory at `memory` (a device's BAR, or system memory):
    /// the importer's DMA engine reads (pull) or writes (push); a line rate caps every leg.
    func plan(
        importer: Int, memory: MemoryEnd, access: DMAAccess, lineRate: DataRate?
    ) throws(TransferPlanningError) -> TransferPlan {
        var plan: TransferPlan
        switch (memory, access) {
        case (.device(let device), .read):
            plan = try planner.plan(from: .device(device), to: .device(importer), choice: .p2p, direction: .pull)
        case (.device(let device), .write):
            plan = try planner.plan(from: .device(importer), to: .device(device), choice: .p2p, direction: .push)
        case (.system(let socket), .read):
            plan = try planner.plan(from: .host(socket), to: .device(importer))
        case (.system(let socket), .write):
            plan = try planner.plan(from: .device(importer), to: .host(socket))
        }
        Self.cap(&plan, at: lineRate)
        return plan
    }

    /// Caps every leg of `plan` at `rate` (a NIC's line rate), when given.
    ///
    /// A read leg's cap is its outstanding reads over their round trip (the flow engine derives
    /// it from `outstandingReads` and the write queues, not from `rateCap`), so there the bytes
    /// kept outstanding are lowered until they cannot carry more than the line rate.
    static func cap(_ plan: inout TransferPlan, at rate: DataRate?) {
        guard let rate else { return }
        for index in plan.legs.indices {
            plan.legs[index].rateCap = min(plan.legs[index].rateCap ?? .infinity, rate.bytesPerSecond)
            if let reads = plan.legs[index].outstandingReads, reads.roundTrip.seconds > 0 {
                let bytes = min(reads.bytes, rate.bytesPerSecond * reads.roundTrip.seconds)
                plan.legs[index].outstandingReads = (bytes: bytes, roundTrip: reads.roundTrip)
            }
        }
    }

    /// Runs `bytes` on `plan` issued at `start`; a continuation (a DMA resuming after a fault
    /// or a re-map) pays no software launch again, only the path's latency.
    mutating func segment(plan: TransferPlan, bytes: UInt64, start: Picoseconds, continuation: Bool) -> SegmentRun {
        let run = flowRun(plan: plan, bytes: bytes)
        let lastLeg = plan.legs.count - 1
        let skip = continuation ? engine.launch : .zero
        let operations = zip(run.operations, run.timings)
            .filter { $0.0.leg == lastLeg }
            .map {
                (
                    dataStart: $0.1.dataStart - min(skip, $0.1.dataStart), finish: $0.1.finish - min(skip, $0.1.finish),
                    bytes: $0.0.bytes
                )
            }
            .sorted { $0.finish < $1.finish }
        return SegmentRun(start: start, operations: operations, mechanism: plan.mechanism.rawValue)
    }

    /// Runs several stretches together from `start`, sharing the machine's resources as the
    /// engine shares them: each is a continuation (no software launch again) and one already
    /// streaming does not pay its path's latency again.
    func jointSegments(
        _ stretches: [(plan: TransferPlan, bytes: UInt64, streaming: Bool)], start: Picoseconds
    ) -> [SegmentRun] {
        guard !stretches.isEmpty else { return [] }
        let transfers = stretches.enumerated().map {
            ScheduledTransfer(label: "stretch \($0.offset)", plan: $0.element.plan, bytes: $0.element.bytes)
        }
        let run = engine.run(transfers, recordingLoads: false)
        return stretches.enumerated().map { index, stretch in
            let lastLeg = stretch.plan.legs.count - 1
            let skip = engine.launch + (stretch.streaming ? stretch.plan.legs[lastLeg].latency : .zero)
            let operations = zip(run.operations, run.timings)
                .filter { $0.0.transfer == index && $0.0.leg == lastLeg }
                .map {
                    (
                        dataStart: $0.1.dataStart - min(skip, $0.1.dataStart),
                        finish: $0.1.finish - min(skip, $0.1.finish),
                        bytes: $0.0.bytes
                    )
                }
                .sorted { $0.finish < $1.finish }
            return SegmentRun(start: start, operations: operations, mechanism: stretch.plan.mechanism.rawValue)
        }
    }

    /// The time a copy of `bytes` on `plan` takes, launch and completion included.
    mutating func copyDuration(plan: TransferPlan, bytes: UInt64) -> Picoseconds {
        flowRun(plan: plan, bytes: bytes).outcomes.first?.duration ?? .zero
    }

    /// The plan of a copy between `device`'s memory and its socket's system memory.
    mutating func migrationPlan(device: Int, toDevice: Bool) -> TransferPlan? {
        let key = MigrationKey(device: device, toDevice: toDevice)
        if let known = migrationPlans[key] { return known }
        let host = TransferPlanner.End.host(socket(of: device))
        let plan = try? planner.plan(from: toDevice ? host : .device(device), to: toDevice ? .device(device) : host)
        migrationPlans[key] = plan
        return plan
    }

    private mutating func flowRun(plan: TransferPlan, bytes: UInt64) -> FlowRun {
        let key = CacheKey(plan: plan, bytes: bytes)
        if let cached = cache[key] { return cached }
        let run = engine.run([ScheduledTransfer(label: "dma", plan: plan, bytes: bytes)], recordingLoads: false)
        cache[key] = run
        return run
    }
}

/// The memory a DMA reaches.
enum MemoryEnd: Hashable {
    /// A device's memory through its BAR (or a vendor link).
    case device(Int)
    /// System memory of a socket.
    case system(Int)
}
