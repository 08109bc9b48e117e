import Engine
import Fabric
import Topology
import Units

/// A loaded timeline scenario: a machine, buffers and their importers, P2PDMA providers, RDMA
/// memory regions, HMM ranges, pipelines, timed events and what the run should show.
public struct TimelineScenario: Sendable {
    /// The scenario's name (`<timeline name>`).
    public var name: String
    /// The scenario file, as given.
    public var file: String
    /// The topology file, resolved against the scenario file.
    public var topologyFile: String
    /// The topology file's text.
    public var topologyText: String
    /// The enumerated machine.
    public var machine: EnumeratedMachine
    /// The defaults with the scenario's `<parameter>` overrides applied.
    public var parameters: ModelParameters
    /// The framework constants (`<settings>`).
    public var settings: TimelineSettings
    /// Exported buffers (`<buffer>`).
    public var buffers: [BufferSpec]
    /// dma-buf attachments (`<attach>`) and RDMA memory regions (`<region>`).
    public var attachments: [AttachmentSpec]
    /// P2PDMA providers (`<provider>`).
    public var providers: [ProviderSpec]
    /// HMM ranges (`<range>`).
    public var ranges: [HMMRangeSpec]
    /// Pipelines (`<pipeline>`).
    public var pipelines: [PipelineSpec]
    /// Timed events, in time order (file order among equal times).
    public var events: [TimedEvent]
    /// Expectations, in file order.
    public var expectations: [TimelineExpectation]
}

/// Where a buffer's pages live.
public enum BufferPlacement: String, Sendable, Hashable, Codable {
    /// In the exporting device's memory (VRAM).
    case vram
    /// In system memory (GTT), on the exporter's socket.
    case system
}

/// A `<buffer>`: a GPU buffer object exported as a dma-buf.
public struct BufferSpec: Sendable, Hashable {
    /// The buffer's id.
    public var id: String
    /// The exporting device (topology node index).
    public var exporter: Int
    /// Bytes.
    public var size: UInt64
    /// Where it is created.
    public var placement: BufferPlacement
    /// Whether the exporter pins it (it never moves).
    public var pinned: Bool
    /// Where the element is.
    public var location: SourceLocation
}

/// How an importer attaches.
public enum AttachMode: String, Sendable, Hashable, Codable {
    /// `dma_buf_dynamic_attach()` with `move_notify`: the buffer may move; the importer re-maps.
    case dynamic
    /// A static attachment: the exporter pins the buffer (`dma_buf_pin()`).
    case pinned
}

/// An `<attach>` (a dma-buf importer) or a `<region>` (an RDMA memory region).
public struct AttachmentSpec: Sendable, Hashable {
    /// The attachment's id.
    public var id: String
    /// The buffer imported (nil: a region over system memory of `size` bytes).
    public var buffer: String?
    /// The importing device (topology node index).
    public var importer: Int
    /// The mode asked for.
    public var mode: AttachMode
    /// `importer_ops->allow_peer2peer`.
    public var allowsPeer2Peer: Bool
    /// Whether the importer can wait for and signal `dma_fence`s (GPUs can; RDMA NICs cannot).
    public var supportsFences: Bool
    /// Whether this is an RDMA memory region.
    public var isRegion: Bool
    /// Whether the region uses on-demand paging (`IB_ACCESS_ON_DEMAND`).
    public var onDemandPaging: Bool
    /// Bytes of a region over system memory.
    public var size: UInt64?
    /// The importer's line rate (a NIC's port), if it caps its DMA.
    public var lineRate: DataRate?
    /// Where the element is.
    public var location: SourceLocation
}

/// A `<provider>`: a device publishing BAR memory as a P2PDMA pool.
public struct ProviderSpec: Sendable, Hashable {
    /// The providing device (topology node index).
    public var device: Int
    /// Bytes of the pool (`pci_p2pdma_add_resource()` size).
    public var size: UInt64
    /// Where the element is.
    public var location: SourceLocation
}

/// A `<range>`: an HMM (shared virtual memory) range a device may migrate into its memory.
public struct HMMRangeSpec: Sendable, Hashable {
    /// The range's id.
    public var id: String
    /// The device with DEVICE_PRIVATE memory (topology node index).
    public var device: Int
    /// Bytes.
    public var size: UInt64
    /// Where the element is.
    public var location: SourceLocation
}

/// A `<pipeline>`: data flowing through devices stage by stage, in chunks.
public struct PipelineSpec: Sendable, Hashable {
    /// The pipeline's id.
    public var id: String
    /// The devices the data passes through, in order (topology node indices).
    public var stages: [Int]
    /// Total bytes.
    public var size: UInt64
    /// Bytes per chunk.
    public var chunk: UInt64
    /// The first stage's line rate (a NIC receiving from the network), if any.
    public var lineRate: DataRate?
    /// Where the element is.
    public var location: SourceLocation
}

/// Which way a DMA moves data relative to the buffer.
public enum DMAAccess: String, Sendable, Hashable, Codable {
    /// The importer reads the buffer.
    case read
    /// The importer writes the buffer.
    case write
}

/// A timed event.
public struct TimedEvent: Sendable, Hashable {
    /// When.
    public var time: Picoseconds
    /// What.
    public var action: TimedAction
    /// Where the element is.
    public var location: SourceLocation
}

