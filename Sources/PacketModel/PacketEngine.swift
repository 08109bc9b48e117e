// PacketEngine.swift — the packet-level model the kernel drives.
//
// Each link direction is a server: a transmitter that serialises one TLP at a time, fed by FIFO
// input queues (one per ingress port and credit class) served round-robin, and a receiver whose
// buffer is counted in flow-control credits (PCIe Base Spec rev 5.0 §2.6.1). A TLP starts on a
// link only when the link's receiver has header and data credits for it; it frees them when it
// starts on the next link or is taken by the completer, and the credits come back to the
// transmitter by UpdateFC: one DLLP per credit type per UpdateFC interval (spec Tables
// 2-46..2-48), plus the link latency. Ack DLLPs go back once per Ack latency period while TLPs
// arrive (spec §3.6.3.1, Tables 3-7..3-9). DLLPs take serialisation time on the reverse direction.
//
// Switch and root-complex crossings and the memory are analytic FIFO servers computed when a
// TLP is committed, so a TLP costs at most one `arrive` event per link it crosses, plus a `wake`
// when it had to wait for the transmitter. A TLP whose next link has one input, nothing queued or
// on its way, and credits for it, is committed on that link at once, at its arrival time (as the
// `arrive` event would have done); the credits may include UpdateFC batches that reach the link
// before the TLP does, applied ahead of their `credits` events. A stream through a chain of such
// links thus moves in bursts up to the credit limit, one `credits` event per UpdateFC batch, with
// per-TLP accounting unchanged. TLPs live in a slot pool that grows to the peak number in
// flight (bounded by credits and tags) and is reused; requesters generate them one at a time as
// the first link takes them, so memory does not grow with the transfer size.

import PCIeProtocol
import SimKernel
import Units

/// The one kernel component of the packet model: events are dispatched on their message.
let packetComponent = ComponentID(Int32(0))

/// A kernel event of the packet model; all payloads are integer ids.
enum PacketEvent {
    /// A transfer's requester starts.
    case start(Int32)
    /// A TLP (pool slot) reaches its next link's input queue or its terminal.
    case arrive(Int32)
    /// A link's transmitter becomes free.
    case wake(Int32)
    /// An UpdateFC reaches a link's transmitter: the oldest pending credit batch returns.
    case credits(Int32)
    /// A requester's DMA rate cap allows the next request.
    case requesterWake(Int32)
    /// The memory has the data of a read request (pool slot) ready: completions go out.
    case completions(Int32)
    /// A transfer's last byte has landed: the issue control hears of it.
    case completed(Int32)
    /// The issue control may have transfers due.
    case control
}

/// TLP types inside the engine.
enum PacketKindCode: UInt8 {
    case memoryWrite = 0
    case memoryRead = 1
    case completionWithData = 2
    case completionUnsupported = 3

    /// Credit class: 0 posted, 1 non-posted, 2 completion.
    @inline(__always) var creditClass: Int {
        switch self {
        case .memoryWrite: return 0
        case .memoryRead: return 1
        case .completionWithData, .completionUnsupported: return 2
        }
    }
}

/// A TLP in flight, stored in the pool.
struct TLPRecord {
    var transfer: Int32 = 0
    var hop: Int32 = 0
    var heldLink: Int32 = -1
    var tag: Int32 = -1
    var next: Int32 = -1
    var kind: PacketKindCode = .memoryWrite
    var length: UInt32 = 0
    var padded: UInt32 = 0
    var lastSerialisation: UInt64 = 0
    var address: UInt64 = 0

    /// Data credits (16 B each, spec §2.6.1) the TLP occupies.
    @inline(__always) var dataCredits: Int64 { Int64((padded + 15) >> 4) }
}

/// Six credit counters: header and data for posted, non-posted, completion.
struct CreditVector {
    var header: (Int64, Int64, Int64) = (0, 0, 0)
    var data: (Int64, Int64, Int64) = (0, 0, 0)

    @inline(__always) func header(_ c: Int) -> Int64 { c == 0 ? header.0 : (c == 1 ? header.1 : header.2) }
    @inline(__always) func data(_ c: Int) -> Int64 { c == 0 ? data.0 : (c == 1 ? data.1 : data.2) }
    @inline(__always) mutating func add(_ c: Int, header h: Int64, data d: Int64) {
        switch c {
        case 0:
            header.0 += h
            data.0 += d
        case 1:
            header.1 += h
            data.1 += d
        default:
            header.2 += h
            data.2 += d
        }
    }
}

/// A batch of credits freed in one UpdateFC interval, on its way back to the transmitter.
struct CreditBatch {
    var slot: UInt64 = 0
    var amounts = CreditVector()
    var next: Int32 = -1
}

/// A step of a compiled route: the link entered, or the terminal reached.
struct Hop {
    /// Link stage index, or -1 at the terminal.
    var link: Int32
    /// Input queue index on `link`.
    var input: Int32
    /// Crossing stages passed before reaching this hop: range in `crossingList`.
    var crossingStart: Int32
    var crossingCount: Int32
    /// Terminal: memory stage index, or -2 for the requester; -1 when `link` is set.
    var terminal: Int32
}

/// An input queue of a link's transmitter: an intrusive FIFO through the TLP pool.
struct InputQueue {
    var head: Int32 = -1
    var tail: Int32 = -1
    /// The transfer whose requester feeds this queue, -1 for none, or `sharedByRequesters`.
    var requester: Int32 = -1

    /// The mark of a device transmitter's queue that its requesters share in issue order (see
    /// `RequesterParameters.postedBacklog`): the TLP's own transfer is its requester.
    static let sharedByRequesters: Int32 = -2
}

/// Kinds of stages inside the engine.
enum StageCode: UInt8 {
    case link
    case switchCrossing
    case rootComplex
    case memory
}

