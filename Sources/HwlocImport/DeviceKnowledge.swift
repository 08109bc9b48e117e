import Foundation
import Topology

/// What p2psim knows about devices that hwloc, sysfs and lspci do not record: kinds, PCIe generations, BAR
/// sizes, memories and NVLink generations of known vendor:device ids, and the defaults used
/// for everything else.
///
/// Each value names its source.
public enum DeviceKnowledge {
    /// A known device: what it is and what it has.
    public struct Device: Sendable {
        /// A readable name.
        var name: String
        /// Its PCIe generation, used to read an ambiguous hwloc link speed.
        var generation: Int
        /// Its BAR1 size in GiB (the aperture that maps device memory), when known.
        var bar1GiB: Int?
        /// Its memory: capacity in GiB, bandwidth in GB/s, kind.
        var memory: (gib: Int, gbps: String, kind: String)?
        /// Its NVLink generation, for NVIDIA GPUs with NVLink.
        var nvlinkGeneration: Int?
        /// Its BAR1 in MiB when smaller than 1 GiB (GeForce and workstation boards without
        /// Resizable BAR enabled: 256 MiB).
        var bar1MiB: Int? = nil

        /// The readable name.
        public var displayName: String { name }

        /// The BAR that maps memory, as a size text (`128 GiB`, `256 MiB`), when known.
        public var memoryBARText: String? {
            if let bar1MiB { return "\(bar1MiB) MiB" }
            return bar1GiB.map { "\($0) GiB" }
        }

        /// The memory element's attributes, when known.
        public var memoryAttributes: String? {
            memory.map {
                "capacity=\"\($0.gib) GiB\" bandwidth=\"\($0.gbps)\" latency=\"500 ns\" kind=\"\($0.kind)\""
            }
        }
    }

    /// The known device `pciId` (`10de:2330`), if any.
    public static func device(_ pciId: String) -> Device? { devices[pciId] }

    /// A GPU family's copy engines: how many, each one's rate, the reads they keep outstanding
    /// and the payload of the PCIe writes they send (`<dma engines rate outstandingReads
    /// writePayload>`).
    public struct CopyEngines: Sendable, Equatable {
        var engines: Int
        var rateGBps: Int
        var outstandingReads: Int?
        /// 128 for the NVIDIA families before Hopper: fitted on device-to-host copy figures of
        /// machines outside the validation set (docs/calibration.md, "writePayload"); nil fills
        /// the link's max payload size.
        var writePayload: Int? = nil

        /// The `<dma>` element.
        public var element: String {
            "<dma engines=\"\(engines)\" rate=\"\(rateGBps) GB/s\""
                + (outstandingReads.map { " outstandingReads=\"\($0)\"" } ?? "")
                + (writePayload.map { " writePayload=\"\($0) B\"" } ?? "") + "/>"
        }

        /// Volta: 6 copy engines (deviceQuery on V100); 150 GB/s each, never the bottleneck of
        /// a copy on NVLink2 or PCIe Gen3; outstanding reads Ampere's (an assumption,
        /// docs/calibration.md: no Volta figure was used). As topologies/abci-v100x4.xml.
        static let volta = CopyEngines(engines: 6, rateGBps: 150, outstandingReads: 48, writePayload: 128)
        /// A100: 3 copy engines (deviceQuery); 300 GB/s each (NVLink3 is 300 GB/s per
        /// direction); 48 outstanding reads fitted on nvbandwidth issue #42 (docs/calibration.md).
        static let ampereA100 = CopyEngines(engines: 3, rateGBps: 300, outstandingReads: 48, writePayload: 128)
        /// Ampere GA10x boards (A10, A40, RTX A6000, RTX 3090): 2 async copy engines (deviceQuery
        /// on GA102); 32 GB/s each, above a Gen4 x16 link; outstanding reads the A100's (same
        /// architecture, an assumption).
        static let ampereGA10x = CopyEngines(engines: 2, rateGBps: 32, outstandingReads: 48, writePayload: 128)
        /// Ada (RTX 4090, L4, L40, L40S): 2 async copy engines (deviceQuery on
        /// AD102); 32 GB/s each; 64 outstanding reads fitted on nvbandwidth issue #15
        /// (docs/calibration.md). As topologies/wrx80-rtx4090.xml.
        static let ada = CopyEngines(engines: 2, rateGBps: 32, outstandingReads: 64, writePayload: 128)
        /// Hopper: 3 copy engines (deviceQuery on H100 SXM5); 400 GB/s each, nvbandwidth's
        /// device-to-device copy figure; reads bound by tags only, as topologies/hgx-h100.xml.
        static let hopper = CopyEngines(engines: 3, rateGBps: 400, outstandingReads: nil)
    }

