import Fabric
import PCIeProtocol
import Policy
import Routing
import Topology
import Units

/// Why a transfer cannot be planned.
public struct TransferPlanningError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var description: String

    /// Creates the error.
    public init(description: String) { self.description = description }
}

/// Plans transfers on a machine: picks the path (vendor link, NVSwitch, PCIe P2P as Linux
/// decides, bounce) and turns it into flows over the machine's resources.
public struct TransferPlanner: Sendable {
    /// The machine.
    public let machine: EnumeratedMachine
    /// Its resources.
    public let resources: MachineResources
    /// The kernel's view, for P2P decisions.
    public let kernel: KernelView
    /// The calibration.
    public let parameters: ModelParameters

    /// Creates a planner.
    public init(machine: EnumeratedMachine, parameters: ModelParameters = ModelParameters()) {
        self.machine = machine
        self.parameters = parameters
        self.resources = MachineResources(machine: machine, parameters: parameters)
        self.kernel = KernelView(machine: machine)
    }

    private var topology: Topology { machine.topology }

    /// An end of a transfer: a device, or a socket's system memory.
    public enum End: Sendable, Hashable {
        /// A PCI device (node index).
        case device(Int)
        /// System memory of a socket.
        case host(Int)
    }

    /// Resolves a user's id: a device id, or a socket id (`cpu0`) for its memory.
    public func end(named id: String) throws(TransferPlanningError) -> End {
        if let node = topology.nodeIndex(of: id), topology.nodes[node].kind == .endpoint { return .device(node) }
        if let socket = topology.sockets.firstIndex(where: { $0.id == id }) { return .host(socket) }
        let known = (topology.endpointIndices.map { topology.nodes[$0].id } + topology.sockets.map(\.id))
        throw TransferPlanningError(
            description: "no device or socket '\(id)' in '\(topology.name)' (known: \(known.joined(separator: ", ")))")
    }

    private func socket(of node: Int) -> Int { topology.rootComplexes[topology.nodes[node].rootComplex].socket }

    // MARK: PCIe pieces

    /// Resources, latency and hops from `node` up to its root complex (excluded).
    private func up(_ node: Int, stopBefore stop: Int? = nil) -> (
        route: [Int], latency: Picoseconds, hops: [String], parts: [HopLatency], elements: [PathElement]
    ) {
        var route: [Int] = []
        var latency = Picoseconds.zero
        var hops: [String] = []
        var parts: [HopLatency] = []
        var elements: [PathElement] = []
        for index in topology.upstreamChain(of: node) {
            if index == stop { break }
            let spec = topology.nodes[index]
            hops.append(spec.id)
            if let link = resources.linkUp[index] {
                route.append(link)
                latency = latency + parameters.pcieLinkLatency
                parts.append(HopLatency(hop: "\(spec.id) link (up)", latency: parameters.pcieLinkLatency))
                elements.append(.link(node: index, upward: true))
            }
            if spec.kind == .switchDownstreamPort, let sw = spec.switchIndex {
                if let fabric = resources.switchFabric[sw] { route.append(fabric) }
                elements.append(.switchCrossing(sw))
                latency = latency + topology.switches[sw].latency
                parts.append(
                    HopLatency(hop: "\(topology.switches[sw].id) port to port", latency: topology.switches[sw].latency))
            }
        }
        return (route, latency, hops, parts, elements)
    }

    /// Resources, latency and hops from below `stop` (or the root complex) down to `node`.
    private func down(_ node: Int, stopBefore stop: Int? = nil, skipSwitch: Int? = nil) -> (
        route: [Int], latency: Picoseconds, hops: [String], parts: [HopLatency], elements: [PathElement]
    ) {
        var chain: [Int] = []
        for index in topology.upstreamChain(of: node) {
            if index == stop { break }
            chain.append(index)
        }
        var route: [Int] = []
        var latency = Picoseconds.zero
        var parts: [HopLatency] = []
        var elements: [PathElement] = []
        for index in chain.reversed() {
            let spec = topology.nodes[index]
            if spec.kind == .switchDownstreamPort, let sw = spec.switchIndex, sw != skipSwitch {
                if let fabric = resources.switchFabric[sw] { route.append(fabric) }
                elements.append(.switchCrossing(sw))
                latency = latency + topology.switches[sw].latency
                parts.append(
                    HopLatency(hop: "\(topology.switches[sw].id) port to port", latency: topology.switches[sw].latency))
            }
            if let link = resources.linkDown[index] {
                route.append(link)
                latency = latency + parameters.pcieLinkLatency
                parts.append(HopLatency(hop: "\(spec.id) link (down)", latency: parameters.pcieLinkLatency))
                elements.append(.link(node: index, upward: false))
            }
        }
        return (route, latency, chain.reversed().map { topology.nodes[$0].id }, parts, elements)
    }