/// The state and counters of one stage.
struct StageState {
    var code: StageCode
    var latency: UInt64
    /// Picoseconds per byte; 0 for unlimited.
    var psPerByte: Double
    var forwardsReads = true
    // Link direction only.
    var reverse: Int32 = -1
    var credits = CreditVector()
    /// The credits the receiver advertised (the most `credits` may hold).
    var advertised = CreditVector()
    var infinite: (Bool, Bool, Bool) = (false, false, false)
    var overheadWrite: UInt32 = 0
    var overheadRead: UInt32 = 0
    var overheadCompletion: UInt32 = 0
    var ackInterval: UInt64 = 1
    var fcInterval: UInt64 = 1
    var dllpTime: UInt64 = 0
    var dllpFraction: Double = 0
    var sendsDLLPs = false
    // Vendor link only (`packetPayload` 0 on PCIe links).
    /// The most payload one packet carries; 0 on a PCIe link.
    var packetPayload: UInt32 = 0
    /// Header bytes per data packet, payload granule, bytes of a packet without data.
    var packetHeader: UInt32 = 0
    var packetGranule: UInt32 = 1
    var shortPacket: UInt32 = 0
    /// Whether a write costs a response packet on the reverse direction.
    var acknowledgesWrites = false
    /// Bonded links served in parallel: `laneCount` entries of `PacketEngine.laneFree` from
    /// `laneStart` (1 lane: `busyUntil` alone).
    var laneCount: Int32 = 1
    var laneStart: Int32 = 0
    /// The latest end of a transmission on any lane.
    var busyEnd: UInt64 = 0
    var busyUntil: UInt64 = 0
    var carry: Double = 0
    var wakePending = false
    var inputStart: Int32 = 0
    var inputCount: Int32 = 0
    /// The first word of this link's bits in `PacketEngine.occupied` (one bit per input).
    var occupancyStart: Int32 = 0
    var roundRobin: Int32 = 0
    var queued: Int32 = 0
    var lastAckSlot: UInt64 = 0
    /// The first arrival time of the Ack slot after `lastAckSlot` (compared instead of dividing).
    var nextAckBoundary: UInt64 = 0
    /// The end of the newest UpdateFC batch's interval (`slot × fcInterval`): a release before it
    /// joins that batch.
    var batchTailEnd: UInt64 = 0
    /// TLPs scheduled to arrive at this link's input (`arrive` events not yet handled).
    var pendingArrivals: Int32 = 0
    /// Whether a TLP may be committed on this link at once, ahead of its arrival event: one input,
    /// no TLP traffic on the reverse direction (whose DLLP timing would depend on the order of
    /// commits), and every crossing and memory after it fed by this link alone.
    var commitsAhead = false
    /// Whether this link's reverse direction carries no TLPs, so that its credits may be released
    /// (and its UpdateFCs charged) by a commit ahead of time.
    var releasesAhead = false
    var batchHead: Int32 = -1
    /// Batches applied ahead of their `credits` events (`PacketEngine.applyCreditsAhead`), which
    /// are still to come.
    var creditsAppliedAhead: Int32 = 0
    var batchTail: Int32 = -1
    var stallSince: UInt64 = .max
    /// Payload bytes the requesters of an ordered transmitter have staged in its shared queue.
    var stagedRequestBytes: UInt64 = 0
    // Crossings and memory.
    var freeAt: UInt64 = 0
    // Counters.
    var tlpCount = 0
    var tlpBytes: UInt64 = 0
    var payloadBytes: UInt64 = 0
    var acks = 0
    var updateFCs = 0
    var dllpsTransmitted = 0
    var busyTime: UInt64 = 0
    var peakQueue: Int32 = 0
    var stallTime: UInt64 = 0

    @inline(__always) func isInfinite(_ c: Int) -> Bool {
        c == 0 ? infinite.0 : (c == 1 ? infinite.1 : infinite.2)
    }
}

/// The runtime state of one transfer.
struct TransferState {
    var isRead: Bool
    var bytes: UInt64
    var start: UInt64
    var splitter: RequestSplitter
    var issuedBytes: UInt64 = 0
    var doneBytes: UInt64 = 0
    var finish: UInt64 = 0
    var started = false
    var staged = false
    /// Whether the requester shares its transmitter's queue with the device's other requesters
    /// (`InputQueue.sharedByRequesters`): it stages as its tags (reads) or its posted backlog
    /// (writes) allow, not one TLP at a time.
    var orderedTransmitter = false
    /// Posted bytes a writer on an ordered transmitter keeps waiting there at most.
    var postedBacklog: UInt64 = 0
    var wakePending = false
    var nextIssue: UInt64 = 0
    var dmaPsPerByte: Double
    var maxPayload: Int
    var completionBoundary: Int
    var completionSplitting: CompletionSplitPolicy
    var requestHopStart: Int32 = 0
    var completionHopStart: Int32 = 0
    var unsupportedHopStart: Int32 = -1
    var tagBase: Int32 = 0
    var freeTagCount: Int32 = 0
    var tagWaitSince: UInt64 = .max
    var tagWait: UInt64 = 0
    var dmaWait: UInt64 = 0
    var counts = TLPCounts()
    var unsupported = 0
}

/// The packet-level model: stages, routes, TLP pool, transfers.
struct PacketEngine: SimulationModel {
    typealias Message = PacketEvent

    // Buffers without copy-on-write checks (`EngineBuffer`): the hot loops touch them on every TLP.
    let stages: EngineBuffer<StageState>
    let inputs: EngineBuffer<InputQueue>
    /// One bit per input queue, set while it holds a TLP, in words of 64 per link from
    /// `StageState.occupancyStart`: arbitration among many inputs (a staged copy's chunks each
    /// feed their first link through an input of their own) skips the empty ones by word.
    let occupied: EngineBuffer<UInt64>
    let hops: EngineBuffer<Hop>
    let crossingList: EngineBuffer<Int32>
    let transfers: EngineBuffer<TransferState>
    let tagRemaining: EngineBuffer<UInt32>
    let tagFree: EngineBuffer<Int32>
    let pool = EngineBuffer<TLPRecord>([])
    var poolFree: Int32 = -1
    /// When each lane of the bonded vendor links is free (see `StageState.laneStart`).
    let laneFree: EngineBuffer<UInt64>
    let batches = EngineBuffer<CreditBatch>([])
    var batchFree: Int32 = -1
    /// When transfers are issued after others finish (a staged copy's chunks), the rules; nil
    /// when every transfer starts at its own start time.
    var issueControl: IssueControl?

    /// When the next `.control` event is due (nil: none scheduled).
    var controlDue: UInt64?

