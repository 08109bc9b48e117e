import Engine
import Routing
import SimKernel
import Topology
import Units

/// What a timeline run produced: every record, each DMA's segments and chunks, pipelines,
/// where things ended up, and the invariants the run checked itself.
public struct TimelineRun: Sendable {
    /// The scenario's name.
    public var name: String
    /// Everything that happened, by start time (then in the order it happened).
    public var records: [TimelineRecord]
    /// Each DMA, in submission order.
    public var dmas: [DMAResult]
    /// Each pipeline in both modes.
    public var pipelines: [PipelineResult]
    /// Every pipeline stage of every chunk (for traces).
    public var stageRecords: [TimelineRecord]
    /// Each P2PDMA allocation's provider (a device id), or nil when it fell back to system memory.
    public var allocations: [String: String?]
    /// Each buffer's placement at the end.
    public var placements: [String: BufferPlacement]
    /// Invariant failures (bytes lost, duplicated or out of order; data moved during a move):
    /// a bug in the model, never the user's input.
    public var violations: [String]
    /// When the last thing ended.
    public var end: Picoseconds

    /// The DMA `id`.
    public func dma(_ id: String) -> DMAResult? { dmas.first { $0.id == id } }
    /// The records of `kind` (about `subject`, when given).
    public func records(_ kind: RecordKind, subject: String? = nil) -> [TimelineRecord] {
        records.filter { $0.kind == kind && (subject == nil || $0.subject == subject || $0.device == subject) }
    }
}

/// Runs a timeline: a time-ordered event loop over the scenario's timed events, the DMAs'
/// chunks, fences, moves and faults; data movement is executed by the engine (`DataMover`).
public struct BufferTimeline {
    private let scenario: TimelineScenario
    private let settings: TimelineSettings
    private let planner: TransferPlanner
    private let view: KernelView
    private var mover: DataMover
    private var random: SplitMix64

    private var buffers: [BufferState] = []
    private var attachments: [AttachmentState] = []
    private var pools: [ProviderPool] = []
    private var allocations: [String: Allocation] = [:]
    private var allocationOrder: [String] = []
    private var ranges: [RangeState] = []
    private var dmas: [DMAState] = []
    private var queue = EventQueue()
    private var records: [TimelineRecord] = []
    /// The DMA stretches and migration copies moving data now, sharing the machine.
    private var flows: [ActiveFlow] = []
    /// Whether a flow started or stopped during the current event (the others are re-run).
    private var flowsChanged = false

    /// Prepares a run of `scenario`.
    public init(_ scenario: TimelineScenario) {
        self.scenario = scenario
        settings = scenario.settings
        planner = TransferPlanner(machine: scenario.machine, parameters: scenario.parameters)
        view = planner.kernel
        mover = DataMover(planner: planner)
        random = SplitMix64(seed: scenario.settings.seed)
    }

    /// Runs the scenario.
    public static func run(_ scenario: TimelineScenario) -> TimelineRun {
        var timeline = BufferTimeline(scenario)
        return timeline.run()
    }

    private var topology: Topology { planner.machine.topology }
    private func name(_ node: Int) -> String { topology.nodes[node].id }

    // MARK: - The loop

