import PCIeProtocol
import Testing
import Units

@testable import PacketModel

/// The packet model's results pinned as they were before the engine was made faster (issue 14).
///
/// The optimised engine must give byte-identical results for the same inputs. Each case pins the
/// transfers' finish times and packet counts, and an FNV-1a 64 hash of the whole result
/// description except the kernel's event count (which the optimisations lower on purpose).
@Suite("Packet model: results pinned before the engine was optimised")
struct PinnedResultTests {
    /// One pinned scenario: its finish times, counts and description hash.
    struct Pin: Sendable, CustomTestStringConvertible {
        var name: String
        var finishes: [UInt64]
        /// MWr, MRd, CplD, Cpl, Acks, UpdateFCs per transfer.
        var counts: [[Int]]
        var hash: UInt64
        var testDescription: String { name }
    }

    /// The scenarios, by name.
    static func scenario(_ name: String) -> (PacketFabric, [PacketTransfer]) {
        switch name {
        case "gen3x8 write 1 MiB":
            return (
                singleLink(PCIeLinkConfiguration(generation: .gen3, width: .x8)),
                [PacketTransfer(kind: .write, bytes: 1 << 20, requestRoute: ["dn", "mem"], tag: "w")]
            )
        case "gen4x16 read 1 MiB":
            return (
                singleLink(PCIeLinkConfiguration(generation: .gen4, width: .x16)),
                [
                    PacketTransfer(
                        kind: .read, bytes: 1 << 20, requestRoute: ["up", "mem"], completionRoute: ["dn"], tag: "r")
                ]
            )
        case "gen5x16 read 1 MiB from 0x0F80, 32 tags":
            return (
                singleLink(PCIeLinkConfiguration(generation: .gen5, width: .x16)),
                [
                    PacketTransfer(
                        kind: .read, bytes: 1 << 20, startAddress: 0x0F80,
                        requester: RequesterParameters(outstandingReadTags: 32),
                        requestRoute: ["up", "mem"], completionRoute: ["dn"], tag: "r")
                ]
            )
        case "two writers into a slow uplink":
            return BehaviourTests.sharedUplink()
        case "writes-only root complex, read and write":
            let fabric = BehaviourTests.writesOnlyRootComplex()
            return (
                fabric,
                [
                    PacketTransfer(
                        kind: .read, bytes: 64 << 10, requestRoute: ["a.up", "rc", "b.dn", "bar"],
                        completionRoute: ["b.up", "rc", "a.dn"], tag: "read"),
                    PacketTransfer(
                        kind: .write, bytes: 64 << 10, startAddress: 1 << 20,
                        requestRoute: ["a.up", "rc", "b.dn", "bar"], tag: "write"),
                ]
            )
        case "DMA-capped write":
            return (
                singleLink(PCIeLinkConfiguration(generation: .gen3, width: .x8)),
                [
                    PacketTransfer(
                        kind: .write, bytes: 1 << 20, requester: RequesterParameters(dmaRate: .gigabytesPerSecond(2)),
                        requestRoute: ["dn", "mem"], tag: "w")
                ]
            )
        case "two-level switch tree write 4 MiB":
            let scenario = PacketScenarios.twoLevelSwitchTreeWrite(bytes: 4 << 20)
            return (scenario.fabric, scenario.transfers)
        case "tree with a read, a write and a late start":
            var scenario = PacketScenarios.twoLevelSwitchTreeWrite(bytes: 2 << 20)
            scenario.fabric.add(
                PacketStage(id: "ep0.mem", kind: .memory(latency: .ns(250), bandwidth: .gigabytesPerSecond(40))))
            scenario.transfers.append(
                PacketTransfer(
                    kind: .read, bytes: 1 << 20, startAddress: 1 << 30, start: .us(3),
                    requestRoute: ["ep1.up", "leaf1", "leaf1.up", "top", "leaf0.dn", "leaf0", "ep0.dn", "ep0.mem"],
                    completionRoute: ["ep0.up", "leaf0", "leaf0.up", "top", "leaf1.dn", "leaf1", "ep1.dn"],
                    tag: "ep1←ep0"))
            scenario.transfers.append(
                PacketTransfer(
                    kind: .write, bytes: 768 << 10, startAddress: 3 << 30, start: .us(1),
                    requestRoute: ["ep0.up", "leaf0", "leaf0.up", "top", "leaf1.dn", "leaf1", "ep1.dn", "ep1.mem"],
                    tag: "ep0→ep1 late"))
            return (scenario.fabric, scenario.transfers)
        case "two links into one bandwidth-limited crossing and memory":
            var fabric = PacketFabric()
            let configuration = PCIeLinkConfiguration(generation: .gen4, width: .x16)
            fabric.addLink(downstream: "a.in", upstream: "a.back", configuration: configuration, latency: .ns(5))
            fabric.addLink(downstream: "b.in", upstream: "b.back", configuration: configuration, latency: .ns(7))
            fabric.add(
                PacketStage(id: "xbar", kind: .switchCrossing(latency: .ns(90), bandwidth: .gigabytesPerSecond(40))))
            fabric.add(PacketStage(id: "dram", kind: .memory(latency: .ns(80), bandwidth: .gigabytesPerSecond(30))))
            let transfers = [
                PacketTransfer(kind: .write, bytes: 3 << 20, requestRoute: ["a.in", "xbar", "dram"], tag: "A"),
                PacketTransfer(
                    kind: .write, bytes: 2 << 20, startAddress: 1 << 32, start: .ns(333),
                    requestRoute: ["b.in", "xbar", "dram"], tag: "B"),
            ]
            return (fabric, transfers)
        default:
            preconditionFailure("unknown scenario \(name)")
        }
    }

