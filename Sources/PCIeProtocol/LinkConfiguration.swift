// LinkConfiguration.swift — a configured PCIe link and its payload-free rates.
//
// Sources:
//   - MPS / MRRS encodings 128..4096 bytes: spec §7.5.3.4 (Device Control register, rev 4.0+;
//     §7.8.4 in rev 3.0).
//   - RCB 64 or 128 bytes: spec §7.5.3.7 (Link Control register) and §2.3.1.1.
//   - Link training to the highest common rate and widest common width: spec §4.2.6 (LTSSM).
//   - SKP Ordered Sets: spec §4.2.7 (rev 3.0; §4.2.8 in rev 6.0), see `skpOverheadFraction`.
//   - Flit layout (236 B TLP + 6 B DLP + 8 B CRC + 6 B FEC per 256 B flit): rev 6.0 §4.2.3.1,
//     also ../shared/data/measurements/README.md.

/// A power-of-two transaction size limit from 128 to 4096 bytes (MPS or MRRS).
public enum TransactionSizeLimit: Int, Sendable, Hashable, CaseIterable, Comparable {
    /// 64 bytes: no Max Payload Size setting (the smallest is 128 B), but the size Intel root
    /// complexes cut forwarded peer-to-peer writes into (NVIDIA/nccl's topology model).
    case bytes64 = 64
    /// 128 bytes.
    case bytes128 = 128
    /// 256 bytes.
    case bytes256 = 256
    /// 512 bytes.
    case bytes512 = 512
    /// 1024 bytes.
    case bytes1024 = 1024
    /// 2048 bytes.
    case bytes2048 = 2048
    /// 4096 bytes.
    case bytes4096 = 4096

    /// The limit in bytes.
    public var bytes: Int { rawValue }

    /// The values a Max Payload Size or Max Read Request Size field can hold (128 B to 4096 B).
    public static let settings: [TransactionSizeLimit] = allCases.filter { $0 != .bytes64 }

    /// Orders limits by size.
    public static func < (lhs: TransactionSizeLimit, rhs: TransactionSizeLimit) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// The Read Completion Boundary, 64 or 128 bytes (spec §2.3.1.1, §7.5.3.7).
public enum ReadCompletionBoundary: Int, Sendable, Hashable, CaseIterable {
    /// 64-byte RCB (the value for Root Ports with RCB bit clear, and the common setting).
    case bytes64 = 64
    /// 128-byte RCB.
    case bytes128 = 128

    /// The boundary in bytes.
    public var bytes: Int { rawValue }
}

/// A configured PCIe link: generation, width and the transaction-layer settings that shape traffic.
public struct PCIeLinkConfiguration: Sendable, Hashable {
    /// Negotiated generation (data rate).
    public var generation: PCIeGeneration
    /// Negotiated width.
    public var width: LinkWidth
    /// Maximum Payload Size (largest TLP data payload).
    public var maxPayloadSize: TransactionSizeLimit
    /// Maximum Read Request Size of the requester.
    public var maxReadRequestSize: TransactionSizeLimit
    /// Read Completion Boundary of the completer.
    public var readCompletionBoundary: ReadCompletionBoundary
    /// Whether memory requests use 4DW (64-bit address) headers.
    ///
    /// Spec §2.2.4.1 requires the 3DW format for addresses below 4 GiB; set this when the targets
    /// are above 4 GiB (the usual case for device memory and large host buffers).
    public var uses64BitAddressing: Bool
    /// Whether an ECRC digest (TLP trailer) is appended to every TLP (spec §2.7).
    public var ecrcEnabled: Bool
    /// How completers split read completions (see `CompletionSplitPolicy`).
    public var completionSplitting: CompletionSplitPolicy
    /// How requesters cut transfers into MWr / MRd requests (see `RequestSplitPolicy`).
    public var requestSplitting: RequestSplitPolicy

    /// Creates a link configuration; defaults are the pcie-bench defaults (MPS 256, MRRS 512, RCB 64, 64-bit, no ECRC).
    public init(
        generation: PCIeGeneration,
        width: LinkWidth,
        maxPayloadSize: TransactionSizeLimit = .bytes256,
        maxReadRequestSize: TransactionSizeLimit = .bytes512,
        readCompletionBoundary: ReadCompletionBoundary = .bytes64,
        uses64BitAddressing: Bool = true,
        ecrcEnabled: Bool = false,
        completionSplitting: CompletionSplitPolicy = .largest,
        requestSplitting: RequestSplitPolicy = .startRelative
    ) {
        self.generation = generation
        self.width = width
        self.maxPayloadSize = maxPayloadSize
        self.maxReadRequestSize = maxReadRequestSize
        self.readCompletionBoundary = readCompletionBoundary
        self.uses64BitAddressing = uses64BitAddressing
        self.ecrcEnabled = ecrcEnabled
        self.completionSplitting = completionSplitting
        self.requestSplitting = requestSplitting
    }

