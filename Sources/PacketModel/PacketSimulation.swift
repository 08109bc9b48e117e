// PacketSimulation.swift — building the engine from a fabric and transfers, running it, and
// turning its counters into a `PacketResult`.
//
// Sources:
//   - Ack and UpdateFC intervals: `DLLPLatencyTables` (PCIe Base Spec rev 5.0 Tables 3-7..3-9 and
//     2-46..2-48), in Symbol Times, converted with the link's symbol rate per lane.
//   - Bottleneck thresholds (a stage busy at least 90% of the makespan is saturated; tags or the
//     DMA engine bind when the requester waited on them at least half the transfer): p2psim's
//     own reporting rule, not a measured constant.

import LinkProtocols
import PCIeProtocol
import SimKernel
import Units

/// A packet-level run of transfers over a fabric.
///
/// Build it (the description is checked then), call `run()`, read the `PacketResult`.
public struct PacketSimulation {
    /// The fabric simulated.
    public let fabric: PacketFabric
    /// The transfers, in input order.
    public let transfers: [PacketTransfer]
    var simulation: Simulation<PacketEngine>

    /// A stage busy at least this share of the makespan is saturated (p2psim's reporting rule).
    static let saturatedFraction = 0.9
    /// Tags or the DMA engine bind when the requester waited on them at least this share of the
    /// transfer (p2psim's reporting rule).
    static let requesterBoundFraction = 0.5

    /// Checks the description and prepares a run.
    ///
    /// - Throws: `PacketModelError` for duplicate or unknown stage ids, a request route that does
    ///   not start with a link and end at a memory, a read without a completion route, or a
    ///   transfer of zero bytes or zero tags.
    ///
    /// With `issueControl`, transfers are issued when it says (after the transfers they wait for,
    /// through its servers and pools; its jobs are the transfers, in order) and their own `start`
    /// is not used; without it, each transfer starts at its `start`.
    public init(
        fabric: PacketFabric, transfers: [PacketTransfer], issueControl: IssueControl? = nil
    ) throws(PacketModelError) {
        self.fabric = fabric
        self.transfers = transfers
        var builder = EngineBuilder(fabric: fabric)
        try builder.addStages()
        builder.findOrderedTransmitters(transfers)
        for (index, transfer) in transfers.enumerated() {
            try builder.addTransfer(transfer, index: index)
        }
        var scheduler = Scheduler<PacketEvent>()
        scheduler.reserveCapacity(1024)
        var engine = builder.engine()
        if let control = issueControl {
            engine.issueControl = control
            scheduler.schedule(.control, to: packetComponent, after: .zero)
        } else {
            for (index, transfer) in transfers.enumerated() {
                scheduler.schedule(.start(Int32(index)), to: packetComponent, after: transfer.start)
            }
        }
        simulation = Simulation(model: engine, scheduler: scheduler)
    }

    /// Runs a fabric and transfers to the end and returns the result.
    ///
    /// - Throws: `PacketModelError` as `init(fabric:transfers:issueControl:)` and `run()` do.
    public static func run(
        fabric: PacketFabric, transfers: [PacketTransfer], issueControl: IssueControl? = nil
    ) throws(PacketModelError) -> PacketResult {
        var simulation = try PacketSimulation(fabric: fabric, transfers: transfers, issueControl: issueControl)
        return try simulation.run()
    }

    /// The number of events handled so far.
    public var eventCount: UInt64 { simulation.eventCount }

    /// Runs until every transfer has finished and returns the result.
    ///
    /// - Complexity: O(E log P) for E events with at most P pending; E is about one event per
    ///   TLP per link crossed, plus one per TLP that waited for a transmitter, plus one per
    ///   UpdateFC interval per busy link.
    ///
    /// - Throws: `PacketModelError` naming the stage and the simulated time when an invariant of
    ///   the engine broke (credits below zero or above the advertisement, a link busy longer than
    ///   the time elapsed): a defect of the model, never of the input.
    public mutating func run() throws(PacketModelError) -> PacketResult {
        simulation.runUntilIdle()
        if let violation = simulation.model.violation {
            throw PacketModelError(
                "packet model invariant broken at \(violation.time) ps on stage '\(fabric.stages[violation.stage].id)': "
                    + violation.what)
        }
        return result()
    }

