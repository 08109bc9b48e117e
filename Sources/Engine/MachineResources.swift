import Fabric
import FlowModel
import LinkProtocols
import PCIeProtocol
import Topology
import Units

/// Every shared resource of a machine that transfers contend for, with its capacity: each
/// direction of each PCIe link, switch fabrics, root-complex forwarding, memories, DMA
/// engines, socket links, NVLink and XGMI.
///
/// PCIe link capacities are payload rates: the link's data-link rate times the efficiency of
/// posted writes with the link's max payload size, from `PCIeProtocol`'s TLP accounting
/// (computed once per link).
public struct MachineResources: Sendable {
    /// A resource's name (for reports) and payload capacity in bytes per second.
    public struct Resource: Sendable, Hashable {
        /// A readable name: `gpu0.link.up`, `plx0.fabric`, `cpu0.memory`...
        public var name: String
        /// Payload bytes per second.
        public var capacity: Double
    }

    /// All resources; the index is the flow model's `ResourceID`.
    public private(set) var resources: [Resource] = []
    /// For each PCI node with a link to its parent: the up (toward the root) resource.
    public private(set) var linkUp: [Int?]
    /// For each PCI node with a link to its parent: the down resource.
    public private(set) var linkDown: [Int?]
    /// The trained configuration of each node's upstream link.
    public private(set) var linkConfiguration: [PCIeLinkConfiguration?]
    /// The Max_Payload_Size of each PCIe link direction (by resource), in bytes: its capacity
    /// counts payload in TLPs of that size.
    public private(set) var linkPayload: [Int: Double] = [:]
    /// Switch fabric resources, by switch index (nil when the file gives no bandwidth).
    public private(set) var switchFabric: [Int?]
    /// Root-complex peer-to-peer forwarding, by root complex (nil when not limited).
    public private(set) var rootComplexForwarding: [Int?]
    /// The IOMMU's page walkers, by root complex, when it translates (nil for off and
    /// passthrough): capacity is concurrent walks, a leg's weight the walk time it causes per
    /// payload byte (see `TransferPlanner`'s IOMMU charge).
    public private(set) var iommuWalkers: [Int?]
    /// System memory, by socket.
    public private(set) var socketMemory: [Int?]
    /// Device memory, by node.
    public private(set) var deviceMemory: [Int?]
    /// DMA engines, by node.
    public private(set) var dmaEngines: [Int?]
    /// The descriptor processing of devices with an issue cost (`<dma issueCost>`), by node: its
    /// capacity is DMAs per second (one per issue cost), a queue of DMAs of size s weighs 1/s
    /// per payload byte on it.
    public private(set) var descriptorProcessors: [Int?]
    /// A network adapter's port toward the network (data it reads from memory and sends), by
    /// node, for adapters with a `lineRate`.
    public private(set) var portSend: [Int?]
    /// A network adapter's port from the network (data it receives and writes to memory).
    public private(set) var portReceive: [Int?]
    /// Socket links by (from, to) socket pair.
    public private(set) var socketLinks: [SocketPair: Int] = [:]
    /// Resources that TLPs cross whole, header included (switch fabrics, root-complex peer
    /// forwarding, socket-link peer forwarding): their capacity counts TLP bytes, as the packet
    /// model's crossings do.
    public private(set) var crossings: Set<Int> = []
    /// Peer-to-peer forwarding over socket links, by (from, to) socket pair, where the file
    /// limits it (`p2pBandwidth`).
    public private(set) var socketLinkP2P: [SocketPair: Int] = [:]
    /// One device's NVLinks to one NVSwitch (a plane), with the transmit and receive resources.
    public struct NVSwitchPlane: Sendable, Hashable {
        /// The switch end (an `<nvswitch>` or an endpoint of kind nvswitch).
        public var plane: VendorLinkEnd
        /// Links from the device to it.
        public var links: Int
        /// Device to switch.
        public var transmit: Int
        /// Switch to device.
        public var receive: Int
    }
    /// NVLinks toward NVSwitch planes, by device node, in file order of the planes.
    public private(set) var nvswitchPlanes: [Int: [NVSwitchPlane]] = [:]
    /// Direct vendor links by ordered node pair: resource for that direction.
    public private(set) var directVendorLink: [SocketPair: Int] = [:]

    /// An ordered pair of indices.
    public struct SocketPair: Hashable, Sendable {
        /// From.
        public var from: Int
        /// To.
        public var to: Int
    }

    /// The transfer length whose TLP accounting gives a link's steady-state payload rate: 1 MiB,
    /// many 4 KiB pages, so that the partial TLPs at a transfer's ends do not count.
    static let steadyStateLength = 1 << 20

    /// No resources at all (for reports of runs that have none).
    public static let empty = MachineResources()

    private init() {
        linkUp = []
        linkDown = []
        linkConfiguration = []
        switchFabric = []
        rootComplexForwarding = []
        iommuWalkers = []
        socketMemory = []
        deviceMemory = []
        dmaEngines = []
        descriptorProcessors = []
        portSend = []
        portReceive = []
    }