    mutating func run() -> TimelineRun {
        setUp()
        for (index, event) in scenario.events.enumerated() { queue.push(event.time, .user(index)) }
        var now = Picoseconds.zero
        while let (time, event) = queue.pop() {
            now = time
            switch event {
            case .user(let index): perform(scenario.events[index].action, at: time)
            case .chunkDone(let dma, let generation):
                if dmas[dma].generation == generation { chunkDone(dma, at: time) }
            case .resume(let dma, let generation):
                if dmas[dma].generation == generation { issue(dma, at: time, continuation: true) }
            case .moveDone(let buffer, let generation):
                if buffers[buffer].generation == generation { moveDone(buffer, at: time) }
            case .granuleFaulted(let range, let generation):
                if ranges[range].generation == generation { startGranuleCopy(range, at: time) }
            case .granuleMoved(let range, let generation):
                if ranges[range].generation == generation { granuleMoved(range, at: time) }
            }
            if flowsChanged {
                flowsChanged = false
                reschedule(at: time)
            }
        }
        let pipelines = scenario.pipelines.map { PipelineRunner.run($0, settings: settings, mover: &mover) }
        var stageRecords: [TimelineRecord] = []
        for (spec, result) in zip(scenario.pipelines, pipelines) {
            stageRecords += result.records
            for mode in [result.result.peerToPeer, result.result.cpuInLoop] {
                record(
                    .stage, .zero, mode.duration, subject: spec.id, device: nil, bytes: spec.size,
                    "\(mode.mode): \(ByteCount(spec.size)) through \(result.result.stages.joined(separator: " -> ")) in \(mode.duration), \(mode.cpuSyncs) CPU synchronisations (\(mode.cpuTime) of CPU), \(ByteCount(mode.systemMemoryBytes)) through system memory"
                )
            }
        }
        let results = dmas.map {
            DMAResult(
                id: $0.id, buffer: $0.attachment.flatMap { attachments[$0].spec.buffer }, requested: $0.size,
                start: $0.start, end: $0.end, segments: $0.segments, chunks: $0.chunks)
        }
        let ordered = records.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }
            .map(\.element)
        let end = ([now] + records.map(\.end)).max() ?? now
        var placements: [String: BufferPlacement] = [:]
        for buffer in buffers { placements[buffer.spec.id] = buffer.placement }
        var providers: [String: String?] = [:]
        for (id, allocation) in allocations {
            providers.updateValue(allocation.pool.map { name(pools[$0].device) }, forKey: id)
        }
        return TimelineRun(
            name: scenario.name, records: ordered, dmas: results, pipelines: pipelines.map(\.result),
            stageRecords: stageRecords, allocations: providers, placements: placements,
            violations: TimelineInvariants.check(dmas: results, records: ordered, ranges: ranges), end: end)
    }

    private mutating func record(
        _ kind: RecordKind, _ start: Picoseconds, _ end: Picoseconds, subject: String, device: Int?, bytes: UInt64 = 0,
        _ message: String
    ) {
        records.append(
            TimelineRecord(
                start: start, end: end, kind: kind, subject: subject, device: device.map(name), bytes: bytes,
                message: message))
    }

    // MARK: - Set-up: buffers, attachments, regions, providers, ranges

    private mutating func setUp() {
        for spec in scenario.buffers { buffers.append(BufferState(spec: spec, placement: spec.placement)) }
        for spec in scenario.providers { pools.append(ProviderPool(device: spec.device, size: spec.size)) }
        for spec in scenario.ranges {
            let granules = Int((spec.size + settings.hmmGranule - 1) / settings.hmmGranule)
            ranges.append(
                RangeState(
                    spec: spec, granule: settings.hmmGranule, onDevice: [Bool](repeating: false, count: granules),
                    planned: [Bool](repeating: false, count: granules)))
        }
        for spec in scenario.buffers where spec.pinned {
            pin(index(ofBuffer: spec.id), by: "exporter", at: .zero, "the exporter pinned it at creation")
        }
        if settings.pinVRAMOnLargeBAR { applyPinningPolicy() }
        for spec in scenario.attachments { attach(spec) }
        for (index, pool) in pools.enumerated() {
            record(
                .poolAllocation, .zero, .zero, subject: name(pool.device), device: pool.device,
                bytes: pool.size,
                "pci_p2pdma_add_resource(): \(ByteCount(pool.size)) of BAR published as ZONE_DEVICE pages (pool \(index))"
            )
        }
    }

    private mutating func applyPinningPolicy() {
        for (index, buffer) in buffers.enumerated() where buffer.placement == .vram {
            guard let aperture = topology.memoryAperture(of: buffer.spec.exporter) else { continue }
            let window = max(aperture.bar.size, aperture.bar.resizableSizes.last ?? aperture.bar.size)
            guard window >= aperture.memory.capacity else { continue }
            pin(
                index, by: "pinning policy", at: .zero,
                "pin VRAM on GPUs with a large or resizable BAR: \(ByteCount(buffer.spec.size)) of \(name(buffer.spec.exporter))'s VRAM can no longer be evicted"
            )
        }
    }

    private mutating func pin(_ buffer: Int, by who: String, at time: Picoseconds, _ why: String) {
        buffers[buffer].pins.append(who)
        record(
            .pin, time, time, subject: buffers[buffer].spec.id, device: buffers[buffer].spec.exporter,
            bytes: buffers[buffer].spec.size, "dma_buf_pin() by \(who): \(why)")
    }

    private func index(ofBuffer id: String) -> Int { buffers.firstIndex { $0.spec.id == id } ?? 0 }

    private mutating func attach(_ spec: AttachmentSpec) {
        var state = AttachmentState(spec: spec)
        guard let bufferID = spec.buffer else {
            // A region over system memory: registration pins it, unless it uses ODP.
            let size = spec.size ?? 0
            let pages = (size + 4095) / 4096
            let cost = spec.onDemandPaging ? Picoseconds.zero : Picoseconds(pages * settings.pinCostPerPage.rawValue)
            state.readyAt = cost
            state.decision = AttachDecision(
                mode: spec.onDemandPaging ? .dynamic : .pinned, peer2peer: false, reason: "")
            record(
                .registration, .zero, cost, subject: spec.id, device: spec.importer, bytes: size,
                spec.onDemandPaging
                    ? "ibv_reg_mr(IB_ACCESS_ON_DEMAND): nothing pinned, pages fault in on first touch (ib_umem_odp_get())"
                    : "ibv_reg_mr(): ib_umem_get() pins \(pages) pages, \(settings.pinCostPerPage) each")
            attachments.append(state)
            return
        }
        let buffer = index(ofBuffer: bufferID)
        let decision = DmaBufRules.decide(spec, buffer: buffers[buffer].spec, planner: planner, view: view)
        state.decision = decision
        record(
            .attach, .zero, .zero, subject: spec.id, device: spec.importer,
            "\(name(spec.importer)) attaches to \(bufferID) (\(decision.mode.rawValue), peer2peer \(decision.peer2peer ? "on" : "off")): \(decision.reason)"
        )
        if !decision.peer2peer && buffers[buffer].placement == .vram {
            if buffers[buffer].pins.isEmpty {
                record(
                    .placement, .zero, .zero, subject: bufferID, device: buffers[buffer].spec.exporter,
                    bytes: buffers[buffer].spec.size,
                    "\(name(spec.importer)) cannot reach VRAM (peer2peer off): the exporter places \(bufferID) in system memory (amdgpu_dma_buf_map(): GTT domain)"
                )
                move(buffer, to: .system, at: .zero)
            } else {
                record(
                    .refused, .zero, .zero, subject: spec.id, device: spec.importer,
                    "\(bufferID) is pinned in VRAM and \(name(spec.importer)) cannot reach VRAM: the attachment cannot be mapped"
                )
                state.unusable = true
            }
        }
        if decision.mode == .pinned {
            pin(
                buffer, by: spec.id, at: .zero,
                "static attachment of \(name(spec.importer)): the buffer may not move while it is attached")
            if spec.isRegion {
                state.readyAt = settings.remapLatency
                record(
                    .registration, .zero, settings.remapLatency, subject: spec.id, device: spec.importer,
                    bytes: buffers[buffer].spec.size,
                    "ib_umem_dmabuf_get_pinned(): dma_buf_pin() and dma_buf_map_attachment() once; the NIC's mapping never changes"
                )
            }
        }
        state.mappedGeneration = buffers[buffer].generationOfPlacement
        attachments.append(state)
    }

    // MARK: - Timed events

    private mutating func perform(_ action: TimedAction, at time: Picoseconds) {
        switch action {
        case .dma(let id, let via, let client, let size, let access):
            startDMA(id: id, via: via, client: client, size: size, access: access, at: time)
        case .evict(let device, let size): evict(device: device, size: size, at: time)
        case .restore(let bufferID):
            let buffer = index(ofBuffer: bufferID)
            restore(buffer, at: time)
        case .touch(let range, let by, let offset, let size):
            touch(range: ranges.firstIndex { $0.spec.id == range } ?? 0, by: by, offset: offset, size: size, at: time)
        case .allocate(let id, let clients, let size): allocate(id: id, clients: clients, size: size, at: time)
        case .free(let id):
            if let allocation = allocations[id], let pool = allocation.pool, !allocation.freed {
                pools[pool].used -= allocation.size
                allocations[id]?.freed = true
                record(
                    .poolAllocation, time, time, subject: id, device: pools[pool].device, bytes: allocation.size,
                    "pci_free_p2pmem(): \(ByteCount(allocation.size)) back to \(name(pools[pool].device))'s pool")
            }
        case .invalidate(let regionID):
            guard let region = attachments.firstIndex(where: { $0.spec.id == regionID }) else { return }
            attachments[region].mappedFaultGroups.removeAll()
            attachments[region].mappedGeneration = nil
            record(
                .invalidate, time, time, subject: regionID, device: attachments[region].spec.importer,
                "the exporter invalidates the range (mmu_interval_notifier / move_notify): the NIC's mapping is dropped, the next access faults"
            )
        }
    }

    // MARK: - DMAs

    private mutating func startDMA(
        id: String, via: String, client: Int?, size: UInt64, access: DMAAccess, at time: Picoseconds
    ) {
        let attachment = attachments.firstIndex { $0.spec.id == via }
        let importer = client ?? attachment.map { attachments[$0].spec.importer } ?? 0
        var chunk = max(1, settings.chunk)
        if let attachment, attachments[attachment].spec.onDemandPaging {
            chunk = max(1, settings.odpPageSize * settings.odpPagesPerFault)
        }
        let state = DMAState(
            id: id, via: via, attachment: attachment, importer: importer, size: size, access: access, start: time,
            chunk: chunk)
        dmas.append(state)
        let dma = dmas.count - 1
        record(
            .dmaStart, time, time, subject: id, device: importer, bytes: size,
            "\(name(importer)) \(access == .read ? "reads" : "writes") \(ByteCount(size)) through \(via)")
        if let attachment, attachments[attachment].unusable {
            dmas[dma].failure = "\(via) cannot be mapped"
            record(.refused, time, time, subject: id, device: importer, "\(via) cannot be mapped: the DMA does not run")
            return
        }
        let ready = attachment.map { attachments[$0].readyAt } ?? .zero
        if ready > time {
            queue.push(ready, .resume(dma, dmas[dma].generation))
            return
        }
        issue(dma, at: time, continuation: false)
    }

    /// Issues DMA `dma`'s next chunks at `time`: waits for a move, re-maps, takes faults,
    /// then runs a segment of chunks on the current path.
    private mutating func issue(_ dma: Int, at time: Picoseconds, continuation: Bool) {
        let d = dmas[dma]
        guard d.nextChunk < d.chunkCount else { return }
        let attachment = d.attachment.map { attachments[$0] }
        let bufferIndex = attachment?.spec.buffer.map(index(ofBuffer:))
        if let bufferIndex, buffers[bufferIndex].moving {
            buffers[bufferIndex].waiters.append(dma)
            return
        }
        if let a = d.attachment, let attachment, let bufferIndex, !attachment.spec.onDemandPaging,
            attachment.mappedGeneration != buffers[bufferIndex].generationOfPlacement
        {
            attachments[a].mappedGeneration = buffers[bufferIndex].generationOfPlacement
            let end = time + settings.remapLatency
            record(
                .remap, time, end, subject: attachment.spec.id, device: attachment.spec.importer,
                "dma_buf_map_attachment() again after move_notify: \(buffers[bufferIndex].spec.id) is now in \(buffers[bufferIndex].placement.rawValue == "vram" ? "VRAM" : "system memory")"
            )
            dmas[dma].generation += 1
            queue.push(end, .resume(dma, dmas[dma].generation))
            return
        }
        if let a = d.attachment, let attachment, attachment.spec.onDemandPaging {
            let group = Int(d.offset(of: d.nextChunk) / max(1, settings.odpPageSize * settings.odpPagesPerFault))
            if !attachment.mappedFaultGroups.contains(group) {
                attachments[a].mappedFaultGroups.insert(group)
                let pages = min(
                    settings.odpPagesPerFault,
                    (d.length(of: d.nextChunk) + settings.odpPageSize - 1) / settings.odpPageSize)
                let end = time + settings.odpFaultLatency
                record(
                    .fault, time, end, subject: attachment.spec.id, device: attachment.spec.importer,
                    bytes: d.length(of: d.nextChunk),
                    "ODP page fault on \(pages) page(s) at offset \(d.offset(of: d.nextChunk)): the NIC stalls the request, the driver maps the pages (ib_umem_odp_map_dma_and_lock / ib_umem_dmabuf_map_pages) and the NIC retries"
                )
                dmas[dma].generation += 1
                queue.push(end, .resume(dma, dmas[dma].generation))
                return
            }
        }
        // The memory the chunk reaches now.
        let memory: MemoryEnd
        var lineRate = attachment?.spec.lineRate
        if let bufferIndex, let attachment {
            let buffer = buffers[bufferIndex]
            memory =
                buffer.placement == .vram && attachment.decision.peer2peer
                ? .device(buffer.spec.exporter) : .system(mover.socket(of: buffer.spec.exporter))
        } else if let attachment {
            memory = .system(mover.socket(of: attachment.spec.importer))
        } else if let allocation = allocations[d.via], allocation.freed {
            dmas[dma].failure = "\(d.via) was freed"
            record(
                .refused, time, time, subject: d.id, device: d.importer,
                "\(d.via) was freed (pci_free_p2pmem()): the DMA does not run")
            return
        } else if let allocation = allocations[d.via], let pool = allocation.pool,
            P2PMemOrchestrator.mapping(provider: pools[pool].device, client: d.importer, view: view).mapType
                != .notSupported
        {
            memory = .device(pools[pool].device)
            lineRate = nil
        } else {
            memory = .system(mover.socket(of: d.importer))
        }
        let path: String
        if case .device = memory { path = "p2p" } else { path = "system" }
        let plan: TransferPlan
        do {
            if case .device(let device) = memory, device == d.importer {
                plan = try planner.plan(from: .device(device), to: .device(device))
            } else {
                plan = try mover.plan(importer: d.importer, memory: memory, access: d.access, lineRate: lineRate)
            }
        } catch {
            dmas[dma].failure = error.description
            record(
                .refused, time, time, subject: d.id, device: d.importer,
                "the engine cannot plan the DMA: \(error.description)")
            return
        }
        if let last = d.segments.last, last.path != path {
            record(
                .pathChange, time, time, subject: d.id, device: d.importer,
                "\(d.id) goes \(last.path) -> \(path) (\(plan.mechanism.rawValue)) from offset \(d.offset(of: d.nextChunk))"
            )
        }
        // The chunks this stretch runs: to the end, or to the next unmapped ODP fault group.
        var last = d.chunkCount
        if let attachment, attachment.spec.onDemandPaging {
            let groupSize = max(1, settings.odpPageSize * settings.odpPagesPerFault)
            for k in (d.nextChunk + 1)..<max(d.nextChunk + 1, d.chunkCount)
            where !attachment.mappedFaultGroups.contains(Int(d.offset(of: k) / groupSize)) {
                last = k
                break
            }
        }
        let bytes = d.offset(of: last - 1) + d.length(of: last - 1) - d.offset(of: d.nextChunk)
        dmas[dma].segmentFirst = d.nextChunk
        dmas[dma].segmentLast = last
        dmas[dma].currentPath = path
        if d.segments.last?.path != path || d.segments.isEmpty || d.startNewSegment {
            dmas[dma].segments.append(
                PathSegment(path: path, mechanism: plan.mechanism.rawValue, bytes: 0, start: time, end: time))
            dmas[dma].startNewSegment = false
        }
        startFlow(.dma(dma), plan: plan, bytes: bytes, at: time, continuation: continuation)
    }

    /// Starts a flow of `bytes` on `plan`: its curve alone on the machine until `reschedule`
    /// runs it with the others at the end of the event, and its first event.
    private mutating func startFlow(
        _ owner: ActiveFlow.Owner, plan: TransferPlan, bytes: UInt64, at time: Picoseconds, continuation: Bool
    ) {
        let alone = mover.segment(plan: plan, bytes: bytes, start: time, continuation: continuation)
        flows.append(ActiveFlow(owner: owner, plan: plan, bytes: bytes, started: time, curve: alone))
        flowsChanged = true
        scheduleNext(flow: flows.count - 1)
    }

    /// Bytes of DMA `dma`'s current stretch up to the end of chunk `k`.
    private func stretchBytes(_ dma: Int, through k: Int) -> UInt64 {
        let d = dmas[dma]
        return d.offset(of: k) + d.length(of: k) - d.offset(of: d.segmentFirst)
    }

    /// Schedules the next event of flow `index` from its curve: its DMA's next chunk landing, or
    /// its migration's end.
    private mutating func scheduleNext(flow index: Int) {
        let flow = flows[index]
        switch flow.owner {
        case .dma(let dma):
            dmas[dma].generation += 1
            let time = flow.time(reaching: stretchBytes(dma, through: dmas[dma].nextChunk))
            queue.push(time, .chunkDone(dma, dmas[dma].generation))
        case .migration(let buffer):
            buffers[buffer].generation += 1
            queue.push(flow.time(reaching: flow.bytes), .moveDone(buffer, buffers[buffer].generation))
        case .granule(let range):
            ranges[range].generation += 1
            queue.push(flow.time(reaching: flow.bytes), .granuleMoved(range, ranges[range].generation))
        }
    }

    /// Runs every flow still moving data together from `time` (the engine shares the machine
    /// among them) and schedules their next events from the new curves.
    private mutating func reschedule(at time: Picoseconds) {
        let moving = flows.indices.filter { flows[$0].delivered(at: time) < flows[$0].bytes }
        guard moving.count > 1 || moving.contains(where: { flows[$0].started < time }) else { return }
        let runs = mover.jointSegments(
            moving.map { (flows[$0].plan, flows[$0].bytes - flows[$0].delivered(at: time), flows[$0].started < time) },
            start: time)
        for (index, run) in zip(moving, runs) {
            flows[index].base = flows[index].delivered(at: time)
            flows[index].curve = run
            scheduleNext(flow: index)
        }
    }

    private mutating func removeFlow(_ owner: ActiveFlow.Owner) {
        flows.removeAll { $0.owner == owner }
        flowsChanged = true
    }

    private mutating func chunkDone(_ dma: Int, at time: Picoseconds) {
        let k = dmas[dma].nextChunk
        let d = dmas[dma]
        dmas[dma].chunks.append(
            DeliveredChunk(offset: d.offset(of: k), length: d.length(of: k), time: time, path: d.currentPath))
        let segment = dmas[dma].segments.count - 1
        dmas[dma].segments[segment].bytes += d.length(of: k)
        dmas[dma].segments[segment].end = time
        dmas[dma].nextChunk += 1
        let bufferIndex = d.attachment.flatMap { attachments[$0].spec.buffer }.map(index(ofBuffer:))
        if let bufferIndex { buffers[bufferIndex].lastUse = time }
        if dmas[dma].nextChunk == d.chunkCount {
            removeFlow(.dma(dma))
            let end = time + mover.engine.completion
            dmas[dma].end = end
            record(
                .dmaEnd, d.start, end, subject: d.id, device: d.importer, bytes: d.size,
                "\(d.id): \(ByteCount(d.size)) in \(end - d.start) over \(dmas[dma].segments.map(\.path).joined(separator: " -> "))"
            )
            if let bufferIndex { fenceSignalled(dma, buffer: bufferIndex, at: time) }
            return
        }
        let next = dmas[dma].nextChunk
        // A move invalidates the mapping: the DMA stops after this chunk (an ODP region learns it
        // from its next fault instead of a re-map).
        let invalidated =
            bufferIndex.map { buffer in
                guard let a = d.attachment else { return false }
                return buffers[buffer].moving
                    || (!attachments[a].spec.onDemandPaging
                        && attachments[a].mappedGeneration != buffers[buffer].generationOfPlacement)
            } ?? false
        if next < d.segmentLast && !invalidated, let flow = flows.firstIndex(where: { $0.owner == .dma(dma) }) {
            scheduleNext(flow: flow)
        } else {
            removeFlow(.dma(dma))
            dmas[dma].startNewSegment = invalidated
            if let bufferIndex { fenceSignalled(dma, buffer: bufferIndex, at: time) }
            issue(dma, at: time, continuation: true)
        }
    }

    // MARK: - Moves, eviction, restore

    /// Moves buffer `buffer` to `placement`: `move_notify` to every dynamic importer at once,
    /// then the copy, fenced after the chunks in flight (each importer's DMA stops after the
    /// chunk it has submitted), on the exporter's engine alongside whatever else moves.
    private mutating func move(_ buffer: Int, to placement: BufferPlacement, at time: Picoseconds) {
        let spec = buffers[buffer].spec
        for (a, attachment) in attachments.enumerated()
        where attachment.spec.buffer == spec.id && attachment.decision.mode == .dynamic {
            if attachment.spec.onDemandPaging {
                attachments[a].mappedFaultGroups.removeAll()
                record(
                    .invalidate, time, time, subject: attachment.spec.id, device: attachment.spec.importer,
                    "move_notify -> mlx5_ib_dmabuf_invalidate_cb(): ib_umem_dmabuf_unmap_pages(), the NIC's next access faults"
                )
            }
            record(
                .moveNotify, time, time, subject: attachment.spec.id, device: attachment.spec.importer,
                "dma_buf_move_notify(\(spec.id)): \(name(attachment.spec.importer)) invalidates its mapping and maps again on next use"
            )
        }
        buffers[buffer].moving = true
        buffers[buffer].target = placement
        buffers[buffer].moveRequested = time
        buffers[buffer].generationOfPlacement += 1
        buffers[buffer].fence = Set(
            flows.compactMap { flow -> Int? in
                guard case .dma(let dma) = flow.owner, let a = dmas[dma].attachment,
                    attachments[a].spec.buffer == spec.id
                else { return nil }
                return dma
            })
        if buffers[buffer].fence.isEmpty { startMigration(buffer, at: time) }
    }

    /// DMA `dma` has no chunk in flight on `buffer` any more: the move waiting for it may start.
    private mutating func fenceSignalled(_ dma: Int, buffer: Int, at time: Picoseconds) {
        guard buffers[buffer].moving, buffers[buffer].fence.remove(dma) != nil, buffers[buffer].fence.isEmpty else {
            return
        }
        let requested = buffers[buffer].moveRequested
        record(
            .fenceWait, requested, time, subject: buffers[buffer].spec.id, device: buffers[buffer].spec.exporter,
            "the move waited for the DMA chunks in flight to land (dma_resv fences of the importers)")
        startMigration(buffer, at: time)
    }

    private mutating func startMigration(_ buffer: Int, at time: Picoseconds) {
        let spec = buffers[buffer].spec
        guard let plan = mover.migrationPlan(device: spec.exporter, toDevice: buffers[buffer].target == .vram) else {
            moveDone(buffer, at: time)
            return
        }
        buffers[buffer].migrationStart = time
        startFlow(.migration(buffer), plan: plan, bytes: spec.size, at: time, continuation: false)
    }

    private mutating func moveDone(_ buffer: Int, at time: Picoseconds) {
        let spec = buffers[buffer].spec
        let start = buffers[buffer].migrationStart
        let mechanism = flows.first { $0.owner == .migration(buffer) }?.plan.mechanism.rawValue ?? "none"
        removeFlow(.migration(buffer))
        record(
            .migration, start, time, subject: spec.id, device: spec.exporter, bytes: spec.size,
            "\(spec.id) \(buffers[buffer].target == .vram ? "system memory -> VRAM" : "VRAM -> system memory") (\(mechanism), \(ByteCount(spec.size)) in \(time - start))"
        )
        buffers[buffer].placement = buffers[buffer].target
        buffers[buffer].moving = false
        let waiting = buffers[buffer].waiters
        buffers[buffer].waiters = []
        for dma in waiting { issue(dma, at: time, continuation: true) }
    }

    private mutating func evict(device: Int, size: UInt64, at time: Picoseconds) {
        var freed: UInt64 = 0
        var skipped: [String] = []
        let candidates = buffers.indices.filter {
            buffers[$0].spec.exporter == device && buffers[$0].placement == .vram && !buffers[$0].moving
        }.sorted { (buffers[$0].lastUse, $0) < (buffers[$1].lastUse, $1) }
        for buffer in candidates where freed < size {
            if !buffers[buffer].pins.isEmpty {
                skipped.append("\(buffers[buffer].spec.id) (pinned by \(buffers[buffer].pins.joined(separator: ", ")))")
                continue
            }
            record(
                .eviction, time, time, subject: buffers[buffer].spec.id, device: device,
                bytes: buffers[buffer].spec.size,
                "TTM evicts \(buffers[buffer].spec.id) (least recently used movable buffer) to make room in \(name(device))'s VRAM"
            )
            freed += buffers[buffer].spec.size
            move(buffer, to: .system, at: time)
        }
        for range in ranges.indices where ranges[range].spec.device == device && freed < size {
            let moved = queueMigrations(
                range, toDevice: false, granules: Array(ranges[range].onDevice.indices), at: time, cause: "eviction")
            freed += moved
        }
        if freed < size {
            record(
                .evictionFailed, time, time, subject: name(device), device: device, bytes: size - min(size, freed),
                "cannot evict \(ByteCount(size)) from \(name(device)): only \(ByteCount(freed)) movable"
                    + (skipped.isEmpty ? "" : "; skipped \(skipped.joined(separator: ", "))")
                    + "; the allocation that needed the room fails (-ENOMEM)")
        }
    }

    private mutating func restore(_ buffer: Int, at time: Picoseconds) {
        let spec = buffers[buffer].spec
        if buffers[buffer].placement == .vram || buffers[buffer].moving {
            record(
                .refused, time, time, subject: spec.id, device: spec.exporter, "\(spec.id) is already in VRAM or moving"
            )
            return
        }
        if let blocker = attachments.first(where: { $0.spec.buffer == spec.id && !$0.decision.peer2peer }) {
            record(
                .refused, time, time, subject: spec.id, device: spec.exporter,
                "\(spec.id) stays in system memory: \(name(blocker.spec.importer)) cannot reach VRAM (peer2peer off)")
            return
        }
        if !buffers[buffer].pins.isEmpty {
            record(
                .refused, time, time, subject: spec.id, device: spec.exporter, "\(spec.id) is pinned in system memory")
            return
        }
        let free = vramFree(spec.exporter)
        if free < spec.size {
            record(
                .refused, time, time, subject: spec.id, device: spec.exporter, bytes: spec.size,
                "\(spec.id) does not fit \(name(spec.exporter))'s VRAM (\(ByteCount(free)) free): it stays in system memory"
            )
            return
        }
        record(
            .restore, time, time, subject: spec.id, device: spec.exporter, bytes: spec.size,
            "the exporter validates \(spec.id) back into VRAM (its preferred domain)")
        move(buffer, to: .vram, at: time)
    }

    // MARK: - P2PDMA

    private mutating func allocate(id: String, clients: [Int], size: UInt64, at time: Picoseconds) {
        let choice = P2PMemOrchestrator.findMany(pools: pools, clients: clients, view: view, random: &random)
        let listed = choice.distances.map { "\(name(pools[$0.pool].device)) \($0.distance)" }.joined(separator: ", ")
        allocationOrder.append(id)
        guard let pool = choice.pool else {
            allocations[id] = Allocation(pool: nil, size: size)
            record(
                .providerChoice, time, time, subject: id, device: nil,
                "pci_p2pmem_find_many(\(clients.map(name).joined(separator: ", "))): no provider serves every client (\(listed)); the client falls back to system memory"
            )
            return
        }
        let tie = choice.tied.count > 1 ? "; \(choice.tied.count) tied, picked at random (get_random_u32_below)" : ""
        record(
            .providerChoice, time, time, subject: id, device: pools[pool].device,
            "pci_p2pmem_find_many(\(clients.map(name).joined(separator: ", "))): distances \(listed); closest \(name(pools[pool].device))\(tie)"
        )
        guard pools[pool].free >= size else {
            allocations[id] = Allocation(pool: nil, size: size)
            record(
                .poolExhausted, time, time, subject: id, device: pools[pool].device, bytes: size,
                "pci_alloc_p2pmem(\(ByteCount(size))) returns NULL: \(ByteCount(pools[pool].free)) of \(ByteCount(pools[pool].size)) free in \(name(pools[pool].device))'s pool; the client uses system memory"
            )
            return
        }
        pools[pool].used += size
        allocations[id] = Allocation(pool: pool, size: size)
        record(
            .poolAllocation, time, time, subject: id, device: pools[pool].device, bytes: size,
            "pci_alloc_p2pmem(): \(ByteCount(size)) from \(name(pools[pool].device)) (\(ByteCount(pools[pool].free)) left)"
        )
        for client in clients {
            let mapping = P2PMemOrchestrator.mapping(provider: pools[pool].device, client: client, view: view)
            record(.clientMapping, time, time, subject: id, device: client, "\(name(client)): \(mapping.text)")
        }
    }

    // MARK: - HMM

    /// Bytes of `device`'s memory not held by buffers (in VRAM or moving there) or HMM pages
    /// (resident, or being copied there).
    private func vramFree(_ device: Int) -> UInt64 {
        let capacity = topology.nodes[device].endpoint?.memory?.capacity.bytes ?? 0
        let buffersHeld = buffers.filter {
            $0.spec.exporter == device && ($0.moving ? $0.target == .vram : $0.placement == .vram)
        }.reduce(UInt64(0)) { $0 + $1.spec.size }
        let pagesHeld = ranges.filter { $0.spec.device == device }.reduce(UInt64(0)) {
            $0 + $1.residentBytes + ($1.current.map { $0.toDevice ? $0.bytes : 0 } ?? 0)
        }
        return capacity - min(capacity, buffersHeld + pagesHeld)
    }

    /// Queues the granules a touch needs: the range services its faults and migrations one
    /// after another, in the order they were asked for.
    private mutating func touch(range: Int, by device: Int?, offset: UInt64, size: UInt64, at time: Picoseconds) {
        let granule = settings.hmmGranule
        let first = Int(offset / granule)
        let last = Int(min(ranges[range].spec.size, offset + max(size, 1) - 1) / granule)
        let granules = Array(first...min(last, ranges[range].onDevice.count - 1))
        if device != nil {
            let local = granules.filter { ranges[range].onDevice[$0] }.count
            if local > 0 {
                record(
                    .localAccess, time, time, subject: ranges[range].spec.id, device: ranges[range].spec.device,
                    bytes: UInt64(local) * granule,
                    "\(local) granule(s) already in device memory: local accesses, no fault")
            }
        }
        _ = queueMigrations(
            range, toDevice: device != nil, granules: granules, at: time,
            cause: device == nil ? "CPU access" : "device access")
    }

    /// Queues the migration of the listed granules of `range` that are not already where asked
    /// (a fault first, unless an eviction moves them) and returns their bytes.
    private mutating func queueMigrations(
        _ range: Int, toDevice: Bool, granules: [Int], at time: Picoseconds, cause: String
    ) -> UInt64 {
        var bytes: UInt64 = 0
        for g in granules where ranges[range].planned[g] != toDevice {
            ranges[range].planned[g] = toDevice
            ranges[range].queue.append(
                GranuleMove(granule: g, toDevice: toDevice, cause: cause, bytes: granuleBytes(range, g)))
            bytes += granuleBytes(range, g)
        }
        if ranges[range].current == nil { startNextGranule(range, at: time) }
        return bytes
    }

    private func granuleBytes(_ range: Int, _ g: Int) -> UInt64 {
        min(ranges[range].granule, ranges[range].spec.size - UInt64(g) * ranges[range].granule)
    }

    /// Takes the range's next queued granule: its fault (device or CPU), then its copy.
    private mutating func startNextGranule(_ range: Int, at time: Picoseconds) {
        let spec = ranges[range].spec
        var refused: [GranuleMove] = []
        defer {
            if let first = refused.first, let last = refused.last {
                record(
                    .refused, time, time, subject: spec.id, device: spec.device,
                    bytes: refused.reduce(0) { $0 + $1.bytes },
                    "no room in \(name(spec.device))'s memory for \(refused.count) granule(s) (\(first.granule) to \(last.granule)): they stay in system memory and the device maps them remotely"
                )
            }
        }
        while ranges[range].queueHead < ranges[range].queue.count {
            let move = ranges[range].queue[ranges[range].queueHead]
            ranges[range].queueHead += 1
            if ranges[range].queueHead == ranges[range].queue.count {
                ranges[range].queue.removeAll(keepingCapacity: true)
                ranges[range].queueHead = 0
            }
            if ranges[range].onDevice[move.granule] == move.toDevice { continue }
            if move.toDevice && vramFree(spec.device) < move.bytes {
                refused.append(move)
                if ranges[range].planned[move.granule] == move.toDevice {
                    ranges[range].planned[move.granule] = ranges[range].onDevice[move.granule]
                }
                continue
            }
            ranges[range].current = move
            ranges[range].generation += 1
            guard move.cause != "eviction" else {
                startGranuleCopy(range, at: time)
                return
            }
            let end = time + (move.toDevice ? settings.gpuFaultLatency : settings.cpuFaultLatency)
            record(
                .fault, time, end, subject: spec.id, device: move.toDevice ? spec.device : nil, bytes: move.bytes,
                move.toDevice
                    ? "\(name(spec.device)) faults on granule \(move.granule) in system memory (recoverable fault; hmm_range_fault())"
                    : "the CPU faults on granule \(move.granule), a DEVICE_PRIVATE page (do_swap_page() -> migrate_to_ram())"
            )
            queue.push(end, .granuleFaulted(range, ranges[range].generation))
            return
        }
    }

    /// The migration copy of the range's current granule, on the device's engine alongside
    /// whatever else moves.
    private mutating func startGranuleCopy(_ range: Int, at time: Picoseconds) {
        guard let move = ranges[range].current,
            let plan = mover.migrationPlan(device: ranges[range].spec.device, toDevice: move.toDevice)
        else {
            ranges[range].current = nil
            return
        }
        ranges[range].copyStart = time
        startFlow(.granule(range), plan: plan, bytes: move.bytes, at: time, continuation: false)
    }

    private mutating func granuleMoved(_ range: Int, at time: Picoseconds) {
        guard let move = ranges[range].current else { return }
        let spec = ranges[range].spec
        let mechanism = flows.first { $0.owner == .granule(range) }?.plan.mechanism.rawValue ?? "none"
        removeFlow(.granule(range))
        record(
            .migration, ranges[range].copyStart, time, subject: spec.id, device: spec.device, bytes: move.bytes,
            "granule \(move.granule) \(move.toDevice ? "system memory -> DEVICE_PRIVATE" : "DEVICE_PRIVATE -> system memory") (\(move.cause); migrate_vma_setup/pages/finalize, \(mechanism))"
        )
        ranges[range].onDevice[move.granule] = move.toDevice
        if move.toDevice {
            ranges[range].residentBytes += move.bytes
            ranges[range].migratedToDevice += move.bytes
        } else {
            ranges[range].residentBytes -= move.bytes
            ranges[range].migratedToSystem += move.bytes
        }
        ranges[range].current = nil
        startNextGranule(range, at: time)
    }
}