    /// The result description without the run line's event count.
    static func fingerprint(_ result: PacketResult) -> String {
        let lines: [Substring] = result.description.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.map { (line: Substring) -> String in
            guard line.hasPrefix("run: ") else { return String(line) }
            let parts = line.split(separator: ",", omittingEmptySubsequences: false)
            return parts.filter { !$0.hasPrefix(" events ") }.joined(separator: ",")
        }.joined(separator: "\n")
    }

    /// FNV-1a 64 of the UTF-8 bytes.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    static let pins: [Pin] = [
        Pin(
            name: "gen3x8 write 1 MiB",
            finishes: [145_993_266], counts: [[4096, 0, 0, 0, 709, 709]], hash: 0x1ee0_b8e1_3643_671a),
        Pin(
            name: "gen4x16 read 1 MiB",
            finishes: [36_194_834], counts: [[0, 2048, 4096, 0, 797, 372]], hash: 0x93dc_83b9_9912_f072),
        Pin(
            name: "gen5x16 read 1 MiB from 0x0F80, 32 tags",
            finishes: [18_124_955], counts: [[0, 2049, 4097, 0, 844, 419]], hash: 0x8c5d_c714_4d96_9cf3),
        Pin(
            name: "writes-only root complex, read and write",
            finishes: [854223, 2_600_967], counts: [[0, 128, 0, 128, 67, 73], [256, 0, 0, 0, 58, 64]],
            hash: 0x94bf_c32b_26ad_d8f5),
        Pin(
            name: "DMA-capped write",
            finishes: [524_200_642], counts: [[4096, 0, 0, 0, 2543, 2543]], hash: 0x5c4f_fa4b_fb2a_92da),
        Pin(
            name: "two-level switch tree write 4 MiB",
            finishes: [146_323_266], counts: [[16384, 0, 0, 0, 6848, 6848]], hash: 0xa18c_ab99_67b2_aa6a),
        Pin(
            name: "two writers into a slow uplink",
            finishes: [1_167_988_051, 1_168_023_693],
            counts: [[16384, 0, 0, 0, 19319, 19356], [16384, 0, 0, 0, 19320, 19356]], hash: 0xe73c_f447_26e2_9bdd),
        Pin(
            name: "two links into one bandwidth-limited crossing and memory",
            finishes: [176_051_518, 143_498_824],
            counts: [[12288, 0, 0, 0, 1688, 1684], [8192, 0, 0, 0, 1660, 1665]], hash: 0xd148_2e2b_0eb8_643d),
        Pin(
            name: "tree with a read, a write and a late start",
            finishes: [137_224_714, 103_026_535, 82_252_280],
            counts: [[8192, 0, 0, 0, 6421, 9909], [0, 2048, 4096, 0, 10672, 14166], [3072, 0, 0, 0, 6421, 9909]],
            hash: 0x3cb7_2f80_538a_26d8),
    ]

    @Test("Finish times, TLP and DLLP counts and the whole description are unchanged", arguments: pins)
    func pinned(pin: Pin) throws {
        let (fabric, transfers) = Self.scenario(pin.name)
        let result = try PacketSimulation.run(fabric: fabric, transfers: transfers)
        let finishes = result.transfers.map(\.finish.rawValue)
        let counts = result.transfers.map {
            [
                $0.tlps.memoryWrites, $0.tlps.memoryReads, $0.tlps.completionsWithData, $0.tlps.completionsWithoutData,
                $0.tlps.acks, $0.tlps.updateFCs,
            ]
        }
        let hash = Self.fnv1a(Self.fingerprint(result))
        // Printed so that a deliberate change of the model can re-pin it.
        print(
            "Pin(name: \"\(pin.name)\", finishes: \(finishes), counts: \(counts), hash: 0x\(String(hash, radix: 16))),")
        #expect(finishes == pin.finishes)
        #expect(counts == pin.counts)
        #expect(hash == pin.hash)
        if hash != pin.hash { print(Self.fingerprint(result)) }
    }
}
