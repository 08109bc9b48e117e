// TLPFormat.swift — bytes each TLP occupies on the wire.
//
// Sources:
//   - Non-flit framing, Gen1-2 (8b/10b): STP 1 B + sequence number 2 B + LCRC 4 B + END 1 B = 8 B
//     (spec §4.2.1.2 framing symbols, §3.6.2.1 sequence number, §3.6.2 LCRC).
//   - Non-flit framing, Gen3-5 (128b/130b): 4-byte STP token (carries length, frame CRC/parity and
//     the 12-bit sequence number) + LCRC 4 B = 8 B (spec §4.2.2.3.1 framing tokens, §3.6.2).
//   - TLP headers: memory request 3DW (32-bit address) or 4DW (64-bit address) (spec §2.2.4.1);
//     completion header 3DW (spec §2.2.9); ECRC digest 1DW (spec §2.7).
//   - Flit Mode (rev 6.0 §2.2.1.2 and §4.2.3): no per-TLP STP/END/LCRC or sequence number; the TLP
//     header remains (flit-mode header base: 3DW for 32-bit, 4DW for 64-bit memory requests,
//     3DW completions); the ECRC, if used, is a 1DW TLP trailer.
//   - DLLPs: 6 B (4 B content + 2 B CRC) plus 2 B of framing (SDP/END in 8b/10b, SDP token in
//     128b/130b) = 8 B (spec §3.5, §4.2.2.3.1); pcie-bench uses the same 8 B.

/// The TLP types p2psim's data paths use.
public enum TLPKind: Sendable, Hashable, CaseIterable {
    /// Posted Memory Write request (MWr) carrying data.
    case memoryWrite
    /// Non-posted Memory Read request (MRd), header only.
    case memoryRead
    /// Completion with Data (CplD) returning read data.
    case completionWithData
}

/// Byte sizes of PCIe packet parts that do not depend on the link configuration.
public enum PCIeWireSizes {
    /// Per-TLP framing + sequence number + LCRC in non-flit mode (§4.2.1.2 / §4.2.2.3.1, §3.6.2).
    public static let nonFlitTLPFraming = 8
    /// One DW of header or data.
    public static let dword = 4
    /// 3DW header (32-bit-address memory request, completion) (§2.2.4.1, §2.2.9).
    public static let header3DW = 12
    /// 4DW header (64-bit-address memory request) (§2.2.4.1).
    public static let header4DW = 16
    /// ECRC digest / TLP trailer (§2.7).
    public static let ecrc = 4
    /// A DLLP on the wire including framing (§3.5, §4.2.2.3.1).
    public static let dllp = 8
    /// Requests must not cross a 4 KiB address boundary (§2.2.7).
    public static let addressBoundary = 4096
}

extension PCIeLinkConfiguration {
    /// Per-TLP framing, sequence number and LCRC bytes: 8 in non-flit mode, 0 in Flit Mode.
    public var tlpFramingBytes: Int { isFlitMode ? 0 : PCIeWireSizes.nonFlitTLPFraming }

    /// Header bytes of a TLP of the given kind under this configuration.
    public func headerBytes(_ kind: TLPKind) -> Int {
        switch kind {
        case .memoryWrite, .memoryRead:
            return uses64BitAddressing ? PCIeWireSizes.header4DW : PCIeWireSizes.header3DW
        case .completionWithData:
            return PCIeWireSizes.header3DW
        }
    }

    /// ECRC digest bytes per TLP (4 when enabled, else 0).
    public var digestBytes: Int { ecrcEnabled ? PCIeWireSizes.ecrc : 0 }

    /// Per-TLP overhead (everything except the data payload) for a TLP of the given kind.
    ///
    /// Non-flit, 64-bit, no ECRC: MWr/MRd 24 B, CplD 20 B. Flit Mode: MWr/MRd 16 B, CplD 12 B.
    public func tlpOverheadBytes(_ kind: TLPKind) -> Int {
        tlpFramingBytes + headerBytes(kind) + digestBytes
    }

    /// Bytes on the wire for one TLP of the given kind carrying `payloadBytes` of DW-padded data.
    public func tlpWireBytes(_ kind: TLPKind, payloadBytes: Int) -> Int {
        tlpOverheadBytes(kind) + payloadBytes
    }
}