    /// Records a transfer's finish; with an issue control, its completion reaches the control at
    /// that time (a write's last byte may land after `now`).
    mutating func finished(_ t: Int, at time: UInt64, now: UInt64, scheduler: inout Scheduler<PacketEvent>) {
        transfers[t].finish = time
        guard issueControl != nil else { return }
        // At `time` on the scheduler's clock: a TLP committed ahead of its arrival is handled
        // with `now` at that arrival, later than the clock.
        schedule(.completed(Int32(t)), at: time, scheduler: &scheduler)
    }

    /// Tells the control that a transfer completed, then issues what is due.
    mutating func reportCompletion(_ t: Int, now: UInt64, scheduler: inout Scheduler<PacketEvent>) {
        guard var control = issueControl else { return }
        issueControl = nil
        control.finish(t, at: now)
        issueControl = control
        issueDue(now: now, scheduler: &scheduler)
    }

    /// Starts the transfers the control issues up to `now` and schedules the next check.
    mutating func issueDue(now: UInt64, scheduler: inout Scheduler<PacketEvent>) {
        guard var control = issueControl else { return }
        issueControl = nil
        for issue in control.issue(upTo: now) {
            scheduler.schedule(
                .start(Int32(issue.job)), to: packetComponent, after: Picoseconds(max(issue.time, now) - now))
        }
        if let next = control.nextReadyTime, next > now, controlDue.map({ next < $0 || $0 <= now }) ?? true {
            controlDue = next
            scheduler.schedule(.control, to: packetComponent, after: Picoseconds(next - now))
        }
        issueControl = control
    }

    /// The first broken invariant, if any: from then on every event is ignored.
    var violation: PacketInvariantViolation?
    /// A test's deliberate break of an invariant (`nil` outside tests).
    var sabotage: PacketInvariantSabotage?

    /// An engine over compiled stages, inputs, routes and transfers.
    init(
        stages: [StageState], inputs: [InputQueue], hops: [Hop], crossingList: [Int32], transfers: [TransferState],
        tagRemaining: [UInt32], tagFree: [Int32], laneFree: [UInt64], occupied: [UInt64]
    ) {
        self.stages = EngineBuffer(stages)
        self.inputs = EngineBuffer(inputs)
        self.occupied = EngineBuffer(occupied)
        self.hops = EngineBuffer(hops)
        self.crossingList = EngineBuffer(crossingList)
        self.transfers = EngineBuffer(transfers)
        self.tagRemaining = EngineBuffer(tagRemaining)
        self.tagFree = EngineBuffer(tagFree)
        self.laneFree = EngineBuffer(laneFree)
    }

    // MARK: Pools

    /// Takes a TLP slot from the free list, growing the pool only past its peak.
    ///
    /// - Complexity: O(1) amortised.
    @inline(__always) mutating func allocateTLP(_ record: TLPRecord) -> Int32 {
        if poolFree >= 0 {
            let index = poolFree
            poolFree = pool[Int(index)].next
            pool[Int(index)] = record
            return index
        }
        pool.append(record)
        return Int32(pool.count - 1)
    }

    @inline(__always) mutating func freeTLP(_ index: Int32) {
        pool[Int(index)].next = poolFree
        poolFree = index
    }

    @inline(__always) mutating func allocateBatch(slot: UInt64) -> Int32 {
        if batchFree >= 0 {
            let index = batchFree
            batchFree = batches[Int(index)].next
            batches[Int(index)] = CreditBatch(slot: slot)
            return index
        }
        batches.append(CreditBatch(slot: slot))
        return Int32(batches.count - 1)
    }

    // MARK: Queues

    /// Appends a TLP to an input queue of a link.
    ///
    /// - Complexity: O(1).
    @inline(__always) mutating func enqueue(_ index: Int32, input: Int32, link: Int) {
        pool[Int(index)].next = -1
        let tail = inputs[Int(input)].tail
        if tail >= 0 {
            pool[Int(tail)].next = index
        } else {
            inputs[Int(input)].head = index
            let local = Int(input - stages[link].inputStart)
            occupied[Int(stages[link].occupancyStart) + local >> 6] |= 1 << UInt64(local & 63)
        }
        inputs[Int(input)].tail = index
        stages[link].queued += 1
        if stages[link].queued > stages[link].peakQueue { stages[link].peakQueue = stages[link].queued }
    }

    // MARK: Event dispatch

    /// Handles one event.
    ///
    /// - Complexity: O(inputs of the link + crossings on the route step) per event.
    mutating func handle(_ event: ScheduledEvent<PacketEvent>, scheduler: inout Scheduler<PacketEvent>) {
        let now = event.time.rawValue
        guard violation == nil else { return }
        switch event.message {
        case .start(let t):
            transfers[Int(t)].start = now
            transfers[Int(t)].started = true
            transfers[Int(t)].nextIssue = now
            pumpAndStart(Int(t), now: now, scheduler: &scheduler)
        case .arrive(let index):
            arrive(index, now: now, scheduler: &scheduler)
        case .wake(let link):
            stages[Int(link)].wakePending = false
            tryStart(Int(link), now: now, scheduler: &scheduler)
        case .credits(let link):
            returnCredits(Int(link), now: now, scheduler: &scheduler)
        case .requesterWake(let t):
            transfers[Int(t)].wakePending = false
            pumpAndStart(Int(t), now: now, scheduler: &scheduler)
        case .completions(let index):
            emitCompletions(index, now: now, scheduler: &scheduler)
        case .completed(let t):
            reportCompletion(Int(t), now: now, scheduler: &scheduler)
        case .control:
            if controlDue == now { controlDue = nil }
            issueDue(now: now, scheduler: &scheduler)
        }
    }

    // MARK: Requester

    /// Lets a requester stage its next request, then lets its first link transmit.
    mutating func pumpAndStart(_ t: Int, now: UInt64, scheduler: inout Scheduler<PacketEvent>) {
        if pump(t, now: now, scheduler: &scheduler) {
            if transfers[t].orderedTransmitter {
                while pump(t, now: now, scheduler: &scheduler) {}
            }
            let link = Int(hops[Int(transfers[t].requestHopStart)].link)
            tryStart(link, now: now, scheduler: &scheduler)
        }
    }

