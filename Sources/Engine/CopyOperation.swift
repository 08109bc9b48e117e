import Units

/// One DMA a copy engine performs: a leg of a transfer moving some bytes, issued when the
/// operations it waits for have finished.
///
/// Both fidelities execute the same operations: a direct copy is one operation; a bounce is a
/// chain of chunk copies (`BouncePipeline`) whose order, staging-buffer reuse and
/// synchronisation are expressed as waits, so that contention changes the pipeline's pace while
/// it runs instead of a rate computed beforehand.
public struct CopyOperation: Sendable, Hashable {
    /// The transfer it belongs to (index into the run's transfers).
    public var transfer: Int
    /// Which of the transfer's legs it moves data over.
    public var leg: Int
    /// The chunk number within its leg (0 for an unchunked copy).
    public var chunk: Int
    /// Payload bytes.
    public var bytes: UInt64
    /// The earliest time it may be issued (the transfer's API call plus the launch cost).
    public var earliestStart: Picoseconds
    /// Operations (indices into the same list) that must finish first, each with the delay that
    /// follows its completion before this one may be issued.
    public var waits: [Wait]
    /// The device whose copy engines perform it (nil: no engine is modelled for it).
    public var engineDevice: Int?
    /// Whether the operation's issue must pass through the driver's staging thread, which
    /// serves one synchronisation at a time for every staged copy of the process.
    public var needsStagingThread: Bool

    /// A dependency on another operation.
    public struct Wait: Sendable, Hashable {
        /// The operation waited for.
        public var operation: Int
        /// The delay after its completion.
        public var delay: Picoseconds
        /// Whether the driver's staging thread observes this completion (and then spends its
        /// synchronisation before the operation may be issued), rather than the operation only
        /// following it in stream order.
        public var observedByStagingThread: Bool

        /// Creates a wait.
        public init(operation: Int, delay: Picoseconds = .zero, observedByStagingThread: Bool = false) {
            self.operation = operation
            self.delay = delay
            self.observedByStagingThread = observedByStagingThread
        }
    }

    /// Creates an operation.
    public init(
        transfer: Int, leg: Int, chunk: Int = 0, bytes: UInt64, earliestStart: Picoseconds, waits: [Wait] = [],
        engineDevice: Int? = nil, needsStagingThread: Bool = false
    ) {
        self.transfer = transfer
        self.leg = leg
        self.chunk = chunk
        self.bytes = bytes
        self.earliestStart = earliestStart
        self.waits = waits
        self.engineDevice = engineDevice
        self.needsStagingThread = needsStagingThread
    }
}

/// When an operation ran, as an engine reports it (for traces and invariant checks).
public struct CopyOperationTiming: Sendable, Hashable {
    /// When it was issued (its waits satisfied, an engine and the staging thread obtained).
    public var issue: Picoseconds
    /// When its first byte started to move (issue plus its leg's latency).
    public var dataStart: Picoseconds
    /// When its last byte landed.
    public var finish: Picoseconds
}

/// Why a run's operations broke an invariant: a bug in p2psim, never the user's input.
public struct InvariantFailure: Error, Sendable, CustomStringConvertible {
    /// The component that broke it and what happened.
    public var description: String
}

extension Array where Element == CopyOperation {
    /// Checks what every run must satisfy: each transfer's bytes delivered equal the bytes
    /// requested on every leg, and no operation was issued before what it waits for had
    /// finished (no staging buffer is read before it is written, none is overwritten before it
    /// is drained).
    ///
    /// - Throws: `InvariantFailure` naming the operation and the simulated time.
    public func checkInvariants(
        timings: [CopyOperationTiming], transfers: [ScheduledTransfer], synchronisation: Picoseconds
    ) throws(InvariantFailure) {
        var delivered: [[UInt64]] = transfers.map { [UInt64](repeating: 0, count: $0.plan.legs.count) }
        for (index, operation) in enumerated() {
            let timing = timings[index]
            for wait in operation.waits {
                let ready = timings[wait.operation].finish + wait.delay
                    + (wait.observedByStagingThread ? synchronisation : .zero)
                if timing.issue < ready {
                    throw InvariantFailure(
                        description:
                            "bounce pipeline: \(transfers[operation.transfer].label) leg \(operation.leg) chunk \(operation.chunk) issued at \(timing.issue) before operation \(wait.operation) allowed it at \(ready)"
                    )
                }
            }
            if timing.finish < timing.dataStart {
                throw InvariantFailure(
                    description:
                        "\(transfers[operation.transfer].label) chunk \(operation.chunk) finished at \(timing.finish) before its data started at \(timing.dataStart)"
                )
            }
            delivered[operation.transfer][operation.leg] += operation.bytes
        }
        for (index, transfer) in transfers.enumerated() {
            for (leg, bytes) in delivered[index].enumerated() where bytes != transfer.bytes {
                throw InvariantFailure(
                    description:
                        "\(transfer.label): leg \(leg) delivered \(bytes) B of \(transfer.bytes) B requested")
            }
        }
    }
}
