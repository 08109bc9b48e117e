import Engine
import Fabric
import Foundation
import Topology
import Units

/// The cross-validation suite: the same transfers in the flow model and the packet model.
///
/// Steady-state bandwidths must agree within 3% and completion times within 5% for transfers
/// of 1 MiB and more (issue [7/9]); `docs/validation.md` shows the table, and a test runs the
/// suite at sizes that keep `swift test` fast.
public enum CrossValidation {
    /// One transfer of a case: source, destination, path, direction.
    public struct Transfer: Sendable {
        var from: String
        var to: String
        var path: PathChoice = .auto
        var direction: DMADirection = .push
    }

    /// A case: a topology and transfers that run at once.
    public struct Case: Sendable {
        /// What it exercises.
        public var name: String
        /// The bundled topology.
        public var topology: String
        var transfers: [Transfer]
        /// Whether links carry traffic both ways, which the flow model shares fairly on rates where
        /// the packet model arbitrates per packet (see the explanation in the report): bandwidth
        /// agreement is then 5% from 4 MiB per transfer.
        public var bothWays = false
        /// A difference between the fidelities that is known and explained, when the case shows
        /// one beyond the targets: it stays in the suite, reported, until a mechanism fixes it.
        public var knownDifference: String? = nil
    }

    /// The suite: single transfers on every bundled topology; 2 to 16 concurrent transfers
    /// sharing a switch uplink, a root complex, a memory; bidirectional; reads and writes.
    public static let cases: [Case] = [
        Case(name: "single, P2P below a switch", topology: "default", transfers: [Transfer(from: "gpu0", to: "gpu1")]),
        Case(
            name: "single, P2P through the host bridge", topology: "default",
            transfers: [Transfer(from: "gpu0", to: "gpu2")]),
        Case(
            name: "single read, through the host bridge", topology: "default",
            transfers: [Transfer(from: "gpu0", to: "gpu2", direction: .pull)]),
        Case(
            name: "single, PCIe P2P below a PLX switch", topology: "dgx1-v100",
            transfers: [Transfer(from: "gpu0", to: "gpu1", path: .pcie)]),
        Case(
            name: "single bounce across sockets", topology: "dgx1-v100", transfers: [Transfer(from: "gpu0", to: "gpu5")]
        ),
        Case(
            name: "single, PCIe P2P", topology: "dgx-a100", transfers: [Transfer(from: "gpu0", to: "gpu1", path: .pcie)]
        ),
        Case(
            name: "single, PCIe P2P", topology: "hgx-h100", transfers: [Transfer(from: "gpu0", to: "gpu1", path: .pcie)]
        ),
        Case(
            name: "single bounce", topology: "hgx-h100", transfers: [Transfer(from: "gpu0", to: "gpu1", path: .bounce)]),
        Case(
            name: "single, PCIe P2P", topology: "mi250x-node",
            transfers: [Transfer(from: "gpu0", to: "gpu2", path: .pcie)]),
        Case(
            name: "single, PCIe P2P", topology: "mi300x-8", transfers: [Transfer(from: "gpu0", to: "gpu1", path: .pcie)]
        ),
        Case(
            name: "single bounce (ACS redirect)", topology: "workstation-pcie-switch",
            transfers: [Transfer(from: "gpu0", to: "gpu1")]),
        Case(
            name: "single bounce (not allowlisted)", topology: "intel-client",
            transfers: [Transfer(from: "gpu0", to: "gpu1")]),
        Case(
            name: "single, NVMe to GPU", topology: "gpudirect-storage", transfers: [Transfer(from: "nvme0", to: "gpu0")]
        ),
        Case(
            name: "2 writers sharing a switch uplink", topology: "default",
            transfers: [Transfer(from: "gpu0", to: "gpu2"), Transfer(from: "gpu1", to: "gpu2")]),
        Case(
            name: "bidirectional bounce sharing a switch uplink", topology: "dgx1-v100",
            transfers: [
                Transfer(from: "gpu0", to: "gpu1", path: .bounce), Transfer(from: "gpu1", to: "gpu0", path: .bounce),
            ],
            bothWays: true),
        Case(
            name: "bidirectional P2P through a root complex", topology: "default",
            transfers: [Transfer(from: "gpu0", to: "gpu2"), Transfer(from: "gpu2", to: "gpu0")], bothWays: true),
        Case(
            name: "4 device-to-host copies sharing root complexes and memory", topology: "dgx1-v100",
            transfers: (0..<4).map { Transfer(from: "gpu\($0)", to: "cpu0") }),
        Case(
            name: "8 host-to-device copies sharing memories and a socket link", topology: "dgx-a100",
            transfers: (0..<8).map { Transfer(from: "cpu0", to: "gpu\($0)") }),
        Case(
            name: "a host read against writes on its request direction", topology: "default",
            transfers: [Transfer(from: "cpu0", to: "gpu0"), Transfer(from: "gpu0", to: "cpu0")], bothWays: true,
            knownDifference: Self.equalRates),
        Case(
            name: "a host read joining a neighbour's writes on a shared switch uplink", topology: "abci-a100x8",
            transfers: [Transfer(from: "cpu0", to: "gpu1"), Transfer(from: "gpu0", to: "cpu0")], bothWays: true,
            knownDifference: Self.neighbourQueue),
        Case(
            name: "a bounce contended by a host copy", topology: "hgx-h100",
            transfers: [Transfer(from: "gpu0", to: "gpu2", path: .bounce), Transfer(from: "cpu0", to: "gpu2")]),
        Case(
            name: "single, PCIe P2P across sockets", topology: "dual-xeon-a100pcie4",
            transfers: [Transfer(from: "gpu0", to: "gpu2")]),
        Case(
            name: "single, PCIe P2P through a root complex that forwards 64-byte TLPs", topology: "x12spa-rtx6000ada",
            transfers: [Transfer(from: "gpu0", to: "gpu1", path: .p2p)]),
        Case(
            name: "bidirectional bounce, GPUs on root ports", topology: "wrx80-rtx6000ada",
            transfers: [
                Transfer(from: "gpu0", to: "gpu1", path: .bounce), Transfer(from: "gpu1", to: "gpu0", path: .bounce),
            ],
            bothWays: true, knownDifference: Self.smallWritesBounce),
        Case(
            name: "single bounce through a translating IOMMU (4 KiB pages)", topology: "default",
            transfers: [Transfer(from: "gpu0", to: "gpu2", path: .bounce)]),
        Case(name: "single, NVLink", topology: "dgx1-v100", transfers: [Transfer(from: "gpu0", to: "gpu3")]),
        Case(name: "single, NVSwitch", topology: "hgx-h100", transfers: [Transfer(from: "gpu0", to: "gpu5")]),
        Case(name: "single, XGMI", topology: "mi300x-8", transfers: [Transfer(from: "gpu0", to: "gpu1")]),
        Case(
            name: "2 copies sharing an NVLink", topology: "dgx1-v100",
            transfers: [Transfer(from: "gpu0", to: "gpu3"), Transfer(from: "gpu0", to: "gpu3")]),
        Case(
            name: "bidirectional NVSwitch", topology: "hgx-h100",
            transfers: [Transfer(from: "gpu0", to: "gpu5"), Transfer(from: "gpu5", to: "gpu0")], bothWays: true),
        Case(
            name: "single bounce across sockets (UPI at flit level)", topology: "dual-xeon-a100pcie4",
            transfers: [Transfer(from: "gpu0", to: "gpu2", path: .bounce)]),
        Case(
            name: "16 host copies both ways", topology: "mi300x-8",
            transfers: (0..<8).map { Transfer(from: "gpu\($0)", to: "cpu\($0 / 4)") }
                + (0..<8).map { Transfer(from: "cpu\($0 / 4)", to: "gpu\($0)") }, bothWays: true),
    ]