    /// Puts the requester's next MWr or MRd in its first link's input queue if it has none
    /// there (on an ordered transmitter: if its posted backlog has room), a tag is free (reads)
    /// and its DMA rate cap allows; returns whether it did.
    ///
    /// - Complexity: O(1).
    mutating func pump(_ t: Int, now: UInt64, scheduler: inout Scheduler<PacketEvent>) -> Bool {
        // In place: the transfer's state is large, and this runs once per request.
        let state = transfers.pointer(t)
        guard state.pointee.started, !state.pointee.staged, state.pointee.issuedBytes < state.pointee.bytes else {
            return false
        }
        let isRead = state.pointee.isRead
        if isRead && state.pointee.freeTagCount == 0 {
            if state.pointee.tagWaitSince == .max { state.pointee.tagWaitSince = now }
            return false
        }
        let nextIssue = state.pointee.nextIssue
        if now < nextIssue {
            if !state.pointee.wakePending {
                state.pointee.wakePending = true
                state.pointee.dmaWait += nextIssue - now
                schedule(.requesterWake(Int32(t)), at: nextIssue, scheduler: &scheduler)
            }
            return false
        }
        let hop = hops[Int(state.pointee.requestHopStart)]
        let link = Int(hop.link)
        let backlog = state.pointee.postedBacklog
        if backlog > 0, let resume = backlogFull(link, limit: backlog, now: now) {
            if !state.pointee.wakePending {
                state.pointee.wakePending = true
                schedule(.requesterWake(Int32(t)), at: resume, scheduler: &scheduler)
            }
            return false
        }
        guard let segment = state.pointee.splitter.next() else { return false }
        var record = TLPRecord()
        record.transfer = Int32(t)
        record.hop = state.pointee.requestHopStart
        record.address = segment.address
        record.length = UInt32(segment.length)
        if isRead {
            state.pointee.freeTagCount -= 1
            let tagBase = state.pointee.tagBase
            let tag = tagFree[Int(tagBase + state.pointee.freeTagCount)]
            tagRemaining[Int(tagBase + tag)] = UInt32(segment.length)
            record.tag = tag
            record.kind = .memoryRead
            state.pointee.counts.memoryReads += 1
        } else {
            record.kind = .memoryWrite
            record.padded = UInt32(segment.paddedBytes)
            state.pointee.counts.memoryWrites += 1
        }
        state.pointee.issuedBytes += UInt64(segment.length)
        let dmaPsPerByte = state.pointee.dmaPsPerByte
        if dmaPsPerByte > 0 {
            state.pointee.nextIssue = now + UInt64((Double(segment.length) * dmaPsPerByte).rounded(.up))
        }
        if state.pointee.orderedTransmitter {
            stages[link].stagedRequestBytes += UInt64(segment.length)
        } else {
            state.pointee.staged = true
        }
        let index = allocateTLP(record)
        enqueue(index, input: hop.input, link: link)
        return true
    }

    /// When a writer's posted backlog at `link` is full: the time it next has room, or nil now.
    ///
    /// The backlog is what waits at the transmitter: payload staged in its queue, and what it has
    /// committed and not yet sent (its busy time ahead at its rate, in link bytes, TLP overheads
    /// included: within a tenth of the payload at MPS 256).
    @inline(__always) func backlogFull(_ link: Int, limit: UInt64, now: UInt64) -> UInt64? {
        let stage = stages[link]
        let ahead = stage.busyUntil > now ? stage.busyUntil - now : 0
        let sending = stage.psPerByte > 0 ? UInt64(Double(ahead) / stage.psPerByte) : 0
        let waiting = stage.stagedRequestBytes + sending
        guard waiting >= limit else { return nil }
        return now + max(1, UInt64((Double(waiting - limit + 1) * stage.psPerByte).rounded(.up)))
    }

    // MARK: Links

    /// Starts the next TLPs on a link's transmitter as its inputs and credits allow.
    ///
    /// A link with several inputs serves them round-robin, one TLP each time its transmitter is
    /// free (a `wake` event marks that time). A link with one input needs no arbitration, so it
    /// commits every queued TLP it has credits for at once, each starting when the previous one
    /// ends: no `wake` per TLP, and still no more in flight than the receiver's credits. A free
    /// transmitter with TLPs waiting and no credits for any of them is in flow-control stall.
    ///
    /// - Complexity: O(number of inputs of the link + crossings to the next link) per TLP started.
    mutating func tryStart(_ link: Int, now eventTime: UInt64, scheduler: inout Scheduler<PacketEvent>) {
        // The time of the decisions: the event's, or later when a requester issues ahead.
        var now = eventTime
        let inputStart = Int(stages[link].inputStart)
        let inputCount = Int(stages[link].inputCount)
        let lookahead = inputCount == 1
        while stages[link].queued > 0 {
            let busyUntil = stages[link].busyUntil
            if now < busyUntil && !lookahead {
                if !stages[link].wakePending {
                    stages[link].wakePending = true
                    schedule(.wake(Int32(link)), at: busyUntil, scheduler: &scheduler)
                }
                return
            }
            let i = choose(link, from: Int(stages[link].roundRobin), inputs: inputCount)
            let chosen = i >= 0 ? inputStart + i : -1
            let start = max(now, busyUntil)
            guard chosen >= 0 else {
                if stages[link].stallSince == .max { stages[link].stallSince = start }
                return
            }
            if stages[link].stallSince != .max {
                let since = stages[link].stallSince
                stages[link].stallTime += start > since ? start - since : 0
                stages[link].stallSince = .max
            }
            stages[link].roundRobin = Int32(i + 1 == inputCount ? 0 : i + 1)
            let index = inputs[chosen].head
            let next = pool[Int(index)].next
            inputs[chosen].head = next
            if next < 0 {
                inputs[chosen].tail = -1
                occupied[Int(stages[link].occupancyStart) + i >> 6] &= ~(1 << UInt64(i & 63))
            }
            stages[link].queued -= 1
            var requester = Int(inputs[chosen].requester)
            if requester == Int(InputQueue.sharedByRequesters) {
                requester = Int(pool[Int(index)].transfer)
                stages[link].stagedRequestBytes -= UInt64(pool[Int(index)].length)
            }
            commit(index, link: link, start: start, now: now, scheduler: &scheduler)
            if requester >= 0 {
                transfers[requester].staged = false
                if let wake = issueAhead(requester, link: link, now: now) {
                    // What its `requesterWake` event would do, done now at the wake's time.
                    now = wake
                }
                _ = pump(requester, now: now, scheduler: &scheduler)
            }
        }
    }