    /// The result of the run so far.
    func result() -> PacketResult {
        let engine = simulation.model
        var first = UInt64.max
        var last: UInt64 = 0
        for t in 0..<engine.transfers.count {
            let state = engine.transfers[t]
            first = min(first, state.start)
            last = max(last, state.finish)
        }
        if first == .max { first = 0 }
        let makespan = last > first ? last - first : 0
        var stageResults: [PacketStageStatistics] = []
        for (index, stage) in fabric.stages.enumerated() {
            let state = engine.stages[index]
            let kindName: String
            switch state.code {
            case .link: kindName = "link"
            case .switchCrossing: kindName = "switch"
            case .rootComplex: kindName = "root complex"
            case .memory: kindName = "memory"
            }
            stageResults.append(
                PacketStageStatistics(
                    id: stage.id, kindName: kindName, tlpCount: state.tlpCount, tlpBytes: state.tlpBytes,
                    payloadBytes: state.payloadBytes, acks: state.acks, updateFCs: state.updateFCs,
                    dllpsTransmitted: state.dllpsTransmitted, busyTime: Picoseconds(state.busyTime),
                    busyFraction: makespan > 0
                        ? Double(state.busyTime) / Double(state.laneCount) / Double(makespan) : 0,
                    peakQueueDepth: Int(state.peakQueue), flowControlStallTime: Picoseconds(state.stallTime)))
        }
        let stageIndex = Dictionary(uniqueKeysWithValues: fabric.stages.enumerated().map { ($1.id, $0) })
        var transferResults: [PacketTransferResult] = []
        for (index, transfer) in transfers.enumerated() {
            let state = engine.transfers[index]
            var counts = state.counts
            var routeStages = Set<Int>()
            for id in transfer.requestRoute + transfer.completionRoute {
                if let s = stageIndex[id] { routeStages.insert(s) }
            }
            for s in routeStages.sorted() {
                counts.acks += engine.stages[s].acks
                counts.updateFCs += engine.stages[s].updateFCs
            }
            let duration = state.finish > state.start ? state.finish - state.start : 0
            let bottleneck = Self.bottleneck(
                stages: stageResults, among: routeStages.sorted(), tagWait: state.tagWait, dmaWait: state.dmaWait,
                duration: duration)
            transferResults.append(
                PacketTransferResult(
                    tag: transfer.tag, kind: transfer.kind, bytes: transfer.bytes, start: Picoseconds(state.start),
                    finish: Picoseconds(state.finish), tlps: counts,
                    status: state.unsupported > 0 ? .unsupportedRequest : .success,
                    dataIsAllOnes: state.unsupported > 0, unsupportedRequests: state.unsupported,
                    tagWaitTime: Picoseconds(state.tagWait), dmaWaitTime: Picoseconds(state.dmaWait),
                    bottleneck: bottleneck))
        }
        let runBottleneck: PacketBottleneck
        if let slowest = transferResults.indices.max(by: {
            (transferResults[$0].finish, $1) < (transferResults[$1].finish, $0)
        }) {
            runBottleneck = transferResults[slowest].bottleneck
        } else {
            runBottleneck = PacketBottleneck(cause: .stage(fabric.stages.first?.id ?? ""), reason: "no transfers")
        }
        return PacketResult(
            transfers: transferResults, stages: stageResults, makespan: Picoseconds(makespan),
            eventCount: simulation.eventCount, bottleneck: runBottleneck)
    }

