// PacketModelFigures.swift — the packet model's headline figures, computed rather than copied:
// the tests assert them and docs/packet-model.md shows the table `markdown()` generates.
//
// Sources: the scenarios of `PacketScenarios`; the analytical figures from `PCIeProtocol`'s
// `effectiveBandwidth` (pcie-bench's model).

import PCIeProtocol
import Units

/// The packet model's simulated figures against `PCIeProtocol`'s accounting.
public enum PacketModelFigures {
    /// A 1 MiB write and a 1 MiB read over one link, simulated and analytical (bytes/s).
    public struct SingleLink: Sendable, Hashable {
        /// The link.
        public var configuration: PCIeLinkConfiguration
        /// Write payload bandwidth, simulated and from `effectiveBandwidth`.
        public var write: (simulated: Double, analytical: Double)
        /// Read payload bandwidth, simulated and from `effectiveBandwidth`.
        public var read: (simulated: Double, analytical: Double)

        public static func == (lhs: SingleLink, rhs: SingleLink) -> Bool {
            lhs.configuration == rhs.configuration && lhs.write == rhs.write && lhs.read == rhs.read
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(write.simulated) }
    }

    /// The links of the table: Gen3 x8, Gen4 x16, Gen5 x16 (MPS 256, MRRS 512, 256 tags).
    public static let tableLinks: [PCIeLinkConfiguration] = [
        PCIeLinkConfiguration(generation: .gen3, width: .x8, maxPayloadSize: .bytes256),
        PCIeLinkConfiguration(generation: .gen4, width: .x16, maxPayloadSize: .bytes256),
        PCIeLinkConfiguration(generation: .gen5, width: .x16, maxPayloadSize: .bytes256),
    ]

    /// The analytical payload bandwidth of `bytes` of `operation` on `configuration`.
    public static func analytical(_ configuration: PCIeLinkConfiguration, _ operation: DMAOperation, bytes: Int)
        -> Double
    {
        configuration.effectiveBandwidth(
            for: TransferPattern(operation: operation, length: bytes, startAddress: 0), placement: .reverseDirection)
    }

    /// The single-link run of `operation` on `configuration` (1 MiB from address 0).
    public static func singleLinkRun(_ configuration: PCIeLinkConfiguration, _ operation: DMAOperation)
        throws(PacketModelError) -> PacketResult
    {
        let fabric = PacketScenarios.singleLink(configuration)
        let transfer =
            operation == .write
            ? PacketTransfer(kind: .write, bytes: 1 << 20, requestRoute: ["dn", "mem"], tag: "w")
            : PacketTransfer(
                kind: .read, bytes: 1 << 20, requestRoute: ["up", "mem"], completionRoute: ["dn"], tag: "r")
        return try PacketSimulation.run(fabric: fabric, transfers: [transfer])
    }

    /// The single-link figures of `tableLinks`.
    public static func singleLinks() throws(PacketModelError) -> [SingleLink] {
        var rows: [SingleLink] = []
        for configuration in tableLinks {
            let write = try singleLinkRun(configuration, .write).transfers[0].achievedBandwidth.bytesPerSecond
            let read = try singleLinkRun(configuration, .read).transfers[0].achievedBandwidth.bytesPerSecond
            rows.append(
                SingleLink(
                    configuration: configuration,
                    write: (write, analytical(configuration, .write, bytes: 1 << 20)),
                    read: (read, analytical(configuration, .read, bytes: 1 << 20))))
        }
        return rows
    }

    /// Two Gen4 x16 writers into one Gen3 x8 uplink: their bandwidths, half the uplink's
    /// analytical rate, and the flow-control stall on each fast input.
    public static func sharedUplink() throws(PacketModelError) -> (
        bandwidths: [Double], halfUplink: Double, stalls: [Picoseconds]
    ) {
        let scenario = PacketScenarios.sharedUplink()
        let result = try PacketSimulation.run(fabric: scenario.fabric, transfers: scenario.transfers)
        let slow = PCIeLinkConfiguration(generation: .gen3, width: .x8)
        return (
            result.transfers.map(\.achievedBandwidth.bytesPerSecond), analytical(slow, .write, bytes: 8 << 20) / 2,
            ["a.in", "b.in"].map { result.stage(StageID($0))?.flowControlStallTime ?? .zero }
        )
    }

    /// A 16 MiB read over a 2 us round trip with `tags` tags.
    public static func tagLimited(tags: Int) throws(PacketModelError) -> PacketTransferResult {
        let scenario = PacketScenarios.longRoundTripRead(tags: tags, bytes: 16 << 20)
        return try PacketSimulation.run(fabric: scenario.fabric, transfers: scenario.transfers).transfers[0]
    }

    /// A 16 MiB write across the two-level switch tree.
    public static func switchTree() throws(PacketModelError) -> PacketTransferResult {
        let scenario = PacketScenarios.twoLevelSwitchTreeWrite(bytes: 16 << 20)
        return try PacketSimulation.run(fabric: scenario.fabric, transfers: scenario.transfers).transfers[0]
    }

    /// The section of docs/packet-model.md with these figures: a table and a paragraph.
    public static func markdown() throws(PacketModelError) -> String {
        func gb(_ x: Double) -> String { formatDecimal(x / 1e9, maxFractionDigits: 4) }
        func percent(_ a: Double, _ b: Double) -> String {
            let x = (a / b - 1) * 100
            return (x >= 0 ? "+" : "−") + formatDecimal(abs(x), maxFractionDigits: x.magnitude < 0.01 ? 3 : 2) + "%"
        }
        var out = """
            1 MiB from address 0, MPS 256, MRRS 512, 256 tags, 5 ns links, 20 ns memory, against
            `effectiveBandwidth(for:placement: .reverseDirection)` (generated by
            `PacketModelFigures.markdown()`; `swift test --filter PacketModelTests` asserts it):

            | Link | Write: simulated / analytical (GB/s) | Read: simulated / analytical (GB/s) |
            |---|---|---|

            """
        for row in try singleLinks() {
            let name = "\(row.configuration.generation) \(row.configuration.width)"
            out +=
                "| \(name) | \(gb(row.write.simulated)) / \(gb(row.write.analytical)) "
                + "(\(percent(row.write.simulated, row.write.analytical))) | \(gb(row.read.simulated)) / "
                + "\(gb(row.read.analytical)) (\(percent(row.read.simulated, row.read.analytical))) |\n"
        }
        let shared = try sharedUplink()
        let limited = try tagLimited(tags: 32)
        let open = try tagLimited(tags: 256)
        let tree = try switchTree()
        func microseconds(_ t: Picoseconds) -> String { formatDecimal(Double(t.rawValue) / 1e6, maxFractionDigits: 0) }
        out += """

            Other figures: two Gen4 x16 writers into one Gen3 x8 uplink get \(gb(shared.bandwidths[0])) and \
            \(gb(shared.bandwidths[1])) GB/s (half the uplink's \(gb(2 * shared.halfUplink)) is \
            \(gb(shared.halfUplink))), with \(microseconds(shared.stalls[0])) and \(microseconds(shared.stalls[1])) us \
            of flow-control stall on the fast inputs; 32 tags × 512 B over a 2 us round trip give \
            \(gb(limited.achievedBandwidth.bytesPerSecond)) GB/s (bottleneck "\(limited.bottleneck.cause)"), \
            256 tags \(gb(open.achievedBandwidth.bytesPerSecond)) GB/s (bottleneck "\(open.bottleneck.cause)"); a \
            16 MiB write across the two-level switch tree runs at \(gb(tree.achievedBandwidth.bytesPerSecond)) GB/s.

            """
        return out
    }
}
