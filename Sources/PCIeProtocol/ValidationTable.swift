// ValidationTable.swift — the published pcie-bench figures and the side-by-side comparison that
// becomes a section of docs/validation.md (`p2psim validation-report`).
//
// Source of the figures: pcie-bench analytical model (Neugebauer et al., SIGCOMM 2018), as
// transcribed in ../shared/data/measurements/README.md; 64-bit addresses, no ECRC, Gb/s.

/// One published pcie-bench figure pair (write and read, Gb/s) for a link and transfer size.
public struct PublishedPCIeBenchFigure: Sendable, Hashable {
    /// The link the figure is for.
    public var configuration: PCIeLinkConfiguration
    /// Transfer size in bytes.
    public var size: Int
    /// Published effective write bandwidth, Gb/s.
    public var writeGbps: Double
    /// Published effective read bandwidth, Gb/s.
    public var readGbps: Double

    /// Creates a figure.
    public init(configuration: PCIeLinkConfiguration, size: Int, writeGbps: Double, readGbps: Double) {
        self.configuration = configuration
        self.size = size
        self.writeGbps = writeGbps
        self.readGbps = readGbps
    }

    /// Published value for an operation.
    public func gbps(_ operation: DMAOperation) -> Double {
        operation == .write ? writeGbps : readGbps
    }
}

/// The validation data set and the markdown comparison of the models against it.
public enum PCIeValidation {
    /// Sizes used to check figures published as ">= N B" (multiples of MPS; other sizes pay a partial TLP).
    static func sizes(from first: Int) -> [Int] {
        [first, 512, 1024, 2048, 4096].filter { $0 >= first }.reduce(into: [Int]()) { acc, s in
            if !acc.contains(s) { acc.append(s) }
        }
    }

    /// Every published pcie-bench figure, with ">= N B" figures expanded to N, ..., 4096 B.
    public static let publishedFigures: [PublishedPCIeBenchFigure] = {
        var all: [PublishedPCIeBenchFigure] = []
        let g3x8 = PCIeLinkConfiguration(generation: .gen3, width: .x8, maxPayloadSize: .bytes256)
        all.append(.init(configuration: g3x8, size: 64, writeGbps: 42.1, readGbps: 44.1))
        all.append(.init(configuration: g3x8, size: 128, writeGbps: 48.7, readGbps: 50.1))
        for s in sizes(from: 256) {
            all.append(.init(configuration: g3x8, size: s, writeGbps: 52.9, readGbps: 53.7))
        }
        let g3x8m128 = PCIeLinkConfiguration(generation: .gen3, width: .x8, maxPayloadSize: .bytes128)
        for s in [128] + sizes(from: 256) {
            all.append(.init(configuration: g3x8m128, size: s, writeGbps: 47.7, readGbps: 49.0))
        }
        let g3x16 = PCIeLinkConfiguration(generation: .gen3, width: .x16)
        all.append(.init(configuration: g3x16, size: 256, writeGbps: 104.0, readGbps: 105.5))
        let g4x16 = PCIeLinkConfiguration(generation: .gen4, width: .x16)
        for s in sizes(from: 256) {
            all.append(.init(configuration: g4x16, size: s, writeGbps: 207.9, readGbps: 210.9))
        }
        let g5x16 = PCIeLinkConfiguration(generation: .gen5, width: .x16)
        for s in sizes(from: 256) {
            all.append(.init(configuration: g5x16, size: s, writeGbps: 415.8, readGbps: 421.8))
        }
        return all
    }()

    /// One comparison row: published, pcie-bench reimplementation, and p2psim in both DLLP placements (Gb/s).
    public struct Row: Sendable, Hashable {
        /// The published figure compared.
        public var figure: PublishedPCIeBenchFigure
        /// Operation compared.
        public var operation: DMAOperation
        /// Published Gb/s.
        public var published: Double
        /// `PCIeBenchModel` Gb/s.
        public var pcieBench: Double
        /// p2psim Gb/s with DLLPs on the reverse direction (physical placement).
        public var p2psim: Double
        /// p2psim Gb/s with pcie-bench's DLLP convention.
        public var p2psimBenchPlacement: Double

        /// Relative difference of `value` to the published figure.
        public func relative(_ value: Double) -> Double { (value - published) / published }
    }

    /// All comparison rows, write then read for each published figure.
    public static func rows() -> [Row] {
        var result: [Row] = []
        for figure in publishedFigures {
            let bench = PCIeBenchModel(configuration: figure.configuration)
            for op in DMAOperation.allCases {
                let pattern = TransferPattern(operation: op, length: figure.size, startAddress: 0)
                let physical = figure.configuration.effectiveBandwidth(for: pattern) * 8e-9
                let compatible =
                    figure.configuration.effectiveBandwidth(for: pattern, placement: .pcieBenchCompatible) * 8e-9
                result.append(
                    Row(
                        figure: figure, operation: op, published: figure.gbps(op),
                        pcieBench: bench.gbps(op, size: figure.size),
                        p2psim: physical, p2psimBenchPlacement: compatible))
            }
        }
        return result
    }