    /// The bottleneck of a transfer: a saturated stage on its routes, else tags or the DMA
    /// engine if the requester waited on them most of the time, else the busiest stage.
    static func bottleneck(
        stages: [PacketStageStatistics], among route: [Int], tagWait: UInt64, dmaWait: UInt64, duration: UInt64
    ) -> PacketBottleneck {
        var busiest = -1
        for s in route where busiest < 0 || stages[s].busyFraction > stages[busiest].busyFraction {
            busiest = s
        }
        let percent = { (x: Double) in formatDecimal(x * 100, maxFractionDigits: 1) + "%" }
        if busiest >= 0 && stages[busiest].busyFraction >= saturatedFraction {
            return PacketBottleneck(
                cause: .stage(stages[busiest].id),
                reason: "\(stages[busiest].kindName) busy \(percent(stages[busiest].busyFraction)) of the run")
        }
        let d = Double(max(duration, 1))
        if Double(tagWait) / d >= requesterBoundFraction {
            return PacketBottleneck(
                cause: .tags, reason: "every read tag outstanding \(percent(Double(tagWait) / d)) of the transfer")
        }
        if Double(dmaWait) / d >= requesterBoundFraction {
            return PacketBottleneck(
                cause: .dmaEngine, reason: "DMA rate cap held requests \(percent(Double(dmaWait) / d)) of the transfer")
        }
        guard busiest >= 0 else { return PacketBottleneck(cause: .tags, reason: "no stage on the route") }
        return PacketBottleneck(
            cause: .stage(stages[busiest].id),
            reason:
                "busiest \(stages[busiest].kindName), busy \(percent(stages[busiest].busyFraction)) of the run; "
                + "no resource saturated (latency-bound)")
    }
}

/// Compiles a fabric and transfers into the engine's arrays.
struct EngineBuilder {
    let fabric: PacketFabric
    var stageIndex: [StageID: Int] = [:]
    var stages: [StageState] = []
    var inputKeys: [[InputKey: Int32]] = []
    var inputsPerLink: [[InputQueue]] = []
    var hops: [Hop] = []
    var crossingList: [Int32] = []
    var transfers: [TransferState] = []
    var tagRemaining: [UInt32] = []
    var tagFree: [Int32] = []
    /// For each crossing and memory: the one stage whose commits reach it (a link, or a memory
    /// sending completions), `noFeeder` when none does, `sharedFeeder` when several do.
    var feeder: [Int] = []
    static let noFeeder = Int.min
    static let sharedFeeder = Int.max
    /// For each link: the crossings and memories its commits reach.
    var reached: [[Int]] = []
    /// For each link: the one stage whose commits free its credits (the next link, the memory,
    /// or `requesterConsumer`), `noFeeder` when none, `sharedFeeder` when several.
    var consumer: [Int] = []
    static let requesterConsumer = -2
    /// Links that are the transmitter of a device that both writes (with a posted backlog) and
    /// reads through them: their requesters share one input in issue order, keyed by
    /// `transmitterQueue`.
    var orderedTransmitters: Set<Int> = []
    /// The source of an ordered transmitter's shared input.
    static let transmitterQueue = Int.min + 1

    /// An input of a link: where TLPs come from, and their credit class.
    struct InputKey: Hashable {
        var source: Int
        var creditClass: Int
    }

    init(fabric: PacketFabric) { self.fabric = fabric }

    /// Checks the stages and creates their states.
    mutating func addStages() throws(PacketModelError) {
        for (index, stage) in fabric.stages.enumerated() {
            guard stageIndex[stage.id] == nil else { throw PacketModelError("duplicate stage id '\(stage.id)'") }
            stageIndex[stage.id] = index
        }
        for stage in fabric.stages {
            stages.append(try Self.state(of: stage, stageIndex: stageIndex, fabric: fabric))
            inputKeys.append([:])
            inputsPerLink.append([])
            feeder.append(Self.noFeeder)
            reached.append([])
            consumer.append(Self.noFeeder)
        }
    }

    /// Records that `source`'s commits reach stage `s` (`shared` forces several feeders).
    mutating func noteFeeder(_ s: Int, _ source: Int, shared: Bool = false) {
        if source >= 0 && stages[source].code == .link { reached[source].append(s) }
        Self.note(&feeder[s], source, shared: shared)
    }

