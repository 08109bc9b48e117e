// NVLinkProtocol.swift — NVLink's flit accounting per generation, and NVSwitch.
//
// Sources:
//   - [Foley17] D. Foley and J. Danskin, "Ultra-Performance Pascal GPU and NVLink Interconnect",
//     IEEE Micro 37(2), 2017: 128-bit (16 B) flits; a packet is 1 to 18 flits: one header flit
//     (25-bit CRC, 83-bit transaction field, 20-bit data-link field carrying acknowledgements and
//     credits), an optional address-extension flit, an optional byte-enable flit, and 0 to 16 data
//     flits (at most 256 B); a sub-link is 8 lanes per direction at 20 Gbit/s.
//   - NVIDIA Tesla P100 whitepaper (2016): 4 NVLinks, 20 GB/s per direction each.
//   - NVIDIA Tesla V100 whitepaper (2017): NVLink2, 6 links, 25 GB/s per direction each (8 lanes at
//     25 Gbit/s).
//   - NVIDIA A100 Tensor Core GPU Architecture whitepaper (2020): NVLink3, 12 links, 50 Gbit/s per
//     signal pair, 4 pairs per direction, 25 GB/s per direction each.
//   - NVIDIA H100 Tensor Core GPU Architecture whitepaper (2022) and A. Ishii, R. Wells, "The
//     NVLink-Network Switch", Hot Chips 34 (2022): NVLink4, 18 links, 2 lanes per direction at
//     100 Gbit/s PAM4, 25 GB/s per direction each; third-generation NVSwitch with 64 NVLink4
//     ports.
//   - NVIDIA Blackwell architecture technical brief (2024): NVLink5, 18 links, 50 GB/s per
//     direction each (2 lanes at 200 Gbit/s).
//   - A. Ishii, D. Foley, E. Anderson et al., "NVSwitch and DGX-2", Hot Chips 30 (2018): first
//     NVSwitch, 18 NVLink2 ports, non-blocking crossbar; DGX A100 user guide: second NVSwitch with
//     36 NVLink3 ports.
//
// What the public record does not give, and the assumption made instead:
//   - The flit format of NVLink2 to NVLink5: assumed unchanged from NVLink1 ([Foley17]).
//   - Address-extension and byte-enable flits: a copy engine's stream writes whole, aligned
//     flits to consecutive addresses, so neither is sent (both are optional in [Foley17]).
//   - Write responses: writes are assumed acknowledged by one header-only flit on the reverse
//     direction ([Foley17] describes requests and responses, not whether writes are posted).
//   - Line coding: none beyond the CRC in the header flit; every whitepaper's per-link rate equals
//     lanes x lane rate, so no coding overhead is deducted.
//   - Per-link credits: not published; assumed 128 packets and 2,048 flits (32 KiB) per
//     direction, which covers a 25 GB/s link's credit round trip of up to 1.3 us, so credits
//     never bind in a steady stream over p2psim's paths (one-way latencies up to 400 ns).
//   - NVSwitch port-to-port latency: not published; assumed 100 ns, a cut-through crossbar of the
//     same order as a PCIe switch's (`SwitchLatency` in PacketModel).
//   - Copy-engine request sizes: 256 B writes and 256 B reads (the largest NVLink packet), as
//     `ModelParameters.nvlinkEfficiency` assumes for copy engines.

/// NVLink generations, by the GPU that introduced them.
public enum NVLinkGeneration: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// NVLink1 (P100): 8 lanes x 20 Gbit/s per direction.
    case nvlink1 = 1
    /// NVLink2 (V100): 8 lanes x 25 Gbit/s per direction.
    case nvlink2 = 2
    /// NVLink3 (A100): 4 lanes x 50 Gbit/s per direction.
    case nvlink3 = 3
    /// NVLink4 (H100): 2 lanes x 100 Gbit/s per direction.
    case nvlink4 = 4
    /// NVLink5 (B200): 2 lanes x 200 Gbit/s per direction.
    case nvlink5 = 5

    /// The name, "NVLink1" to "NVLink5".
    public var description: String { "NVLink\(rawValue)" }

    /// Lanes per link per direction and the lane rate in bit/s (whitepapers above).
    public var lanes: (count: Int, bitsPerSecond: Double) {
        switch self {
        case .nvlink1: return (8, 20e9)
        case .nvlink2: return (8, 25e9)
        case .nvlink3: return (4, 50e9)
        case .nvlink4: return (2, 100e9)
        case .nvlink5: return (2, 200e9)
        }
    }

    /// The generation whose per-direction rate a topology's link count and GT/s describe, or
    /// `nil` for numbers outside 1...5.
    public init?(number: Int) { self.init(rawValue: number) }
}