// MARK: - State

struct BufferState {
    var spec: BufferSpec
    var placement: BufferPlacement
    var pins: [String] = []
    var moving = false
    var target: BufferPlacement = .vram
    /// Counts moves: an importer's mapping is valid for the placement it mapped.
    var generationOfPlacement = 0
    /// Invalidates stale move-completion events.
    var generation = 0
    var moveRequested = Picoseconds.zero
    var migrationStart = Picoseconds.zero
    /// DMAs whose chunk in flight the move waits for.
    var fence: Set<Int> = []
    var lastUse = Picoseconds.zero
    var waiters: [Int] = []
}

struct AttachmentState {
    var spec: AttachmentSpec
    var decision = AttachDecision(mode: .dynamic, peer2peer: false, reason: "")
    var mappedGeneration: Int?
    var mappedFaultGroups: Set<Int> = []
    var readyAt = Picoseconds.zero
    var unusable = false
}

/// A DMA stretch or a migration copy moving data: the bytes it moves and when they land.
struct ActiveFlow {
    enum Owner: Equatable {
        case dma(Int)
        case migration(Int)
        case granule(Int)
    }

    var owner: Owner
    var plan: TransferPlan
    /// Bytes of the whole stretch.
    var bytes: UInt64
    /// When it was issued.
    var started: Picoseconds
    /// Bytes it had delivered when `curve` was computed.
    var base: UInt64 = 0
    /// How the rest lands.
    var curve: SegmentRun

