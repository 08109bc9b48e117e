import Units

/// The named calibration parameters of the transfer models, each with its origin.
///
/// Everything a topology file does not say about timing lives here, so that a scenario can
/// override a parameter by name and a baseline can hash them. No model multiplies by an
/// unnamed factor.
public struct ModelParameters: Sendable, Hashable {
    /// Fraction of NVLink signalling bandwidth that copy-engine payloads achieve, when set; nil
    /// (the default) takes it from the link's own flit accounting (`LinkProtocols`: 256-byte
    /// copy-engine writes in 16-byte flits with their header and CRC flits, 0.94 for NVLink 2-4),
    /// as the packet model moves them.
    ///
    /// Origin: an override for what-if questions (`--set nvlinkEfficiency=0.8`, NCCL's 20 of 25
    /// GB/s for 128-byte SM payloads); no default is fitted.
    public var nvlinkEfficiency: Double? = nil
    /// One-way NVLink latency (link and NVSwitch traversal, without software).
    ///
    /// Origin: nvbandwidth measures about 826 ns SM device-to-device latency on H100 (a round
    /// trip of a load), so one way is about 400 ns.
    public var nvlinkLatency = Picoseconds.ns(400)
    /// Fraction of XGMI signalling bandwidth that copies achieve, when set; nil (the default)
    /// takes it from `LinkProtocols`' XGMI accounting (its packet format is an assumption named
    /// there).
    public var xgmiEfficiency: Double? = nil
    /// One-way XGMI latency.
    ///
    /// Origin: assumed equal to `nvlinkLatency`.
    public var xgmiLatency = Picoseconds.ns(400)
    /// One-way traversal of a PCIe link: the PHY, data-link and transaction layers of both
    /// ports, without serialisation.
    ///
    /// Origin: with `rootComplexLatency` and the socket's memory latency, reproduces
    /// pcie-bench's ~546 ns 64-byte DMA read round trip to DRAM on Xeon E5 (Gen3 x8):
    /// 2 x (50 + 165) ns + 90 ns DRAM + 2 x 11 ns serialisation = 542 ns.
    public var pcieLinkLatency = Picoseconds.ns(50)
    /// One-way traversal of a root complex (to memory, or between root ports when the file
    /// gives no `p2pLatency`).
    ///
    /// Origin: see `pcieLinkLatency`.
    public var rootComplexLatency = Picoseconds.ns(165)
    /// Staging chunk of a bounce through system memory: what the driver copies device to host
    /// before copying it host to device, through `bounceStagingBuffers` pinned buffers.
    ///
    /// Origin: fitted, with `bounceChunkSynchronisation`, on three 8x H100 figures of
    /// p2pBandwidthLatencyTest with P2P disabled: unidirectional 36.3-38.4 GB/s, bidirectional
    /// 45.2-53.3 GB/s and latency 14.1-19.2 us (../shared/data/measurements/README.md). CUDA's
    /// chunk size is not published. Those three figures are never reported as predictions
    /// (docs/calibration.md).
    public var bounceChunkSize = ByteCount.kib(512)
    /// Pinned staging buffers of `bounceChunkSize` each that one staged copy cycles through.
    ///
    /// Origin: double buffering, the smallest pool that lets a chunk's device-to-host copy overlap
    /// the previous chunk's host-to-device copy; CUDA's staging pool size is not published, so
    /// this is an assumption, listed in docs/calibration.md.
    public var bounceStagingBuffers = 2
    /// The driver's staging thread's work per chunk: it observes the chunk's device-to-host
    /// completion and launches its host-to-device copy. One thread serves every staged copy of
    /// the process, one chunk at a time, so concurrent bounces (both directions at once) share it.
    ///
    /// Origin: fitted with `bounceChunkSize` (see there). The latency figure bounds it: a 4-byte
    /// staged copy pays it once.
    public var bounceChunkSynchronisation = Picoseconds.us(10)
    /// The posted writes queued ahead of a read request where writes arrive faster than a link
    /// drains them (at a writer's own transmitter, or where write streams share a link): the
    /// request waits for them to drain (PCIe ordering: a read request may not pass a posted
    /// write), which lengthens the read's round trip.
    ///
    /// Origin: fitted with the engine's nvbandwidth case host_to_device_bidirectional_memcpy_ce
    /// (the reverse copy twice as long, as nvbandwidth makes it) on the HGX A100 board's PCIe
    /// tree (abci-a100x8: GPU pairs under a switch, as the topology of issue #53 shows), to two
    /// A100 figures of machines outside the validation set: nvbandwidth issue #11 (A100 PCIe,
    /// 12-13 GB/s) and issue #53 (8x A100-SXM4-80GB, about 11 GB/s). 38 KiB puts the engine at
    /// 11.72 GB/s, 6.2% under the first middle and 6.5% over the second (a grid of 24-52 KiB),
    /// with the A100's copy engines writing 128-byte TLPs (`<dma writePayload>`). Earlier fits:
    /// 52 KiB with 256-byte writes, 24 KiB by a closed form to issue #11 alone. See
    /// docs/calibration.md.
    public var postedWriteQueue = ByteCount.kib(38)
    /// Page walks an IOMMU performs at once (misses it keeps in flight).
    ///
    /// Origin: fitted on pcie-bench's IOTLB experiment (Xeon E5 Broadwell, 4 KiB pages, 64-byte
    /// random DMA reads over a 64 MiB window: 9.8 Gb/s, every access a miss): 1.23 GB/s of 64-byte
    /// reads is 19 million misses per second, about 52 ns apart, and with walks of about 250 ns
    /// that is 5 walks in flight (../shared/data/measurements/README.md). That figure is then
    /// not a prediction.
    public var iommuConcurrentWalks = 5
    /// IOTLB entries when the topology gives none.
    ///
    /// Origin: pcie-bench's reach of about 64-128 entries of 4 KiB on Broadwell; the smaller end.
    public var defaultIOTLBEntries = 64
    /// Page-walk latency when the topology gives none.
    ///
    /// Origin: pcie-bench measured 230-280 ns added per IOTLB miss (../shared/data/measurements).
    public var defaultIOMMUWalkLatency = Picoseconds.ns(250)
    /// How long a stream at the link's full rate a PCIe receiver's buffers hold (packet model).
    ///
    /// Origin: receivers advertise enough credits to cover their flow-control loop at full
    /// rate, or the link could never be filled (PCIe Base Specification 2.6.1, the
    /// implementation note on UpdateFC and receive buffer sizing); Intel's P-Tile Gen4 x16 port
    /// holds 12 KB of posted data, about 380 ns at 31.5 GB/s. A root complex or a switch with a
    /// long internal path (165 ns here) needs more, so p2psim sizes every receiver for 1 us at its
    /// link's rate, and never below the P-Tile's credits.
    public var receiverBufferCoverage = Picoseconds.us(1)
    /// Size of each copy in `matrix` bandwidth measurements.
    ///
    /// Origin: p2pBandwidthLatencyTest copies 10,000,000 ints (40,000,000 bytes) per repeat.
    public var matrixTransferSize = ByteCount(40_000_000)
    /// Size of the copy in latency measurements.
    ///
    /// Origin: p2pBandwidthLatencyTest's latency test copies one int (4 bytes).
    public var latencyProbeSize = ByteCount(4)
    /// Host software cost per copy when the topology gives no `<software>` element.
    ///
    /// Origin: none is assumed (zero), so that figures without software are pure hardware.
    public var defaultLaunchOverhead = Picoseconds.zero
    /// See `defaultLaunchOverhead`.
    public var defaultCompletionOverhead = Picoseconds.zero

