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
        // A push (posted writes) keeps every link weight 1; only the translating IOMMU's walkers
        // (the default machine's IOMMU translates) are charged per byte.
        let push = try #require(planner.plan("gpu0", "gpu2").legs.first)
        for (position, resource) in push.route.enumerated() {
            let name = resources.resources[resource].name
            #expect(name.hasSuffix(".iommu") ? push.weight(at: position) < 1e-9 : push.weight(at: position) == 1, "\(name)")
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
        // Completions cost less wire than writes, so the read is (slightly) faster.
        #expect(outcomes[0].bandwidth > writeOutcomes[0].bandwidth)
        #expect(outcomes[0].bandwidth < writeOutcomes[0].bandwidth * 1.03)
    }
}