    init(owner: Owner, plan: TransferPlan, bytes: UInt64, started: Picoseconds, curve: SegmentRun) {
        self.owner = owner
        self.plan = plan
        self.bytes = bytes
        self.started = started
        self.curve = curve
    }

    /// Bytes of the stretch landed by `time`.
    func delivered(at time: Picoseconds) -> UInt64 { min(bytes, base + curve.delivered(at: time)) }

    /// When `target` bytes of the stretch have landed.
    func time(reaching target: UInt64) -> Picoseconds {
        curve.time(delivered: target - min(target, base))
    }
}

struct Allocation {
    var pool: Int?
    var size: UInt64
    var freed = false
}

struct RangeState: Sendable {
    var spec: HMMRangeSpec
    var granule: UInt64
    var onDevice: [Bool]
    var migratedToDevice: UInt64 = 0
    var migratedToSystem: UInt64 = 0
    /// Bytes in device memory now.
    var residentBytes: UInt64 = 0
    /// Granules waiting for their fault and migration, in order, from `queueHead` on.
    var queue: [GranuleMove] = []
    var queueHead = 0
    /// Where each granule will be once the moves queued or under way are done.
    var planned: [Bool]
    /// The granule being faulted or copied.
    var current: GranuleMove?
    /// When the current granule's copy started.
    var copyStart = Picoseconds.zero
    /// Invalidates stale fault and copy events.
    var generation = 0
}

