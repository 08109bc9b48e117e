import SimKernel
import Topology
import Units

/// The DMA operations of a set of transfers and the rules that issue them: what both
/// fidelities execute.
///
/// A direct copy is one operation per leg. A bounce is a staged pipeline, as CUDA performs a
/// peer copy without peer access: the data moves in chunks through a bounded pool of pinned
/// staging buffers in system memory.
/// - chunk k's device-to-host copy follows chunk k-1's on the source's copy engine (stream
///   order) and may only overwrite a staging buffer that chunk k-B's host-to-device copy has
///   drained (B buffers);
/// - chunk k's host-to-device copy is issued only after chunk k has landed and the driver's
///   staging thread has observed its completion and launched the next copy (the
///   synchronisation, a service time on a thread shared by every staged copy of the process);
///   it follows chunk k-1's on the destination's copy engine;
/// - every operation holds one of its device's copy engines from issue to finish.
///
/// A direct copy given a DMA size (`ScheduledTransfer.dmaSize`) is a stream of DMAs of that size
/// from one queue: at most `queueDepth` in flight, each holding a slot of the queue instead of a
/// copy engine. Every operation of a device with an issue cost (`<dma issueCost>`) passes
/// through that device's descriptor processing, a serial server shared by all its DMAs, before
/// it is issued: many small DMAs are bound by it, large ones hardly notice it.
public struct OperationSchedule: Sendable {
    /// The operations, transfer by transfer, leg by leg, chunk by chunk.
    public var operations: [CopyOperation]
    /// The issue rules, parallel to `operations`.
    public var jobs: [IssueControl.Job]
    /// Copy-engine slots per pool; `poolOfDevice` maps a device to its pool.
    public var poolCapacities: [Int]
    /// The pool of each device with copy engines.
    public var poolOfDevice: [Int: Int]
    /// The serial servers: the driver's staging thread (server 0), then one descriptor processor
    /// per device with an issue cost.
    public private(set) var serverCount = 1
    /// The descriptor processor of each device with an issue cost.
    public private(set) var serverOfDevice: [Int: Int] = [:]
    /// The server of the driver's staging thread.
    public static let stagingThread = 0

    /// Builds the operations of `transfers` on `topology`, with the staging rules of `parameters`
    /// and `launch` before each transfer's first operation; `splitsDMAs` false keeps a queue of
    /// DMAs as one operation per leg (the flow model's stream, `DMAQueue`).
    public init(
        transfers: [ScheduledTransfer], topology: Topology, parameters: ModelParameters, launch: Picoseconds,
        splitsDMAs: Bool = true
    ) {
        operations = []
        jobs = []
        poolCapacities = []
        poolOfDevice = [:]
        for (index, transfer) in transfers.enumerated() {
            let start = transfer.start + launch
            if transfer.plan.mechanism == .bounce, transfer.plan.legs.count == 2 {
                addBounce(transfer: index, bytes: transfer.bytes, start: start, plan: transfer.plan,
                    topology: topology, parameters: parameters)
            } else if splitsDMAs, let size = transfer.dmaSize, size > 0, size < transfer.bytes {
                addQueue(transfer: index, bytes: transfer.bytes, dmaSize: size, depth: transfer.queueDepth,
                    start: start, plan: transfer.plan, topology: topology)
            } else {
                for (legIndex, leg) in transfer.plan.legs.enumerated() {
                    add(
                        CopyOperation(
                            transfer: index, leg: legIndex, bytes: transfer.bytes, earliestStart: start,
                            engineDevice: leg.initiator),
                        topology: topology, serviceTime: .zero)
                }
            }
        }
    }

    private mutating func pool(for device: Int?, topology: Topology) -> [Int] {
        guard let device, let engines = topology.nodes[device].endpoint?.dma?.engines else { return [] }
        if let existing = poolOfDevice[device] { return [existing] }
        poolCapacities.append(engines)
        poolOfDevice[device] = poolCapacities.count - 1
        return [poolCapacities.count - 1]
    }

    /// The descriptor processor of `device`, when it has an issue cost.
    private mutating func issueService(for device: Int?, topology: Topology) -> IssueControl.Service? {
        guard let device, let cost = topology.nodes[device].endpoint?.dma?.issueCost, cost > .zero else { return nil }
        let server: Int
        if let existing = serverOfDevice[device] {
            server = existing
        } else {
            server = serverCount
            serverOfDevice[device] = server
            serverCount += 1
        }
        return IssueControl.Service(server: server, time: cost.rawValue)
    }

    private mutating func add(
        _ operation: CopyOperation, topology: Topology, serviceTime: Picoseconds, pools: [Int]? = nil
    ) {
        operations.append(operation)
        var services: [IssueControl.Service] = []
        if operation.needsStagingThread {
            services.append(IssueControl.Service(server: Self.stagingThread, time: serviceTime.rawValue))
        }
        if let issue = issueService(for: operation.engineDevice, topology: topology) { services.append(issue) }
        jobs.append(
            IssueControl.Job(
                earliest: operation.earliestStart.rawValue,
                waits: operation.waits.map {
                    IssueControl.Wait(
                        job: $0.operation, delay: $0.delay.rawValue, observedByServer: $0.observedByStagingThread)
                },
                pools: pools ?? pool(for: operation.engineDevice, topology: topology),
                services: services))
    }