    /// The input of `link` that round-robin arbitration serves next: the first, from input
    /// `first` on and wrapping around, that holds a TLP with credits for it; -1 when none does.
    ///
    /// - Complexity: O(inputs / 64 + inputs holding a TLP without credits).
    @inline(__always) func choose(_ link: Int, from first: Int, inputs count: Int) -> Int {
        let inputStart = Int(stages[link].inputStart)
        if count == 1 {
            let head = inputs[inputStart].head
            return head >= 0 && hasCredits(link, pool[Int(head)]) ? 0 : -1
        }
        let words = Int(stages[link].occupancyStart)
        var i = first
        var end = count
        for _ in 0..<2 {
            while i < end {
                let bits = occupied[words + i >> 6] >> UInt64(i & 63)
                if bits == 0 {
                    i = (i >> 6 + 1) << 6
                    continue
                }
                i += bits.trailingZeroBitCount
                if i >= end { break }
                if hasCredits(link, pool[Int(inputs[inputStart + i].head)]) { return i }
                i += 1
            }
            i = 0
            end = first
        }
        return -1
    }

    /// The time a write requester waiting only for its DMA rate cap would wake, when its next
    /// MWr can be issued and committed now with that time as the time of the decision: the
    /// requester's link has it as its one input and commits ahead (`StageState.commitsAhead`)
    /// and has credits for that MWr now (only the link's own commits take them, so also then).
    /// Adds the DMA wait the requester's `pump` would have added.
    ///
    /// Reads are left out: completions reach the requester at their own times and free tags.
    mutating func issueAhead(_ t: Int, link: Int, now: UInt64) -> UInt64? {
        let state = transfers.pointer(t)
        let nextIssue = state.pointee.nextIssue
        guard now < nextIssue, !state.pointee.isRead, state.pointee.started, !state.pointee.staged,
            !state.pointee.wakePending, state.pointee.issuedBytes < state.pointee.bytes,
            stages[link].commitsAhead, stages[link].queued == 0
        else { return nil }
        var splitter = state.pointee.splitter
        guard let segment = splitter.next() else { return nil }
        var probe = TLPRecord()
        probe.kind = .memoryWrite
        probe.length = UInt32(segment.length)
        probe.padded = UInt32(segment.paddedBytes)
        guard hasCredits(link, probe) else { return nil }
        state.pointee.dmaWait += nextIssue - now
        return nextIssue
    }

    @inline(__always) func hasCredits(_ link: Int, _ record: TLPRecord) -> Bool {
        let c = record.kind.creditClass
        let credits = stages[link].credits
        return credits.header(c) >= headerCredits(link, record) && credits.data(c) >= record.dataCredits
    }

    /// Header credits a TLP takes at a link's receiver: one on PCIe (spec §2.6.1), one per
    /// packet the vendor link cuts it into.
    @inline(__always) func headerCredits(_ link: Int, _ record: TLPRecord) -> Int64 {
        stages[link].packetPayload > 0 ? Int64(vendorPackets(link, record)) : 1
    }

    /// The packets a vendor link cuts a TLP's payload (or a read's requested length) into.
    @inline(__always) func vendorPackets(_ link: Int, _ record: TLPRecord) -> UInt64 {
        let payload = stages[link].packetPayload
        return UInt64(max(1, (record.length + payload - 1) / payload))
    }

    /// Wire bytes of a TLP on a vendor link: its packets' headers and payload in whole granules
    /// (`LinkPacketFormat.dataPacketBytes`), or one short packet per packet of a read request.
    @inline(__always) func vendorWireBytes(_ link: Int, _ record: TLPRecord) -> UInt64 {
        let stage = stages[link]
        let packets = vendorPackets(link, record)
        switch record.kind {
        case .memoryRead:
            return packets * UInt64(stage.shortPacket)
        case .completionUnsupported:
            return UInt64(stage.shortPacket)
        case .memoryWrite, .completionWithData:
            let granule = UInt64(stage.packetGranule)
            let length = UInt64(record.length)
            let full = length / UInt64(stage.packetPayload)
            let rest = length % UInt64(stage.packetPayload)
            let restBytes = rest == 0 ? 0 : UInt64(stage.packetHeader) + (rest + granule - 1) / granule * granule
            return full * (UInt64(stage.packetHeader) + UInt64(stage.packetPayload)) + restBytes
        }
    }

    /// Puts a transmission of `time` on a link's transmitter from `start`; returns when it ends.
    ///
    /// A link with several lanes (bonded vendor links) uses the lane free first.
    @inline(__always) mutating func occupy(_ link: Int, from start: UInt64, for time: UInt64) -> UInt64 {
        let count = Int(stages[link].laneCount)
        guard count > 1 else {
            let end = max(start, stages[link].busyUntil) + time
            stages[link].busyUntil = end
            stages[link].busyEnd = end
            stages[link].busyTime += time
            return end
        }
        let first = Int(stages[link].laneStart)
        var lane = first
        for l in first..<(first + count) where laneFree[l] < laneFree[lane] { lane = l }
        let end = max(start, laneFree[lane]) + time
        laneFree[lane] = end
        var earliest = end
        for l in first..<(first + count) where laneFree[l] < earliest { earliest = laneFree[l] }
        stages[link].busyUntil = earliest
        if end > stages[link].busyEnd { stages[link].busyEnd = end }
        stages[link].busyTime += time
        return end
    }

