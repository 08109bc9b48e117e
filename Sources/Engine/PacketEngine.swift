import Fabric
import PCIeProtocol
import PacketModel
import SimKernel
import Topology
import Units

/// Runs transfers in the packet model: every TLP crosses every PCIe link direction, switch,
/// root complex and memory of its path, with credit flow control and read tags.
///
/// It covers PCIe paths (peer-to-peer, bounces, host copies); NVLink, XGMI and local copies have
/// no packet model, and a transfer that takes one is refused with a message naming the flow
/// fidelity. The fabric is built from the same plans as the flow engine's, so the two fidelities
/// differ only in how they compute, which is what cross-validation compares.
public struct PacketEngine: Sendable {
    /// The planner whose machine and plans are simulated.
    public let planner: TransferPlanner
    /// Software cost per copy.
    public let launch: Picoseconds, completion: Picoseconds

    /// Where every simulated buffer starts: 1 TiB, a 4 KiB-aligned address, so that a transfer's
    /// TLPs split at the max payload size from its first byte (an unaligned start is a test of
    /// the splitting rules, not of a transfer's timing).
    static let bufferAddress: UInt64 = 1 << 40

    /// Creates an engine for a planner's machine.
    public init(planner: TransferPlanner) {
        self.planner = planner
        let software = planner.machine.topology.software
        launch = software?.launch ?? planner.parameters.defaultLaunchOverhead
        completion = software?.completion ?? planner.parameters.defaultCompletionOverhead
        smallestWritePayload = planner.machine.topology.nodes.compactMap { $0.endpoint?.dma?.writePayload }.min()
    }

    /// The smallest `<dma writePayload>` of the machine's devices, when any sets one.
    private let smallestWritePayload: ByteCount?

    private var topology: Topology { planner.machine.topology }

    /// The stage id of an element, crossed in its own direction (or flipped).
    private func stageID(_ element: PathElement, p2pForwarding: Bool, flipped: Bool = false) -> StageID {
        switch element {
        case .link(let node, let upward):
            return StageID("\(topology.nodes[node].id).link.\(upward != flipped ? "up" : "down")")
        case .switchCrossing(let sw): return StageID("\(topology.switches[sw].id).fabric")
        case .rootComplex(let complex):
            return StageID("\(topology.rootComplexes[complex].id)\(p2pForwarding ? ".p2p" : ".memory-path")")
        case .socketLink(let from, let to):
            let (a, b) = flipped ? (to, from) : (from, to)
            return StageID(
                "\(topology.sockets[a].id)->\(topology.sockets[b].id).socket-link\(p2pForwarding ? ".p2p" : "")")
        case .hostMemory(let socket): return StageID("\(topology.sockets[socket].id).memory")
        case .deviceMemory(let node): return StageID("\(topology.nodes[node].id).memory")
        }
    }