    /// Records that the credits `link` holds are freed by `next`'s commits.
    mutating func noteConsumer(_ link: Int, _ next: Int) {
        guard link >= 0 && stages[link].code == .link else { return }
        Self.note(&consumer[link], next, shared: false)
    }

    /// Sets `slot` to `value`, or to `sharedFeeder` when it already holds another value.
    static func note(_ slot: inout Int, _ value: Int, shared: Bool) {
        if shared || (slot != noFeeder && slot != value) {
            slot = sharedFeeder
        } else {
            slot = value
        }
    }

    /// The initial state of a stage.
    static func state(
        of stage: PacketStage, stageIndex: [StageID: Int], fabric: PacketFabric
    ) throws(PacketModelError) -> StageState {
        func psPerByte(_ rate: DataRate?) throws(PacketModelError) -> Double {
            guard let rate else { return 0 }
            guard rate.bytesPerSecond > 0 && rate.bytesPerSecond.isFinite else {
                throw PacketModelError("stage '\(stage.id)' has a bandwidth that is not positive")
            }
            return 1e12 / rate.bytesPerSecond
        }
        switch stage.kind {
        case .linkDirection(let configuration, let latency):
            var state = StageState(
                code: .link, latency: latency.rawValue, psPerByte: 1e12 / configuration.tlpBytesPerSecond)
            if let reverse = stage.reverseDirection {
                guard let r = stageIndex[reverse] else {
                    throw PacketModelError("stage '\(stage.id)' names an unknown reverse direction '\(reverse)'")
                }
                guard case .linkDirection = fabric.stages[r].kind else {
                    throw PacketModelError(
                        "the reverse direction '\(reverse)' of '\(stage.id)' is not a link direction")
                }
                state.reverse = Int32(r)
            }
            let big = Int64(1) << 50
            let credits = stage.receiverCredits
            let values = [
                credits.postedHeader, credits.postedData, credits.nonPostedHeader, credits.nonPostedData,
                credits.completionHeader, credits.completionData,
            ]
            for case let value? in values where value < 0 {
                throw PacketModelError("stage '\(stage.id)' advertises negative credits (\(value))")
            }
            state.credits.header = (
                Int64(credits.postedHeader ?? 0), Int64(credits.nonPostedHeader ?? 0),
                Int64(credits.completionHeader ?? 0)
            )
            state.credits.data = (
                Int64(credits.postedData ?? 0), Int64(credits.nonPostedData ?? 0), Int64(credits.completionData ?? 0)
            )
            // A class is infinite when its header or data advertisement is (spec §2.6.1.1 lets
            // them differ; p2psim treats the class as one buffer).
            state.infinite = (
                credits.postedHeader == nil || credits.postedData == nil,
                credits.nonPostedHeader == nil || credits.nonPostedData == nil,
                credits.completionHeader == nil || credits.completionData == nil
            )
            state.advertised = state.credits
            if state.infinite.0 { state.credits.add(0, header: big, data: big) }
            if state.infinite.1 { state.credits.add(1, header: big, data: big) }
            if state.infinite.2 { state.credits.add(2, header: big, data: big) }
            state.overheadWrite = UInt32(configuration.tlpOverheadBytes(.memoryWrite))
            state.overheadRead = UInt32(configuration.tlpOverheadBytes(.memoryRead))
            state.overheadCompletion = UInt32(configuration.tlpOverheadBytes(.completionWithData))
            let schedule = DLLPSchedule(configuration: configuration)
            let symbolPs = 1e12 / configuration.symbolRatePerLane
            state.ackInterval = max(1, UInt64((Double(schedule.ackLatencySymbolTimes) * symbolPs).rounded()))
            let fc = stage.updateFCInterval?.rawValue
            state.fcInterval = max(
                1, fc ?? UInt64((Double(schedule.updateFCLatencySymbolTimes) * symbolPs).rounded()))
            state.sendsDLLPs = !configuration.isFlitMode
            state.dllpTime = UInt64((Double(PCIeWireSizes.dllp) * state.psPerByte).rounded(.up))
            return state
        case .vendorLink(let profile, let latency):
            return try vendorLinkState(
                of: stage, profile: profile, latency: latency, stageIndex: stageIndex, fabric: fabric)
        case .switchCrossing(let latency, let bandwidth):
            return StageState(code: .switchCrossing, latency: latency.rawValue, psPerByte: try psPerByte(bandwidth))
        case .rootComplexForwarding(let latency, let bandwidth, let forwardsReads):
            var state = StageState(code: .rootComplex, latency: latency.rawValue, psPerByte: try psPerByte(bandwidth))
            state.forwardsReads = forwardsReads
            return state
        case .memory(let latency, let bandwidth):
            return StageState(code: .memory, latency: latency.rawValue, psPerByte: try psPerByte(bandwidth))
        }
    }

