import Engine
import Foundation
import Units

/// The model parameters as rows of name, value and origin, for the report.
///
/// The origins summarise the `///` comments of `ModelParameters`, where the full reasoning and
/// figures are; docs/models.md has the same in prose.
public enum ParameterTable {
    /// One row.
    public struct Row: Sendable, Equatable, Codable {
        /// The parameter's name, as `--set` takes it.
        public var name: String
        /// Its value in force, with its unit.
        public var value: String
        /// Where the value comes from.
        public var origin: String
    }

    /// Where each parameter's default comes from, by name.
    static let origins: [String: String] = [
        "nvlinkEfficiency":
            "from NVLink's flit accounting (LinkProtocols: 256-byte copy-engine writes in 16-byte flits, about 0.94); an override when set",
        "nvlinkLatency": "nvbandwidth's ~826 ns SM device-to-device round trip on H100, halved",
        "xgmiEfficiency": "from XGMI's packet accounting (LinkProtocols, its format an assumption named there); an override when set",
        "xgmiLatency": "assumed equal to nvlinkLatency",
        "pcieLinkLatency":
            "with rootComplexLatency, reproduces pcie-bench's ~546 ns 64-byte DMA read round trip on Xeon E5 (Gen3 x8)",
        "rootComplexLatency": "see pcieLinkLatency (pcie-bench round trip)",
        "bounceChunkSize":
            "fitted with bounceChunkSynchronisation on 8x H100 p2pBandwidthLatencyTest with P2P disabled (docs/calibration.md)",
        "bounceStagingBuffers": "double buffering, the smallest overlapping pool (an assumption, docs/calibration.md)",
        "bounceChunkSynchronisation": "fitted with bounceChunkSize; bounded by the staged 4-byte copy's latency",
        "postedWriteQueue":
            "fitted on nvbandwidth issues #42 and #11 (A100 host_to_device alone and with the opposite copy)",
        "iommuConcurrentWalks": "fitted on pcie-bench's IOTLB experiment (Broadwell, 4 KiB pages, 64 MiB window)",
        "defaultIOTLBEntries": "pcie-bench's reach of about 64-128 entries of 4 KiB on Broadwell, the smaller end",
        "defaultIOMMUWalkLatency": "pcie-bench: 230-280 ns added per IOTLB miss",
        "receiverBufferCoverage":
            "PCIe Base Specification 2.6.1 (credits cover the flow-control loop); Intel P-Tile Gen4 x16 posted buffer",
        "matrixTransferSize": "p2pBandwidthLatencyTest copies 10,000,000 ints (40,000,000 bytes)",
        "latencyProbeSize": "p2pBandwidthLatencyTest's latency test copies one int (4 bytes)",
        "defaultLaunchOverhead": "none assumed: figures without a <software> element are pure hardware",
        "defaultCompletionOverhead": "none assumed: figures without a <software> element are pure hardware",
    ]

    /// The rows of `parameters`, in `ModelParameters.names` order; a value that differs from the
    /// default says so instead of citing the default's origin, and a parameter this table does
    /// not know yet points to the source's comments.
    public static func rows(_ parameters: ModelParameters) -> [Row] {
        let defaults = values(ModelParameters())
        let current = values(parameters)
        return ModelParameters.names.map { name in
            let value = current[name] ?? "?"
            let origin =
                value == defaults[name]
                ? origins[name] ?? "see ModelParameters in Sources/Engine/ModelParameters.swift"
                : "overridden with --set (default \(defaults[name] ?? "?"))"
            return Row(name: name, value: value, origin: origin)
        }
    }

    /// Every parameter's value as text, by name, from the canonical `name = value` lines.
    static func values(_ parameters: ModelParameters) -> [String: String] {
        var result: [String: String] = [:]
        for line in parameters.canonicalText.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { result[parts[0]] = readable(parts[1]) }
        }
        return result
    }

    /// `40000000 B` as `40000000 B (38.15 MiB)`-style text is noisy; picoseconds read better as
    /// nanoseconds or microseconds.
    static func readable(_ text: String) -> String {
        if text.hasSuffix(" ps"), let value = UInt64(text.dropLast(3)) { return Picoseconds(value).description }
        if text.hasSuffix(" B"), let value = UInt64(text.dropLast(2)) { return ByteCount(value).description }
        return text
    }
}