    /// Builds the resources of `machine` with `parameters`.
    public init(machine: EnumeratedMachine, parameters: ModelParameters) {
        let topology = machine.topology
        let count = topology.nodes.count
        linkUp = Array(repeating: nil, count: count)
        linkDown = Array(repeating: nil, count: count)
        linkConfiguration = Array(repeating: nil, count: count)
        deviceMemory = Array(repeating: nil, count: count)
        dmaEngines = Array(repeating: nil, count: count)
        descriptorProcessors = Array(repeating: nil, count: count)
        portSend = Array(repeating: nil, count: count)
        portReceive = Array(repeating: nil, count: count)
        switchFabric = Array(repeating: nil, count: topology.switches.count)
        rootComplexForwarding = Array(repeating: nil, count: topology.rootComplexes.count)
        iommuWalkers = Array(repeating: nil, count: topology.rootComplexes.count)
        socketMemory = Array(repeating: nil, count: topology.sockets.count)

        for (index, node) in topology.nodes.enumerated() {
            if let parent = node.parent, node.kind == .endpoint || node.kind == .switchUpstreamPort,
                let own = node.link
            {
                let trained = topology.nodes[parent].link.map { own.trained(with: $0) } ?? own
                let mps = Int(node.endpoint?.maxPayload.bytes ?? EndpointDefaults.maxPayload.bytes)
                let configuration = PCIeLinkConfiguration(
                    generation: PCIeGeneration(rawValue: trained.generation) ?? .gen3,
                    width: LinkWidth(rawValue: trained.width) ?? .x16,
                    maxPayloadSize: TransactionSizeLimit(rawValue: mps) ?? .bytes256)
                linkConfiguration[index] = configuration
                let payloadRate = configuration.effectiveBandwidth(
                    for: TransferPattern(operation: .write, length: Self.steadyStateLength))
                linkUp[index] = add("\(node.id).link.up", payloadRate)
                linkPayload[resources.count - 1] = Double(mps)
                linkDown[index] = add("\(node.id).link.down", payloadRate)
                linkPayload[resources.count - 1] = Double(mps)
            }
            if let line = node.endpoint?.lineRate {
                portSend[index] = add("\(node.id).port.send", line.bytesPerSecond)
                portReceive[index] = add("\(node.id).port.receive", line.bytesPerSecond)
            }
            if let memory = node.endpoint?.memory {
                deviceMemory[index] = add("\(node.id).memory", memory.bandwidth.bytesPerSecond)
            }
            if let dma = node.endpoint?.dma {
                dmaEngines[index] = add("\(node.id).dma", Double(dma.engines) * dma.rate.bytesPerSecond)
                if let cost = dma.issueCost, cost > .zero {
                    descriptorProcessors[index] = add("\(node.id).descriptors", 1 / cost.seconds)
                }
            }
        }
        for (index, sw) in topology.switches.enumerated() {
            if let bandwidth = sw.bandwidth {
                switchFabric[index] = add("\(sw.id).fabric", bandwidth.bytesPerSecond)
                crossings.insert(resources.count - 1)
            }
        }
        for (index, complex) in topology.rootComplexes.enumerated() {
            if let bandwidth = complex.p2pBandwidth {
                rootComplexForwarding[index] = add("\(complex.id).p2p", bandwidth.bytesPerSecond)
                crossings.insert(resources.count - 1)
            }
            if complex.iommu?.mode == .translated {
                iommuWalkers[index] = add("\(complex.id).iommu", Double(parameters.iommuConcurrentWalks))
            }
        }
        for (index, socket) in topology.sockets.enumerated() {
            if let memory = socket.memory {
                socketMemory[index] = add("\(socket.id).memory", memory.bandwidth.bytesPerSecond)
            }
        }
        for link in topology.socketLinks {
            let rate = Double(link.links) * link.bandwidthPerLink.bytesPerSecond
            for (from, to) in [(link.a, link.b), (link.b, link.a)] {
                let name = "\(topology.sockets[from].id)->\(topology.sockets[to].id).\(link.kind.rawValue)"
                socketLinks[SocketPair(from: from, to: to)] = add(name, rate)
                if let p2p = link.p2pBandwidth {
                    socketLinkP2P[SocketPair(from: from, to: to)] = add(name + ".p2p", p2p.bytesPerSecond)
                    crossings.insert(resources.count - 1)
                }
            }
        }
        // NVLink toward switch planes: per device and switch, its links to that switch.
        var switchLinks: [Int: [(plane: VendorLinkEnd, links: Int, rate: Double)]] = [:]
        for link in topology.vendorLinks {
            switch link.kind {
            case .nvlink(let generation):
                let perLink =
                    nvlinkBandwidthPerLink(generation: generation).bytesPerSecond
                    * (parameters.nvlinkEfficiency ?? Self.nvlinkEfficiency(generation: generation))
                if case .node(let a) = link.a, case .node(let b) = link.b, !topology.isSwitchEnd(link.a),
                    !topology.isSwitchEnd(link.b)
                {
                    addDirect(topology, a, b, Double(link.links) * perLink, "nvlink")
                } else {
                    for (end, other) in [(link.a, link.b), (link.b, link.a)] {
                        if case .node(let device) = end, topology.isSwitchEnd(other), !topology.isSwitchEnd(end) {
                            var planes = switchLinks[device] ?? []
                            if let existing = planes.firstIndex(where: { $0.plane == other }) {
                                planes[existing].links += link.links
                                planes[existing].rate += Double(link.links) * perLink
                            } else {
                                planes.append((other, link.links, Double(link.links) * perLink))
                            }
                            switchLinks[device] = planes
                        }
                    }
                }
            case .xgmi(let lanes, let linkRate):
                if case .node(let a) = link.a, case .node(let b) = link.b {
                    addDirect(
                        topology, a, b, Double(link.links) * linkRate.bytesPerSecond
                            * (parameters.xgmiEfficiency ?? Self.xgmiEfficiency(lanes: lanes, linkRate: linkRate)), "xgmi"
                    )
                }
            }
        }
        for device in switchLinks.keys.sorted() {
            let id = topology.nodes[device].id
            nvswitchPlanes[device] = (switchLinks[device] ?? []).map { entry in
                let name: String
                switch entry.plane {
                case .nvswitch(let index): name = topology.nvswitches[index].id
                case .node(let node): name = topology.nodes[node].id
                }
                return NVSwitchPlane(
                    plane: entry.plane, links: entry.links, transmit: add("\(id)->\(name).nvlink", entry.rate),
                    receive: add("\(name)->\(id).nvlink", entry.rate))
            }
        }
    }

