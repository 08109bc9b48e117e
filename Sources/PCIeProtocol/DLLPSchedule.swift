// DLLPSchedule.swift — how many Ack and UpdateFC DLLPs a TLP stream causes.
//
// Sources:
//   - Ack latency limits: PCIe Base Spec rev 5.0 §3.6.3.1 (AckNak_LATENCY_TIMER), Tables 3-7
//     (2.5 GT/s), 3-8 (5.0 GT/s), 3-9 (8.0 GT/s and above), in Symbol Times, built from
//     ((MPS + TLPOverhead) * AckFactor / LinkWidth) + InternalDelay.
//   - UpdateFC latency guidelines: rev 5.0 §2.6.1.2, Tables 2-46, 2-47, 2-48 (same structure).
//   - Values as transcribed in pcie-bench/pcie-model model/pcie.py (Apache-2.0), which cites the
//     tables above. Two entries differ between that file's Ack and FC copies; the spec formula
//     decides them and the corrected value is used in both tables here:
//       Gen1 x32 MPS 2048: 148 (pcie-bench FC copy has 248; formula 2076*2/32 + 19 = 148.75),
//       Gen2 x32 MPS 4096: 327 (pcie-bench Ack copy has 237; formula 4124*2/32 + 70 = 327.75).
//     `PCIeBenchModel` keeps pcie-bench's entries verbatim.
//   - x12 is not in that transcription: p2psim uses the x16 row for x12 (a shorter interval, so
//     slightly more DLLPs than the spec's x12 row would give). ASSUMPTION, verify against the spec.
//   - Gen4/Gen5 use the 8.0 GT/s-and-above table (§3.6.3.1). Gen6 runs in Flit Mode, where Ack/Nak
//     and flow-control updates travel in the flit's DLP bytes (rev 6.0 §4.2.3.1): no DLLP bytes.
//   - Endpoints and Root Complexes advertise infinite completion credits (spec §2.6.1), so CplD
//     streams need no UpdateFC by default.

/// Spec tables of Ack and UpdateFC latency limits, in Symbol Times.
public enum DLLPLatencyTables {
    /// Column order of the MPS dimension: 128, 256, 512, 1024, 2048, 4096.
    static let mpsColumns: [Int] = [128, 256, 512, 1024, 2048, 4096]

    /// Rows x1, x2, x4, x8, x16, x32 for 2.5 GT/s (rev 5.0 Table 3-7 / Table 2-46).
    static let gen1: [[Int]] = [
        [237, 416, 559, 1071, 2095, 4143],
        [128, 217, 289, 545, 1057, 2081],
        [73, 118, 154, 282, 538, 1050],
        [67, 107, 86, 150, 278, 534],
        [48, 72, 86, 150, 278, 534],
        [33, 45, 52, 84, 148, 276],
    ]

    /// Rows x1, x2, x4, x8, x16, x32 for 5.0 GT/s (rev 5.0 Table 3-8 / Table 2-47).
    static let gen2: [[Int]] = [
        [288, 467, 610, 1122, 2146, 4194],
        [179, 268, 340, 596, 1108, 2132],
        [124, 169, 205, 333, 589, 1101],
        [118, 158, 137, 201, 329, 585],
        [99, 123, 137, 201, 329, 585],
        [84, 96, 103, 135, 199, 327],
    ]

    /// Rows x1, x2, x4, x8, x16, x32 for 8.0 GT/s and above (rev 5.0 Table 3-9 / Table 2-48).
    static let gen3Plus: [[Int]] = [
        [333, 512, 655, 1167, 2191, 4239],
        [224, 313, 385, 641, 1153, 2177],
        [169, 214, 250, 378, 634, 1146],
        [163, 203, 182, 246, 374, 630],
        [144, 168, 182, 246, 374, 630],
        [129, 141, 148, 180, 244, 372],
    ]

    /// Row index of a width in the tables (x12 uses the x16 row, see file header).
    static func row(_ width: LinkWidth) -> Int {
        switch width {
        case .x1: return 0
        case .x2: return 1
        case .x4: return 2
        case .x8: return 3
        case .x12, .x16: return 4
        case .x32: return 5
        }
    }