    /// The defaults above.
    public init() {}

    /// The names of the parameters a scenario may override, with how to set each from text.
    public static let names: [String] = [
        "nvlinkEfficiency", "nvlinkLatency", "xgmiEfficiency", "xgmiLatency", "pcieLinkLatency",
        "rootComplexLatency", "bounceChunkSize", "bounceStagingBuffers", "bounceChunkSynchronisation", "matrixTransferSize", "postedWriteQueue", "iommuConcurrentWalks", "defaultIOTLBEntries", "defaultIOMMUWalkLatency",
        "latencyProbeSize", "defaultLaunchOverhead", "defaultCompletionOverhead", "receiverBufferCoverage",
    ]

    /// Every parameter as `name = value` lines, in a fixed order: what a baseline hashes.
    public var canonicalText: String {
        [
            "nvlinkEfficiency = \(nvlinkEfficiency.map { "\($0)" } ?? "link protocol")", "nvlinkLatency = \(nvlinkLatency.rawValue) ps",
            "xgmiEfficiency = \(xgmiEfficiency.map { "\($0)" } ?? "link protocol")", "xgmiLatency = \(xgmiLatency.rawValue) ps",
            "pcieLinkLatency = \(pcieLinkLatency.rawValue) ps",
            "rootComplexLatency = \(rootComplexLatency.rawValue) ps",
            "bounceChunkSize = \(bounceChunkSize.bytes) B", "bounceStagingBuffers = \(bounceStagingBuffers)",
            "bounceChunkSynchronisation = \(bounceChunkSynchronisation.rawValue) ps",
            "matrixTransferSize = \(matrixTransferSize.bytes) B", "postedWriteQueue = \(postedWriteQueue.bytes) B",
            "iommuConcurrentWalks = \(iommuConcurrentWalks)", "defaultIOTLBEntries = \(defaultIOTLBEntries)",
            "defaultIOMMUWalkLatency = \(defaultIOMMUWalkLatency.rawValue) ps", "latencyProbeSize = \(latencyProbeSize.bytes) B",
            "defaultLaunchOverhead = \(defaultLaunchOverhead.rawValue) ps",
            "defaultCompletionOverhead = \(defaultCompletionOverhead.rawValue) ps",
            "receiverBufferCoverage = \(receiverBufferCoverage.rawValue) ps",
        ].joined(separator: "\n") + "\n"
    }