    /// Why the flow model slows a read that joins a neighbour's writes where the packet model does not.
    static let neighbourQueue =
        "the flow model queues a read's requests behind the posted writes that fill the switch uplink they join (PCIe ordering: a request may not pass a posted write), which predicts the same-switch staged copies of ABCI 2.0 within 8% and Lambda within 12%; the packet model serves each ingress port's queues round-robin at the switch egress, so the requests pass the neighbour's writes there"

    static let equalRates =
        "the flow model shares the GPU's upstream direction max-min fairly on rates, so the read, whose requests need about 4% of it, is held to the rate of the device's own writes; with the A100's 128-byte writes (weight 1.086 per byte) that rate is 12% under the read's completions, where the packet model arbitrates per packet and lets the requests through (within 3.3% with 256-byte writes)"

    static let smallWritesBounce =
        "with the Ada's 128-byte writes the packet model's host-to-device chunks run bound by their read tags for longer than the flow model's read cap says (with 256-byte writes the two agree within 4.1%); the packet model's figure falls off a cliff between a 24 and a 30 KiB posted-write backlog (19.2 to 16.7 GB/s; flow 19.6 to 18.9), which only 128-byte writes show and which points at the receivers' credits rather than at the queue: receivers sized for 2 us instead of 1 (`--set receiverBufferCoverage=2us`) give 17.23 GB/s, 4% under flow; which credit runs short is not yet found"