    /// Adds the stages of `element` to `fabric` once.
    private func addStage(
        _ element: PathElement, p2pForwarding: Bool, to fabric: inout PacketFabric, added: inout Set<StageID>
    ) {
        let id = stageID(element, p2pForwarding: p2pForwarding)
        guard !added.contains(id) else { return }
        switch element {
        case .link(let node, _):
            let up = StageID("\(topology.nodes[node].id).link.up")
            let down = StageID("\(topology.nodes[node].id).link.down")
            guard !added.contains(up) else { return }
            let configuration =
                planner.resources.linkConfiguration[node] ?? PCIeLinkConfiguration(generation: .gen3, width: .x16)
            let credits = receiverCredits(configuration)
            var endpointCredits = credits
            endpointCredits.completionHeader = nil
            endpointCredits.completionData = nil
            fabric.addLink(
                downstream: down, upstream: up, configuration: configuration,
                latency: planner.parameters.pcieLinkLatency,
                downstreamCredits: topology.nodes[node].kind == .endpoint ? endpointCredits : credits,
                upstreamCredits: credits)
            added.insert(up)
            added.insert(down)
            return
        case .switchCrossing(let sw):
            let spec = topology.switches[sw]
            fabric.add(PacketStage(id: id, kind: .switchCrossing(latency: spec.latency, bandwidth: spec.bandwidth)))
        case .rootComplex(let complex):
            let spec = topology.rootComplexes[complex]
            // A translating IOMMU: its walkers bound the stream (page size x concurrent walks per
            // walk latency), and a TLP waits for a walk once per page on average.
            var translation: (bandwidth: DataRate, latency: Picoseconds)?
            if let charge = planner.translationCharge(complex: complex) {
                let share = min(1, 256 / Double(charge.page.bytes))
                translation = (
                    DataRate(bytesPerSecond: 1 / charge.weight * Double(planner.parameters.iommuConcurrentWalks)),
                    Picoseconds(saturatingSeconds: charge.walk.seconds * share)
                )
            }
            if p2pForwarding {
                var bandwidth = spec.p2pBandwidth
                if let translation, translation.bandwidth.bytesPerSecond < bandwidth?.bytesPerSecond ?? .infinity {
                    bandwidth = translation.bandwidth
                }
                fabric.add(
                    PacketStage(
                        id: id,
                        kind: .rootComplexForwarding(
                            latency: (spec.p2pLatency ?? planner.parameters.rootComplexLatency)
                                + (translation?.latency ?? .zero),
                            bandwidth: bandwidth,
                            forwardsReads: spec.p2p == .readwrite)))
            } else {
                let latency =
                    spec.memoryLatency.map { $0 + planner.parameters.rootComplexLatency }
                    ?? planner.parameters.rootComplexLatency
                fabric.add(
                    PacketStage(
                        id: id,
                        kind: .switchCrossing(
                            latency: latency + (translation?.latency ?? .zero), bandwidth: translation?.bandwidth)))
            }
        case .socketLink(let from, let to):
            // UPI and Infinity Fabric at flit level for memory traffic; peer forwarding with its
            // own limit stays a crossing (below).
            if !p2pForwarding, addVendorSocketLink(from: from, to: to, fabric: &fabric, added: &added) { return }
            // Both directions at once: a read crosses the link one way and its completions the other.
            let link = topology.socketLinks.first { ($0.a == from && $0.b == to) || ($0.a == to && $0.b == from) }
            var bandwidth = link.map { DataRate(bytesPerSecond: Double($0.links) * $0.bandwidthPerLink.bytesPerSecond) }
            if p2pForwarding, let forwarding = link?.p2pBandwidth,
                forwarding.bytesPerSecond < bandwidth?.bytesPerSecond ?? .infinity
            {
                bandwidth = forwarding
            }
            for direction in [id, stageID(element, p2pForwarding: p2pForwarding, flipped: true)]
            where !added.contains(direction) {
                fabric.add(
                    PacketStage(
                        id: direction, kind: .switchCrossing(latency: link?.latency ?? .zero, bandwidth: bandwidth)))
                added.insert(direction)
            }
            return
        case .hostMemory(let socket):
            let memory = topology.sockets[socket].memory
            fabric.add(
                PacketStage(id: id, kind: .memory(latency: memory?.latency ?? .zero, bandwidth: memory?.bandwidth)))
        case .deviceMemory(let node):
            let memory = topology.nodes[node].endpoint?.memory
            fabric.add(
                PacketStage(id: id, kind: .memory(latency: memory?.latency ?? .zero, bandwidth: memory?.bandwidth)))
        }
        added.insert(id)
    }

    /// Credits of a receiver sized to hold `receiverBufferCoverage` of a stream at the link's
    /// rate, never below the P-Tile defaults (`FlowControlCredits.standard`).
    ///
    /// A data credit is 16 bytes and a header credit one TLP (PCIe Base Specification 2.6.1).
    /// Header credits cover the stream in the smallest TLPs the machine sends in bulk: the link's
    /// max payload size, or smaller where a root complex cuts the peer traffic it forwards
    /// (`p2pMaxPayload`) or where a device writes below its MPS (`<dma writePayload>`), since
    /// the links they cross carry that traffic at their full rate too.
    func receiverCredits(_ configuration: PCIeLinkConfiguration) -> FlowControlCredits {
        let bytes = configuration.tlpBytesPerSecond * planner.parameters.receiverBufferCoverage.seconds
        let dataCredits = Int((bytes / 16).rounded(.up))
        var bulkPayload = Double(configuration.maxPayloadSize.rawValue)
        if let split = topology.rootComplexes.compactMap(\.p2pMaxPayload).min() {
            bulkPayload = min(bulkPayload, Double(split.bytes))
        }
        if let written = smallestWritePayload { bulkPayload = min(bulkPayload, Double(written.bytes)) }
        let headerCredits = Int((bytes / bulkPayload).rounded(.up))
        let standard = FlowControlCredits.standard
        return FlowControlCredits(
            postedHeader: max(standard.postedHeader ?? 0, headerCredits),
            postedData: max(standard.postedData ?? 0, dataCredits),
            nonPostedHeader: max(standard.nonPostedHeader ?? 0, headerCredits),
            nonPostedData: max(standard.nonPostedData ?? 0, headerCredits),
            completionHeader: max(standard.completionHeader ?? 0, headerCredits),
            completionData: max(standard.completionData ?? 0, dataCredits))
    }

