import Units

/// How a transfer moves its data.
public enum TransferMechanism: String, Sendable, Codable, CaseIterable {
    /// A copy within one device's memory.
    case local
    /// Direct NVLink between the two devices.
    case nvlink
    /// NVLink through NVSwitch planes.
    case nvswitch
    /// Direct AMD XGMI.
    case xgmi
    /// PCIe peer-to-peer below a common switch (Linux BUS_ADDR).
    case pcieP2PBusAddress = "pcie-p2p-bus-addr"
    /// PCIe peer-to-peer through the host bridge (Linux THRU_HOST_BRIDGE).
    case pcieP2PHostBridge = "pcie-p2p-host-bridge"
    /// Device to host, then host to device, through a pinned staging buffer.
    case bounce
    /// Host memory to a device.
    case hostToDevice = "host-to-device"
    /// A device to host memory.
    case deviceToHost = "device-to-host"

    /// Whether data goes peer-to-peer (vendor link or PCIe P2P), as opposed to through memory.
    public var isPeerToPeer: Bool {
        switch self {
        case .nvlink, .nvswitch, .xgmi, .pcieP2PBusAddress, .pcieP2PHostBridge: return true
        case .local, .bounce, .hostToDevice, .deviceToHost: return false
        }
    }
}

/// Which path a transfer should take.
public enum PathChoice: String, Sendable, Codable, CaseIterable {
    /// The best permitted: vendor link, then NVSwitch, then PCIe P2P as Linux allows, then bounce.
    case auto
    /// Peer-to-peer only (vendor link or PCIe); refused when not permitted.
    case p2p
    /// PCIe peer-to-peer only, even where a vendor link exists.
    case pcie
    /// Through system memory.
    case bounce
}

/// Whether the initiator writes into the peer (push) or reads from it (pull).
public enum DMADirection: String, Sendable, Codable {
    /// The source's DMA engine writes into the destination's BAR (posted writes).
    case push
    /// The destination's DMA engine reads the source's BAR (non-posted reads).
    case pull
}

/// One flow of a planned transfer: the resources it crosses, its latency and any rate cap.
public struct TransferLeg: Sendable, Hashable {
    /// Resource indices into `MachineResources.resources`.
    public var route: [Int]
    /// The consumption weight of each route entry, parallel to `route` (empty means all 1).
    ///
    /// At payload rate x the leg uses `weights[i]`·x of `route[i]`'s payload capacity; a read leg
    /// charges its PCIe links more than 1 for completions and adds the opposite link directions
    /// with small weights for its requests (see `MachineResources.readWeights(for:)`).
    public var weights: [Double] = []
    /// Latency paid before data flows.
    public var latency: Picoseconds
    /// A per-flow cap (bytes per second), such as a bounce leg's staging pipeline.
    public var rateCap: Double?
    /// A readable name ("device-to-host leg").
    public var name: String
    /// Where the latency comes from, hop by hop (empty where the model has one figure).
    public var latencyBreakdown: [HopLatency] = []
    /// The PCIe path in crossing order, ending at the memory written or read (empty for vendor
    /// links and local copies, which the packet model does not cover).
    public var elements: [PathElement] = []
    /// Whether the leg's DMA reads (the initiator at the far end pulls) rather than writes.
    public var isRead = false
    /// The device whose copy engine moves the leg's data (node index), nil for none modelled.
    public var initiator: Int? = nil
    /// For a read leg: the bytes its requester keeps outstanding (requests x MRRS) and the
    /// unloaded round trip, whose ratio is `rateCap`; the engines lengthen the round trip when
    /// the requester's own posted writes fill the link ahead of its requests.
    public var outstandingReads: (bytes: Double, roundTrip: Picoseconds)? = nil
    /// For a read leg: the link directions its requests travel (resource indices), where they
    /// queue behind any posted writes that share them.
    public var requestLinks: [Int] = []
    /// A largest payload imposed on the leg's TLPs by a root complex that splits peer traffic
    /// (nil: the requester's max payload size).
    public var maxPayload: UInt64? = nil

    public static func == (lhs: TransferLeg, rhs: TransferLeg) -> Bool {
        lhs.route == rhs.route && lhs.weights == rhs.weights && lhs.latency == rhs.latency && lhs.rateCap == rhs.rateCap
            && lhs.name == rhs.name
            && lhs.elements == rhs.elements && lhs.isRead == rhs.isRead && lhs.initiator == rhs.initiator
            && lhs.maxPayload == rhs.maxPayload
    }

    /// The weight of the route entry at `index` (1 when `weights` is empty).
    public func weight(at index: Int) -> Double { weights.isEmpty ? 1 : weights[index] }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(route)
        hasher.combine(latency)
        hasher.combine(name)
    }
}

/// One element of a leg's PCIe path, in the order data crosses it: what the packet model
/// turns into stages.
public enum PathElement: Sendable, Hashable {
    /// The link above a node, crossed upward (toward the root) or downward.
    case link(node: Int, upward: Bool)
    /// A PCIe switch's fabric (port to port).
    case switchCrossing(Int)
    /// A root complex: to or from memory, or forwarding between root ports.
    case rootComplex(Int)
    /// A socket link, from one socket to another.
    case socketLink(from: Int, to: Int)
    /// System memory of a socket.
    case hostMemory(Int)
    /// A device's memory.
    case deviceMemory(Int)
}

/// The latency one hop adds.
public struct HopLatency: Sendable, Hashable, Codable {
    /// The hop.
    public var hop: String
    /// Its one-way latency.
    public var latency: Picoseconds
}

/// How a transfer will go: its mechanism, legs, hops and the facts behind the choice.
public struct TransferPlan: Sendable, Hashable {
    /// The mechanism.
    public var mechanism: TransferMechanism
    /// The flows that carry it (two for a bounce).
    public var legs: [TransferLeg]
    /// The hops, by id.
    public var hops: [String]
    /// The Linux map type, when the decision was consulted.
    public var mapType: String?
    /// Why this path, and anything the user should know.
    public var notes: [String]
}
