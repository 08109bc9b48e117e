import Engine
import PCIeProtocol
import Testing

@Suite("Read legs charge completions and requests")
struct ReadWeightTests {
    @Test("Read weights from the wire accounting: completions a little under 1, requests about 24/512 x efficiency")
    func readWeights() {
        let configuration = PCIeLinkConfiguration(generation: .gen4, width: .x16, maxPayloadSize: .bytes256)
        let weights = MachineResources.readWeights(for: configuration)
        // 256-byte CplD with 20 bytes of overhead against a 256-byte MWr with 24.
        #expect(weights.completions > 0.97 && weights.completions < 1)
        // One 24-byte MRd per 512 bytes, over the write's wire bytes per payload byte (~280 / 256).
        #expect(weights.requests > 24.0 / 512 * 256 / 280 * 0.99 && weights.requests < 0.06)
    }

    @Test("A pull leg weighs its data links and adds their opposite directions for the requests")
    func pullLeg() throws {
        let planner = try planner("default")
        let leg = try #require(planner.plan("gpu0", "gpu2", direction: .pull).legs.first)
        #expect(leg.isRead)
        #expect(leg.weights.count == leg.route.count)
        #expect(Set(leg.route).count == leg.route.count)
        let links = leg.elements.compactMap { element -> (node: Int, upward: Bool)? in
            if case .link(let node, let upward) = element { return (node, upward) }
            return nil
        }
        #expect(!links.isEmpty)
        let resources = planner.resources
        for link in links {
            let data = try #require(link.upward ? resources.linkUp[link.node] : resources.linkDown[link.node])
            let request = try #require(link.upward ? resources.linkDown[link.node] : resources.linkUp[link.node])
            let dataPosition = try #require(leg.route.firstIndex(of: data))
            let requestPosition = try #require(leg.route.firstIndex(of: request))
            #expect(leg.weights[dataPosition] > 0.97 && leg.weights[dataPosition] < 1)
            #expect(leg.weights[requestPosition] > 0.03 && leg.weights[requestPosition] < 0.06)
        }
        // A push (posted writes) weighs its links by its writer's 128-byte TLPs (the A100's
        // `<dma writePayload>`) against the links' 256-byte MPS: (256 / 280) / (128 / 152) on the
        // wire, about 1.086; other resources keep weight 1, and only the translating IOMMU's
        // walkers (the default machine's IOMMU translates) are charged per byte.
        let push = try #require(planner.plan("gpu0", "gpu2").legs.first)
        #expect(push.maxPayload == 128)
        for (position, resource) in push.route.enumerated() {
            let name = resources.resources[resource].name
            let weight = push.weight(at: position)
            if name.hasSuffix(".iommu") {
                #expect(weight < 1e-9, "\(name)")
            } else if name.contains(".link.") {
                #expect(weight > 1.08 && weight < 1.09, "\(name): \(weight)")
            } else {
                #expect(weight == 1, "\(name)")
            }
        }
    }

    @Test("A read alone runs at its completions' rate, a write at the link's write rate")
    func readAloneIsCompletionLimited() throws {
        let planner = try planner("default")
        let engine = FlowEngine(planner: planner)
        let read = try planner.plan("gpu0", "gpu2", direction: .pull)
        let write = try planner.plan("gpu0", "gpu2")
        let bytes: UInt64 = 64 << 20
        let outcomes = engine.run([ScheduledTransfer(label: "read", plan: read, bytes: bytes)]).outcomes
        let writeOutcomes = engine.run([ScheduledTransfer(label: "write", plan: write, bytes: bytes)]).outcomes
        // Completions (256 bytes, 20 of overhead) cost less wire than the A100's 128-byte writes
        // (24 of overhead): the read is faster, the write runs at the 128-byte write rate.
        let link = PCIeLinkConfiguration(generation: .gen4, width: .x16, maxPayloadSize: .bytes256)
        let writeRate = link.effectiveBandwidth(for: TransferPattern(operation: .write, length: 128))
        #expect(outcomes[0].bandwidth > writeOutcomes[0].bandwidth * 1.05)
        #expect(abs(writeOutcomes[0].bandwidth - writeRate) / writeRate < 0.01, "\(writeOutcomes[0].bandwidth) \(writeRate)")
    }
}