    /// One transfer's figures in both fidelities.
    public struct Row: Sendable {
        /// The case.
        public var caseName: String
        /// The topology.
        public var topology: String
        /// The transfer.
        public var transfer: String
        /// Its mechanism.
        public var mechanism: String
        /// Seconds in each fidelity.
        public var flowSeconds: Double, packetSeconds: Double
        /// GB/s in each fidelity.
        public var flowGBps: Double, packetGBps: Double

        /// Whether the case's links carry traffic both ways.
        public var bothWays: Bool
        /// The case's known difference between the fidelities, if any.
        public var knownDifference: String? = nil

        /// Relative difference of completion times, packet as reference.
        public var timeError: Double { (flowSeconds - packetSeconds) / packetSeconds }
        /// Relative difference of bandwidths, packet as reference.
        public var bandwidthError: Double { (flowGBps - packetGBps) / packetGBps }
    }

    /// Runs every case with transfers of `bytes` each.
    public static func run(topologies: URL, bytes: UInt64, cases: [Case] = cases) throws -> [Row] {
        var rows: [Row] = []
        for testCase in cases {
            let topology = try TopologyLoader.load(
                contentsOf: topologies.appendingPathComponent(testCase.topology + ".xml").path)
            let planner = TransferPlanner(machine: try EnumeratedMachine(topology))
            var scheduled: [ScheduledTransfer] = []
            for transfer in testCase.transfers {
                let plan = try planner.plan(
                    from: planner.end(named: transfer.from), to: planner.end(named: transfer.to), choice: transfer.path,
                    direction: transfer.direction)
                scheduled.append(ScheduledTransfer(label: "\(transfer.from)->\(transfer.to)", plan: plan, bytes: bytes))
            }
            let flow = FlowEngine(planner: planner).run(scheduled).outcomes
            let packet = try PacketEngine(planner: planner).run(scheduled).outcomes
            for (f, p) in zip(flow, packet) {
                rows.append(
                    Row(
                        caseName: testCase.name, topology: testCase.topology,
                        transfer: f.transfer.label
                            + (f.transfer.plan.legs.first?.isRead == true && f.transfer.plan.mechanism.isPeerToPeer
                                ? " (read)" : ""),
                        mechanism: f.transfer.plan.mechanism.rawValue, flowSeconds: f.duration.seconds,
                        packetSeconds: p.duration.seconds, flowGBps: f.bandwidth / 1e9, packetGBps: p.bandwidth / 1e9,
                        bothWays: testCase.bothWays, knownDifference: testCase.knownDifference))
            }
        }
        return rows
    }

