import Engine
import Fabric
import Foundation
import PCIeProtocol
import Testing
import Topology
import Units

/// A device that writes below its MPS (`<dma writePayload>`): every link its writes cross
/// carries a header per `writePayload` bytes, in both fidelities.
@Suite("Write payload: a device's TLPs below its MPS")
struct WritePayloadTests {
    let bytes: UInt64 = 16 << 20

    func rate(_ planner: TransferPlanner, _ from: String, _ to: String, fidelity: Fidelity) throws -> Double {
        let transfers = [ScheduledTransfer(label: "t", plan: try planner.plan(from, to), bytes: bytes)]
        let outcome: TransferOutcome
        switch fidelity {
        case .flow: outcome = FlowEngine(planner: planner).run(transfers).outcomes[0]
        case .packet: outcome = try PacketEngine(planner: planner).run(transfers).outcomes[0]
        }
        return outcome.bandwidth
    }

    /// Gen4 x16 at 256-byte and 128-byte writes: 256 / 280 and 128 / 152 of the link's 31.5 GB/s
    /// (the wire accounting's own figures, less its SKP ordered sets).
    @Test("128-byte writes move at the 128-byte write rate, device to host and peer to peer, in both fidelities", arguments: Fidelity.allCases)
    func smallWritesRunAtTheirRate(fidelity: Fidelity) throws {
        let link = PCIeLinkConfiguration(generation: .gen4, width: .x16, maxPayloadSize: .bytes256)
        let full = link.effectiveBandwidth(for: TransferPattern(operation: .write, length: 1 << 20))
        let small = link.effectiveBandwidth(for: TransferPattern(operation: .write, length: 128))
        let plain = try twoGPUMachine()
        let cut = try twoGPUMachine(dma: #" writePayload="128 B""#)
        for (from, to) in [("gpu0", "cpu0"), ("gpu0", "gpu1")] {
            let before = try rate(plain, from, to, fidelity: fidelity)
            let after = try rate(cut, from, to, fidelity: fidelity)
            #expect(abs(before - full) / full < 0.03, "\(from)->\(to): \(before) vs \(full)")
            #expect(abs(after - small) / small < 0.03, "\(from)->\(to): \(after) vs \(small)")
            #expect(after < before * 0.95)
        }
    }

    @Test("The plan says where a device writes below its MPS, and not where a root complex cuts its TLPs smaller")
    func planSaysSo() throws {
        let cut = try twoGPUMachine(dma: #" writePayload="128 B""#)
        #expect(try cut.plan("gpu0", "cpu0").notes.contains { $0.contains("gpu0 writes 128 B TLPs") })
        #expect(try cut.plan("gpu0", "gpu1").notes.contains { $0.contains("gpu0 writes 128 B TLPs") })
        #expect(try !cut.plan("cpu0", "gpu0").notes.contains { $0.contains("writes 128 B TLPs") })
        #expect(try !twoGPUMachine().plan("gpu0", "cpu0").notes.contains { $0.contains("TLPs") })
    }

    /// A root complex that forwards peer writes as 64-byte TLPs: the writer's own link carries its
    /// 128-byte TLPs, the links after the root complex the 64-byte ones.
    @Test("Before a root complex's smaller cut the links carry the writer's TLPs, after it the cut ones")
    func writerPayloadBeforeTheRootComplexCut() throws {
        let planner = try twoGPUMachine(dma: #" writePayload="128 B""#, complex: #" p2pMaxPayload="64 B""#)
        let leg = try #require(planner.plan("gpu0", "gpu1").legs.first)
        #expect(leg.maxPayload == 64)
        let link = PCIeLinkConfiguration(generation: .gen4, width: .x16, maxPayloadSize: .bytes256)
        func weight(_ payload: Int) -> Double {
            link.effectiveBandwidth(for: TransferPattern(operation: .write, length: 1 << 20))
                / link.effectiveBandwidth(for: TransferPattern(operation: .write, length: payload))
        }
        let resources = planner.resources
        var checked: [Bool] = []
        for element in leg.elements {
            guard case .link(let node, let upward) = element else { continue }
            checked.append(upward)
            let resource = try #require(upward ? resources.linkUp[node] : resources.linkDown[node])
            let position = try #require(leg.route.firstIndex(of: resource))
            let expected = weight(upward ? 128 : 64)
            #expect(abs(leg.weight(at: position) - expected) < 1e-9, "\(resources.resources[resource].name)")
        }
        #expect(checked.contains(true) && checked.contains(false))
    }

    @Test("A device's write payload leaves its reads alone")
    func readsAreUnchanged() throws {
        let plain = try twoGPUMachine()
        let cut = try twoGPUMachine(dma: #" writePayload="128 B""#)
        let before = try rate(plain, "cpu0", "gpu0", fidelity: .flow)
        let after = try rate(cut, "cpu0", "gpu0", fidelity: .flow)
        #expect(before == after)
    }

    @Test("A write payload that is no TLP size is an error at its place in the file", arguments: ["96 B", "8 KiB"])
    func badPayloadIsRefused(value: String) {
        expectOneGPUTopologyRefused(
            body: #"<dma engines="2" rate="32 GB/s" writePayload="\#(value)"/>"#, line: 5, mentioning: "writePayload")
    }
}