    /// The initial state of a vendor link direction: one lane per bonded link at the profile's
    /// packet rate, its packet format, and credits from the profile (data credits counted in the
    /// engine's 16-byte units).
    static func vendorLinkState(
        of stage: PacketStage, profile: LinkProfile, latency: Picoseconds, stageIndex: [StageID: Int],
        fabric: PacketFabric
    ) throws(PacketModelError) -> StageState {
        let format = profile.format
        var state = StageState(code: .link, latency: latency.rawValue, psPerByte: 1e12 / profile.packetBytesPerSecond)
        if let reverse = stage.reverseDirection {
            guard let r = stageIndex[reverse] else {
                throw PacketModelError("stage '\(stage.id)' names an unknown reverse direction '\(reverse)'")
            }
            guard case .vendorLink = fabric.stages[r].kind else {
                throw PacketModelError("the reverse direction '\(reverse)' of '\(stage.id)' is not a vendor link")
            }
            state.reverse = Int32(r)
        }
        state.packetPayload = UInt32(format.maxPacketPayload)
        state.packetHeader = UInt32(format.headerBytes)
        state.packetGranule = UInt32(format.granule)
        state.shortPacket = UInt32(format.shortPacketBytes)
        state.acknowledgesWrites = format.writesAreAcknowledged
        state.laneCount = Int32(profile.bondedLinks)
        // Credits per lane times lanes; data granules in 16-byte credits.
        let packets = Int64(profile.credits.packets * profile.bondedLinks)
        let data = Int64(profile.credits.granules * format.granule * profile.bondedLinks / 16)
        state.credits.header = (packets, packets, packets)
        state.credits.data = (data, data, data)
        state.advertised = state.credits
        // Credits return with the reverse direction's next packet: batch them per longest packet.
        let packetTime = Double(format.headerBytes + format.maxPacketPayload) * state.psPerByte
        state.fcInterval = max(1, UInt64(packetTime.rounded(.up)))
        state.ackInterval = .max
        state.sendsDLLPs = false
        return state
    }

    /// Compiles a route into hops; `source` is where TLPs entering the first link come from.
    ///
    /// - Returns: the index of the route's first hop.
    ///
    /// `unsupportedSuffix` marks the route an Unsupported Request takes from a refusing root
    /// complex: its crossings are reached from whichever link brought the read, so they count as
    /// shared.
    mutating func compile(
        _ route: [Int], source: Int, creditClass: Int, terminal: Int32, requester: Int32,
        unsupportedSuffix: Bool = false
    ) -> Int32 {
        let first = Int32(hops.count)
        var previous = source
        var crossingStart = Int32(crossingList.count)
        for s in route {
            if stages[s].code != .link {
                noteFeeder(s, previous, shared: unsupportedSuffix)
            }
            if stages[s].code == .link {
                noteConsumer(previous, s)
                let ordered = previous < 0 && orderedTransmitters.contains(s)
                let key =
                    ordered
                    ? InputKey(source: Self.transmitterQueue, creditClass: -1)
                    : InputKey(source: previous, creditClass: creditClass)
                let input: Int32
                if let existing = inputKeys[s][key] {
                    input = existing
                } else {
                    input = Int32(inputsPerLink[s].count)
                    inputKeys[s][key] = input
                    inputsPerLink[s].append(
                        InputQueue(requester: ordered ? InputQueue.sharedByRequesters : previous < 0 ? requester : -1))
                }
                hops.append(
                    Hop(
                        link: Int32(s), input: input, crossingStart: crossingStart,
                        crossingCount: Int32(crossingList.count) - crossingStart, terminal: -1))
                crossingStart = Int32(crossingList.count)
                previous = s
            } else {
                crossingList.append(Int32(s))
            }
        }
        hops.append(
            Hop(
                link: -1, input: -1, crossingStart: crossingStart,
                crossingCount: Int32(crossingList.count) - crossingStart, terminal: terminal))
        noteConsumer(previous, terminal >= 0 ? Int(terminal) : Self.requesterConsumer)
        return first
    }