    /// Socket links from one socket to another (direct only; p2psim's bundled machines have at
    /// most two sockets per link hop).
    private func socketHop(from a: Int, to b: Int) -> (route: [Int], latency: Picoseconds, hops: [String]) {
        guard a != b else { return ([], .zero, []) }
        let link = topology.socketLinks.first { ($0.a == a && $0.b == b) || ($0.a == b && $0.b == a) }
        let resource = resources.socketLinks[MachineResources.SocketPair(from: a, to: b)]
        return (resource.map { [$0] } ?? [], link?.latency ?? .zero, [topology.sockets[a].id, topology.sockets[b].id])
    }

    private func rootComplexLatency(_ complex: Int) -> Picoseconds {
        topology.rootComplexes[complex].memoryLatency.map { $0 + parameters.rootComplexLatency }
            ?? parameters.rootComplexLatency
    }

    // MARK: IOMMU

    /// What a translating IOMMU costs a DMA stream through root complex `complex`: its walker
    /// resource, the walker time per payload byte, and the walk latency.
    ///
    /// A bulk transfer touches every page of its buffer once in order, so with buffers larger
    /// than the IOTLB's reach (entries x page size) every page misses: each page costs one walk
    /// of `walkLatency`, performed by walkers that keep `iommuConcurrentWalks` in flight. The
    /// stream's rate is then at most page size x concurrent walks / walk latency. Pass-through
    /// and off cost nothing.
    func translationCharge(complex: Int) -> (resource: Int, weight: Double, walk: Picoseconds, page: ByteCount)? {
        guard let resource = resources.iommuWalkers[complex], let iommu = topology.rootComplexes[complex].iommu
        else { return nil }
        let page = iommu.pageSize ?? .kib(4)
        let walk = iommu.walkLatency ?? parameters.defaultIOMMUWalkLatency
        guard page.bytes > 0 else { return nil }
        return (resource, walk.seconds / Double(page.bytes), walk, page)
    }

    /// Adds the IOMMU of `complex` to a leg: its walkers to the route, the first page's walk to
    /// the latency, and for reads the walks to the round trip (one request in page/MRRS misses).
    private func chargeTranslation(_ leg: inout TransferLeg, complex: Int) {
        guard let charge = translationCharge(complex: complex) else { return }
        if leg.weights.isEmpty { leg.weights = Array(repeating: 1.0, count: leg.route.count) }
        leg.weights.append(charge.weight)
        leg.route.append(charge.resource)
        leg.latency = leg.latency + charge.walk
        leg.latencyBreakdown.append(
            HopLatency(hop: "\(topology.rootComplexes[complex].id) IOMMU page walk", latency: charge.walk))
        if let reads = leg.outstandingReads, let reader = leg.initiator,
            let mrrs = topology.nodes[reader].endpoint?.maxReadRequest.bytes
        {
            let missShare = min(1, Double(mrrs) / Double(charge.page.bytes))
            let roundTrip = reads.roundTrip + Picoseconds(UInt64((charge.walk.seconds * missShare * 1e12).rounded()))
            leg.outstandingReads = (reads.bytes, roundTrip)
            leg.rateCap = reads.bytes / roundTrip.seconds
        }
    }

    // MARK: Legs

    /// Device to host memory on `socket`.
    private func deviceToHostLeg(_ source: Int, socket: Int) -> TransferLeg {
        let (upRoute, upLatency, _, upParts, upElements) = up(source)
        let complex = topology.nodes[source].rootComplex
        let hop = socketHop(from: self.socket(of: source), to: socket)
        var route =
            (resources.dmaEngines[source].map { [$0] } ?? []) + (resources.deviceMemory[source].map { [$0] } ?? [])
        route += upRoute + hop.route + (resources.socketMemory[socket].map { [$0] } ?? [])
        let memoryLatency = topology.sockets[socket].memory?.latency ?? .zero
        var leg = TransferLeg(
            route: route, latency: upLatency + rootComplexLatency(complex) + hop.latency + memoryLatency, rateCap: nil,
            name: "device-to-host")
        leg.initiator = source
        leg.latencyBreakdown =
            upParts + [HopLatency(hop: topology.rootComplexes[complex].id, latency: rootComplexLatency(complex))]
            + (hop.latency == .zero ? [] : [HopLatency(hop: hop.hops.joined(separator: "->"), latency: hop.latency)])
            + [HopLatency(hop: topology.sockets[socket].id + ".memory", latency: memoryLatency)]
        leg.elements =
            upElements + [.rootComplex(complex)]
            + (self.socket(of: source) == socket ? [] : [.socketLink(from: self.socket(of: source), to: socket)])
            + [.hostMemory(socket)]
        cutToWriterPayload(&leg, writer: source)
        chargeCrossingHeaders(&leg, requester: source)
        chargeTranslation(&leg, complex: complex)
        return leg
    }

