// XGMIProtocol.swift — AMD XGMI (Infinity Fabric) links between GPUs.
//
// Sources:
//   - AMD CDNA 2 architecture whitepaper (2021): MI250X, up to 8 Infinity Fabric links per GPU
//     package, x16 at 25 Gbit/s per lane: 50 GB/s per direction per link.
//   - AMD CDNA 3 architecture whitepaper (2023): MI300X, 7 Infinity Fabric links per GPU, x16,
//     128 GB/s bidirectional per link: 64 GB/s per direction (32 Gbit/s per lane).
//   - HyperTransport I/O Link Specification rev 3.10 (2008), from which Infinity Fabric descends:
//     posted writes (no response), 4-byte-granular packets.
//
// What the public record does not give, and the assumption made instead:
//   - Line coding: AMD has not published xGMI's; its SerDes is PCIe-derived, so 128b/130b is
//     assumed (PCIe Base Spec rev 5.0 §4.2.2).
//   - Packet format: not published. Assumed: a packet carries at most one 64 B cache line (the
//     fabric's coherence granule in the CDNA whitepapers) in whole 16 B beats, behind a 16 B
//     header (the size of a PCIe 4DW header, which also carries a 64-bit address); read requests
//     are one 16 B header; writes are posted, as in HyperTransport.
//   - Credits: not published; assumed 1,024 packets and 4,096 beats (64 KiB) per direction,
//     which covers a 64 GB/s link's credit round trip of up to 1 us, so credits do not bind over
//     p2psim's paths (one-way latencies up to 400 ns).
//   - Copy-engine (SDMA) request sizes: not published; assumed 256 B, cut into 64 B packets.

/// AMD XGMI link generations by the rate of their x16 links.
public enum XGMIGeneration: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// MI200 series: x16 at 25 Gbit/s per lane (CDNA 2 whitepaper).
    case mi200
    /// MI300 series: x16 at 32 Gbit/s per lane (CDNA 3 whitepaper).
    case mi300

    /// Lane rate in bit/s.
    public var laneBitsPerSecond: Double {
        switch self {
        case .mi200: return 25e9
        case .mi300: return 32e9
        }
    }

    /// "XGMI 25 GT/s" or "XGMI 32 GT/s".
    public var description: String { self == .mi200 ? "XGMI 25 GT/s" : "XGMI 32 GT/s" }

    /// The generation running at `gigatransfers` GT/s per lane: 32 or more is MI300's.
    public init(gigatransfersPerSecond gigatransfers: Double) {
        self = gigatransfers >= 32 ? .mi300 : .mi200
    }
}

/// XGMI's accounting (assumptions in the file header).
public enum XGMIProtocol {
    /// Lanes per link per direction: x16 (CDNA 2 and CDNA 3 whitepapers).
    public static let lanes = 16
    /// 128b/130b line coding (assumption).
    public static let codingEfficiency = 128.0 / 130.0
    /// Header bytes per data packet (assumption): 16.
    public static let headerBytes = 16
    /// Payload per packet at most (assumption): one 64 B cache line.
    public static let maxPacketPayload = 64
    /// Payload granule (assumption): 16 B beats.
    public static let granule = 16

    /// The packet format (assumption, see the file header).
    public static let format = LinkPacketFormat(
        headerBytes: headerBytes, granule: granule, maxPacketPayload: maxPacketPayload,
        shortPacketBytes: headerBytes, writesAreAcknowledged: false)

    /// Per-link credits (assumption): 1,024 packets, 4,096 beats.
    public static let credits = LinkCredits(packets: 1024, granules: 4096)

    /// Copy-engine request payloads (assumption): 256 B.
    public static let copyEngineRequestBytes = 256

    /// One direction of `bonded` x16 XGMI links of `generation`.
    public static func profile(_ generation: XGMIGeneration, bonded: Int = 1) -> LinkProfile {
        profile(laneBitsPerSecond: generation.laneBitsPerSecond, name: generation.description, bonded: bonded)
    }

    /// One direction of `bonded` x16 XGMI links at `laneBitsPerSecond` (AMD's CPU sockets use the
    /// same links, see `SocketLinkProtocol`).
    public static func profile(laneBitsPerSecond: Double, name: String, bonded: Int = 1) -> LinkProfile {
        LinkProfile(
            name: name, lanes: lanes, laneBitsPerSecond: laneBitsPerSecond, codingEfficiency: codingEfficiency,
            format: format, credits: credits, bondedLinks: bonded)
    }
}