    /// A direct copy as a stream of DMAs of `dmaSize` from one queue of `depth` slots.
    private mutating func addQueue(
        transfer: Int, bytes: UInt64, dmaSize: UInt64, depth: Int, start: Picoseconds, plan: TransferPlan,
        topology: Topology
    ) {
        poolCapacities.append(depth)
        let queue = poolCapacities.count - 1
        let count = (bytes + dmaSize - 1) / dmaSize
        for (legIndex, leg) in plan.legs.enumerated() {
            for k in 0..<count {
                let size = k == count - 1 ? bytes - k * dmaSize : dmaSize
                add(
                    CopyOperation(
                        transfer: transfer, leg: legIndex, chunk: Int(k), bytes: size, earliestStart: start,
                        engineDevice: leg.initiator),
                    topology: topology, serviceTime: .zero, pools: [queue])
            }
        }
    }

    private mutating func addBounce(
        transfer: Int, bytes: UInt64, start: Picoseconds, plan: TransferPlan, topology: Topology,
        parameters: ModelParameters
    ) {
        let chunk = max(1, parameters.bounceChunkSize.bytes)
        let count = max(1, Int((bytes + chunk - 1) / chunk))
        let buffers = max(1, parameters.bounceStagingBuffers)
        var deviceToHost: [Int] = []
        var hostToDevice: [Int] = []
        for k in 0..<count {
            let size = k == count - 1 ? bytes - UInt64(k) * chunk : chunk
            var waits: [CopyOperation.Wait] = []
            if k > 0 { waits.append(.init(operation: deviceToHost[k - 1])) }
            if k >= buffers { waits.append(.init(operation: hostToDevice[k - buffers])) }
            deviceToHost.append(operations.count)
            add(
                CopyOperation(
                    transfer: transfer, leg: 0, chunk: k, bytes: size, earliestStart: start, waits: waits,
                    engineDevice: plan.legs[0].initiator),
                topology: topology, serviceTime: .zero)
            var second: [CopyOperation.Wait] = [.init(operation: deviceToHost[k], observedByStagingThread: true)]
            if k > 0 { second.append(.init(operation: hostToDevice[k - 1])) }
            hostToDevice.append(operations.count)
            add(
                CopyOperation(
                    transfer: transfer, leg: 1, chunk: k, bytes: size, earliestStart: start, waits: second,
                    engineDevice: plan.legs[1].initiator, needsStagingThread: true),
                topology: topology, serviceTime: parameters.bounceChunkSynchronisation)
        }
    }
}

extension OperationSchedule {
    /// The copy operations `transfers` make (one per leg, a bounce's chunks on both legs).
    public static func operationCount(of transfers: [ScheduledTransfer], parameters: ModelParameters) -> UInt64 {
        let chunk = max(1, parameters.bounceChunkSize.bytes)
        return transfers.reduce(UInt64(0)) { total, transfer in
            let operations: UInt64
            if transfer.plan.mechanism == .bounce, transfer.plan.legs.count == 2 {
                let (quotient, remainder) = transfer.bytes.quotientAndRemainder(dividingBy: chunk)
                operations = 2 * max(1, quotient + (remainder > 0 ? 1 : 0))
            } else if let size = transfer.dmaSize, size > 0, size < transfer.bytes {
                let (quotient, remainder) = transfer.bytes.quotientAndRemainder(dividingBy: size)
                operations = UInt64(transfer.plan.legs.count) * (quotient + (remainder > 0 ? 1 : 0))
            } else {
                operations = UInt64(transfer.plan.legs.count)
            }
            return total.addingReportingOverflow(operations).overflow ? .max : total + operations
        }
    }

    /// Refuses transfers whose copy operations would pass the limit: every operation is held
    /// in memory and costs a few events, so a bounce of a petabyte in 512 KiB chunks is refused
    /// with a message instead of exhausting memory. The limit is a twentieth of the event limit
    /// (`EventLimit`, raised with `P2PSIM_MAX_EVENTS`).
    public static func checkSize(
        of transfers: [ScheduledTransfer], parameters: ModelParameters
    ) throws(TransferPlanningError) {
        let limit = max(1, EventLimit.current / 20)
        let count = operationCount(of: transfers, parameters: parameters)
        guard count > limit else { return }
        throw TransferPlanningError(
            description:
                "these transfers make \(count) copy operations (a bounce moves in \(parameters.bounceChunkSize) chunks), beyond the limit of \(limit) (a twentieth of the event limit: raise it with --max-events N or the environment variable \(EventLimit.variable)=N, or use a smaller size)"
        )
    }
}