    /// The requester parameters of a device.
    private func requester(_ node: Int?, rateCap: Double?) -> RequesterParameters {
        let details = node.flatMap { topology.nodes[$0].endpoint }
        var dmaRate = rateCap
        if let dma = details?.dma {
            let engines = Double(dma.engines) * dma.rate.bytesPerSecond
            dmaRate = min(dmaRate ?? engines, engines)
        }
        // A network adapter reads what it sends, and writes what it receives, at its port's rate.
        if let line = details?.lineRate?.bytesPerSecond { dmaRate = min(dmaRate ?? line, line) }
        return RequesterParameters(
            maxPayloadSize: TransactionSizeLimit(
                rawValue: Int(details?.maxPayload.bytes ?? EndpointDefaults.maxPayload.bytes)) ?? .bytes256,
            maxReadRequestSize: TransactionSizeLimit(
                rawValue: Int(details?.maxReadRequest.bytes ?? EndpointDefaults.maxReadRequest.bytes)) ?? .bytes512,
            outstandingReadTags: details?.tags ?? EndpointDefaults.tags,
            readCompletionBoundary: ReadCompletionBoundary(
                rawValue: Int(details?.readCompletionBoundary.bytes ?? EndpointDefaults.readCompletionBoundary.bytes))
                ?? .bytes64,
            dmaRate: dmaRate.map { DataRate(bytesPerSecond: $0) },
            // The posted writes a device's engine keeps waiting at its transmitter: the flow
            // model's `postedWriteQueue`, so that both fidelities queue its requests the same.
            postedBacklog: Int(planner.parameters.postedWriteQueue.bytes))
    }

    /// What a requester's rate cap is: its port when a network adapter's line rate sets it, else
    /// its DMA engines.
    private func rateCapName(_ node: Int?) -> String {
        guard let node, let details = topology.nodes[node].endpoint, let line = details.lineRate else {
            return "DMA engine"
        }
        let engines = details.dma.map { Double($0.engines) * $0.rate.bytesPerSecond } ?? .infinity
        return line.bytesPerSecond <= engines ? "\(topology.nodes[node].id) port (line rate)" : "DMA engine"
    }

    /// The device at the requesting end of a leg.
    private func requesterNode(_ leg: TransferLeg) -> Int? {
        let links = leg.elements.compactMap { element -> Int? in
            if case .link(let node, _) = element, topology.nodes[node].kind == .endpoint { return node }
            return nil
        }
        return leg.isRead ? links.last : links.first
    }

    /// What a packet run produced.
    public struct Run: Sendable {
        /// Each transfer's outcome, in order.
        public var outcomes: [TransferOutcome]
        /// The packet model's full result: TLP counts, per-stage statistics.
        public var result: PacketResult
        /// TLP counts per transfer (summed over its legs).
        public var tlps: [TLPCounts]
        /// Transfers that ended with an Unsupported Request, by index, with a message.
        public var unsupported: [Int: String]
        /// The copy operations executed (a bounce's chunks on both legs), with `transfer`
        /// indices into the run's transfers.
        public var operations: [CopyOperation] = []
        /// When each operation was issued, started moving data and finished.
        public var timings: [CopyOperationTiming] = []
    }