    /// The copy engines of a known NVIDIA GPU, by family; nil when p2psim has no figure for its
    /// family (Kepler, Pascal, Blackwell, AMD parts: the topology then gives no `<dma>`, and a
    /// copy is bound by its links and tags alone).
    public static func copyEngines(_ pciId: String) -> CopyEngines? { copyEngineFamilies[pciId] }

    /// The copy-engine family of the known NVIDIA GPUs (architectures from the device names).
    static let copyEngineFamilies: [String: CopyEngines] = [
        "10de:1db1": .volta, "10de:1db4": .volta, "10de:1db5": .volta, "10de:1db6": .volta, "10de:1db8": .volta,
        "10de:20b0": .ampereA100, "10de:20b2": .ampereA100, "10de:20f1": .ampereA100, "10de:20b5": .ampereA100,
        "10de:2204": .ampereGA10x, "10de:2230": .ampereGA10x, "10de:2235": .ampereGA10x, "10de:2236": .ampereGA10x,
        "10de:2684": .ada, "10de:26b5": .ada, "10de:26b9": .ada, "10de:27b8": .ada,
        "10de:2330": .hopper, "10de:2331": .hopper,
    ]

    /// Known GPUs by vendor:device.
    ///
    /// BAR1 sizes are the "BAR1 Memory Usage: Total" that `nvidia-smi -q` reports on these
    /// boards; memories are the vendors' data sheets.
    static let devices: [String: Device] = [
        "10de:1023": Device(name: "Tesla K40m", generation: 3, bar1GiB: 16, memory: (12, "288 GB/s", "GDDR5")),
        "10de:1024": Device(name: "Tesla K40c", generation: 3, bar1GiB: 16, memory: (12, "288 GB/s", "GDDR5")),
        "10de:102d": Device(name: "Tesla K80", generation: 3, bar1GiB: 16, memory: (12, "240 GB/s", "GDDR5")),
        "10de:15f7": Device(name: "Tesla P100-PCIE-12GB", generation: 3, bar1GiB: 16, memory: (12, "549 GB/s", "HBM2")),
        "10de:15f8": Device(name: "Tesla P100-PCIE-16GB", generation: 3, bar1GiB: 16, memory: (16, "732 GB/s", "HBM2")),
        "10de:15f9": Device(
            name: "Tesla P100-SXM2-16GB", generation: 3, bar1GiB: 16, memory: (16, "732 GB/s", "HBM2"),
            nvlinkGeneration: 1),
        "10de:1db1": Device(
            name: "Tesla V100-SXM2-16GB", generation: 3, bar1GiB: 16, memory: (16, "900 GB/s", "HBM2"),
            nvlinkGeneration: 2),
        "10de:1db4": Device(name: "Tesla V100-PCIE-16GB", generation: 3, bar1GiB: 16, memory: (16, "900 GB/s", "HBM2")),
        "10de:1db5": Device(
            name: "Tesla V100-SXM2-32GB", generation: 3, bar1GiB: 32, memory: (32, "900 GB/s", "HBM2"),
            nvlinkGeneration: 2),
        "10de:1db6": Device(name: "Tesla V100-PCIE-32GB", generation: 3, bar1GiB: 32, memory: (32, "900 GB/s", "HBM2")),
        "10de:1db8": Device(
            name: "Tesla V100-SXM3-32GB", generation: 3, bar1GiB: 32, memory: (32, "980 GB/s", "HBM2"),
            nvlinkGeneration: 2),
        "10de:20b0": Device(
            name: "A100-SXM4-40GB", generation: 4, bar1GiB: 64, memory: (40, "1555 GB/s", "HBM2"),
            nvlinkGeneration: 3),
        "10de:20b2": Device(
            name: "A100-SXM4-80GB", generation: 4, bar1GiB: 128, memory: (80, "2039 GB/s", "HBM2e"),
            nvlinkGeneration: 3),
        "10de:20f1": Device(name: "A100-PCIE-40GB", generation: 4, bar1GiB: 64, memory: (40, "1555 GB/s", "HBM2")),
        "10de:20b5": Device(name: "A100-PCIE-80GB", generation: 4, bar1GiB: 128, memory: (80, "1935 GB/s", "HBM2e")),
        "10de:2330": Device(
            name: "H100-SXM5-80GB", generation: 5, bar1GiB: 128, memory: (80, "3350 GB/s", "HBM3"),
            nvlinkGeneration: 4),
        "10de:2331": Device(name: "H100-PCIe-80GB", generation: 5, bar1GiB: 128, memory: (80, "2000 GB/s", "HBM2e")),
        "10de:2901": Device(
            name: "B200", generation: 5, bar1GiB: 256, memory: (180, "8000 GB/s", "HBM3e"), nvlinkGeneration: 5),
        "1002:738c": Device(name: "AMD Instinct MI100", generation: 4, bar1GiB: 32, memory: (32, "1228 GB/s", "HBM2")),
        "1002:7408": Device(
            name: "AMD Instinct MI250X", generation: 4, bar1GiB: 64, memory: (64, "1638 GB/s", "HBM2e")),
        "1002:74a1": Device(
            name: "AMD Instinct MI300X", generation: 5, bar1GiB: 256, memory: (192, "5300 GB/s", "HBM3")),
        // Families added for imports of real machines. Memories: the vendors' data sheets. BARs:
        // data-centre parts expose a BAR at least as large as their memory (AMD Instinct: BAR0
        // maps all VRAM, amdgpu's "large BAR"; NVIDIA A40/L40/L40S: BAR1 64 GiB, A10/L4 32 GiB,
        // as nvidia-smi -q "BAR1 Memory Usage: Total" shows on those boards); GeForce and
        // workstation boards ship a 256 MiB BAR1 unless Resizable BAR is enabled (NVIDIA's
        // Resizable BAR support notes), which `import sysfs`/`lspci` read from the machine instead.
        "1002:66a0": Device(name: "AMD Instinct MI60", generation: 4, bar1GiB: 32, memory: (32, "1024 GB/s", "HBM2")),
        "1002:66a1": Device(name: "AMD Instinct MI50", generation: 4, bar1GiB: 32, memory: (32, "1024 GB/s", "HBM2")),
        "1002:740c": Device(
            name: "AMD Instinct MI250X/MI250 (one GCD)", generation: 4, bar1GiB: 64,
            memory: (64, "1638 GB/s", "HBM2e")),
        "1002:740f": Device(name: "AMD Instinct MI210", generation: 4, bar1GiB: 64, memory: (64, "1638 GB/s", "HBM2e")),
        "10de:2204": Device(
            name: "NVIDIA GeForce RTX 3090", generation: 4, bar1GiB: nil, memory: (24, "936 GB/s", "GDDR6X"),
            bar1MiB: 256),
        "10de:2230": Device(
            name: "NVIDIA RTX A6000", generation: 4, bar1GiB: nil, memory: (48, "768 GB/s", "GDDR6"), bar1MiB: 256),
        "10de:2235": Device(name: "NVIDIA A40", generation: 4, bar1GiB: 64, memory: (48, "696 GB/s", "GDDR6")),
        "10de:2236": Device(name: "NVIDIA A10", generation: 4, bar1GiB: 32, memory: (24, "600 GB/s", "GDDR6")),
        "10de:26b5": Device(name: "NVIDIA L40", generation: 4, bar1GiB: 64, memory: (48, "864 GB/s", "GDDR6")),
        "10de:26b9": Device(name: "NVIDIA L40S", generation: 4, bar1GiB: 64, memory: (48, "864 GB/s", "GDDR6")),
        "10de:27b8": Device(name: "NVIDIA L4", generation: 4, bar1GiB: 32, memory: (24, "300 GB/s", "GDDR6")),
        "10de:2684": Device(
            name: "NVIDIA GeForce RTX 4090", generation: 4, bar1GiB: nil, memory: (24, "1008 GB/s", "GDDR6X"),
            bar1MiB: 256),
        "10de:2b85": Device(
            name: "NVIDIA GeForce RTX 5090", generation: 5, bar1GiB: nil, memory: (32, "1792 GB/s", "GDDR7"),
            bar1MiB: 256),
    ]