    /// Whether the link runs in Flit Mode (derived from the generation: Gen6).
    public var isFlitMode: Bool { generation.usesFlitMode }

    /// The configuration both ends of a link end up with after training against `other`.
    ///
    /// Generation and width train to the lower of the two ends (spec §4.2.6); MPS is the lower of
    /// the two because software must program a common MPS on both ends (spec §7.5.3.4);
    /// ECRC is used only if both ends enable it. MRRS, RCB, addressing and the splitting
    /// policies describe the requester/completer behaviour and are kept from `self`.
    public func trained(with other: PCIeLinkConfiguration) -> PCIeLinkConfiguration {
        var result = self
        result.generation = min(generation, other.generation)
        result.width = min(width, other.width)
        result.maxPayloadSize = min(maxPayloadSize, other.maxPayloadSize)
        result.ecrcEnabled = ecrcEnabled && other.ecrcEnabled
        return result
    }

    // MARK: - Payload-free rates (per direction)

    /// Symbols per second per lane (one symbol = one byte of link-layer data).
    public var symbolRatePerLane: Double { generation.symbolsPerSecondPerLane }

    /// Bytes per second per direction after line encoding, before SKP, DLLPs or flit overhead.
    ///
    /// This is the figure hwloc prints: Gen3 x16 = 15.753846 GB/s, Gen4 x16 = 31.507692 GB/s,
    /// Gen5 x16 = 63.015385 GB/s, Gen6 x16 = 128 GB/s.
    public var encodedBytesPerSecond: Double {
        generation.bytesPerSecondPerLane * Double(width.lanes)
    }

    /// Share of link time taken by SKP Ordered Sets (clock tolerance compensation).
    ///
    /// - Gen1-2 (8b/10b): a SKP OS is COM + 3 SKP = 4 symbols per lane, scheduled every
    ///   1180-1538 symbol times (spec §4.2.7). p2psim uses the longest interval, 4 / 1538,
    ///   which is also what pcie-bench charges.
    /// - Gen3-5 (128b/130b): a standard SKP OS is 16 symbols per lane = one 130-bit block,
    ///   scheduled every 370-375 blocks (spec §4.2.7, SKP OS at 8.0 GT/s and above, non-SRIS).
    ///   p2psim uses the longest interval: 1 SKP block per 375 data blocks, i.e. 1 / 376 of blocks.
    /// - Gen6 Flit Mode: ASSUMPTION, not verified against rev 6.0 §4.2.8: the same share as
    ///   128b/130b (1 / 376). Its effect (0.27%) is below the model's other uncertainties.
    public var skpOverheadFraction: Double {
        switch generation.encoding {
        case .eightBTenB: return 4.0 / 1538.0  // §4.2.7: 4 symbols per <= 1538 symbol times
        case .oneTwentyEightB130B: return 1.0 / 376.0  // §4.2.7: 1 block per 375 data blocks
        case .flit1b1b: return 1.0 / 376.0  // assumption, see doc comment
        }
    }

    /// Net data-link-layer capacity in bytes per second per direction after SKP Ordered Sets.
    ///
    /// In non-flit mode TLPs (with framing and LCRC) and DLLPs share this capacity.
    /// In Flit Mode this is the flit byte rate (256-byte flits).
    public var dataLinkBytesPerSecond: Double {
        encodedBytesPerSecond * (1.0 - skpOverheadFraction)
    }

    /// Capacity available to TLP bytes per direction (bytes/s).
    ///
    /// Non-flit: equal to `dataLinkBytesPerSecond` (DLLPs are accounted separately).
    /// Flit Mode: 236 of every 256 flit bytes carry TLPs (rev 6.0 §4.2.3.1); the 6 DLP bytes
    /// carry Ack/Nak and flow-control updates, so no separate DLLP bytes are charged.
    public var tlpBytesPerSecond: Double {
        if isFlitMode {
            return dataLinkBytesPerSecond * Double(FlitLayout.tlpBytes) / Double(FlitLayout.flitBytes)
        }
        return dataLinkBytesPerSecond
    }
}

/// The byte layout of one Gen6 flit (rev 6.0 §4.2.3.1).
public enum FlitLayout {
    /// Bytes in one flit.
    public static let flitBytes = 256  // rev 6.0 §4.2.3.1
    /// Bytes of TLP data (including NOP TLPs) per flit.
    public static let tlpBytes = 236  // rev 6.0 §4.2.3.1
    /// Data Link Layer Payload bytes per flit (carry Ack/Nak, flow control, flit sequence).
    public static let dlpBytes = 6  // rev 6.0 §4.2.3.1
    /// CRC bytes per flit.
    public static let crcBytes = 8  // rev 6.0 §4.2.3.1
    /// FEC bytes per flit (3-way interleaved ECC).
    public static let fecBytes = 6  // rev 6.0 §4.2.3.1
}
