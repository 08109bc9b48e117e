import Units

/// The named calibration parameters of the transfer models, each with its origin.
///
/// Everything a topology file does not say about timing lives here, so that a scenario can
/// override a parameter by name and a baseline can hash them. No model multiplies by an
/// unnamed factor.
public struct ModelParameters: Sendable, Hashable {
    /// Fraction of NVLink signalling bandwidth that copy-engine payloads achieve.
    ///
    /// Origin: calibrated on 8x H100 (18 NVLink4 links x 25 GB/s = 450 GB/s per direction):
    /// nvbandwidth's copy-engine write 397.4 GB/s (0.883) and p2pBandwidthLatencyTest's
    /// 365-393 GB/s (0.81-0.87); 0.87 sits within 3% of both. NCCL models 20 of 25 GB/s (0.8)
    /// for SM copies with 128-byte payloads (nccl-tests #149), which copy engines' 256-byte
    /// payloads beat.
    public var nvlinkEfficiency = 0.87
    /// One-way NVLink latency (link and NVSwitch traversal, without software).
    ///
    /// Origin: nvbandwidth measures about 826 ns SM device-to-device latency on H100 (a round
    /// trip of a load), so one way is about 400 ns.
    public var nvlinkLatency = Picoseconds.ns(400)
    /// Fraction of XGMI signalling bandwidth that copies achieve.
    ///
    /// Origin: no published copy-engine figure is in the project's data; assumed equal to
    /// `nvlinkEfficiency` (both are serial links carrying 64-256 byte payloads).
    public var xgmiEfficiency = 0.87
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
    /// before copying it host to device, double-buffered.
    ///
    /// Origin: CUDA stages peer copies without P2P through pinned host buffers of a few MiB;
    /// 2 MiB is the size of a huge page, the unit such buffers are pinned in.
    public var bounceChunkSize = ByteCount.mib(2)
    /// Synchronisation cost per staging chunk (an event wait and the next copy's launch).
    ///
    /// Origin: fitted to p2pBandwidthLatencyTest's P2P-disabled bandwidth on 8x H100, 36.3-38.4
    /// GB/s, against host-device copies of 55.2-55.3 GB/s (nvbandwidth): a 2 MiB chunk at
    /// 57.2 GB/s takes 36.7 us, and 17 us of synchronisation per chunk gives 39 GB/s in steady
    /// state and 36.9 GB/s over a 40 MB copy (19 chunks, with the pipeline fill).
    public var bounceChunkSynchronisation = Picoseconds.us(17)
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
        "rootComplexLatency", "bounceChunkSize", "bounceChunkSynchronisation", "matrixTransferSize",
        "latencyProbeSize", "defaultLaunchOverhead", "defaultCompletionOverhead", "receiverBufferCoverage",
    ]

    /// Every parameter as `name = value` lines, in a fixed order: what a baseline hashes.
    public var canonicalText: String {
        [
            "nvlinkEfficiency = \(nvlinkEfficiency)", "nvlinkLatency = \(nvlinkLatency.rawValue) ps",
            "xgmiEfficiency = \(xgmiEfficiency)", "xgmiLatency = \(xgmiLatency.rawValue) ps",
            "pcieLinkLatency = \(pcieLinkLatency.rawValue) ps",
            "rootComplexLatency = \(rootComplexLatency.rawValue) ps",
            "bounceChunkSize = \(bounceChunkSize.bytes) B",
            "bounceChunkSynchronisation = \(bounceChunkSynchronisation.rawValue) ps",
            "matrixTransferSize = \(matrixTransferSize.bytes) B", "latencyProbeSize = \(latencyProbeSize.bytes) B",
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
        case "bounceChunkSynchronisation": bounceChunkSynchronisation = try time()
        case "matrixTransferSize": matrixTransferSize = try size()
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
