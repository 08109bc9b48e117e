// PacketTransfer.swift — what a requester asks the fabric to move.
//
// Sources:
//   - Default of 256 outstanding read tags: PCIe Base Spec rev 5.0 §2.2.6.2 (8-bit Tag field when
//     Extended Tag Field Enable is set, the usual setting); 10-bit tags allow up to 768.
//   - MPS 256, MRRS 512, RCB 64: pcie-bench's defaults, as `PCIeLinkConfiguration` uses.

import PCIeProtocol
import Units

/// Posted writes or reads answered by completions.
public enum PacketTransferKind: Sendable, Hashable {
    /// Memory writes (MWr), posted: no completion.
    case write
    /// Memory reads (MRd), answered by completions with data (CplD).
    case read
}

/// The requester's DMA settings that shape its TLPs.
public struct RequesterParameters: Sendable, Hashable {
    /// Maximum Payload Size: the largest MWr payload, and the largest completion the completer sends.
    public var maxPayloadSize: TransactionSizeLimit
    /// Maximum Read Request Size: the largest MRd.
    public var maxReadRequestSize: TransactionSizeLimit
    /// The number of reads that may be outstanding at once (one tag each).
    public var outstandingReadTags: Int
    /// The completer's Read Completion Boundary.
    public var readCompletionBoundary: ReadCompletionBoundary
    /// The DMA engine's own rate limit on payload bytes issued (`nil`: none).
    public var dmaRate: DataRate?
    /// How requests are cut (see `RequestSplitPolicy`).
    public var requestSplitting: RequestSplitPolicy
    /// How the completer cuts completions (see `CompletionSplitPolicy`).
    public var completionSplitting: CompletionSplitPolicy
    /// The posted writes the device keeps waiting at its transmitter when its DMA engine outruns
    /// its link (0: none, one TLP staged at a time).
    ///
    /// Where the same device also reads through that transmitter, its requests and writes share
    /// one queue in issue order, so a read request waits behind the writes queued before it
    /// (PCIe ordering: a request may not pass a posted write, Base Specification 2.4.1).
    public var postedBacklog: Int

    /// Creates requester parameters; defaults are MPS 256, MRRS 512, 256 tags, RCB 64, no rate cap,
    /// no posted backlog.
    public init(
        maxPayloadSize: TransactionSizeLimit = .bytes256, maxReadRequestSize: TransactionSizeLimit = .bytes512,
        outstandingReadTags: Int = 256, readCompletionBoundary: ReadCompletionBoundary = .bytes64,
        dmaRate: DataRate? = nil, requestSplitting: RequestSplitPolicy = .startRelative,
        completionSplitting: CompletionSplitPolicy = .largest, postedBacklog: Int = 0
    ) {
        self.postedBacklog = postedBacklog
        self.maxPayloadSize = maxPayloadSize
        self.maxReadRequestSize = maxReadRequestSize
        self.outstandingReadTags = outstandingReadTags
        self.readCompletionBoundary = readCompletionBoundary
        self.dmaRate = dmaRate
        self.requestSplitting = requestSplitting
        self.completionSplitting = completionSplitting
    }
}

/// One DMA transfer through the fabric.
public struct PacketTransfer: Sendable, Hashable {
    /// Write or read.
    public var kind: PacketTransferKind
    /// Payload bytes moved.
    public var bytes: UInt64
    /// The first target address (splitting depends on it: no request crosses 4 KiB).
    public var startAddress: UInt64
    /// When the requester starts issuing.
    public var start: Picoseconds
    /// The requester's DMA settings.
    public var requester: RequesterParameters
    /// The stages requests cross, requester to completer; it ends with a `.memory` stage.
    public var requestRoute: [StageID]
    /// For reads: the stages completions cross from the completer back to the requester (the
    /// completer's memory stage may be listed first or left out).
    public var completionRoute: [StageID]
    /// A name for reports.
    public var tag: String

    /// Creates a transfer.
    public init(
        kind: PacketTransferKind, bytes: UInt64, startAddress: UInt64 = 0, start: Picoseconds = .zero,
        requester: RequesterParameters = RequesterParameters(), requestRoute: [StageID],
        completionRoute: [StageID] = [], tag: String
    ) {
        self.kind = kind
        self.bytes = bytes
        self.startAddress = startAddress
        self.start = start
        self.requester = requester
        self.requestRoute = requestRoute
        self.completionRoute = completionRoute
        self.tag = tag
    }
}

/// A description the packet model cannot run, with the reason.
public struct PacketModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, naming the transfer or stage.
    public var message: String

    /// Creates an error with `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