    /// Whether a device name says it is an NVIDIA GeForce or TITAN part, on which CUDA offers
    /// no PCIe peer access (driver 525.105.17 and later; ../shared/data/measurements/more-machines.md).
    public static func isGeForce(name: String?) -> Bool {
        guard let name else { return false }
        return name.contains("GeForce") || name.uppercased().contains("TITAN")
    }

    /// NVSwitch PCI device ids (NVSwitch 1 on DGX-2 is 10de:1ac2; NVSwitch 2 on DGX A100
    /// 10de:1af1; NVSwitch 3 on HGX H100 10de:22a3) and the NVSwitch generation of each.
    static let nvswitchGenerations: [String: Int] = ["10de:1ac2": 1, "10de:1af1": 2, "10de:22a3": 3]

    /// Per-link NVLink bandwidth hwloc uses for a generation, in MB/s per direction
    /// (hwloc's nvml backend: 20000 for NVLink 1, 25000 for 2.x-4.0, 50000 for 5.0).
    static func nvlinkBandwidthPerLink(generation: Int) -> Int {
        switch generation {
        case 1: return 20000
        case 5: return 50000
        default: return 25000
        }
    }

    /// The NVLink generation of an NVIDIA GPU from its device id: the table above, else the
    /// device-id ranges of the architectures (15xx Pascal, 1dxx Volta, 20xx Ampere, 23xx
    /// Hopper, 29xx Blackwell).
    static func nvlinkGeneration(pciId: String) -> Int? {
        if let known = devices[pciId]?.nvlinkGeneration { return known }
        guard pciId.hasPrefix("10de:") else { return nil }
        let device = pciId.dropFirst(5)
        if device.hasPrefix("15") { return 1 }
        if device.hasPrefix("1d") { return 2 }
        if device.hasPrefix("20") { return 3 }
        if device.hasPrefix("23") { return 4 }
        if device.hasPrefix("29") { return 5 }
        return nil
    }