/// NVLink's flit-level accounting ([Foley17]).
public enum NVLinkProtocol {
    /// Bytes per flit: 128 bits ([Foley17]).
    public static let flitBytes = 16
    /// Data flits per packet at most: 16, or 256 B of payload ([Foley17]).
    public static let maxDataFlits = 16
    /// Header flits per packet: one, carrying the CRC and the data-link field ([Foley17]).
    public static let headerFlits = 1

    /// The packet format: one header flit, payload in whole flits, at most 256 B per packet,
    /// header-only read requests and write responses.
    public static let format = LinkPacketFormat(
        headerBytes: headerFlits * flitBytes, granule: flitBytes, maxPacketPayload: maxDataFlits * flitBytes,
        shortPacketBytes: headerFlits * flitBytes, writesAreAcknowledged: true)

    /// Per-link credits (assumption, see the file header): 128 packets, 2,048 flits.
    public static let credits = LinkCredits(packets: 128, granules: 2048)

    /// Copy-engine request payloads (assumption, see the file header): 256 B writes and reads.
    public static let copyEngineRequestBytes = 256

    /// One direction of `bonded` NVLinks of `generation`.
    public static func profile(_ generation: NVLinkGeneration, bonded: Int = 1) -> LinkProfile {
        let lanes = generation.lanes
        return LinkProfile(
            name: generation.description, lanes: lanes.count, laneBitsPerSecond: lanes.bitsPerSecond,
            codingEfficiency: 1, format: format, credits: credits, bondedLinks: bonded)
    }
}

/// An NVSwitch chip: its ports, its crossbar and its latency.
public struct NVSwitchProfile: Sendable, Hashable {
    /// The chip's generation (1: DGX-2, 2: A100, 3: H100).
    public var generation: Int
    /// NVLink ports.
    public var ports: Int
    /// The NVLink generation of its ports.
    public var linkGeneration: NVLinkGeneration
    /// Port-to-port latency in picoseconds (assumption, see the file header: 100 ns).
    public var latencyPicoseconds: UInt64

    /// The published chips: gen 1 with 18 NVLink2 ports (Hot Chips 30), gen 2 with 36 NVLink3
    /// ports (DGX A100 user guide), gen 3 with 64 NVLink4 ports (Hot Chips 34).
    public static let published: [NVSwitchProfile] = [
        NVSwitchProfile(generation: 1, ports: 18, linkGeneration: .nvlink2, latencyPicoseconds: assumedLatency),
        NVSwitchProfile(generation: 2, ports: 36, linkGeneration: .nvlink3, latencyPicoseconds: assumedLatency),
        NVSwitchProfile(generation: 3, ports: 64, linkGeneration: .nvlink4, latencyPicoseconds: assumedLatency),
    ]

    /// Port-to-port latency, not published: 100 ns assumed (see the file header).
    public static let assumedLatency: UInt64 = 100_000

    /// The published chip of `generation`, if any.
    public static func generation(_ generation: Int) -> NVSwitchProfile? {
        published.first { $0.generation == generation }
    }

    /// The NVSwitch generation that serves GPUs with `linkGeneration` links.
    public static func serving(_ linkGeneration: NVLinkGeneration) -> NVSwitchProfile {
        switch linkGeneration {
        case .nvlink1, .nvlink2: return published[0]
        case .nvlink3: return published[1]
        case .nvlink4, .nvlink5: return published[2]
        }
    }

    /// The crossbar's bandwidth per direction: every port at its link rate at once (the
    /// crossbar is non-blocking, Hot Chips 30 and 34).
    public var crossbarBytesPerSecond: Double {
        Double(ports) * NVLinkProtocol.profile(linkGeneration).signallingBytesPerSecond
    }
}
