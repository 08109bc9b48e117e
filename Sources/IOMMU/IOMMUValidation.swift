import Units

/// p2psim's IOTLB curve beside pcie-bench's measurement: a section of docs/validation.md.
public enum IOMMUValidation {
    /// pcie-bench's measured throughput of 64-byte random DMA reads with 4 KiB IOMMU pages, Gb/s,
    /// by window (Neugebauer et al., "Understanding PCIe performance for end host networking",
    /// SIGCOMM 2018, Xeon E5 Broadwell; ../shared/data/measurements/README.md).
    public static let measured4KiB: [(window: ByteCount, gigabitsPerSecond: Double)] = [
        (.kib(256), 28.1), (.kib(512), 20.2), (.mib(1), 14.3), (.mib(64), 9.8),
    ]

    /// The same paper: with 2 MiB pages throughput does not drop up to a 64 MiB window.
    public static let measured2MiBStatement = "no drop up to 64 MiB"

    /// The markdown section: the parameters with their origins and a table of p2psim's curve for
    /// 4 KiB and 2 MiB pages beside the measured one, with relative differences.
    ///
    /// - Complexity: O(windows * reads) with the reference parameters' 110,000 reads per window.
    public static func markdownReport(
        parameters: IOTLBWindowExperiment.Parameters = .pcieBenchBroadwell
    ) -> String {
        var lines: [String] = []
        lines.append("## IOMMU: IOTLB reach (pcie-bench, Xeon E5 Broadwell)")
        lines.append("")
        lines.append(
            "64-byte DMA reads at uniformly random addresses in a window, translated through the IOTLB; "
                + "throughput by Little's law over the per-read latency (base round trip, plus page walk and "
                + "queueing on a miss), capped by the link. Measured: Neugebauer et al., SIGCOMM 2018.")
        lines.append("")
        lines.append("| Parameter | Value | Origin |")
        lines.append("|---|---|---|")
        lines.append("| read size | \(parameters.readSize) B | pcie-bench's 64 B reads |")
        lines.append(
            "| base round trip | \(parameters.baseRoundTrip) | pcie-bench, Xeon E5, Gen3 x8, 64 B read |")
        lines.append(
            "| reads in flight | \(parameters.outstandingReads) | calibrated: 28.1 Gb/s x 546 ns / 512 bit |")
        lines.append("| IOTLB entries | \(parameters.iotlbEntries) | calibrated within pcie-bench's 64-128 |")
        lines.append(
            "| page walk | \(parameters.walkLatency.latency(for: .size4KiB)) (4 KiB) | pcie-bench: 230-280 ns per miss |"
        )
        lines.append(
            "| miss queueing | \(parameters.missQueueing) | calibrated: 64 MiB point needs ~1020 ns per miss under load |"
        )
        lines.append(
            "| link cap | \(formatFixed(parameters.linkRate.bytesPerSecond * 8 / 1e9)) Gb/s | pcie-bench model, Gen3 x8 |"
        )
        lines.append(
            "| reads per window | \(parameters.reads) after \(parameters.warmupReads) warm-up | seed \(parameters.seed) |"
        )
        lines.append("")
        let small: [IOTLBWindowExperiment.Result]
        let large: [IOTLBWindowExperiment.Result]
        do {
            small = try IOTLBWindowExperiment.curve(pageSize: .size4KiB, parameters: parameters)
            large = try IOTLBWindowExperiment.curve(pageSize: .size2MiB, parameters: parameters)
        } catch {
            lines.append("The parameters are invalid: \(error).")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append(
            "| Window | p2psim 4 KiB pages (Gb/s) | measured 4 KiB (Gb/s) | difference | IOTLB miss rate "
                + "| p2psim 2 MiB pages (Gb/s) | measured 2 MiB |")
        lines.append("|---:|---:|---:|---:|---:|---:|---|")
        for (s, l) in zip(small, large) {
            let measured = measured4KiB.first { $0.window == s.window }?.gigabitsPerSecond
            let measuredText = measured.map(formatFixed) ?? "—"
            let difference = measured.map { formatPercent((s.gigabitsPerSecond - $0) / $0) } ?? "—"
            let missRate = s.reads > 0 ? Double(s.misses) / Double(s.reads) : 0
            lines.append(
                "| \(s.window) | \(formatFixed(s.gigabitsPerSecond)) | \(measuredText) | \(difference) "
                    + "| \(formatPercent(missRate, signed: false)) | \(formatFixed(l.gigabitsPerSecond)) "
                    + "| \(s.window == .mib(64) ? measured2MiBStatement : "") |")
        }
        lines.append("")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `value` with one decimal, rounded half away from zero.
    static func formatFixed(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let sign = tenths < 0 ? "-" : ""
        let magnitude = UInt64(min(abs(tenths), 9e18))
        return "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    /// `fraction` as a percentage with one decimal, with an explicit sign when `signed`.
    static func formatPercent(_ fraction: Double, signed: Bool = true) -> String {
        let text = formatFixed(fraction * 100)
        return (signed && fraction >= 0 ? "+" : "") + text + " %"
    }
}