    /// GB/s per lane per direction after line encoding, as hwloc computes `pci_link_speed`
    /// (GT/s x encoding / 8): Gen1 2.5 GT/s 8b/10b, Gen2 5 GT/s 8b/10b, Gen3 8 GT/s, Gen4 16
    /// and Gen5 32 GT/s 128b/130b, Gen6 64 GT/s (hwloc applies 242/256 flit efficiency).
    static let laneRate: [(generation: Int, gbps: Double)] = [
        (1, 0.25), (2, 0.5), (3, 8.0 * 128 / 130 / 8), (4, 16.0 * 128 / 130 / 8), (5, 32.0 * 128 / 130 / 8),
        (6, 64.0 * 242 / 256 / 8),
    ]

    /// Every (generation, width) whose hwloc link speed is `speed` GB/s, within 1 %.
    static func linkCandidates(speed: Double) -> [PCIeLinkSpec] {
        var result: [PCIeLinkSpec] = []
        for (generation, rate) in laneRate {
            for width in [1, 2, 4, 8, 12, 16, 32] {
                let value = rate * Double(width)
                if abs(value - speed) <= value * 0.01 {
                    result.append(PCIeLinkSpec(generation: generation, width: width))
                }
            }
        }
        return result
    }

    /// The (generation, width) whose speed is nearest to `speed` in ratio (old hwloc files
    /// round speeds to one decimal: 0.2 for Gen1 x1).
    static func nearestLink(speed: Double) -> PCIeLinkSpec {
        var best = PCIeLinkSpec(generation: 1, width: 1)
        var bestError = Double.infinity
        for (generation, rate) in laneRate {
            for width in [1, 2, 4, 8, 16] {
                let error = abs(log(rate * Double(width) / max(speed, 0.001)))
                if error < bestError {
                    bestError = error
                    best = PCIeLinkSpec(generation: generation, width: width)
                }
            }
        }
        return best
    }

    /// Switch port-to-port latency by PCIe generation: PLX Gen2 ~140 ns, PEX9700 Gen3 ~150 ns,
    /// Broadcom PEX88000 Gen4 105 ns, PEX89000 Gen5 115 ns (Broadcom/PLX product briefs, as
    /// collected in shared/data/measurements/README.md).
    public static func switchLatencyNanoseconds(generation: Int) -> Int {
        switch generation {
        case ...2: return 140
        case 3: return 150
        case 4: return 105
        default: return 115
        }
    }

    /// The host bridge (devfn 00.0 of the root bus) that goes with a root port's vendor:device,
    /// for the Intel Xeon generations the Linux p2pdma allowlist distinguishes.
    ///
    /// hwloc records root ports but not the host bridge function itself.
    public static func hostBridge(forRootPort pciId: String) -> String? {
        guard pciId.count == 9 else { return nil }
        let vendor = pciId.prefix(4)
        let device = pciId.suffix(4)
        if vendor == "8086" {
            if device.hasPrefix("203") { return "8086:2020" }  // Skylake-SP / Cascade Lake
            // Ice Lake-SP and Sapphire/Emerald Rapids (root ports 8086:347x, 352x): devfn 00.0 of each
            // stack's root bus is 8086:09a2 "Memory Map/VT-d" (lspci of those hosts).
            if device.hasPrefix("347") || device.hasPrefix("09a") || device.hasPrefix("352") { return "8086:09a2" }
            // Emmitsburg PCH root ports (8086:1bb0-1bbf) sit on root bus 0 of a Sapphire Rapids
            // host, whose devfn 00.0 is the same 8086:09a2.
            if device.hasPrefix("1bb") { return "8086:09a2" }
            if device.hasPrefix("6f0") { return "8086:6f00" }  // Broadwell-EP
            if device.hasPrefix("2f0") { return "8086:2f00" }  // Haswell-EP
            if device.hasPrefix("0e0") { return "8086:0e00" }  // Ivy Bridge-EP
            if device.hasPrefix("3c0") { return "8086:3c00" }  // Sandy Bridge-EP
            if device.hasPrefix("340") || device.hasPrefix("341") { return "8086:3406" }  // Tylersburg IOH
        }
        if vendor == "1022" { return "1022:1480" }  // Zen 2/3 root complex
        return nil
    }
}
