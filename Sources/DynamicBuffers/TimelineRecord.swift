import Units

/// The kinds of things a timeline records.
public enum RecordKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An importer attached (with the exporter's decision).
    case attach
    /// A buffer was pinned (static attachment, pinned region, pinning policy).
    case pin
    /// The exporter placed a buffer in system memory because an importer cannot reach VRAM.
    case placement
    /// A DMA was submitted.
    case dmaStart = "dma-start"
    /// A DMA completed.
    case dmaEnd = "dma-end"
    /// A DMA's chunks started to take another path.
    case pathChange = "path-change"
    /// `dma_buf_move_notify()` reached a dynamic importer.
    case moveNotify = "move-notify"
    /// A move waited for the DMAs in flight (the reservation object's fences).
    case fenceWait = "fence-wait"
    /// Pages were copied between VRAM and system memory.
    case migration
    /// An importer mapped the buffer again after a move.
    case remap
    /// A device page fault (GPU recoverable fault or RDMA ODP fault).
    case fault
    /// A device accessed pages already in its memory (no fault).
    case localAccess = "local-access"
    /// An RDMA region's mapping was dropped.
    case invalidate
    /// A buffer was evicted under memory pressure.
    case eviction
    /// Memory pressure could not be relieved (pinned buffers).
    case evictionFailed = "eviction-failed"
    /// A buffer moved back into VRAM.
    case restore
    /// A memory region was registered (pinned, with its cost).
    case registration
    /// The P2PDMA orchestrator chose a provider.
    case providerChoice = "provider-choice"
    /// A P2PDMA pool allocation.
    case poolAllocation = "pool-allocation"
    /// A P2PDMA pool could not satisfy an allocation.
    case poolExhausted = "pool-exhausted"
    /// How a P2PDMA client maps the memory (bus address or through the host bridge).
    case clientMapping = "client-mapping"
    /// A pipeline stage moved a chunk.
    case stage
    /// The CPU synchronised a pipeline stage.
    case cpuSync = "cpu-sync"
    /// A buffer, region or allocation did not fit or was refused.
    case refused
}

/// One thing that happened: a span (start to end) or an instant (start equals end).
public struct TimelineRecord: Sendable, Hashable, Encodable {
    /// When it started.
    public var start: Picoseconds
    /// When it ended.
    public var end: Picoseconds
    /// What kind of thing.
    public var kind: RecordKind
    /// The id it is about (buffer, attachment, DMA, allocation, range, pipeline).
    public var subject: String
    /// The device it happened on (a topology id), if any.
    public var device: String?
    /// Bytes involved (0 when none).
    public var bytes: UInt64
    /// What happened, in words (with the kernel function where one applies).
    public var message: String
}

/// A DMA's path segment: the chunks it moved over one path.
public struct PathSegment: Sendable, Hashable, Encodable {
    /// `p2p`, `system` or `local`.
    public var path: String
    /// The engine's mechanism (`pcie-p2p-bus-addr`, `host-to-device`...).
    public var mechanism: String
    /// Bytes moved on it.
    public var bytes: UInt64
    /// When its first chunk was issued.
    public var start: Picoseconds
    /// When its last chunk landed.
    public var end: Picoseconds

    /// Bytes per second over the segment.
    public var bandwidth: Double {
        let seconds = (end - start).seconds
        return seconds > 0 ? Double(bytes) / seconds : 0
    }
}

/// A chunk delivered by a DMA, for the bytes-in-order check.
public struct DeliveredChunk: Sendable, Hashable {
    /// Offset in the DMA.
    public var offset: UInt64
    /// Bytes.
    public var length: UInt64
    /// When it landed.
    public var time: Picoseconds
    /// The path it took.
    public var path: String
}

/// What one DMA of a timeline did.
public struct DMAResult: Sendable, Hashable {
    /// The DMA's id.
    public var id: String
    /// The buffer it goes through, if any.
    public var buffer: String?
    /// Bytes requested.
    public var requested: UInt64
    /// When it was submitted.
    public var start: Picoseconds
    /// When it completed (nil if it never did).
    public var end: Picoseconds?
    /// Its path segments, in order.
    public var segments: [PathSegment]
    /// Its chunks, in delivery order.
    public var chunks: [DeliveredChunk]
}

/// One mode of a pipeline run.
public struct PipelineModeResult: Sendable, Hashable, Encodable {
    /// `p2p` or `cpu`.
    public var mode: String
    /// The steps each chunk takes, in order ("nic0 -> gpu0 (pcie-p2p-bus-addr)").
    public var steps: [String]
    /// From the first byte received to the last byte stored.
    public var duration: Picoseconds
    /// From the start to the first chunk stored: one chunk's trip through every step.
    public var firstChunk: Picoseconds
    /// CPU synchronisations (interrupt, wake-up, submission).
    public var cpuSyncs: Int
    /// CPU time spent on them.
    public var cpuTime: Picoseconds
    /// Bytes that crossed system memory.
    public var systemMemoryBytes: UInt64
}

/// What a pipeline gave in both modes.
public struct PipelineResult: Sendable, Hashable, Encodable {
    /// The pipeline's id.
    public var id: String
    /// Devices, in order.
    public var stages: [String]
    /// Peer-to-peer between stages.
    public var peerToPeer: PipelineModeResult
    /// Through system memory with the CPU synchronising each stage.
    public var cpuInLoop: PipelineModeResult
}