    /// Host memory on `socket` to a device.
    private func hostToDeviceLeg(_ destination: Int, socket: Int, dmaOf initiator: Int) -> TransferLeg {
        let (downRoute, downLatency, _, downParts, downElements) = down(destination)
        let complex = topology.nodes[destination].rootComplex
        let hop = socketHop(from: socket, to: self.socket(of: destination))
        var route =
            (resources.dmaEngines[initiator].map { [$0] } ?? []) + (resources.socketMemory[socket].map { [$0] } ?? [])
        route += hop.route + downRoute + (resources.deviceMemory[destination].map { [$0] } ?? [])
        let memoryLatency = topology.sockets[socket].memory?.latency ?? .zero
        var leg = TransferLeg(
            route: route, latency: memoryLatency + hop.latency + rootComplexLatency(complex) + downLatency,
            rateCap: nil, name: "host-to-device")
        leg.latencyBreakdown =
            [HopLatency(hop: topology.sockets[socket].id + ".memory", latency: memoryLatency)]
            + (hop.latency == .zero ? [] : [HopLatency(hop: hop.hops.joined(separator: "->"), latency: hop.latency)])
            + [HopLatency(hop: topology.rootComplexes[complex].id, latency: rootComplexLatency(complex))] + downParts
        // The destination's DMA engine reads host memory: elements run from the memory down.
        leg.elements =
            [.hostMemory(socket)]
            + (self.socket(of: destination) == socket
                ? [] : [.socketLink(from: socket, to: self.socket(of: destination))])
            + [.rootComplex(complex)] + downElements
        leg.isRead = true
        leg.initiator = initiator
        // A read's first byte lands after the request has gone up and the completion come back
        // down: the path twice, the memory once.
        let path = leg.latency - memoryLatency
        leg.latency = path + path + memoryLatency
        leg.latencyBreakdown += leg.latencyBreakdown.dropFirst().reversed().map {
            HopLatency(hop: $0.hop + " (completion)", latency: $0.latency)
        }
        limitByOutstandingReads(&leg, reader: destination)
        chargeReadTraffic(&leg, reader: destination)
        chargeCrossingHeaders(&leg, requester: destination)
        chargeTranslation(&leg, complex: complex)
        return leg
    }

    /// Bounds a read leg by its reader's outstanding requests: requests x MRRS bytes per round
    /// trip (Little's law), with the requests the lesser of the tags and the copy engines'
    /// `outstandingReads`; the leg's latency is the round trip.
    private func limitByOutstandingReads(_ leg: inout TransferLeg, reader: Int) {
        guard let endpoint = topology.nodes[reader].endpoint, leg.latency > .zero else { return }
        let requests = min(endpoint.tags, endpoint.dma?.outstandingReads ?? endpoint.tags)
        let bytes = Double(requests) * Double(endpoint.maxReadRequest.bytes)
        leg.outstandingReads = (bytes, leg.latency)
        leg.rateCap = bytes / leg.latency.seconds
    }

    /// The weight a link's payload capacity takes for TLPs cut to `payload` bytes instead of its
    /// max payload size (the link's write efficiency at its MPS over that at `payload`).
    private func splitWeight(node: Int, payload: UInt64) -> Double {
        guard let configuration = resources.linkConfiguration[node], payload > 0,
            Int(payload) < configuration.maxPayloadSize.rawValue
        else { return 1 }
        // A stream of back-to-back `payload`-byte writes costs what one such write costs per
        // payload byte (below the smallest MPS, 128 B, there is no MPS setting to model it by).
        let full = configuration.effectiveBandwidth(
            for: TransferPattern(operation: .write, length: MachineResources.steadyStateLength))
        let small = configuration.effectiveBandwidth(for: TransferPattern(operation: .write, length: Int(payload)))
        return small > 0 ? full / small : 1
    }

    /// Cuts a write leg's TLPs to its writer's `<dma writePayload>` where that is smaller than
    /// the TLPs a link already carries: the link then carries a header per `writePayload` bytes
    /// (weight: the link's write efficiency at its MPS over that at the smaller payload), as the
    /// packet model sends them. Links after a root complex that cuts peer writes smaller still
    /// (`p2pMaxPayload`, the downward links of the peer-to-peer plan) keep that cut.
    private func cutToWriterPayload(_ leg: inout TransferLeg, writer: Int) {
        guard let payload = topology.nodes[writer].endpoint?.dma?.writePayload?.bytes, payload > 0 else { return }
        let split = leg.maxPayload
        var weights = leg.weights.isEmpty ? Array(repeating: 1.0, count: leg.route.count) : leg.weights
        var cut = false
        for element in leg.elements {
            guard case .link(let node, let upward) = element,
                let link = upward ? resources.linkUp[node] : resources.linkDown[node],
                let position = leg.route.firstIndex(of: link)
            else { continue }
            let carried = upward ? nil : split
            guard payload < (carried ?? UInt64.max) else { continue }
            let before = carried.map { splitWeight(node: node, payload: $0) } ?? 1
            weights[position] *= splitWeight(node: node, payload: payload) / before
            cut = true
        }
        guard cut else { return }
        leg.weights = weights
        leg.maxPayload = min(split ?? payload, payload)
    }