    /// The consumption weights of a DMA read on a link direction pair, relative to the payload
    /// capacities above.
    ///
    /// A link direction's capacity is the payload rate of posted writes, C = T / b_write, where T
    /// is the direction's TLP byte rate and b_write the wire bytes (TLPs and DLLPs, the busier
    /// direction) a 1 MiB write costs per payload byte. A flow that costs b wire bytes per payload
    /// byte on that direction uses b·x / T of it at payload rate x, which is the fraction
    /// (b / b_write)·x / C of its capacity: its weight is b / b_write = b × (write efficiency in
    /// payload per wire byte). Reads cost, per payload byte of a 1 MiB read with `configuration`
    /// (its MRRS and RCB are the reader's):
    /// - `completions`: on the data direction, the CplD TLPs plus the DLLPs acknowledging the
    ///   requests, b_read,data / b_write (a few percent above 1: completion headers and the RCB
    ///   split cost more than MWr headers);
    /// - `requests`: on the opposite direction, the MRd TLPs plus the DLLPs acknowledging the
    ///   completions, b_read,reverse / b_write (about 24 / 512 for MRRS 512, times the write
    ///   efficiency).
    ///
    /// The two are computed as link time per payload byte, read over write, so the TLP byte rate cancels.
    public static func readWeights(for configuration: PCIeLinkConfiguration) -> (completions: Double, requests: Double)
    {
        let length = steadyStateLength
        let write = configuration.wireAccount(
            for: TransferPattern(operation: .write, length: length), placement: .reverseDirection)
        let read = configuration.wireAccount(
            for: TransferPattern(operation: .read, length: length), placement: .reverseDirection)
        let writeSeconds = write.transferSeconds
        guard writeSeconds > 0, read.capacityBytesPerSecond > 0 else { return (1, 0) }
        return (
            read.dataDirection.totalBytes / read.capacityBytesPerSecond / writeSeconds,
            read.reverseDirection.totalBytes / read.capacityBytesPerSecond / writeSeconds
        )
    }

    /// The payload efficiency of copy-engine writes on NVLink of `generation`, from the link's
    /// flit accounting (`LinkProtocols`), the same the packet model moves flits by.
    public static func nvlinkEfficiency(generation: Int) -> Double {
        payloadEfficiency(
            of: .nvlink(NVLinkGeneration(number: generation) ?? .nvlink4), .write,
            payload: NVLinkProtocol.copyEngineRequestBytes)
    }

    /// The payload efficiency of copy writes on an XGMI link of `lanes` at `linkRate`, from
    /// `LinkProtocols`.
    public static func xgmiEfficiency(lanes: Int, linkRate: DataRate) -> Double {
        let gigatransfers = linkRate.bytesPerSecond * 8 / Double(max(lanes, 1)) / 1e9
        return payloadEfficiency(
            of: .xgmi(XGMIGeneration(gigatransfersPerSecond: gigatransfers)), .write,
            payload: XGMIProtocol.copyEngineRequestBytes)
    }

    private mutating func add(_ name: String, _ capacity: Double) -> Int {
        resources.append(Resource(name: name, capacity: capacity))
        return resources.count - 1
    }

    private mutating func addDirect(_ topology: Topology, _ a: Int, _ b: Int, _ rate: Double, _ kind: String) {
        for (from, to) in [(a, b), (b, a)] {
            let pair = SocketPair(from: from, to: to)
            if let existing = directVendorLink[pair] {
                resources[existing].capacity += rate
            } else {
                directVendorLink[pair] = add("\(topology.nodes[from].id)->\(topology.nodes[to].id).\(kind)", rate)
            }
        }
    }
}