    /// Finds the links on which one device both writes with a posted backlog and reads: the
    /// first link of a write request route with `postedBacklog` > 0 that is also the first link of
    /// a read's request route. Unknown stages are left to `addTransfer` to report.
    mutating func findOrderedTransmitters(_ transfers: [PacketTransfer]) {
        var writes: Set<Int> = []
        var reads: Set<Int> = []
        for transfer in transfers {
            guard let first = transfer.requestRoute.first, let link = stageIndex[first] else { continue }
            if transfer.kind == .read {
                reads.insert(link)
            } else if transfer.requester.postedBacklog > 0 {
                writes.insert(link)
            }
        }
        orderedTransmitters = writes.intersection(reads).filter { stages[$0].code == .link }
    }

    /// Checks a transfer and compiles its routes.
    mutating func addTransfer(_ transfer: PacketTransfer, index: Int) throws(PacketModelError) {
        let name = "transfer '\(transfer.tag)'"
        guard transfer.bytes > 0 else { throw PacketModelError("\(name) moves no bytes") }
        guard transfer.bytes <= UInt64(Int.max), UInt64.max - transfer.startAddress >= transfer.bytes else {
            throw PacketModelError("\(name) wraps the address space")
        }
        func indices(_ route: [StageID]) throws(PacketModelError) -> [Int] {
            var result: [Int] = []
            for id in route {
                guard let s = stageIndex[id] else { throw PacketModelError("\(name) names an unknown stage '\(id)'") }
                result.append(s)
            }
            return result
        }
        var request = try indices(transfer.requestRoute)
        guard let memory = request.last, stages[memory].code == .memory else {
            throw PacketModelError("\(name): the request route must end at a memory stage")
        }
        request.removeLast()
        guard let firstStage = request.first, stages[firstStage].code == .link else {
            throw PacketModelError("\(name): the request route must start with a link direction")
        }
        guard !request.contains(where: { stages[$0].code == .memory }) else {
            throw PacketModelError("\(name): only the last stage of the request route may be a memory")
        }
        let parameters = transfer.requester
        let isRead = transfer.kind == .read
        let requesterSource = -(index + 1)
        let requestClass = isRead ? 1 : 0
        var state = TransferState(
            isRead: isRead, bytes: transfer.bytes, start: transfer.start.rawValue,
            splitter: RequestSplitter(
                address: transfer.startAddress, length: Int(transfer.bytes),
                maxSize: isRead ? parameters.maxReadRequestSize.bytes : parameters.maxPayloadSize.bytes,
                policy: parameters.requestSplitting),
            dmaPsPerByte: 0, maxPayload: parameters.maxPayloadSize.bytes,
            completionBoundary: parameters.readCompletionBoundary.bytes,
            completionSplitting: parameters.completionSplitting)
        if let rate = parameters.dmaRate {
            guard rate.bytesPerSecond > 0 && rate.bytesPerSecond.isFinite else {
                throw PacketModelError("\(name): the DMA rate must be positive")
            }
            state.dmaPsPerByte = 1e12 / rate.bytesPerSecond
        }
        if orderedTransmitters.contains(firstStage) {
            state.orderedTransmitter = true
            state.postedBacklog = isRead ? 0 : UInt64(parameters.postedBacklog)
        }
        state.requestHopStart = compile(
            request, source: requesterSource, creditClass: requestClass, terminal: Int32(memory),
            requester: Int32(index))
        noteFeeder(memory, request.last(where: { stages[$0].code == .link }) ?? firstStage)
        if isRead {
            guard parameters.outstandingReadTags > 0 else { throw PacketModelError("\(name) has no read tags") }
            guard parameters.maxPayloadSize.bytes >= parameters.readCompletionBoundary.bytes else {
                throw PacketModelError("\(name): MPS must not be below RCB")
            }
            var completion = try indices(transfer.completionRoute)
            if completion.first == memory { completion.removeFirst() }
            guard completion.contains(where: { stages[$0].code == .link }) else {
                throw PacketModelError("\(name): a read needs a completion route with a link direction")
            }
            guard !completion.contains(where: { stages[$0].code == .memory }) else {
                throw PacketModelError("\(name): the completion route must not contain a memory")
            }
            state.completionHopStart = compile(
                completion, source: memory, creditClass: 2, terminal: -2, requester: -1)
            // Unsupported Request: the first root complex on the request route that refuses
            // reads answers from its place on the completion route.
            if let refusing = request.first(where: { stages[$0].code == .rootComplex && !stages[$0].forwardsReads }) {
                let position = completion.firstIndex(of: refusing)
                let suffix = position.map { Array(completion[($0 + 1)...]) } ?? []
                let before = position.flatMap { p in completion[..<p].last(where: { stages[$0].code == .link }) }
                state.unsupportedHopStart = compile(
                    suffix, source: before ?? refusing, creditClass: 2, terminal: -2, requester: -1,
                    unsupportedSuffix: true)
                // The refusing root complex frees the request link's credits itself.
                for s in request where stages[s].code == .link { consumer[s] = Self.sharedFeeder }
            }
            state.tagBase = Int32(tagRemaining.count)
            state.freeTagCount = Int32(parameters.outstandingReadTags)
            for tag in 0..<parameters.outstandingReadTags {
                tagRemaining.append(0)
                tagFree.append(Int32(parameters.outstandingReadTags - 1 - tag))
            }
        }
        transfers.append(state)
    }