    /// Transmits a TLP on a link from `start`: takes the link's credits, frees the previous
    /// link's, and schedules its arrival at the next input queue past the crossings between; a
    /// TLP for the completer's memory is served there at once (the memory is an analytic FIFO
    /// server, so this saves an event per TLP).
    ///
    /// - Complexity: O(crossings to the next link).
    mutating func commit(
        _ index: Int32, link firstLink: Int, start firstStart: UInt64, now firstNow: UInt64,
        scheduler: inout Scheduler<PacketEvent>
    ) {
        var link = firstLink
        var start = firstStart
        var now = firstNow
        // A loop rather than a call per link: a TLP committed ahead goes on to its next link. The
        // record stays in local variables from link to link and goes back to the pool once per step.
        var record = pool[Int(index)]
        while true {
            let c = record.kind.creditClass
            let dataCredits = record.dataCredits
            stages[link].credits.add(c, header: -headerCredits(link, record), data: -dataCredits)
            if sabotage != nil && sabotaged(.overdrawCredits(link: link)) {
                stages[link].credits.add(c, header: 0, data: -stages[link].credits.data(c) - 1)
            }
            checkCreditsTaken(link, creditClass: c, now: now)
            if record.heldLink >= 0 {
                release(Int(record.heldLink), record, at: start, now: now, scheduler: &scheduler)
            }
            let overhead: UInt32
            switch record.kind {
            case .memoryWrite: overhead = stages[link].overheadWrite
            case .memoryRead: overhead = stages[link].overheadRead
            case .completionWithData, .completionUnsupported: overhead = stages[link].overheadCompletion
            }
            let vendor = stages[link].packetPayload > 0
            let wire = vendor ? vendorWireBytes(link, record) : UInt64(overhead + record.padded)
            let serialisation = serialise(link, bytes: wire)
            let end: UInt64
            if vendor {
                // A packet on a bonded link ends when its own lane is done.
                end = occupy(link, from: start, for: serialisation)
                if record.kind == .memoryWrite && stages[link].acknowledgesWrites {
                    chargeResponse(returnedFor: link, record, now: now)
                }
            } else {
                end = start + serialisation
                stages[link].busyUntil = end
                stages[link].busyTime += serialisation
            }
            if sabotage != nil && sabotaged(.overchargeBusyTime(link: link)) { stages[link].busyTime += 1_000_000 }
            checkBusyTime(link, now: now)
            stages[link].tlpCount += 1
            stages[link].tlpBytes += wire
            if record.kind != .memoryRead { stages[link].payloadBytes += UInt64(record.length) }
            let arrival = end + stages[link].latency
            // One Ack per Ack latency period while TLPs arrive (spec §3.6.3.1). Arrivals on a link
            // never go back in time, so the slot changes exactly when the arrival reaches the next
            // boundary; the division is done only then (or, defensively, for an earlier arrival).
            // Vendor links carry acknowledgements in their packets' headers: no Ack DLLP.
            let boundary = stages[link].nextAckBoundary
            let interval = stages[link].ackInterval
            if !vendor && (arrival >= boundary || arrival &+ interval < boundary) {
                let ackSlot = arrival / interval + 1
                if ackSlot != stages[link].lastAckSlot {
                    stages[link].lastAckSlot = ackSlot
                    stages[link].nextAckBoundary = ackSlot * interval
                    stages[link].acks += 1
                    chargeDLLP(returnedFor: link, now: now)
                }
            }
            record.heldLink = Int32(link)
            record.lastSerialisation = serialisation
            record.hop += 1
            let eligible = traverse(&record, from: arrival, now: now, scheduler: &scheduler)
            let hop = hops[Int(record.hop)]
            if hop.terminal >= 0 {
                // A read stays in the pool until its completions go out; a write is freed there.
                if record.kind != .memoryWrite { pool[Int(index)] = record }
                serveAtMemory(
                    index, record, memory: Int(hop.terminal), arrival: eligible, now: now, scheduler: &scheduler)
            } else if hop.link >= 0
                && canCommitAhead(from: link, to: Int(hop.link), record, at: eligible, clock: scheduler.now.rawValue)
            {
                // What the `arrive` event at `eligible` would do: the TLP joins an empty queue of a
                // one-input link and starts at once, with `eligible` as the time of the decision.
                let next = Int(hop.link)
                if stages[next].peakQueue < 1 { stages[next].peakQueue = 1 }
                start = max(eligible, stages[next].busyUntil)
                now = eligible
                link = next
                continue
            } else {
                pool[Int(index)] = record
                if hop.link >= 0 { stages[Int(hop.link)].pendingArrivals += 1 }
                schedule(.arrive(index), at: eligible, scheduler: &scheduler)
            }
            return
        }
    }

    /// Whether a TLP leaving `link` may be committed on `next` now rather than by an `arrive`
    /// event at `eligible`: the result is the same because `next` has one input, nothing queued or
    /// on its way, and credits for the TLP at `eligible` (only its own input takes them). Those are
    /// the credits it has now, or with the UpdateFC batches that reach it before `eligible`
    /// applied ahead of their `credits` events (`applyCreditsAhead`).
    @inline(__always) mutating func canCommitAhead(
        from link: Int, to next: Int, _ record: TLPRecord, at eligible: UInt64, clock: UInt64
    ) -> Bool {
        guard
            stages[next].commitsAhead && stages[link].releasesAhead && stages[next].queued == 0
                && stages[next].pendingArrivals == 0
        else { return false }
        return hasCredits(next, record) || applyCreditsAhead(next, record, before: eligible, clock: clock)
    }

    /// Applies the oldest pending UpdateFC batches of a committing-ahead link that reach its
    /// transmitter before `time`, until it has credits for `record`; returns whether it has.
    ///
    /// A batch is applied only when it can take no more credits: it is not the newest, or its
    /// interval ended by `clock` (the current event's time; every later release is at or after
    /// it). Its `credits` event then only lets the transmitter go on (`creditsAppliedAhead`).
    /// Nothing sees the difference: the link has one input, fed by TLPs whose decision times are
    /// at or after `time` (arrivals on a link never go back in time), so the link's credits are
    /// next read at or after `time`, when the sequential order would have applied the same
    /// batches (their `credits` events fall strictly before `time`).
    ///
    /// - Complexity: O(batches applied).
    mutating func applyCreditsAhead(_ link: Int, _ record: TLPRecord, before time: UInt64, clock: UInt64) -> Bool {
        let interval = stages[link].fcInterval
        let delay = stages[link].dllpTime + stages[link].latency
        while true {
            let batch = stages[link].batchHead
            guard batch >= 0 else { return false }
            let sent = batches[Int(batch)].slot * interval
            guard sent + delay < time, batch != stages[link].batchTail || sent <= clock else { return false }
            applyOldestBatch(link, now: clock)
            stages[link].creditsAppliedAhead += 1
            if hasCredits(link, record) { return true }
        }
    }

    /// Schedules `message` at the absolute time `time` (not before the current event).
    @inline(__always) func schedule(
        _ message: PacketEvent, at time: UInt64, scheduler: inout Scheduler<PacketEvent>
    ) {
        scheduler.schedule(message, to: packetComponent, after: Picoseconds(time - scheduler.now.rawValue))
    }

