// PacketFabric.swift — the input of the packet-level model: stages (resources) and their kinds.
//
// Sources for the constants below:
//   - Switch cut-through port-to-port latencies, Broadcom/PLX: about 150 ns for Gen3, 105 ns for
//     Gen4, 115 ns for Gen5, as given in the issue "[3/9] The PCIe fabric at packet level", which
//     attributes them to Broadcom's PEX product briefs (not re-checked against the briefs here).
//   - Receive buffer credits: Intel P-Tile Avalon Streaming IP for PCI Express user guide (683111,
//     version 23.4), §6.5 "RX Buffer": posted 127 header / 750 data credits, non-posted 115 header /
//     230 data credits, completions 770 header / 2500 data credits (the IP advertises completion
//     credits as infinite, as PCIe Base Spec §2.6.1 requires of endpoints and root complexes).
//   - Credit units: PCIe Base Spec rev 5.0 §2.6.1: one header credit per TLP, one data credit per
//     16 bytes (4 DW) of payload.

import LinkProtocols
import PCIeProtocol
import Units

/// The name of a stage in a `PacketFabric`; transfers name the stages they cross by it.
public struct StageID: Hashable, Comparable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The name, as printed in reports.
    public var name: String

    /// Creates the id `name`.
    public init(_ name: String) { self.name = name }

    /// Creates the id from a string literal.
    public init(stringLiteral value: String) { self.name = value }

    /// The name.
    public var description: String { name }

    /// Orders ids by name.
    public static func < (lhs: StageID, rhs: StageID) -> Bool { lhs.name < rhs.name }
}

/// Receive-buffer space a link direction's receiver advertises, in flow-control credits.
///
/// `nil` is an infinite advertisement (the spec's value 0, §2.6.1.1): the transmitter never waits
/// for that credit type and the receiver sends no UpdateFC for it. One header credit holds one TLP
/// header; one data credit holds 16 bytes of payload (PCIe Base Spec §2.6.1).
public struct FlowControlCredits: Sendable, Hashable {
    /// Posted (MWr) header credits.
    public var postedHeader: Int?
    /// Posted data credits (16 B each).
    public var postedData: Int?
    /// Non-posted (MRd) header credits.
    public var nonPostedHeader: Int?
    /// Non-posted data credits (16 B each; memory reads carry none).
    public var nonPostedData: Int?
    /// Completion header credits.
    public var completionHeader: Int?
    /// Completion data credits (16 B each).
    public var completionData: Int?

    /// Creates an advertisement; `nil` means infinite.
    public init(
        postedHeader: Int?, postedData: Int?, nonPostedHeader: Int?, nonPostedData: Int?,
        completionHeader: Int?, completionData: Int?
    ) {
        self.postedHeader = postedHeader
        self.postedData = postedData
        self.nonPostedHeader = nonPostedHeader
        self.nonPostedData = nonPostedData
        self.completionHeader = completionHeader
        self.completionData = completionData
    }

    /// The receive buffer of Intel's P-Tile PCIe IP (Gen4 x16): P 127/750, NP 115/230, Cpl 770/2500.
    ///
    /// Source: Intel P-Tile Avalon Streaming IP for PCI Express user guide (683111, v23.4), §6.5.
    /// Used as the default for every link direction's receiver (switch ports, root ports and
    /// endpoints alike); 750 posted data credits hold 12 KB, about 380 ns of a Gen4 x16 stream.
    public static let standard = FlowControlCredits(
        postedHeader: 127, postedData: 750, nonPostedHeader: 115, nonPostedData: 230,
        completionHeader: 770, completionData: 2500)

    /// `standard` with infinite completion credits, as endpoints and root complexes advertise
    /// (PCIe Base Spec §2.6.1).
    public static let endpoint: FlowControlCredits = {
        var credits = FlowControlCredits.standard
        credits.completionHeader = nil
        credits.completionData = nil
        return credits
    }()

    /// The same buffer with every type infinite: no flow control at all.
    public static let infinite = FlowControlCredits(
        postedHeader: nil, postedData: nil, nonPostedHeader: nil, nonPostedData: nil,
        completionHeader: nil, completionData: nil)
}

/// Typical cut-through port-to-port latencies of Broadcom/PLX PCIe switches.
public enum SwitchLatency {
    /// Gen3: about 150 ns (issue [3/9], from Broadcom's PEX product briefs).
    public static let gen3 = Picoseconds.ns(150)
    /// Gen4: 105 ns (issue [3/9], from Broadcom's PEX product briefs).
    public static let gen4 = Picoseconds.ns(105)
    /// Gen5: 115 ns (issue [3/9], from Broadcom's PEX product briefs).
    public static let gen5 = Picoseconds.ns(115)
}

