// Generation.swift — PCIe generations, line encodings and link widths.
//
// Sources (section numbers refer to the PCI Express Base Specification; rev 3.0 for Gen1-3,
// rev 5.0 for Gen4-5, rev 6.0 for Gen6 — the rates are also listed in
// ../shared/data/measurements/README.md):
//   - §4.2.1 (8b/10b encoding, 2.5 and 5.0 GT/s), §4.2.2 (128b/130b encoding, 8.0 GT/s and above),
//   - rev 6.0 §4.2 / §4.2.3 (64.0 GT/s PAM4 signalling, Flit Mode with 1b/1b encoding).

/// The line code a PCIe generation uses on each lane.
public enum LineEncoding: Sendable, Hashable, CaseIterable {
    /// 8b/10b: every 8-bit symbol travels as 10 bits (Gen1, Gen2; spec §4.2.1).
    case eightBTenB
    /// 128b/130b: a 2-bit sync header per 16 symbols (Gen3-Gen5; spec §4.2.2).
    case oneTwentyEightB130B
    /// 1b/1b PAM4 in Flit Mode: no line code, protection lives inside the 256-byte flit (Gen6; rev 6.0 §4.2).
    case flit1b1b

    /// Payload bits per line bit as an exact fraction (numerator, denominator).
    public var efficiencyFraction: (numerator: Int, denominator: Int) {
        switch self {
        case .eightBTenB: return (8, 10)  // §4.2.1: 10-bit code groups carry 8 bits
        case .oneTwentyEightB130B: return (128, 130)  // §4.2.2.1: 2-bit sync header + 128-bit payload
        case .flit1b1b: return (1, 1)  // rev 6.0 §4.2: 1b/1b, FEC/CRC are inside the flit
        }
    }

    /// Payload bits per line bit as a floating-point ratio (0.8, 0.984615..., 1.0).
    public var efficiency: Double {
        let f = efficiencyFraction
        return Double(f.numerator) / Double(f.denominator)
    }
}

/// A PCI Express generation, Gen1 (2.5 GT/s) to Gen6 (64 GT/s PAM4, Flit Mode).
public enum PCIeGeneration: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Gen1, 2.5 GT/s, 8b/10b.
    case gen1 = 1
    /// Gen2, 5.0 GT/s, 8b/10b.
    case gen2 = 2
    /// Gen3, 8.0 GT/s, 128b/130b.
    case gen3 = 3
    /// Gen4, 16.0 GT/s, 128b/130b.
    case gen4 = 4
    /// Gen5, 32.0 GT/s, 128b/130b.
    case gen5 = 5
    /// Gen6, 64.0 GT/s PAM4, Flit Mode.
    case gen6 = 6

    /// Orders generations by their number.
    public static func < (lhs: PCIeGeneration, rhs: PCIeGeneration) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Short name such as "Gen3".
    public var description: String { "Gen\(rawValue)" }

    /// Raw line rate of one lane in gigatransfers per second (one transfer = one line bit).
    public var gigatransfersPerSecond: Double {
        switch self {
        case .gen1: return 2.5  // spec rev 1.1 / §4.2.1
        case .gen2: return 5.0  // spec rev 2.0 / §4.2.1
        case .gen3: return 8.0  // spec rev 3.0 §4.2.2
        case .gen4: return 16.0  // spec rev 4.0 §4.2.2
        case .gen5: return 32.0  // spec rev 5.0 §4.2.2
        case .gen6: return 64.0  // spec rev 6.0 §4.2: 32 GBaud PAM4 = 64 GT/s (2 bits per UI)
        }
    }

    /// Raw line rate of one lane in transfers (line bits) per second.
    public var transfersPerSecond: Double { gigatransfersPerSecond * 1e9 }

    /// The line code used at this generation's full rate.
    public var encoding: LineEncoding {
        switch self {
        case .gen1, .gen2: return .eightBTenB
        case .gen3, .gen4, .gen5: return .oneTwentyEightB130B
        case .gen6: return .flit1b1b
        }
    }

    /// Whether the link runs in Flit Mode; p2psim derives it from the generation (Gen6 only).
    ///
    /// The rev 6.0 spec also lets two Flit-Mode-capable ends use Flit Mode at lower data rates;
    /// p2psim does not model that combination.
    public var usesFlitMode: Bool { self == .gen6 }

    /// Symbols per second on one lane, where one symbol carries one byte of link-layer data.
    ///
    /// Gen1-2: 10-bit symbols, so GT/s / 10 (symbol time 4 ns at 2.5 GT/s, §4.2.1).
    /// Gen3-5: 8-bit symbols after removing the 2/130 sync-header share (§4.2.2).
    /// Gen6: 8-bit symbols with 1b/1b encoding, GT/s / 8.
    /// This is also the per-lane byte rate after encoding.
    public var symbolsPerSecondPerLane: Double {
        transfersPerSecond * encoding.efficiency / 8.0
    }

    /// Bytes per second per lane and direction after line encoding (equal to `symbolsPerSecondPerLane`).
    public var bytesPerSecondPerLane: Double { symbolsPerSecondPerLane }
}

/// The number of lanes a link uses.
public enum LinkWidth: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// One lane.
    case x1 = 1
    /// Two lanes.
    case x2 = 2
    /// Four lanes.
    case x4 = 4
    /// Eight lanes.
    case x8 = 8
    /// Twelve lanes.
    case x12 = 12
    /// Sixteen lanes.
    case x16 = 16
    /// Thirty-two lanes.
    case x32 = 32

    /// Number of lanes.
    public var lanes: Int { rawValue }

    /// Orders widths by lane count.
    public static func < (lhs: LinkWidth, rhs: LinkWidth) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Short name such as "x16".
    public var description: String { "x\(rawValue)" }
}