    /// Serialisation time of `bytes` on a link, carrying the fraction of a picosecond over so
    /// that totals stay exact.
    @inline(__always) mutating func serialise(_ link: Int, bytes: UInt64) -> UInt64 {
        let exact = Double(bytes) * stages[link].psPerByte + stages[link].carry
        // Truncation is the floor of a non-negative value, without a call to libm's floor; through
        // Int64, whose conversions are one instruction each way on x86-64 (UInt64's take several),
        // with the same result (a serialisation time is far below 2^63 ps).
        let whole = Int64(exact)
        stages[link].carry = exact - Double(whole)
        return UInt64(whole)
    }

    /// Charges one DLLP, sent by the receiver of `link`, to the reverse direction's transmitter.
    @inline(__always) mutating func chargeDLLP(returnedFor link: Int, now: UInt64) {
        let reverse = Int(stages[link].reverse)
        guard reverse >= 0, stages[link].sendsDLLPs else { return }
        let time = serialise(reverse, bytes: UInt64(PCIeWireSizes.dllp))
        stages[reverse].busyUntil = max(now, stages[reverse].busyUntil) + time
        stages[reverse].busyTime += time
        checkBusyTime(reverse, now: now)
        stages[reverse].dllpsTransmitted += 1
    }

    /// Charges the response packets a vendor link's receiver sends back for a write to the
    /// reverse direction (on its first free lane).
    @inline(__always) mutating func chargeResponse(returnedFor link: Int, _ record: TLPRecord, now: UInt64) {
        let reverse = Int(stages[link].reverse)
        guard reverse >= 0 else { return }
        let packets = vendorPackets(link, record)
        let time = serialise(reverse, bytes: packets * UInt64(stages[link].shortPacket))
        _ = occupy(reverse, from: now, for: time)
        stages[reverse].dllpsTransmitted += Int(packets)
        checkBusyTime(reverse, now: now)
    }

    /// Frees a TLP's credits at a link's receiver at time `time` (not before `now`, the time of
    /// the decision): they join the UpdateFC batch of the interval they fall in.
    ///
    /// - Complexity: O(1).
    mutating func release(
        _ link: Int, _ record: TLPRecord, at time: UInt64, now: UInt64, scheduler: inout Scheduler<PacketEvent>
    ) {
        let c = record.kind.creditClass
        let dataCredits = record.dataCredits
        let headers = headerCredits(link, record)
        if stages[link].isInfinite(c) {
            stages[link].credits.add(c, header: headers, data: dataCredits)
            return
        }
        let tail = stages[link].batchTail
        var batch: Int32
        // The newest batch covers every time before `batchTailEnd` (slot × interval), so a release
        // falls in it exactly when `time / interval + 1 <= slot`; no division on that path.
        if tail >= 0 && time < stages[link].batchTailEnd {
            batch = tail
        } else {
            let interval = stages[link].fcInterval
            let slot = time / interval + 1
            batch = allocateBatch(slot: slot)
            if tail >= 0 {
                batches[Int(tail)].next = batch
            } else {
                stages[link].batchHead = batch
            }
            stages[link].batchTail = batch
            let sent = slot * interval
            stages[link].batchTailEnd = sent
            let arrival = sent + stages[link].dllpTime + stages[link].latency
            schedule(.credits(Int32(link)), at: arrival, scheduler: &scheduler)
        }
        if batches[Int(batch)].amounts.header(c) == 0 && batches[Int(batch)].amounts.data(c) == 0
            && stages[link].packetPayload == 0
        {
            // One UpdateFC per credit type per interval (spec §2.6.1.2); vendor links return
            // credits in their packets' headers.
            stages[link].updateFCs += 1
            chargeDLLP(returnedFor: link, now: now)
        }
        batches[Int(batch)].amounts.add(c, header: headers, data: dataCredits)
    }

    /// Applies the oldest pending credit batch of a link and lets its transmitter go on (the batch
    /// may have been applied ahead: `applyCreditsAhead`).
    mutating func returnCredits(_ link: Int, now: UInt64, scheduler: inout Scheduler<PacketEvent>) {
        if stages[link].creditsAppliedAhead > 0 {
            stages[link].creditsAppliedAhead -= 1
        } else {
            guard stages[link].batchHead >= 0 else { return }
            applyOldestBatch(link, now: now)
        }
        tryStart(link, now: now, scheduler: &scheduler)
    }

    /// Adds the oldest pending credit batch of a link to its credits and frees the batch.
    mutating func applyOldestBatch(_ link: Int, now: UInt64) {
        let batch = stages[link].batchHead
        let amounts = batches[Int(batch)].amounts
        stages[link].credits.add(0, header: amounts.header.0, data: amounts.data.0)
        stages[link].credits.add(1, header: amounts.header.1, data: amounts.data.1)
        stages[link].credits.add(2, header: amounts.header.2, data: amounts.data.2)
        if sabotage != nil && sabotaged(.returnExtraCredit(link: link)) {
            stages[link].credits.add(0, header: stages[link].advertised.header(0), data: 0)
        }
        checkCreditsReturned(link, now: now)
        let next = batches[Int(batch)].next
        stages[link].batchHead = next
        if next < 0 { stages[link].batchTail = -1 }
        batches[Int(batch)].next = batchFree
        batchFree = batch
    }

    // MARK: Crossings