/// What a stage of the fabric is and how it delays and limits TLPs.
public enum PacketStageKind: Sendable, Hashable {
    /// One direction of a PCIe link: serialises TLP wire bytes at the link's TLP rate, then adds
    /// the propagation `latency`; its receiver grants flow-control credits.
    case linkDirection(configuration: PCIeLinkConfiguration, latency: Picoseconds)
    /// The crossing of a switch from an ingress to an egress port: cut-through `latency`, and an
    /// internal `bandwidth` shared by every TLP crossing it (`nil`: unlimited).
    case switchCrossing(latency: Picoseconds, bandwidth: DataRate?)
    /// Peer-to-peer forwarding between root ports of a root complex. With `forwardsReads` false
    /// it forwards writes only, and completes a read with Unsupported Request.
    case rootComplexForwarding(latency: Picoseconds, bandwidth: DataRate?, forwardsReads: Bool)
    /// A completer's memory (DRAM or device memory): accepts writes and answers reads after
    /// `latency`; `bandwidth` (`nil`: unlimited) is shared by everything it serves.
    case memory(latency: Picoseconds, bandwidth: DataRate?)
    /// One direction of a vendor link (NVLink, XGMI, a CPU socket link) at flit level: each
    /// request, completion or write becomes the link's packets (`LinkProfile.format`: headers,
    /// payload in whole flits or beats), serialised on one of the profile's bonded links (lanes
    /// served in parallel, a packet on the first free), then the propagation `latency`. Its
    /// receiver's credits come from the profile (packets and data granules); acknowledgements
    /// and credit returns ride in the reverse direction's packets, so no DLLP is sent, but a
    /// write the format acknowledges costs a response packet on the reverse direction.
    case vendorLink(profile: LinkProfile, latency: Picoseconds)
}

/// One stage (resource) of the fabric.
public struct PacketStage: Sendable, Hashable {
    /// The stage's name; stages are looked up by it.
    public var id: StageID
    /// What the stage does.
    public var kind: PacketStageKind
    /// For a link direction: the credits its receiver advertises (ignored for other kinds).
    public var receiverCredits: FlowControlCredits
    /// For a link direction: the other direction of the same link.
    ///
    /// It carries this direction's Ack and UpdateFC DLLPs. Without it, DLLPs are counted but take
    /// no link time.
    public var reverseDirection: StageID?
    /// For a link direction: the interval between UpdateFC DLLPs while credits are freed.
    ///
    /// `nil`: the spec's UpdateFC latency guideline (PCIe Base Spec rev 5.0 Tables 2-46..2-48).
    public var updateFCInterval: Picoseconds?

    /// Creates a stage.
    public init(
        id: StageID, kind: PacketStageKind, receiverCredits: FlowControlCredits = .standard,
        reverseDirection: StageID? = nil, updateFCInterval: Picoseconds? = nil
    ) {
        self.id = id
        self.kind = kind
        self.receiverCredits = receiverCredits
        self.reverseDirection = reverseDirection
        self.updateFCInterval = updateFCInterval
    }
}

/// The fabric a packet-level run simulates: an ordered list of stages.
///
/// Stage order fixes the order of reports; routes name stages by id.
public struct PacketFabric: Sendable, Hashable {
    /// The stages, in report order.
    public var stages: [PacketStage]

    /// Creates a fabric of `stages`.
    public init(stages: [PacketStage] = []) { self.stages = stages }

    /// Adds one stage.
    public mutating func add(_ stage: PacketStage) { stages.append(stage) }

    /// Adds both directions of a vendor link (`PacketStageKind.vendorLink`), each carrying the
    /// other's write responses.
    public mutating func addVendorLink(
        forward: StageID, backward: StageID, profile: LinkProfile, latency: Picoseconds
    ) {
        let kind = PacketStageKind.vendorLink(profile: profile, latency: latency)
        stages.append(PacketStage(id: forward, kind: kind, reverseDirection: backward))
        stages.append(PacketStage(id: backward, kind: kind, reverseDirection: forward))
    }

    /// Adds both directions of a link, each carrying the other's DLLPs.
    ///
    /// `downstreamCredits` are advertised by the receiver of the `downstream` direction,
    /// `upstreamCredits` by the receiver of the `upstream` direction.
    public mutating func addLink(
        downstream: StageID, upstream: StageID, configuration: PCIeLinkConfiguration, latency: Picoseconds,
        downstreamCredits: FlowControlCredits = .standard, upstreamCredits: FlowControlCredits = .standard
    ) {
        let kind = PacketStageKind.linkDirection(configuration: configuration, latency: latency)
        stages.append(
            PacketStage(id: downstream, kind: kind, receiverCredits: downstreamCredits, reverseDirection: upstream))
        stages.append(
            PacketStage(id: upstream, kind: kind, receiverCredits: upstreamCredits, reverseDirection: downstream))
    }
}