    /// Charges the TLP headers to the crossings a leg passes (their capacity counts a 4-DW
    /// header plus the payload of every TLP, as the packet model's crossings do): weight
    /// (payload + 16) / payload, with the payload the leg's TLP size.
    private func chargeCrossingHeaders(_ leg: inout TransferLeg, requester: Int?) {
        guard leg.route.contains(where: { resources.crossings.contains($0) }) else { return }
        let mps = requester.flatMap { topology.nodes[$0].endpoint?.maxPayload.bytes } ?? EndpointDefaults.maxPayload.bytes
        let payload = Double(min(mps, leg.maxPayload ?? mps))
        guard payload > 0 else { return }
        if leg.weights.isEmpty { leg.weights = Array(repeating: 1.0, count: leg.route.count) }
        for (position, resource) in leg.route.enumerated() where resources.crossings.contains(resource) {
            leg.weights[position] *= (payload + 16) / payload
        }
    }

    /// Weights a read leg's PCIe links: its data-direction links carry completions (weight
    /// `completions`), and the opposite direction of each of them, added to the route, carries the
    /// requests (weight `requests`), both from `MachineResources.readWeights(for:)` with the
    /// link's configuration and the reader's MRRS and RCB.
    private func chargeReadTraffic(_ leg: inout TransferLeg, reader: Int) {
        guard leg.isRead else { return }
        let endpoint = topology.nodes[reader].endpoint
        var weights = leg.weights.isEmpty ? Array(repeating: 1.0, count: leg.route.count) : leg.weights
        for element in leg.elements {
            guard case .link(let node, let upward) = element, var configuration = resources.linkConfiguration[node],
                let dataLink = upward ? resources.linkUp[node] : resources.linkDown[node],
                let requestLink = upward ? resources.linkDown[node] : resources.linkUp[node],
                let position = leg.route.firstIndex(of: dataLink)
            else { continue }
            configuration.maxReadRequestSize =
                TransactionSizeLimit(
                    rawValue: Int(endpoint?.maxReadRequest.bytes ?? EndpointDefaults.maxReadRequest.bytes)) ?? .bytes512
            configuration.readCompletionBoundary =
                ReadCompletionBoundary(
                    rawValue: Int(
                        endpoint?.readCompletionBoundary.bytes ?? EndpointDefaults.readCompletionBoundary.bytes))
                ?? .bytes64
            let charge = MachineResources.readWeights(for: configuration)
            leg.requestLinks.append(requestLink)
            weights[position] *= charge.completions
            if let existing = leg.route.firstIndex(of: requestLink) {
                weights[existing] += charge.requests
            } else {
                leg.route.append(requestLink)
                weights.append(charge.requests)
            }
        }
        leg.weights = weights
    }

    /// The bounce: device to a pinned staging buffer on `staging`, then staging to device,
    /// pipelined over chunks with a synchronisation cost per chunk.
    public func bouncePlan(from source: Int, to destination: Int, stagingSocket staging: Int? = nil) -> TransferPlan {
        let socketIndex = staging ?? socket(of: source)
        let first = deviceToHostLeg(source, socket: socketIndex)
        let second = hostToDeviceLeg(destination, socket: socketIndex, dmaOf: destination)
        return TransferPlan(
            mechanism: .bounce, legs: [first, second],
            hops: topology.bounceRoute(from: source, to: destination, stagingSocket: socketIndex), mapType: nil,
            notes: [
                "staged through \(topology.sockets[socketIndex].id) memory in \(parameters.bounceChunkSize) chunks over \(parameters.bounceStagingBuffers) pinned buffers, \(parameters.bounceChunkSynchronisation) synchronisation per chunk on the driver's staging thread"
            ])
    }

    /// Plans a transfer of `source` to `destination` with `choice` and `direction`.
    ///
    /// `buffer`, when given, is where the data lies in the provider's device memory (offset and
    /// size): PCIe peer-to-peer reaches only what the provider's BAR exposes, so a buffer beyond
    /// the window bounces (or is refused when P2P is forced). `resizableBAR` sizes the BAR to
    /// the largest size its Resizable BAR capability supports, as firmware with ReBAR enabled does.
    public func plan(
        from source: End, to destination: End, choice: PathChoice = .auto, direction: DMADirection = .push,
        stagingSocket: Int? = nil, buffer: (offset: UInt64, size: UInt64)? = nil, resizableBAR: Bool = false
    ) throws(TransferPlanningError) -> TransferPlan {
        var plan = try planPath(
            from: source, to: destination, choice: choice, direction: direction, stagingSocket: stagingSocket,
            buffer: buffer, resizableBAR: resizableBAR)
        chargeNetworkPorts(&plan, from: source, to: destination)
        if case .device(let writer) = source, let payload = topology.nodes[writer].endpoint?.dma?.writePayload,
            plan.legs.contains(where: { !$0.isRead && $0.maxPayload == payload.bytes })
        {
            plan.notes.append(
                "\(topology.nodes[writer].id) writes \(payload) TLPs (its copy engines' writePayload): every PCIe link its writes cross carries a header per \(payload)"
            )
        }
        return plan
    }