    /// The markdown section for docs/validation.md.
    public static func markdown(topologies: URL, bytes: UInt64) throws -> String {
        let rows = try run(topologies: topologies, bytes: bytes)
        var out = "## Flow model against the packet model\n\n"
        out +=
            "Every case runs its transfers at once, \(ByteCount(bytes)) each, in both fidelities from the same plans "
        out += "(`CrossValidation.cases`). Targets: bandwidth within 3%, completion time within 5%.\n\n"
        out += "| Case | Topology | Transfer | Mechanism | Flow GB/s | Packet GB/s | Δ bandwidth | Δ time |\n"
        out += "|---|---|---|---|---:|---:|---:|---:|\n"
        var worstBandwidth = 0.0
        var worstTime = 0.0
        for row in rows {
            worstBandwidth = max(worstBandwidth, abs(row.bandwidthError))
            worstTime = max(worstTime, abs(row.timeError))
            out += "| \(row.caseName) | \(row.topology) | \(row.transfer) | \(row.mechanism) | "
            out +=
                "\(formatDecimal(row.flowGBps, maxFractionDigits: 2)) | \(formatDecimal(row.packetGBps, maxFractionDigits: 2)) | "
            out +=
                "\(formatDecimal(row.bandwidthError * 100, maxFractionDigits: 2))% | \(formatDecimal(row.timeError * 100, maxFractionDigits: 2))% |\n"
        }
        let known = rows.filter { $0.knownDifference != nil }
        let explained = Array(Set(known.map(\.caseName))).sorted()
        let others = rows.filter { $0.knownDifference == nil }
        worstBandwidth = others.map { abs($0.bandwidthError) }.max() ?? 0
        worstTime = others.map { abs($0.timeError) }.max() ?? 0
        if !explained.isEmpty {
            out += "\nKnown differences, kept in the suite and reported until a mechanism removes them:\n"
            for name in explained {
                out += "- \(name): \(known.first { $0.caseName == name }?.knownDifference ?? "").\n"
            }
        }
        out += "\nLargest difference outside those: bandwidth \(formatDecimal(worstBandwidth * 100, maxFractionDigits: 2))%, "
        out += "completion time \(formatDecimal(worstTime * 100, maxFractionDigits: 2))%.\n\n"
        out += """
            Where they differ and why:
            - The flow model gives each PCIe link direction one payload capacity, that of posted writes with \
            the link's MPS (24 bytes of overhead per TLP), and charges other traffic to it by weight. A read \
            leg weighs its data-direction links by its completions' wire bytes over a write's (20 bytes of \
            overhead per CplD, so a little under 1) and adds each link's opposite direction with the weight \
            of its read requests (24 bytes per 512-byte MRRS, about 4.5% of the read rate once normalised \
            to the write capacity); `MachineResources.readWeights(for:)`. At 64 MiB, reads alone and reads \
            sharing only their own direction (the single read, the 8 host-to-device copies) agree within \
            0.05%.
            - Sharing is max-min fair on rates, as in SimGrid: where a link direction carries device-to-host \
            writes and host-to-device reads' requests, both rates rise together until the direction is \
            full, so in the 16 host copies both ways every copy gets the GPU link's capacity divided by \
            1 plus the request weight. The packet model arbitrates per packet and does not hold the small \
            requests back to the writes' rate: its reads run as fast as their completions allow and the \
            writes get what the requests leave. At 64 MiB the flow model's reads come out 4.8% slower (the \
            only case beyond 3%) while its writes agree within 0.6%. For shorter transfers the writes come \
            out faster as well (4% at 4 MiB, 13% at 1 MiB), because a reader's tags let it send 128 KiB of \
            requests at once at the start, which the fluid model spreads over the transfer. The \
            bidirectional bounce, whose switch uplink carries each bounce's device-to-host writes and the \
            other's read requests in the same direction, comes out 1-3% slower for the same reason.
            - Writes are not charged for the Ack and UpdateFC DLLPs their receivers send back on the \
            opposite direction, so the bidirectional P2P writes come out 0.6% faster in the flow model.
            - Latency is charged once before the data in the flow model and overlaps with transmission in the \
            packet model; at 64 MiB it does not show.

            """
        return out
    }
}