    /// Why an override could not be applied.
    public struct OverrideError: Error, Sendable, CustomStringConvertible {
        /// What was wrong.
        public var description: String
    }

    /// Sets the parameter `name` from `text` (a number, or a quantity with its unit).
    public mutating func set(_ name: String, to text: String) throws(OverrideError) {
        func number() throws(OverrideError) -> Double {
            guard let value = Double(text.trimming(" ")), value.isFinite, value > 0, value <= 1 else {
                throw OverrideError(description: "parameter '\(name)' takes a fraction in (0, 1], not '\(text)'")
            }
            return value
        }
        func count() throws(OverrideError) -> Int {
            guard let value = Int(text.trimming(" ")), (1...1_048_576).contains(value) else {
                throw OverrideError(
                    description: "parameter '\(name)' takes a whole number from 1 to 1048576, not '\(text)'")
            }
            return value
        }
        // Latencies and overheads within 0 ps to 1 s, sizes within 1 B to 1 PiB (a zero chunk
        // made the bounce path report 536,870 GB/s): see `QuantityRange`.
        func time() throws(OverrideError) -> Picoseconds {
            do { return try Picoseconds.parse(text, within: .latency) } catch {
                throw OverrideError(description: "parameter '\(name)': \(error)")
            }
        }
        func size() throws(OverrideError) -> ByteCount {
            do { return try ByteCount.parse(text, within: .positiveSize) } catch {
                throw OverrideError(description: "parameter '\(name)': \(error)")
            }
        }
        switch name {
        case "nvlinkEfficiency": nvlinkEfficiency = try number()
        case "nvlinkLatency": nvlinkLatency = try time()
        case "xgmiEfficiency": xgmiEfficiency = try number()
        case "xgmiLatency": xgmiLatency = try time()
        case "pcieLinkLatency": pcieLinkLatency = try time()
        case "rootComplexLatency": rootComplexLatency = try time()
        case "bounceChunkSize": bounceChunkSize = try size()
        case "bounceStagingBuffers": bounceStagingBuffers = try count()
        case "iommuConcurrentWalks": iommuConcurrentWalks = try count()
        case "defaultIOTLBEntries": defaultIOTLBEntries = try count()
        case "defaultIOMMUWalkLatency": defaultIOMMUWalkLatency = try time()
        case "bounceChunkSynchronisation": bounceChunkSynchronisation = try time()
        case "matrixTransferSize": matrixTransferSize = try size()
        case "postedWriteQueue": postedWriteQueue = try size()
        case "latencyProbeSize": latencyProbeSize = try size()
        case "defaultLaunchOverhead": defaultLaunchOverhead = try time()
        case "defaultCompletionOverhead": defaultCompletionOverhead = try time()
        case "receiverBufferCoverage": receiverBufferCoverage = try time()
        default:
            throw OverrideError(
                description: "unknown parameter '\(name)' (known: \(Self.names.joined(separator: ", ")))")
        }
    }
}

/// NVLink signalling bandwidth per link per direction, by generation.
///
/// Sources: NVIDIA P100 whitepaper (NVLink1 20 GB/s, 4 links), V100 whitepaper (NVLink2 25 GB/s,
/// 6 links), A100 whitepaper (NVLink3 25 GB/s, 12 links), H100 whitepaper (NVLink4 25 GB/s,
/// 18 links), B200 datasheet (NVLink5 50 GB/s, 18 links); hwloc's NVLinkBandwidth uses the same
/// figures (../shared/data/measurements/README.md).
public func nvlinkBandwidthPerLink(generation: Int) -> DataRate {
    switch generation {
    case 1: return .gigabytesPerSecond(20)
    case 5...: return .gigabytesPerSecond(50)
    default: return .gigabytesPerSecond(25)
    }
}