    /// A network adapter moves data at its port's rate: the data it receives from the network
    /// (it is the source) and the data it sends (it is the destination) cross its port, a
    /// resource of the adapter's `lineRate` each way, on the first or the last leg.
    private func chargeNetworkPorts(_ plan: inout TransferPlan, from source: End, to destination: End) {
        guard !plan.legs.isEmpty else { return }
        if case .device(let device) = source, let port = resources.portReceive[device] {
            if plan.legs[0].weights.isEmpty { plan.legs[0].weights = Array(repeating: 1, count: plan.legs[0].route.count) }
            plan.legs[0].route.append(port)
            plan.legs[0].weights.append(1)
        }
        if case .device(let device) = destination, let port = resources.portSend[device] {
            let last = plan.legs.count - 1
            if plan.legs[last].weights.isEmpty {
                plan.legs[last].weights = Array(repeating: 1, count: plan.legs[last].route.count)
            }
            plan.legs[last].route.append(port)
            plan.legs[last].weights.append(1)
        }
    }

    private func planPath(
        from source: End, to destination: End, choice: PathChoice, direction: DMADirection,
        stagingSocket: Int?, buffer: (offset: UInt64, size: UInt64)?, resizableBAR: Bool
    ) throws(TransferPlanningError) -> TransferPlan {
        switch (source, destination) {
        case (.host(let socket), .device(let device)):
            let leg = hostToDeviceLeg(device, socket: socket, dmaOf: device)
            return TransferPlan(
                mechanism: .hostToDevice, legs: [leg],
                hops: [topology.sockets[socket].id + ".memory"]
                    + topology.pcieRoute(from: device, to: device, throughHostBridge: true).reversed(),
                mapType: nil, notes: [])
        case (.device(let device), .host(let socket)):
            return TransferPlan(
                mechanism: .deviceToHost, legs: [deviceToHostLeg(device, socket: socket)],
                hops: topology.upstreamChain(of: device).map { topology.nodes[$0].id } + [
                    topology.sockets[socket].id + ".memory"
                ],
                mapType: nil, notes: [])
        case (.host, .host):
            throw TransferPlanningError(description: "a host-to-host copy is not a device transfer")
        case (.device(let a), .device(let b)):
            var plan = try planDevices(
                a, b, choice: choice, direction: direction, stagingSocket: stagingSocket, buffer: buffer,
                resizableBAR: resizableBAR)
            // Direct copies are moved by the initiator's engine: the source pushes, the
            // destination pulls.
            for index in plan.legs.indices where plan.legs[index].initiator == nil {
                plan.legs[index].initiator = direction == .push ? a : b
            }
            return plan
        }
    }

    /// What the bound drivers make of a PCIe peer-to-peer request.
    public enum DriverDecision: Sendable, Hashable {
        /// The kernel's p2pdma decision stands.
        case kernel
        /// The driver decides itself and allows it, mapped as given.
        case allowed(P2PMapType, note: String?)
        /// A driver refuses, with the reason.
        case refused(String)
    }

    /// The driver layer of a PCIe peer-to-peer decision between `provider` (whose BAR is
    /// accessed) and `client` (whose DMA engine moves the data).
    ///
    /// - `none` on either side: that driver never does peer-to-peer DMA.
    /// - `cuda-geforce` on either side: NVIDIA's driver reports no PCIe peer access on GeForce
    ///   parts (driver 525.105.17 on, ../shared/data/measurements/more-machines.md, 2x RTX 4090).
    /// - `cuda` on both: CUDA decides itself, without the kernel's p2pdma (no host-bridge
    ///   allowlist): below a common switch it maps bus addresses; otherwise it goes through the
    ///   root complexes when every one on the path forwards peer traffic (`p2p` not `none`).
    /// - `amdgpu` on the provider: the kernel's decision, and the provider's BAR must expose all
    ///   of its memory (amdgpu_dma_buf.c: peer-to-peer only with a large BAR).
    /// - anything else: the kernel's p2pdma decision.
    public func driverDecision(provider: Int, client: Int, kernel: P2PDecision) -> DriverDecision {
        let details = [provider, client].map { topology.nodes[$0].endpoint }
        let policies = details.map { $0?.effectiveDriverP2P ?? .p2pdma }
        let names = [provider, client].map { topology.nodes[$0].endpoint?.driver ?? "pci" }
        for (index, policy) in policies.enumerated() where policy == .none {
            return .refused(
                "\(topology.nodes[[provider, client][index]].id)'s driver (\(names[index])) does no peer-to-peer DMA")
        }
        for (index, policy) in policies.enumerated() where policy == .cudaGeForce {
            return .refused(
                "\(topology.nodes[[provider, client][index]].id) is a GeForce part: NVIDIA's driver reports no PCIe peer access for it (CUDA, not the kernel, decides)"
            )
        }
        if policies.allSatisfy({ $0 == .cuda }) {
            if kernel.mapType == .busAddress { return .allowed(.busAddress, note: "CUDA decides peer access itself (not p2pdma): below a common switch") }
            let complexes = Set([provider, client].map { topology.nodes[$0].rootComplex })
            if let closed = complexes.sorted().first(where: { topology.rootComplexes[$0].p2p == .none }) {
                return .refused(
                    "CUDA finds no peer path: root complex \(topology.rootComplexes[closed].id) forwards no peer-to-peer traffic")
            }
            return .allowed(
                .throughHostBridge,
                note: kernel.mapType == .notSupported
                    ? "CUDA decides peer access itself: the kernel's p2pdma would refuse (\(kernel.reason)), but CUDA does not ask it"
                    : "CUDA decides peer access itself (not p2pdma): through the root complex")
        }
        if policies[0] == .amdgpu, kernel.mapType != .notSupported, let aperture = topology.memoryAperture(of: provider),
            aperture.bar.size < aperture.memory.capacity
        {
            return .refused(
                "amdgpu exports VRAM to peers only with a large BAR: \(topology.nodes[provider].id)'s BAR\(aperture.bar.index) exposes \(aperture.bar.size) of \(aperture.memory.capacity)"
            )
        }
        return .kernel
    }

