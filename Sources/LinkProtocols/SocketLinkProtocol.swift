// SocketLinkProtocol.swift — the links between CPU sockets: Intel UPI and AMD Infinity Fabric.
//
// Sources:
//   - Intel, "An Introduction to the Intel QuickPath Interconnect" (document 320412, 2009): a
//     flit is 80 bits sent over 20 lanes in 4 unit intervals: 72 bits of payload and 8 of CRC;
//     of the payload, 8 bits are link-layer header, so a data flit carries 64 bits (8 B); a
//     64 B cache line moves as one header flit and 8 data flits. Per direction QPI moves 2 B of
//     data per transfer (6.4 GT/s: 12.8 GB/s), which is the 64-of-80-bit share.
//   - D. Mulnix, "Intel Xeon Processor Scalable Family Technical Overview" (Intel, 2017): UPI at
//     10.4 GT/s, 20.8 GB/s per direction per link; "a new packetization format" that improves
//     efficiency over QPI, not published.
//   - Intel 4th Gen Xeon Scalable (Sapphire Rapids) product brief (2023): UPI 2.0 at 16 GT/s.
//   - AMD EPYC 7002 (Rome) and 7003 (Milan) platform briefs: up to 4 xGMI-2 links x16 between
//     sockets at up to 18 GT/s; AMD EPYC 9004 (Genoa) brief: up to 4 xGMI-3 links x16 at up to
//     32 Gbit/s.
//
// What the public record does not give, and the assumption made instead:
//   - UPI's packet format: not published; QPI's is used (a 64 B line in 9 flits of 80 bits), so
//     UPI's published 20.8 GB/s per direction, which already deducts the 16 of every 80 bits that
//     carry CRC and link-layer fields, is reproduced exactly. UPI's improvement over QPI, whatever
//     it is, is left out.
//   - UPI credits: not published; assumed 384 packets and 3,072 data flits (384 lines) per
//     direction, which covers a 20.8 GB/s link's credit round trip of up to 1.1 us.
//   - AMD's socket links: the same x16 xGMI links as between GPUs, with XGMI's assumed packet
//     format (`XGMIProtocol`).

/// A CPU socket link kind.
public enum SocketLinkKind: Sendable, Hashable {
    /// Intel UPI at `gigatransfersPerSecond` over 20 lanes per direction.
    case upi(gigatransfersPerSecond: Double)
    /// AMD Infinity Fabric (xGMI) between sockets, x16 at `gigatransfersPerSecond`.
    case infinityFabric(gigatransfersPerSecond: Double)
}

/// Socket-link accounting (assumptions in the file header).
public enum SocketLinkProtocol {
    /// UPI lanes per link per direction (QPI introduction; Xeon Scalable overview).
    public static let upiLanes = 20
    /// Bits of a flit, and of them the bits of payload a data flit carries (QPI introduction).
    public static let upiFlitBits = 80
    public static let upiDataBitsPerFlit = 64
    /// UPI's share of signalling left for flit payload: 64 of every 80 bits.
    public static let upiCodingEfficiency = Double(upiDataBitsPerFlit) / Double(upiFlitBits)
    /// The UPI rate of first-generation Xeon Scalable: 10.4 GT/s (Mulnix 2017).
    public static let upiFirstGenerationRate = 10.4
    /// AMD Genoa's xGMI-3 rate between sockets: 32 Gbit/s (EPYC 9004 brief).
    public static let genoaSocketLinkRate = 32.0

    /// UPI's packet format in payload-carrying bytes (QPI's, assumption): a header flit (8 B of
    /// payload capacity) and a 64 B line in 8 B data flits; reads are one header flit; writes
    /// are answered by one header flit (a completion, as in QPI's home-snoop protocol).
    public static let upiFormat = LinkPacketFormat(
        headerBytes: upiDataBitsPerFlit / 8, granule: upiDataBitsPerFlit / 8, maxPacketPayload: 64,
        shortPacketBytes: upiDataBitsPerFlit / 8, writesAreAcknowledged: true)

    /// UPI credits (assumption): 384 packets, 3,072 data flits.
    public static let upiCredits = LinkCredits(packets: 384, granules: 3072)

    /// One direction of `bonded` socket links of `kind`.
    public static func profile(_ kind: SocketLinkKind, bonded: Int = 1) -> LinkProfile {
        switch kind {
        case .upi(let rate):
            return LinkProfile(
                name: "UPI \(rate) GT/s", lanes: upiLanes, laneBitsPerSecond: rate * 1e9,
                codingEfficiency: upiCodingEfficiency, format: upiFormat, credits: upiCredits, bondedLinks: bonded)
        case .infinityFabric(let rate):
            return XGMIProtocol.profile(
                laneBitsPerSecond: rate * 1e9, name: "Infinity Fabric \(rate) GT/s", bonded: bonded)
        }
    }
}

/// Every vendor link kind p2psim models at flit level.
public enum VendorLinkKind: Sendable, Hashable {
    /// NVLink of a generation (to a peer GPU or an NVSwitch port).
    case nvlink(NVLinkGeneration)
    /// AMD XGMI between GPUs.
    case xgmi(XGMIGeneration)
    /// A CPU socket link.
    case socket(SocketLinkKind)

    /// One direction of `bonded` links of this kind.
    public func profile(bonded: Int = 1) -> LinkProfile {
        switch self {
        case .nvlink(let generation): return NVLinkProtocol.profile(generation, bonded: bonded)
        case .xgmi(let generation): return XGMIProtocol.profile(generation, bonded: bonded)
        case .socket(let kind): return SocketLinkProtocol.profile(kind, bonded: bonded)
        }
    }
}

/// Payload bytes per second over signalling bytes per second of a stream of `operation`s of
/// `payload` bytes on a link of `kind`: what the flow model multiplies the link's signalling
/// rate by, from the link's own accounting rather than a fitted constant.
///
/// - Complexity: O(1).
public func payloadEfficiency(of kind: VendorLinkKind, _ operation: LinkOperation, payload: Int) -> Double {
    kind.profile().payloadEfficiency(operation, payload: payload)
}
