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
public struct OperationSchedule: Sendable {
    /// The operations, transfer by transfer, leg by leg, chunk by chunk.
    public var operations: [CopyOperation]
    /// The issue rules, parallel to `operations`.
    public var jobs: [IssueControl.Job]
    /// Copy-engine slots per pool; `poolOfDevice` maps a device to its pool.
    public var poolCapacities: [Int]
    /// The pool of each device with copy engines.
    public var poolOfDevice: [Int: Int]
    /// The number of serial servers (the driver's staging thread).
    public static let serverCount = 1

    /// Builds the operations of `transfers` on `topology`, with the staging rules of `parameters`
    /// and `launch` before each transfer's first operation.
    public init(
        transfers: [ScheduledTransfer], topology: Topology, parameters: ModelParameters, launch: Picoseconds
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

    private mutating func add(_ operation: CopyOperation, topology: Topology, serviceTime: Picoseconds) {
        operations.append(operation)
        jobs.append(
            IssueControl.Job(
                earliest: operation.earliestStart.rawValue,
                waits: operation.waits.map {
                    IssueControl.Wait(
                        job: $0.operation, delay: $0.delay.rawValue, observedByServer: $0.observedByStagingThread)
                },
                pools: pool(for: operation.engineDevice, topology: topology),
                server: operation.needsStagingThread ? 0 : nil, serviceTime: serviceTime.rawValue))
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
                "these transfers make \(count) copy operations (a bounce moves in \(parameters.bounceChunkSize) chunks), beyond the limit of \(limit) (a twentieth of the event limit: raise it by setting the environment variable \(EventLimit.variable)=N, or use a smaller size)"
        )
    }
}
