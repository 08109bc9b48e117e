import Engine
import Topology
import Units

/// Runs a pipeline (for example NIC -> GPU -> NVMe) chunk by chunk in two modes.
///
/// - Peer-to-peer: each hop is one DMA between the two devices (the engine's path: PCIe P2P,
///   a vendor link, or its bounce where Linux refuses P2P); the devices hand chunks on without
///   the CPU (GPUDirect-style chaining: the device that finished rings the next one's doorbell).
/// - CPU in the loop: each hop lands in system memory, the CPU takes the completion and
///   submits the next copy out of system memory (a synchronisation), and a synchronisation
///   launches the next hop.
///
/// Every step is a stage of a flow shop: a chunk's step starts when the chunk's previous step
/// and the step's previous chunk are done. Each step's duration is the engine's, for that copy
/// alone on the machine (steps of different chunks that overlap do not share bandwidth here).
enum PipelineRunner {
    struct Output {
        var result: PipelineResult
        var records: [TimelineRecord]
    }

    private enum Step {
        case copy(TransferPlan, label: String)
        case sync(label: String)
    }

    static func run(_ spec: PipelineSpec, settings: TimelineSettings, mover: inout DataMover) -> Output {
        let topology = mover.topology
        let names = spec.stages.map { topology.nodes[$0].id }
        var records: [TimelineRecord] = []
        var modes: [PipelineModeResult] = []
        for mode in ["p2p", "cpu"] {
            var steps: [Step] = []
            var systemBytesPerChunk: UInt64 = 0
            for hop in 0..<(spec.stages.count - 1) {
                let (a, b) = (spec.stages[hop], spec.stages[hop + 1])
                let cap = hop == 0 ? spec.lineRate : nil
                if mode == "p2p" {
                    if var plan = try? mover.planner.plan(
                        from: .device(a), to: .device(b), direction: initiatesAsSource(a, b, topology) ? .push : .pull)
                    {
                        DataMover.cap(&plan, at: cap)
                        steps.append(
                            .copy(plan, label: "\(names[hop]) -> \(names[hop + 1]) (\(plan.mechanism.rawValue))"))
                    }
                } else {
                    let host = TransferPlanner.End.host(mover.socket(of: a))
                    if var toHost = try? mover.planner.plan(from: .device(a), to: host),
                        let fromHost = try? mover.planner.plan(from: host, to: .device(b))
                    {
                        DataMover.cap(&toHost, at: cap)
                        steps.append(.copy(toHost, label: "\(names[hop]) -> system memory"))
                        steps.append(.sync(label: "CPU: completion of \(names[hop]), submit to \(names[hop + 1])"))
                        steps.append(.copy(fromHost, label: "system memory -> \(names[hop + 1])"))
                        systemBytesPerChunk += 2
                        if hop < spec.stages.count - 2 {
                            steps.append(.sync(label: "CPU: \(names[hop + 1]) done, launch the next hop"))
                        }
                    }
                }
            }
            let count = Int((spec.size + spec.chunk - 1) / max(1, spec.chunk))
            var previous = [Picoseconds](repeating: .zero, count: steps.count)
            var syncs = 0
            var end = Picoseconds.zero
            var firstChunk = Picoseconds.zero
            for k in 0..<count {
                let bytes = min(spec.chunk, spec.size - UInt64(k) * spec.chunk)
                var ready = Picoseconds.zero
                for (index, step) in steps.enumerated() {
                    let start = max(ready, previous[index])
                    let duration: Picoseconds
                    let label: String
                    switch step {
                    case .copy(let plan, let text):
                        duration = mover.copyDuration(plan: plan, bytes: bytes)
                        label = text
                    case .sync(let text):
                        duration = settings.cpuSynchronisation
                        label = text
                        syncs += 1
                    }
                    ready = start + duration
                    previous[index] = ready
                    records.append(
                        TimelineRecord(
                            start: start, end: ready, kind: label.hasPrefix("CPU") ? .cpuSync : .stage,
                            subject: "\(spec.id).\(mode)", device: nil, bytes: bytes, message: "chunk \(k): \(label)"))
                }
                end = max(end, ready)
                if k == 0 { firstChunk = ready }
            }
            modes.append(
                PipelineModeResult(
                    mode: mode,
                    steps: steps.map {
                        switch $0 {
                        case .copy(_, let label), .sync(let label): return label
                        }
                    }, duration: end, firstChunk: firstChunk, cpuSyncs: syncs,
                    cpuTime: Picoseconds(UInt64(syncs) * settings.cpuSynchronisation.rawValue),
                    systemMemoryBytes: systemBytesPerChunk * spec.size))
        }
        return Output(
            result: PipelineResult(id: spec.id, stages: names, peerToPeer: modes[0], cpuInLoop: modes[1]),
            records: records)
    }

    /// Whether `a`'s engine moves the data to `b` (a NIC or NVMe writes what it receives or
    /// reads; a GPU's data is pulled by an NVMe controller or a NIC).
    private static func initiatesAsSource(_ a: Int, _ b: Int, _ topology: Topology) -> Bool {
        let kinds = [a, b].map { topology.nodes[$0].endpoint?.kind }
        if kinds[0] == .nic || kinds[0] == .nvme { return true }
        if kinds[1] == .nic || kinds[1] == .nvme { return false }
        return true
    }
}
