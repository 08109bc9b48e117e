// TLPSplitting.swift — cutting transfers into TLPs, as allocation-free sequences.
//
// Sources:
//   - MWr payload <= MPS, MRd length <= MRRS (spec §2.2.2, §7.5.3.4).
//   - Requests must not cross a 4 KiB address boundary (spec §2.2.7).
//   - Completion splitting (spec §2.3.1.1 "Data Return for Read Requests"): a read may be answered
//     by several completions; every completion but the last must end on a naturally aligned RCB
//     boundary; each completion's payload is <= MPS of the path.
//   - TLP payload lengths are counted in DW (spec §2.2.1: Length field in DW, byte enables mark
//     the first and last valid bytes), so unaligned data is padded to whole DWs on the wire.

/// How a requester cuts a transfer into MWr or MRd requests.
public enum RequestSplitPolicy: Sendable, Hashable, CaseIterable {
    /// Requests of the maximum size counted from the start address, cut short only at 4 KiB boundaries.
    case startRelative
    /// Requests end at addresses that are multiples of the maximum size (common DMA engine behaviour),
    /// so an unaligned start produces a short first request.
    case naturallyAligned
}

/// How a completer splits the data of one read request into CplD TLPs (spec §2.3.1.1).
public enum CompletionSplitPolicy: Sendable, Hashable, CaseIterable {
    /// Completions as large as allowed: each carries at most MPS bytes and ends at the last RCB
    /// boundary that fits; with an RCB-aligned start they are exactly MPS bytes. p2psim's default.
    case largest
    /// The first completion ends at the first RCB boundary after an unaligned start, the rest are
    /// as large as allowed (MPS bytes). Identical to `largest` for RCB-aligned starts.
    case firstToBoundary
    /// Every completion ends at the next RCB boundary (RCB-sized chunks, seen on older chipsets;
    /// pcie-bench's `rcb_chunks`).
    case boundarySized
}

/// One TLP's share of a transfer: its start address and the number of valid bytes.
public struct TLPSegment: Sendable, Hashable {
    /// First byte address covered by the TLP.
    public var address: UInt64
    /// Number of valid bytes (byte-enabled) carried or requested.
    public var length: Int

    /// Creates a segment.
    public init(address: UInt64, length: Int) {
        self.address = address
        self.length = length
    }

    /// One past the last byte address covered.
    public var endAddress: UInt64 { address &+ UInt64(length) }

    /// Number of whole DWs the segment touches (the TLP Length field, spec §2.2.1).
    public var dwordCount: Int {
        guard length > 0 else { return 0 }
        let first = address / 4
        let last = (endAddress &- 1) / 4
        return Int(last - first + 1)
    }

    /// Payload bytes on the wire: the DW-padded size of the segment.
    public var paddedBytes: Int { dwordCount * PCIeWireSizes.dword }
}

/// Allocation-free sequence of MWr or MRd segments for a transfer (spec §2.2.7, §2.2.2).
///
/// Each segment is at most `maxSize` bytes and never crosses a 4 KiB boundary.
public struct RequestSplitter: Sequence, IteratorProtocol, Sendable, Hashable {
    private var address: UInt64
    private var remaining: Int
    private let maxSize: UInt64
    private let policy: RequestSplitPolicy

    /// Creates a splitter for `length` bytes from `address` with requests of at most `maxSize` bytes.
    ///
    /// `maxSize` must be a power of two in 1...4096 (MPS and MRRS values are).
    public init(address: UInt64, length: Int, maxSize: Int, policy: RequestSplitPolicy = .startRelative) {
        precondition(length >= 0, "transfer length must be non-negative")
        precondition(
            maxSize > 0 && maxSize <= PCIeWireSizes.addressBoundary && maxSize & (maxSize - 1) == 0,
            "maxSize must be a power of two <= 4096")
        precondition(UInt64.max - address >= UInt64(length), "transfer wraps the address space")
        self.address = address
        self.remaining = length
        self.maxSize = UInt64(maxSize)
        self.policy = policy
    }

    /// Returns the next request segment, or nil when the transfer is covered.
    public mutating func next() -> TLPSegment? {
        guard remaining > 0 else { return nil }
        let boundary = UInt64(PCIeWireSizes.addressBoundary)
        var end = address + Swift.min(UInt64(remaining), maxSize)
        if policy == .naturallyAligned {
            end = Swift.min(end, (address / maxSize + 1) * maxSize)
        }
        end = Swift.min(end, (address / boundary + 1) * boundary)
        let segment = TLPSegment(address: address, length: Int(end - address))
        address = end
        remaining -= segment.length
        return segment
    }
}

/// Allocation-free sequence of CplD segments answering one read request (spec §2.3.1.1).
public struct CompletionSplitter: Sequence, IteratorProtocol, Sendable, Hashable {
    private var address: UInt64
    private var remaining: Int
    private let maxPayload: UInt64
    private let boundary: UInt64
    private let policy: CompletionSplitPolicy
    private var isFirst = true

    /// Creates a splitter for the completions of `request` with the given MPS, RCB and policy.
    public init(
        request: TLPSegment, maxPayloadSize: Int, readCompletionBoundary: Int,
        policy: CompletionSplitPolicy = .largest
    ) {
        precondition(request.length >= 0, "request length must be non-negative")
        precondition(
            readCompletionBoundary > 0 && maxPayloadSize >= readCompletionBoundary
                && maxPayloadSize % readCompletionBoundary == 0,
            "MPS must be a positive multiple of RCB")
        self.address = request.address
        self.remaining = request.length
        self.maxPayload = UInt64(maxPayloadSize)
        self.boundary = UInt64(readCompletionBoundary)
        self.policy = policy
    }

    /// Returns the next completion segment, or nil when the request is answered.
    public mutating func next() -> TLPSegment? {
        guard remaining > 0 else { return nil }
        let requestEnd = address + UInt64(remaining)
        let nextBoundary = (address / boundary + 1) * boundary
        let end: UInt64
        switch policy {
        case .boundarySized:
            end = Swift.min(requestEnd, nextBoundary)
        case .firstToBoundary where isFirst && address % boundary != 0:
            end = Swift.min(requestEnd, nextBoundary)
        case .largest, .firstToBoundary:
            let limit = address + maxPayload
            if requestEnd <= limit {
                end = requestEnd
            } else {
                // Last RCB boundary not beyond address + MPS; always > address since MPS >= RCB.
                end = limit / boundary * boundary
            }
        }
        isFirst = false
        let segment = TLPSegment(address: address, length: Int(end - address))
        address = end
        remaining -= segment.length
        return segment
    }
}

extension PCIeLinkConfiguration {
    /// The MWr requests of a posted write of `length` bytes from `address` (split at MPS and 4 KiB).
    public func memoryWrites(address: UInt64, length: Int) -> RequestSplitter {
        RequestSplitter(address: address, length: length, maxSize: maxPayloadSize.bytes, policy: requestSplitting)
    }

    /// The MRd requests of a read of `length` bytes from `address` (split at MRRS and 4 KiB).
    public func readRequests(address: UInt64, length: Int) -> RequestSplitter {
        RequestSplitter(address: address, length: length, maxSize: maxReadRequestSize.bytes, policy: requestSplitting)
    }

    /// The CplD TLPs answering one read request under this configuration's MPS, RCB and policy.
    public func completions(for request: TLPSegment) -> CompletionSplitter {
        CompletionSplitter(
            request: request, maxPayloadSize: maxPayloadSize.bytes,
            readCompletionBoundary: readCompletionBoundary.bytes, policy: completionSplitting)
    }
}