    /// Column index of an MPS in the tables (64 B is no MPS setting: it takes the 128 B column).
    static func column(_ mps: TransactionSizeLimit) -> Int {
        switch mps {
        case .bytes64, .bytes128: return 0
        case .bytes256: return 1
        case .bytes512: return 2
        case .bytes1024: return 3
        case .bytes2048: return 4
        case .bytes4096: return 5
        }
    }

    /// Maximum Ack latency in Symbol Times for a generation, width and MPS (rev 5.0 Tables 3-7..3-9).
    public static func ackLatencySymbolTimes(
        generation: PCIeGeneration, width: LinkWidth,
        maxPayloadSize: TransactionSizeLimit
    ) -> Int {
        let table: [[Int]]
        switch generation {
        case .gen1: table = gen1
        case .gen2: table = gen2
        case .gen3, .gen4, .gen5, .gen6: table = gen3Plus
        }
        return table[row(width)][column(maxPayloadSize)]
    }

    /// UpdateFC transmission latency guideline in Symbol Times (rev 5.0 Tables 2-46..2-48).
    ///
    /// The spec's UpdateFC tables have the same entries as the Ack tables (same formula and factors).
    public static func updateFCLatencySymbolTimes(
        generation: PCIeGeneration, width: LinkWidth,
        maxPayloadSize: TransactionSizeLimit
    ) -> Int {
        ackLatencySymbolTimes(generation: generation, width: width, maxPayloadSize: maxPayloadSize)
    }
}

/// The DLLP traffic a receiver returns for a stream of TLPs, following the spec's latency limits.
///
/// A receiver sends one Ack per Ack latency period while unacknowledged TLPs are pending (Acks
/// coalesce), and one UpdateFC per credit type per UpdateFC period while credits are being
/// returned, but never more DLLPs of a kind than TLPs received. Periods are in Symbol Times, and
/// one Symbol Time moves one byte on every lane, so a period spans `limit * lanes` link bytes.
/// Counts are expectations for a pattern repeated back-to-back (steady state), so they are
/// fractional and a short transfer is not charged a whole DLLP: Acks coalesce across transfers.
public struct DLLPSchedule: Sendable, Hashable {
    /// Ack latency limit in Symbol Times.
    public let ackLatencySymbolTimes: Int
    /// UpdateFC latency guideline in Symbol Times.
    public let updateFCLatencySymbolTimes: Int
    /// Whether the link is in Flit Mode (no separate DLLPs).
    public let isFlitMode: Bool

    /// Creates the schedule for a link configuration.
    public init(configuration: PCIeLinkConfiguration) {
        ackLatencySymbolTimes = DLLPLatencyTables.ackLatencySymbolTimes(
            generation: configuration.generation, width: configuration.width,
            maxPayloadSize: configuration.maxPayloadSize)
        updateFCLatencySymbolTimes = DLLPLatencyTables.updateFCLatencySymbolTimes(
            generation: configuration.generation, width: configuration.width,
            maxPayloadSize: configuration.maxPayloadSize)
        isFlitMode = configuration.isFlitMode
    }

    /// Expected Ack DLLPs for `tlpCount` TLPs received over `durationSymbolTimes` (fractional: steady state).
    public func ackCount(tlpCount: Int, durationSymbolTimes: Double) -> Double {
        guard !isFlitMode, tlpCount > 0 else { return 0 }
        return min(Double(tlpCount), durationSymbolTimes / Double(ackLatencySymbolTimes))
    }

    /// Expected UpdateFC DLLPs for `tlpCount` TLPs consuming `creditTypes` credit types over `durationSymbolTimes`.
    ///
    /// One UpdateFC DLLP carries both header and data credits of one type (P, NP or Cpl; spec §3.5.2.1),
    /// so posted writes use 1 credit type, reads 1 (NP), completions 0 with infinite Cpl credits.
    public func updateFCCount(tlpCount: Int, creditTypes: Int, durationSymbolTimes: Double) -> Double {
        guard !isFlitMode, tlpCount > 0, creditTypes > 0 else { return 0 }
        let perType = min(Double(tlpCount), durationSymbolTimes / Double(updateFCLatencySymbolTimes))
        return perType * Double(creditTypes)
    }
}
