import Engine
import Fabric
import Foundation
import Testing
import Topology
import Units

@Suite("Queues of small DMAs: the issue cost, the queue's window, small TLPs")
struct DMAQueueTests {
    let bytes: UInt64 = 256 << 10

    func run(
        _ planner: TransferPlanner, dmaSize: UInt64?, depth: Int, concurrent: Int = 1, fidelity: Fidelity
    ) throws -> [TransferOutcome] {
        let plan = try planner.plan("gpu0", "gpu1")
        let transfers = (0..<concurrent).map {
            ScheduledTransfer(label: "q\($0)", plan: plan, bytes: bytes, dmaSize: dmaSize, queueDepth: depth)
        }
        switch fidelity {
        case .flow: return FlowEngine(planner: planner).run(transfers).outcomes
        case .packet: return try PacketEngine(planner: planner).run(transfers).outcomes
        }
    }

    /// Seconds of the data movement alone (the launch and completion costs taken out).
    func dataSeconds(_ outcome: TransferOutcome, _ planner: TransferPlanner) -> Double {
        let engine = FlowEngine(planner: planner)
        return outcome.duration.seconds - engine.launch.seconds - engine.completion.seconds
    }

    @Test("Each DMA pays its device's issue cost, one at a time: 64-byte DMAs move at most 64 B per cost", arguments: Fidelity.allCases)
    func issueCostBindsSmallDMAs(fidelity: Fidelity) throws {
        let planner = try twoGPUMachine(dma: #" issueCost="20 ns""#)
        let outcome = try run(planner, dmaSize: 64, depth: 128, fidelity: fidelity)[0]
        let rate = Double(bytes) / dataSeconds(outcome, planner)
        // 64 B every 20 ns is 3.2 GB/s.
        #expect(rate <= 3.2e9 * 1.001)
        #expect(rate >= 3.2e9 * 0.95)
    }

    @Test("Large DMAs hardly notice the issue cost")
    func largeDMAsIgnoreTheCost() throws {
        let costly = try twoGPUMachine(dma: #" issueCost="20 ns""#)
        let free = try twoGPUMachine()
        let a = try run(costly, dmaSize: 64 << 10, depth: 4, fidelity: .flow)[0].bandwidth
        let b = try run(free, dmaSize: 64 << 10, depth: 4, fidelity: .flow)[0].bandwidth
        #expect(a > 0.99 * b)
    }

    @Test("Two queues of one device share its descriptor processing")
    func queuesShareTheDescriptorProcessor() throws {
        let planner = try twoGPUMachine(dma: #" issueCost="20 ns""#)
        let outcomes = try run(planner, dmaSize: 64, depth: 128, concurrent: 2, fidelity: .flow)
        let total = outcomes.reduce(0.0) { $0 + Double(bytes) / dataSeconds($1, planner) }
        #expect(total <= 3.2e9 * 1.001)
        #expect(total >= 3.2e9 * 0.95)
    }

    @Test("The queue's depth bounds the DMAs in flight: depth x size per latency, in both fidelities")
    func queueDepthWindow() throws {
        let planner = try twoGPUMachine()
        let latency = try planner.plan("gpu0", "gpu1").legs[0].latency.seconds
        for fidelity in Fidelity.allCases {
            let outcome = try run(planner, dmaSize: 64, depth: 8, fidelity: fidelity)[0]
            let rate = Double(bytes) / dataSeconds(outcome, planner)
            #expect(rate <= 8 * 64 / latency * 1.001, "\(fidelity)")
            #expect(rate >= 8 * 64 / latency * 0.95, "\(fidelity)")
        }
    }

    @Test("DMAs below the Max_Payload_Size pay a TLP's overhead each: 64-byte DMAs move less than full TLPs", arguments: Fidelity.allCases)
    func smallTLPsCostMore(fidelity: Fidelity) throws {
        let planner = try twoGPUMachine()
        let small = try run(planner, dmaSize: 64, depth: 4096, fidelity: fidelity)[0]
        let full = try run(planner, dmaSize: 4096, depth: 64, fidelity: fidelity)[0]
        let ratio = dataSeconds(full, planner) / dataSeconds(small, planner)
        // 64 / (64 + 24) against 256 / (256 + 24) of the link's rate.
        let expected = (64.0 / 88) / (256.0 / 280)
        #expect(abs(ratio - expected) < 0.03 * expected, "\(ratio) vs \(expected)")
    }

    @Test("Both fidelities agree on a queue of small DMAs with an issue cost, within 3%")
    func fidelitiesAgree() throws {
        let planner = try twoGPUMachine(dma: #" issueCost="5 ns""#)
        for depth in [1, 16, 256] {
            let flow = try run(planner, dmaSize: 128, depth: depth, fidelity: .flow)[0]
            let packet = try run(planner, dmaSize: 128, depth: depth, fidelity: .packet)[0]
            let error = abs(flow.duration.seconds - packet.duration.seconds) / packet.duration.seconds
            #expect(error < 0.03, "depth \(depth): \(flow.duration) vs \(packet.duration)")
        }
    }
}

@Suite("Network adapters move data at their port's rate")
struct LineRateTests {
    @Test("A NIC reading from a GPU to send, or writing what it received, moves at its line rate in both fidelities")
    func nicAtLineRate() throws {
        // hgx-h100: ConnectX-7 NDR (400 Gb/s = 50 GB/s) next to gpu0 below a Gen5 x16 switch
        // (about 57 GB/s of posted writes): the port binds.
        let planner = try planner("hgx-h100")
        let bytes: UInt64 = 16 << 20
        let send = ScheduledTransfer(
            label: "send", plan: try planner.plan("gpu0", "nic0", direction: .pull), bytes: bytes)
        let receive = ScheduledTransfer(label: "receive", plan: try planner.plan("nic0", "gpu0"), bytes: bytes)
        for transfer in [send, receive] {
            let flow = FlowEngine(planner: planner).run([transfer]).outcomes[0]
            let packet = try PacketEngine(planner: planner).run([transfer]).outcomes[0]
            for outcome in [flow, packet] {
                #expect(outcome.bandwidth <= 50e9 * 1.0001, "\(transfer.label)")
                // The launch and completion costs (2.5 us) take under 1% of a 16 MiB copy.
                #expect(outcome.bandwidth >= 50e9 * 0.98, "\(transfer.label)")
            }
            #expect(flow.bottleneck.contains("nic0.port"))
        }
    }

    @Test("Only a network adapter has a line rate: elsewhere it is an error at its place in the file")
    func lineRateOnlyOnNICs() {
        expectOneGPUTopologyRefused(endpoint: #" lineRate="400 Gb/s""#, line: 5, mentioning: "only a nic has")
    }
}