    /// Runs `transfers` concurrently in the packet model.
    ///
    /// - Throws: `TransferPlanningError` for a transfer over a vendor link or a local copy.
    public func run(_ transfers: [ScheduledTransfer]) throws(TransferPlanningError) -> Run {
        var fabric = PacketFabric()
        var added = Set<StageID>()
        var packetTransfers: [PacketTransfer] = []
        var owners: [Int] = []
        // The device whose requests each packet transfer issues (for naming a rate it caps).
        var requesters: [Int?] = []
        // A transfer of no bytes sends no TLP: it completes after its path latency, as in the
        // flow model.
        var emptyFinishes = [Picoseconds](repeating: .zero, count: transfers.count)
        var moving: [ScheduledTransfer] = []
        var movingIndex: [Int] = []
        for (index, transfer) in transfers.enumerated() {
            let p2p = transfer.plan.mechanism == .pcieP2PHostBridge || transfer.plan.mechanism == .pcieP2PBusAddress
            let vendor = [.nvlink, .nvswitch, .xgmi].contains(transfer.plan.mechanism)
            for leg in transfer.plan.legs {
                guard !leg.elements.isEmpty || vendor else {
                    throw TransferPlanningError(
                        description:
                            "\(transfer.label) goes by \(transfer.plan.mechanism.rawValue), which the packet model does not cover (it models PCIe): use --fidelity flow"
                    )
                }
                for element in leg.elements { addStage(element, p2pForwarding: p2p, to: &fabric, added: &added) }
            }
            if transfer.bytes == 0 {
                var finish = transfer.start + launch
                for leg in transfer.plan.legs { finish = finish + leg.latency }
                emptyFinishes[index] = finish
            } else {
                moving.append(transfer)
                movingIndex.append(index)
            }
        }
        // The same operations, waits, staging thread and copy engines as the flow engine.
        let schedule = OperationSchedule(
            transfers: moving, topology: topology, parameters: planner.parameters, launch: launch)
        for operation in schedule.operations {
            let transfer = moving[operation.transfer]
            let leg = transfer.plan.legs[operation.leg]
            let p2p = transfer.plan.mechanism == .pcieP2PHostBridge || transfer.plan.mechanism == .pcieP2PBusAddress
            let tag = "\(transfer.label)#\(movingIndex[operation.transfer]).\(operation.leg).\(operation.chunk)"
            // The requester's own limits only (tags, MPS, MRRS, its DMA engines): never a rate
            // the flow model computed.
            var parameters = requester(leg.initiator ?? requesterNode(leg), rateCap: nil)
            if let split = leg.maxPayload, let limit = TransactionSizeLimit(rawValue: Int(split)),
                limit.rawValue < parameters.maxPayloadSize.rawValue
            {
                parameters.maxPayloadSize = limit
            }
            if let reads = leg.outstandingReads {
                parameters.outstandingReadTags = max(
                    1, min(parameters.outstandingReadTags, Int(reads.bytes) / parameters.maxReadRequestSize.rawValue))
            }
            // Chunks and DMAs follow each other in the buffer.
            let stride =
                transfer.plan.mechanism == .bounce
                ? planner.parameters.bounceChunkSize.bytes : (transfer.dmaSize ?? transfer.bytes)
            let address = Self.bufferAddress + UInt64(operation.chunk) * stride
            if leg.elements.isEmpty {
                // NVLink, NVSwitch, XGMI: flit-level links (PacketVendorLinks).
                guard
                    var packet = vendorLinkTransfer(
                        transfer, start: operation.earliestStart, tag: tag, fabric: &fabric, added: &added)
                else {
                    throw TransferPlanningError(
                        description:
                            "\(transfer.label): the packet model has no stages for its \(transfer.plan.mechanism.rawValue) path"
                    )
                }
                packet.bytes = operation.bytes
                // The initiator's DMA engines bound it here as on PCIe.
                packet.requester.dmaRate = requester(leg.initiator, rateCap: nil).dmaRate
                packetTransfers.append(packet)
            } else if leg.isRead, let memory = leg.elements.first {
                let path = Array(leg.elements.dropFirst())
                packetTransfers.append(
                    PacketTransfer(
                        kind: .read, bytes: operation.bytes, startAddress: address,
                        start: operation.earliestStart, requester: parameters,
                        requestRoute: path.reversed().map { stageID($0, p2pForwarding: p2p, flipped: true) }
                            + [stageID(memory, p2pForwarding: p2p)],
                        completionRoute: path.map { stageID($0, p2pForwarding: p2p) }, tag: tag))
            } else {
                packetTransfers.append(
                    PacketTransfer(
                        kind: .write, bytes: operation.bytes, startAddress: address,
                        start: operation.earliestStart, requester: parameters,
                        requestRoute: leg.elements.map { stageID($0, p2pForwarding: p2p) }, tag: tag))
            }
            owners.append(movingIndex[operation.transfer])
            requesters.append(leg.initiator ?? requesterNode(leg))
        }
        let control = IssueControl(
            jobs: schedule.jobs, poolCapacities: schedule.poolCapacities, serverCount: schedule.serverCount)
        // Refuse upfront a run that would pass the event limit: at least one event per TLP per
        // stage crossed, with TLPs of at most 4096 B (the largest Max_Payload_Size).
        let estimated = packetTransfers.reduce(0.0) { total, transfer in
            total + Double(transfer.bytes) / 4096 * Double(transfer.requestRoute.count + transfer.completionRoute.count)
        }
        if estimated > Double(EventLimit.current) {
            throw TransferPlanningError(
                description:
                    "the packet model would handle at least \(formatDecimal(estimated, maxFractionDigits: 0)) events, beyond the limit of \(EventLimit.current) (raise it with --max-events N or the environment variable \(EventLimit.variable)=N, or use --fidelity flow or a smaller size)"
            )
        }
        let result: PacketResult
        do {
            result = try PacketRunCache.shared.run(fabric: fabric, transfers: packetTransfers, issueControl: control)
        } catch {
            throw TransferPlanningError(description: "packet model: \(error.message)")
        }
        var finishes = emptyFinishes
        var tlps = [TLPCounts](repeating: TLPCounts(), count: transfers.count)
        var bottlenecks = [String](repeating: "none", count: transfers.count)
        var reasons = [String](repeating: "", count: transfers.count)
        var longest = [Picoseconds](repeating: .zero, count: transfers.count)
        var unsupported: [Int: String] = [:]
        for (index, (legResult, owner)) in zip(result.transfers, owners).enumerated() {
            finishes[owner] = max(finishes[owner], legResult.finish)
            tlps[owner].memoryWrites += legResult.tlps.memoryWrites
            tlps[owner].memoryReads += legResult.tlps.memoryReads
            tlps[owner].completionsWithData += legResult.tlps.completionsWithData
            tlps[owner].completionsWithoutData += legResult.tlps.completionsWithoutData
            tlps[owner].acks += legResult.tlps.acks
            tlps[owner].updateFCs += legResult.tlps.updateFCs
            if legResult.duration >= longest[owner] {
                longest[owner] = legResult.duration
                switch legResult.bottleneck.cause {
                case .stage(let stage): bottlenecks[owner] = stage.name
                case .tags: bottlenecks[owner] = "read tags"
                case .dmaEngine: bottlenecks[owner] = rateCapName(requesters[index])
                }
                reasons[owner] = legResult.bottleneck.reason
            }
            if legResult.status == .unsupportedRequest {
                unsupported[owner] =
                    "\(legResult.tag): Unsupported Request (\(legResult.unsupportedRequests) completions with all-ones data)"
            }
        }
        let outcomes = transfers.enumerated().map { index, transfer in
            let finish = finishes[index] + completion
            let duration = finish - transfer.start
            return TransferOutcome(
                transfer: transfer, duration: duration, finish: finish,
                bandwidth: duration.seconds > 0 ? Double(transfer.bytes) / duration.seconds : 0,
                bottleneck: bottlenecks[index], bottleneckReason: reasons[index])
        }
        var operations: [CopyOperation] = []
        var timings: [CopyOperationTiming] = []
        for (index, operation) in schedule.operations.enumerated() {
            var global = operation
            global.transfer = movingIndex[operation.transfer]
            global.waits = operation.waits
            operations.append(global)
            let packet = result.transfers[index]
            timings.append(
                CopyOperationTiming(issue: packet.start, dataStart: packet.start, finish: packet.finish))
        }
        return Run(
            outcomes: outcomes, result: result, tlps: tlps, unsupported: unsupported, operations: operations,
            timings: timings)
    }
}