    /// Passes a TLP through the crossings before its current hop, from time `time`.
    ///
    /// Returns when it reaches the hop. A read reaching a root complex that does not forward reads
    /// becomes an Unsupported Request completion on the transfer's way back.
    ///
    /// - Complexity: O(crossings passed).
    @inline(__always) mutating func traverse(
        _ record: inout TLPRecord, from time: UInt64, now: UInt64, scheduler: inout Scheduler<PacketEvent>
    ) -> UInt64 {
        var time = time
        var overlap = record.lastSerialisation
        var hop = hops[Int(record.hop)]
        var k: Int32 = 0
        while k < hop.crossingCount {
            let s = Int(crossingList[Int(hop.crossingStart + k)])
            k += 1
            // Cut-through: the crossing latency runs from the head of the TLP, so the part
            // spent receiving its tail overlaps with it.
            let latency = stages[s].latency
            time += latency > overlap ? latency - overlap : 0
            overlap = 0
            // Header (4 DW, spec §2.2.4.1) plus padded payload: what a crossing moves.
            let wire = UInt64(record.padded) + UInt64(PCIeWireSizes.header4DW)
            if stages[s].psPerByte > 0 {
                let begin = max(time, stages[s].freeAt)
                let service = UInt64((Double(wire) * stages[s].psPerByte).rounded(.up))
                stages[s].freeAt = begin + service
                stages[s].busyTime += service
                time = begin
            }
            stages[s].tlpCount += 1
            stages[s].tlpBytes += wire
            stages[s].payloadBytes += record.kind == .memoryRead ? 0 : UInt64(record.length)
            if stages[s].code == .rootComplex && !stages[s].forwardsReads && record.kind == .memoryRead {
                let t = Int(record.transfer)
                // The root complex consumes the request: its non-posted credits at the link it
                // came in on are freed, and the completion it makes holds none yet.
                if record.heldLink >= 0 {
                    release(Int(record.heldLink), record, at: time, now: now, scheduler: &scheduler)
                    record.heldLink = -1
                }
                record.kind = .completionUnsupported
                record.padded = 0
                record.hop = transfers[t].unsupportedHopStart
                transfers[t].counts.completionsWithoutData += 1
                hop = hops[Int(record.hop)]
                k = 0
            }
        }
        return time
    }

    // MARK: Arrivals and terminals

    /// A TLP reaches its next link's input queue, the completer's memory or the requester.
    mutating func arrive(_ index: Int32, now: UInt64, scheduler: inout Scheduler<PacketEvent>) {
        let record = pool[Int(index)]
        let hop = hops[Int(record.hop)]
        if hop.link >= 0 {
            stages[Int(hop.link)].pendingArrivals -= 1
            enqueue(index, input: hop.input, link: Int(hop.link))
            tryStart(Int(hop.link), now: now, scheduler: &scheduler)
        } else if hop.terminal == -2 {
            receiveCompletion(index, record, now: now, scheduler: &scheduler)
        } else {
            serveAtMemory(index, record, memory: Int(hop.terminal), arrival: now, now: now, scheduler: &scheduler)
        }
    }

    /// The completer's memory takes a write, or reads the data of a read request.
    mutating func serveAtMemory(
        _ index: Int32, _ record: TLPRecord, memory: Int, arrival: UInt64, now: UInt64,
        scheduler: inout Scheduler<PacketEvent>
    ) {
        let begin = max(arrival, stages[memory].freeAt)
        let service = UInt64((Double(record.length) * stages[memory].psPerByte).rounded(.up))
        stages[memory].freeAt = begin + service
        stages[memory].busyTime += service
        stages[memory].tlpCount += 1
        stages[memory].tlpBytes += UInt64(record.length)
        stages[memory].payloadBytes += UInt64(record.length)
        if record.heldLink >= 0 { release(Int(record.heldLink), record, at: begin, now: now, scheduler: &scheduler) }
        let t = Int(record.transfer)
        if record.kind == .memoryWrite {
            transfers[t].doneBytes += UInt64(record.length)
            if transfers[t].doneBytes == transfers[t].bytes {
                finished(t, at: begin + service, now: now, scheduler: &scheduler)
            }
            freeTLP(index)
        } else {
            let ready = begin + service + stages[memory].latency
            schedule(.completions(index), at: ready, scheduler: &scheduler)
        }
    }

    /// Sends the completions answering a read request into the completion route.
    ///
    /// - Complexity: O(completions of the request).
    mutating func emitCompletions(_ index: Int32, now: UInt64, scheduler: inout Scheduler<PacketEvent>) {
        let request = pool[Int(index)]
        freeTLP(index)
        let t = Int(request.transfer)
        let state = transfers[t]
        let splitter = CompletionSplitter(
            request: TLPSegment(address: request.address, length: Int(request.length)),
            maxPayloadSize: state.maxPayload, readCompletionBoundary: state.completionBoundary,
            policy: state.completionSplitting)
        var count = 0
        var firstLink = -1
        for segment in splitter {
            var record = TLPRecord()
            record.transfer = request.transfer
            record.tag = request.tag
            record.kind = .completionWithData
            record.address = segment.address
            record.length = UInt32(segment.length)
            record.padded = UInt32(segment.paddedBytes)
            record.hop = state.completionHopStart
            let eligible = traverse(&record, from: now, now: now, scheduler: &scheduler)
            let slot = allocateTLP(record)
            let hop = hops[Int(record.hop)]
            if eligible == now && hop.link >= 0 {
                enqueue(slot, input: hop.input, link: Int(hop.link))
                firstLink = Int(hop.link)
            } else {
                if hop.link >= 0 { stages[Int(hop.link)].pendingArrivals += 1 }
                schedule(.arrive(slot), at: eligible, scheduler: &scheduler)
            }
            count += 1
        }
        transfers[t].counts.completionsWithData += count
        if firstLink >= 0 { tryStart(firstLink, now: now, scheduler: &scheduler) }
    }

    /// The requester takes a completion: counts its bytes, frees the tag when the request is
    /// answered, and issues more.
    mutating func receiveCompletion(
        _ index: Int32, _ record: TLPRecord, now: UInt64, scheduler: inout Scheduler<PacketEvent>
    ) {
        if record.heldLink >= 0 { release(Int(record.heldLink), record, at: now, now: now, scheduler: &scheduler) }
        freeTLP(index)
        let t = Int(record.transfer)
        let slot = Int(transfers[t].tagBase + record.tag)
        if record.kind == .completionUnsupported {
            transfers[t].doneBytes += UInt64(tagRemaining[slot])
            transfers[t].unsupported += 1
            tagRemaining[slot] = 0
        } else {
            transfers[t].doneBytes += UInt64(record.length)
            tagRemaining[slot] -= record.length
        }
        if transfers[t].doneBytes == transfers[t].bytes { finished(t, at: now, now: now, scheduler: &scheduler) }
        if tagRemaining[slot] == 0 {
            let free = transfers[t].freeTagCount
            tagFree[Int(transfers[t].tagBase + free)] = record.tag
            transfers[t].freeTagCount = free + 1
            if transfers[t].tagWaitSince != .max {
                transfers[t].tagWait += now - transfers[t].tagWaitSince
                transfers[t].tagWaitSince = .max
            }
            pumpAndStart(t, now: now, scheduler: &scheduler)
        }
    }
}