/// What a timed event does.
public enum TimedAction: Sendable, Hashable {
    /// A DMA of `size` bytes through attachment or region `via` (or P2PDMA allocation `via` by `client`).
    case dma(id: String, via: String, client: Int?, size: UInt64, access: DMAAccess)
    /// Memory pressure: `size` bytes of `device`'s VRAM are needed, buffers are evicted.
    case evict(device: Int, size: UInt64)
    /// The exporter moves `buffer` back into its VRAM.
    case restore(buffer: String)
    /// A device or the CPU (`by` nil) touches `size` bytes of HMM range `range` at `offset`.
    case touch(range: String, by: Int?, offset: UInt64, size: UInt64)
    /// The P2PDMA orchestrator allocates `size` bytes for `clients`.
    case allocate(id: String, clients: [Int], size: UInt64)
    /// A P2PDMA allocation is freed.
    case free(allocation: String)
    /// The exporter (or the MMU notifier) invalidates an RDMA region's mapping.
    case invalidate(region: String)
}

/// The framework constants of a run, each with its source (`<settings>` overrides them).
public struct TimelineSettings: Sendable, Hashable {
    /// Bytes a DMA submits at a time.
    ///
    /// A move waits for the chunk in flight, later chunks follow the buffer. Assumption: 2 MiB,
    /// a large page and a common driver copy granule.
    public var chunk: UInt64 = 2 << 20
    /// Mapping again after a `move_notify`.
    ///
    /// `dma_buf_map_attachment()` builds the scatter list and IOMMU mappings. Assumption: 10 µs
    /// (no public measurement found).
    public var remapLatency = Picoseconds.us(10)
    /// A GPU's recoverable (replayable) page fault, raised to the driver and serviced before the
    /// migration copy starts: 20 µs, the low end of the 20-50 µs reported by Zheng et al.,
    /// "Towards High Performance Paged Memory for GPUs", HPCA 2016.
    public var gpuFaultLatency = Picoseconds.us(20)
    /// A CPU fault on a DEVICE_PRIVATE page, before `migrate_to_ram()` copies it back.
    ///
    /// Assumption: 2 µs (a minor fault and the swap-entry lookup; no public figure found).
    public var cpuFaultLatency = Picoseconds.us(2)
    /// Bytes one HMM fault migrates: 2 MiB, amdgpu's default SVM granularity (2^9 pages,
    /// `amdgpu_svm_default_granularity`, drivers/gpu/drm/amd/amdkfd/kfd_svm.c).
    public var hmmGranule: UInt64 = 2 << 20
    /// An RDMA NIC's ODP page fault, from the NIC's fault event to the resumed request.
    ///
    /// Shen et al., "NP-RDMA" (arXiv 2310.11062): 3.5-5.7 µs software handling is "500x faster
    /// than ODP", i.e. about 2 ms per ODP fault; taken as 2 ms.
    public var odpFaultLatency = Picoseconds.ms(2)
    /// ODP page size: 4 KiB, the base page the MR's umem is built from (`ib_umem_odp`).
    public var odpPageSize: UInt64 = 4096
    /// Pages one ODP fault maps.
    ///
    /// Assumption: 512 (2 MiB), the NIC prefetching the surrounding huge-page worth; 1 is the
    /// strict per-page case.
    public var odpPagesPerFault: UInt64 = 512
    /// Pinning one 4 KiB page at registration (`pin_user_pages_fast()` plus the NIC's page
    /// table): assumption 0.25 µs, so that pinning 1 GiB costs about 65 ms, the order of the
    /// registration times NP-RDMA (arXiv 2310.11062) reports for large regions.
    public var pinCostPerPage = Picoseconds(250_000)
    /// The CPU's work per pipeline stage and chunk when it is in the loop.
    ///
    /// Taking the completion interrupt, waking the thread and submitting the next copy.
    /// Assumption: 10 µs (an interrupt and a context switch, a few µs each, plus a driver
    /// submission).
    public var cpuSynchronisation = Picoseconds.us(10)
    /// Pin the VRAM of GPUs whose BAR exposes all of it (large or resizable BAR): no eviction.
    public var pinVRAMOnLargeBAR = false
    /// Seed of the orchestrator's tie-break (`get_random_u32_below()` in `pci_p2pmem_find_many()`).
    public var seed: UInt64 = 1

    /// Creates the defaults.
    public init() {}
}

/// What an `<expect>` of a timeline checks.
public enum TimelineCheck: String, Sendable, Hashable, Codable, CaseIterable {
    /// How many records of a kind (optionally about one subject) the run made.
    case count
    /// The paths a DMA's chunks took, in order ("p2p system p2p").
    case paths
    /// Where a buffer ends up.
    case placement
    /// Which provider an allocation came from (`none` when it failed).
    case provider
    /// A DMA's bandwidth on one of its path segments (`segment`, from 1), within a tolerance.
    case bandwidth
    /// Which mode of a pipeline is faster (`p2p` or `cpu`).
    case faster
    /// CPU synchronisations of a pipeline mode (`kind` p2p or cpu).
    case cpuSyncs = "cpu-syncs"
    /// Some record's message contains the value.
    case message
}

/// An `<expect>` of a timeline.
public struct TimelineExpectation: Sendable, Hashable {
    /// What it checks.
    public var check: TimelineCheck
    /// The id it is about (a DMA, buffer, allocation, pipeline), if any.
    public var subject: String?
    /// A record kind or pipeline mode, for `count` and `cpu-syncs`.
    public var kind: String?
    /// The expected value as written.
    public var value: String
    /// For `bandwidth`: the segment (1-based).
    public var segment: Int?
    /// For `bandwidth`: the accepted relative deviation.
    public var tolerance: Double?
    /// Where the expected value comes from.
    public var source: String
    /// Where the element is.
    public var location: SourceLocation

    /// A short label: `count move-notify gpu1`, `d1 paths`.
    public var label: String {
        [check.rawValue, kind, subject, segment.map { "segment \($0)" }].compactMap { $0 }.joined(separator: " ")
    }
}