    /// The engine, with every link's input queues laid out contiguously.
    func engine() -> PacketEngine {
        var stages = self.stages
        var inputs: [InputQueue] = []
        var laneFree: [UInt64] = []
        var occupied: [UInt64] = []
        for s in stages.indices {
            stages[s].occupancyStart = Int32(occupied.count)
            occupied.append(contentsOf: repeatElement(0, count: (inputsPerLink[s].count + 63) / 64))
            if stages[s].laneCount > 1 {
                stages[s].laneStart = Int32(laneFree.count)
                laneFree.append(contentsOf: repeatElement(0, count: Int(stages[s].laneCount)))
            }
            stages[s].inputStart = Int32(inputs.count)
            stages[s].inputCount = Int32(inputsPerLink[s].count)
            inputs.append(contentsOf: inputsPerLink[s])
        }
        var hops = self.hops
        for h in hops.indices where hops[h].link >= 0 {
            hops[h].input += stages[Int(hops[h].link)].inputStart
        }
        // Commits ahead of arrival keep results identical only where nothing else can observe
        // their order (see `PacketEngine.canCommitAhead`).
        for s in stages.indices where stages[s].code == .link {
            let reverse = Int(stages[s].reverse)
            let reverseIdle = reverse < 0 || inputsPerLink[reverse].isEmpty
            stages[s].releasesAhead = reverseIdle && consumer[s] != Self.sharedFeeder
            stages[s].commitsAhead =
                inputsPerLink[s].count == 1 && reverseIdle && reached[s].allSatisfy { feeder[$0] == s }
        }
        return PacketEngine(
            stages: stages, inputs: inputs, hops: hops, crossingList: crossingList, transfers: transfers,
            tagRemaining: tagRemaining, tagFree: tagFree, laneFree: laneFree, occupied: occupied)
    }
}