    /// The markdown report (docs/validation.md): table, maximum errors and the explanation.
    public static func markdownReport() -> String {
        let all = rows()
        var out = "## PCIe: TLP accounting against pcie-bench\n\n"
        out += "From `PCIeValidation.markdownReport()` (a pure function).\n"
        out += "Published figures: pcie-bench analytical model (Neugebauer et al., SIGCOMM 2018), "
        out += "64-bit addresses, no ECRC, RCB 64, MRRS 512, aligned start address. Gb/s. "
        out += "Figures published as \">= N B\" are checked at N..4096 B.\n\n"
        out +=
            "| Link | MPS | Size (B) | Op | Published | PCIeBenchModel | Δ | p2psim (DLLPs reverse) | Δ | p2psim (pcie-bench DLLP placement) | Δ |\n"
        out += "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n"
        var maxBench = 0.0
        var maxPhysical = 0.0
        var maxCompat = 0.0
        var minPhysical = Double.infinity
        for row in all {
            let c = row.figure.configuration
            let dBench = row.relative(row.pcieBench)
            let dPhys = row.relative(row.p2psim)
            let dComp = row.relative(row.p2psimBenchPlacement)
            maxBench = max(maxBench, abs(row.pcieBench - row.published))
            if row.figure.size >= 256 {
                maxPhysical = max(maxPhysical, abs(dPhys))
                minPhysical = min(minPhysical, abs(dPhys))
                maxCompat = max(maxCompat, abs(dComp))
            }
            out += "| \(c.generation) \(c.width) | \(c.maxPayloadSize.bytes) | \(row.figure.size) | "
            out += "\(row.operation == .write ? "write" : "read") | \(fixed(row.published, 1)) | "
            out += "\(fixed(row.pcieBench, 2)) | \(percent(dBench)) | \(fixed(row.p2psim, 2)) | \(percent(dPhys)) | "
            out += "\(fixed(row.p2psimBenchPlacement, 2)) | \(percent(dComp)) |\n"
        }
        out += "\n## Summary\n\n"
        out +=
            "- PCIeBenchModel: max |model − published| = \(fixed(maxBench, 3)) Gb/s (criterion ±0.1 Gb/s, printed precision).\n"
        out +=
            "- p2psim, DLLPs on the reverse direction, sizes >= 256 B: |Δ| from \(percent(minPhysical)) to \(percent(maxPhysical)) "
        out += "(criterion 2%: \(maxPhysical <= 0.02 ? "met" : "NOT met"), see below).\n"
        out += "- p2psim with pcie-bench's DLLP placement, sizes >= 256 B: max |Δ| = \(percent(maxCompat)) "
        out += "(criterion 2%: \(maxCompat <= 0.02 ? "met" : "NOT met")).\n\n"
        out += "### Why the physical placement differs\n\n"
        out += "pcie-bench subtracts 8/AckLimit + 8/FCLimit of the raw rate from both directions, reading the spec's "
        out += "latency limits (Symbol Times) as byte counts: 7.9% at Gen3 x8 MPS 256, 9.5% at x16 MPS 256. "
        out += "Physically, Acks and UpdateFCs travel opposite to the TLPs they answer (spec §3.6), and one Symbol "
        out += "Time moves one byte on every lane, so one DLLP per limit costs 8 B per limit × lanes link bytes "
        out += "(about 0.5% per DLLP type at x8). In p2psim the data direction of a write carries only MWr TLPs and "
        out += "SKP ordered sets; the data direction of a read also carries the Acks and UpdateFC-NPs for the MRds "
        out += "(about 1% at x8). So p2psim is higher than pcie-bench by roughly the DLLP share it moved: "
        out += "+8.6% (write) / +7.5% (read) at Gen3 x8 MPS 256, +10.5% / +9.9% at x16, +11% / +9.6% at x8 MPS 128. "
        out += "The brief's 2% agreement target for this placement is therefore not reachable without charging "
        out += "DLLPs to the data direction. Cross-check: with 32-bit addresses p2psim's write efficiency relative to "
        out += "the post-SKP capacity is exactly MPS / (MPS + 20), Xilinx WP350's figure (86% at MPS 128, 92% at 256), "
        out += "which also charges no DLLPs to the data direction. With `DLLPPlacement.pcieBenchCompatible`, p2psim "
        out += "reproduces the published figures (last column); the residual is SKP (1/376 vs 4/1538) and rounding.\n"
        out += "\n## Measured cross-check (Gen5 x16)\n\n"
        let g5 = PCIeLinkConfiguration(generation: .gen5, width: .x16)
        let benchRead = PCIeBenchModel(configuration: g5).readGbps(size: 4096) / 8
        let physicalRead = g5.effectiveBandwidth(for: TransferPattern(operation: .read, length: 1 << 20)) / 1e9
        out += "nvbandwidth v0.10.0 on HGX H100 (PCIe Gen5 x16 to host) measures 55.3 GB/s host-to-device and "
        out += "55.2 GB/s device-to-host (../shared/data/measurements/README.md). At MPS 256, pcie-bench's "
        out += "model caps reads at \(fixed(benchRead, 2)) GB/s, below the measurement; p2psim's physical placement "
        out += "gives \(fixed(physicalRead, 2)) GB/s, above it, as an upper bound must be. (The H100 host link's MPS "
        out += "is not given in that source; MPS 512 would raise both models.)\n"
        return out
    }

    /// Formats `value` with a fixed number of decimals, rounding half away from zero (no Foundation).
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        // Int64(_:) truncates toward zero, so adding 0.5 to a non-negative value rounds half up
        // (avoids `rounded()`, which would pull in libm without Foundation).
        let units = Int64(abs(value) * scale + 0.5)
        let divisor = Int64(scale)
        let whole = units / divisor
        var text = (value < 0 && units != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let frac = String(units % divisor)
            text += "." + String(repeating: "0", count: decimals - frac.count) + frac
        }
        return text
    }

    /// Formats a ratio as a signed percentage with two decimals.
    static func percent(_ ratio: Double) -> String {
        (ratio >= 0 ? "+" : "") + fixed(ratio * 100, 2) + "%"
    }
}