/// A granule of an HMM range to migrate.
struct GranuleMove: Sendable {
    var granule: Int
    var toDevice: Bool
    var cause: String
    var bytes: UInt64
}

struct DMAState {
    var id: String
    var via: String
    var attachment: Int?
    var importer: Int
    var size: UInt64
    var access: DMAAccess
    var start: Picoseconds
    var chunk: UInt64
    var nextChunk = 0
    var generation = 0
    var segmentFirst = 0
    var segmentLast = 0
    var currentPath = ""
    var startNewSegment = false
    var segments: [PathSegment] = []
    var chunks: [DeliveredChunk] = []
    var end: Picoseconds?
    var failure: String?

    init(
        id: String, via: String, attachment: Int?, importer: Int, size: UInt64, access: DMAAccess, start: Picoseconds,
        chunk: UInt64
    ) {
        self.id = id
        self.via = via
        self.attachment = attachment
        self.importer = importer
        self.size = size
        self.access = access
        self.start = start
        self.chunk = chunk
    }

    var chunkCount: Int { Int((size + chunk - 1) / chunk) }
    func offset(of k: Int) -> UInt64 { UInt64(k) * chunk }
    func length(of k: Int) -> UInt64 { min(chunk, size - offset(of: k)) }
}

/// The run's future events, on the kernel's future-event set: equal times run in the order
/// they were scheduled.
///
/// - Complexity: O(log n) per push and pop.
struct EventQueue {
    enum Event {
        case user(Int)
        case chunkDone(Int, Int)
        case resume(Int, Int)
        case moveDone(Int, Int)
        case granuleFaulted(Int, Int)
        case granuleMoved(Int, Int)
    }

    private var events = FutureEventSet<Event>()

    mutating func push(_ time: Picoseconds, _ event: Event) {
        events.push(at: time, to: ComponentID(0), port: PortID(0), event)
    }

    mutating func pop() -> (Picoseconds, Event)? {
        events.popEarliest().map { ($0.time, $0.message) }
    }
}