    /// The size of the window the provider's BAR exposes, with Resizable BAR applied or not.
    public func barWindow(of provider: Int, resizableBAR: Bool) -> ByteCount? {
        guard let aperture = topology.memoryAperture(of: provider) else { return nil }
        if resizableBAR, let largest = aperture.bar.resizableSizes.last, largest > aperture.bar.size { return largest }
        return aperture.bar.size
    }

    private func planDevices(
        _ a: Int, _ b: Int, choice: PathChoice, direction: DMADirection, stagingSocket: Int?,
        buffer: (offset: UInt64, size: UInt64)?, resizableBAR: Bool
    ) throws(TransferPlanningError) -> TransferPlan {
        let initiator = direction == .push ? a : b
        let dma = resources.dmaEngines[initiator].map { [$0] } ?? []
        let memories = (resources.deviceMemory[a].map { [$0] } ?? []) + (resources.deviceMemory[b].map { [$0] } ?? [])
        if a == b {
            let bandwidth = resources.deviceMemory[a].map { resources.resources[$0].capacity } ?? .infinity
            return TransferPlan(
                mechanism: .local,
                legs: [
                    TransferLeg(
                        route: memories.prefix(1).map { $0 }, latency: .zero, rateCap: bandwidth / 2, name: "local copy"
                    )
                ],
                hops: [topology.nodes[a].id], mapType: nil,
                notes: ["a copy within one memory reads and writes it: half its bandwidth"])
        }
        if choice == .bounce { return bouncePlan(from: a, to: b, stagingSocket: stagingSocket) }
        if choice == .auto || choice == .p2p {
            if let link = resources.directVendorLink[MachineResources.SocketPair(from: a, to: b)] {
                let isXGMI = resources.resources[link].name.hasSuffix(".xgmi")
                return TransferPlan(
                    mechanism: isXGMI ? .xgmi : .nvlink,
                    legs: [
                        TransferLeg(
                            route: dma + memories + [link],
                            latency: isXGMI ? parameters.xgmiLatency : parameters.nvlinkLatency, rateCap: nil,
                            name: isXGMI ? "XGMI" : "NVLink")
                    ],
                    hops: [topology.nodes[a].id, topology.nodes[b].id], mapType: nil, notes: [])
            }
            if let planesA = resources.nvswitchPlanes[a], let planesB = resources.nvswitchPlanes[b] {
                // Each plane (switch) carries what the smaller end's links to it allow; the
                // traffic spreads over the planes in that proportion (docs/models.md).
                var shared: [(transmit: Int, receive: Int, links: Int)] = []
                for planeA in planesA {
                    if let planeB = planesB.first(where: { $0.plane == planeA.plane }) {
                        let links = min(planeA.links, planeB.links)
                        if links > 0 { shared.append((planeA.transmit, planeB.receive, links)) }
                    }
                }
                let total = shared.reduce(0) { $0 + $1.links }
                if total > 0 {
                    var route = dma + memories
                    var weights = Array(repeating: 1.0, count: route.count)
                    for plane in shared {
                        let share = Double(plane.links) / Double(total)
                        route += [plane.transmit, plane.receive]
                        weights += [share, share]
                    }
                    return TransferPlan(
                        mechanism: .nvswitch,
                        legs: [
                            TransferLeg(
                                route: route, weights: weights, latency: parameters.nvlinkLatency, rateCap: nil,
                                name: "NVLink via NVSwitch")
                        ],
                        hops: [topology.nodes[a].id, "nvswitch", topology.nodes[b].id], mapType: nil,
                        notes: shared.count < planesA.count || shared.count < planesB.count
                            ? ["\(shared.count) NVSwitch planes reach both devices, \(total) links in all"] : [])
                }
            }
        }
        // PCIe peer-to-peer, as the kernel decides: the provider is the device whose BAR is
        // accessed (the destination for a push, the source for a pull).
        let provider = direction == .push ? b : a
        let client = direction == .push ? a : b
        // A device that exposes no memory through a BAR (a NIC, an NVMe drive without a
        // controller memory buffer) is no P2P target: there is nothing of it a peer can write or
        // read; its own DMA moves data to and from memory elsewhere.
        if topology.memoryAperture(of: provider) == nil {
            let reason =
                "\(topology.nodes[provider].id) exposes no memory through a BAR (no <bar exposes=\"memory\"> with a <memory>), so it cannot be a peer-to-peer target: its data goes through system memory"
            if choice == .p2p || choice == .pcie {
                throw TransferPlanningError(
                    description:
                        "peer-to-peer from \(topology.nodes[a].id) to \(topology.nodes[b].id) is impossible: \(reason)")
            }
            var plan = bouncePlan(from: a, to: b, stagingSocket: stagingSocket)
            plan.notes.insert("P2P is impossible: \(reason)", at: 0)
            return plan
        }
        guard var decision = kernel.decide(provider: topology.nodes[provider].id, client: topology.nodes[client].id)
        else {
            return bouncePlan(from: a, to: b, stagingSocket: stagingSocket)
        }
        var notes: [String] = []
        // The drivers' layer, above (or instead of) the kernel's p2pdma.
        switch driverDecision(provider: provider, client: client, kernel: decision) {
        case .refused(let reason):
            if choice == .p2p || choice == .pcie {
                throw TransferPlanningError(
                    description:
                        "peer-to-peer from \(topology.nodes[a].id) to \(topology.nodes[b].id) is refused by the driver: \(reason)"
                )
            }
            var plan = bouncePlan(from: a, to: b, stagingSocket: stagingSocket)
            plan.mapType = decision.mapType.kernelName
            plan.notes.insert("the driver refuses PCIe P2P: \(reason)", at: 0)
            return plan
        case .allowed(let mapType, let note):
            if let note { notes.append(note) }
            decision.mapType = mapType
        case .kernel:
            break
        }
        if let buffer, let memory = topology.nodes[provider].endpoint?.memory,
            buffer.offset + buffer.size > memory.capacity.bytes
        {
            throw TransferPlanningError(
                description:
                    "the buffer [\(ByteCount(buffer.offset)), \(ByteCount(buffer.offset + buffer.size))) lies beyond \(topology.nodes[provider].id)'s \(memory.capacity) of memory"
            )
        }
        // The BAR aperture: only the window the provider's BAR exposes is reachable.
        if decision.mapType != .notSupported, let buffer,
            let window = barWindow(of: provider, resizableBAR: resizableBAR),
            buffer.offset + buffer.size > window.bytes
        {
            let aperture = topology.memoryAperture(of: provider)
            var message =
                "the buffer [\(ByteCount(buffer.offset)), \(ByteCount(buffer.offset + buffer.size))) of \(topology.nodes[provider].id)'s memory lies beyond its BAR\(aperture?.bar.index ?? 0) window of \(window): not reachable peer-to-peer unless the driver moves the window"
            if !resizableBAR, let largest = aperture?.bar.resizableSizes.last, largest > window {
                message += "; Resizable BAR (up to \(largest)) would expose it"
            }
            if choice == .p2p || choice == .pcie { throw TransferPlanningError(description: message) }
            var plan = bouncePlan(from: a, to: b, stagingSocket: stagingSocket)
            plan.mapType = decision.mapType.kernelName
            plan.notes.insert(message + ", so the data bounces", at: 0)
            return plan
        }
        if decision.mapType != .notSupported {
            let throughHost = decision.mapType == .throughHostBridge
            let complexA = topology.nodes[a].rootComplex
            let complexB = topology.nodes[b].rootComplex
            if throughHost {
                let capability = topology.rootComplexes[complexA].p2p
                let forwards = complexA == complexB ? capability : .readwrite
                if forwards == .none || (forwards == .writes && direction == .pull) {
                    notes.append(
                        "Linux allows THRU_HOST_BRIDGE, but root complex \(topology.rootComplexes[complexA].id) forwards \(capability == .none ? "no peer-to-peer requests" : "peer-to-peer writes only"): a \(direction == .pull ? "read" : "write") would complete with Unsupported Request, so the data bounces"
                    )
                    if choice == .p2p || choice == .pcie {
                        throw TransferPlanningError(description: notes.joined())
                    }
                    var plan = bouncePlan(from: a, to: b, stagingSocket: stagingSocket)
                    plan.mapType = decision.mapType.kernelName
                    plan.notes = notes + plan.notes
                    return plan
                }
            }
            var route = dma + memories
            var latency = Picoseconds.zero
            var breakdown: [HopLatency] = []
            var elements: [PathElement] = []
            if throughHost {
                let upPart = up(a)
                let downPart = down(b)
                route += upPart.route
                if let forwarding = resources.rootComplexForwarding[complexA] { route.append(forwarding) }
                let hop = socketHop(from: socket(of: a), to: socket(of: b))
                route += hop.route + downPart.route
                if let forwarding = resources.socketLinkP2P[MachineResources.SocketPair(from: socket(of: a), to: socket(of: b))] {
                    route.append(forwarding)
                    notes.append(
                        "the socket link forwards peer-to-peer traffic at \(formatGB(resources.resources[forwarding].capacity)) GB/s per direction")
                }
                let rcLatency = topology.rootComplexes[complexA].p2pLatency ?? parameters.rootComplexLatency
                latency = upPart.latency + rcLatency + hop.latency + downPart.latency
                breakdown = upPart.parts + [HopLatency(hop: topology.rootComplexes[complexA].id, latency: rcLatency)]
                if hop.latency > .zero {
                    breakdown.append(HopLatency(hop: hop.hops.joined(separator: "->"), latency: hop.latency))
                }
                if complexA != complexB {
                    latency = latency + parameters.rootComplexLatency
                    breakdown.append(
                        HopLatency(hop: topology.rootComplexes[complexB].id, latency: parameters.rootComplexLatency))
                }
                breakdown += downPart.parts
                elements = upPart.elements + [.rootComplex(complexA)]
                if socket(of: a) != socket(of: b) {
                    elements.append(.socketLink(from: socket(of: a), to: socket(of: b)))
                }
                if complexA != complexB { elements.append(.rootComplex(complexB)) }
                elements += downPart.elements
            } else {
                let chainB = Set(topology.upstreamChain(of: b))
                let common = topology.upstreamChain(of: a).first { chainB.contains($0) }
                let upPart = up(a, stopBefore: common)
                // The switch whose ports the path enters and leaves is crossed once.
                let lastUp = topology.upstreamChain(of: a).prefix { $0 != common }.last
                let crossed = lastUp.flatMap { topology.nodes[$0].switchIndex }
                let downPart = down(b, stopBefore: common, skipSwitch: crossed)
                route += upPart.route + downPart.route
                latency = upPart.latency + downPart.latency
                breakdown = upPart.parts + downPart.parts
                elements = upPart.elements + downPart.elements
            }
            if direction == .pull {
                notes.append(
                    "pull: \(topology.nodes[b].id) reads \(topology.nodes[a].id)'s BAR; latency is a round trip")
                latency = latency + latency
            }
            if let aperture = topology.memoryAperture(of: provider), buffer == nil,
                (barWindow(of: provider, resizableBAR: resizableBAR) ?? aperture.bar.size) < aperture.memory.capacity
            {
                notes.append(
                    "\(topology.nodes[provider].id)'s BAR\(aperture.bar.index) exposes \(aperture.bar.size) of \(aperture.memory.capacity): a buffer beyond the window is not reachable peer-to-peer (resizable BAR would fix it)"
                )
            }
            var leg = TransferLeg(
                route: route, latency: latency, rateCap: nil, name: "PCIe peer-to-peer",
                latencyBreakdown: direction == .pull ? (breakdown + breakdown.reversed()) : breakdown,
                elements: direction == .pull ? [.deviceMemory(a)] + elements : elements + [.deviceMemory(b)],
                isRead: direction == .pull)
            if direction == .pull {
                limitByOutstandingReads(&leg, reader: b)
                if let cap = leg.rateCap, let reads = leg.outstandingReads {
                    notes.append(
                        "reads are capped at \(ByteCount(UInt64(reads.bytes))) outstanding per \(reads.roundTrip) round trip = \(formatDecimal(cap / 1e9, maxFractionDigits: 2)) GB/s"
                    )
                }
            }
            // A root complex that splits peer traffic cuts the TLPs it forwards: the links after
            // it carry more headers per payload byte.
            if throughHost, let split = topology.rootComplexes[complexA].p2pMaxPayload ?? topology.rootComplexes[complexB].p2pMaxPayload {
                leg.maxPayload = split.bytes
                var weights = leg.weights.isEmpty ? Array(repeating: 1.0, count: leg.route.count) : leg.weights
                for element in elements {
                    guard case .link(let node, false) = element, let link = resources.linkDown[node],
                        let position = leg.route.firstIndex(of: link)
                    else { continue }
                    weights[position] *= splitWeight(node: node, payload: split.bytes)
                }
                leg.weights = weights
                notes.append(
                    "the root complex forwards peer writes as \(split) TLPs: the links after it carry more headers per byte")
            }
            chargeReadTraffic(&leg, reader: b)
            if direction == .push { cutToWriterPayload(&leg, writer: a) }
            chargeCrossingHeaders(&leg, requester: direction == .push ? a : b)
            if throughHost {
                // The initiator's IOMMU translates its DMA addresses on the way to the peer.
                leg.initiator = direction == .push ? a : b
                chargeTranslation(&leg, complex: direction == .push ? complexA : complexB)
            }
            return TransferPlan(
                mechanism: throughHost ? .pcieP2PHostBridge : .pcieP2PBusAddress,
                legs: [leg],
                hops: topology.pcieRoute(from: a, to: b, throughHostBridge: throughHost),
                mapType: decision.mapType.kernelName, notes: notes + ["Linux: \(decision.reason)"])
        }
        if choice == .p2p || choice == .pcie {
            throw TransferPlanningError(
                description:
                    "peer-to-peer from \(topology.nodes[a].id) to \(topology.nodes[b].id) is not permitted: \(decision.reason)"
            )
        }
        var plan = bouncePlan(from: a, to: b, stagingSocket: stagingSocket)
        plan.mapType = decision.mapType.kernelName
        plan.notes.insert("Linux refuses P2P (NOT_SUPPORTED): \(decision.reason)", at: 0)
        return plan
    }
}
