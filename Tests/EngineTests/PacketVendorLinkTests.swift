import Engine
import LinkProtocols
import PacketModel
import Testing
import Units

@Suite("Packet model over NVLink, NVSwitch and XGMI (PacketVendorLinks)")
struct PacketVendorLinkTests {
    /// Runs `from` to `to` on a bundled topology through `vendorLinkTransfer` alone and returns
    /// the packet result and the plan's mechanism.
    static func run(_ name: String, _ from: String, _ to: String, bytes: UInt64 = 8 << 20) throws
        -> (PacketTransferResult, TransferMechanism)
    {
        let planner = try planner(name)
        let plan = try planner.plan(from, to)
        let engine = PacketEngine(planner: planner)
        var fabric = PacketFabric()
        var added = Set<StageID>()
        let transfer = try #require(
            engine.vendorLinkTransfer(
                ScheduledTransfer(label: "\(from)->\(to)", plan: plan, bytes: bytes), start: .zero, tag: "t",
                fabric: &fabric, added: &added))
        let result = try PacketSimulation.run(fabric: fabric, transfers: [transfer])
        return (try #require(result.transfer("t")), plan.mechanism)
    }

    @Test("HGX H100 gpu0 -> gpu1 through NVSwitch: 18 NVLink4 lanes at 256/272 of 25 GB/s each")
    func nvswitch() throws {
        let (result, mechanism) = try Self.run("hgx-h100", "gpu0", "gpu1")
        #expect(mechanism == .nvswitch)
        // 8 MiB at 423.5 GB/s take 19.8 us; the path latency (about 0.4 us) is 2% of that.
        let expected = 18 * 25e9 * 256 / 272
        #expect(abs(result.achievedBandwidth.bytesPerSecond / expected - 1) < 0.025)
        #expect(result.achievedBandwidth.bytesPerSecond < expected)
    }

    @Test("DGX-1 V100 gpu0 -> gpu3 over two bonded NVLink2 links")
    func directNVLink() throws {
        let (result, mechanism) = try Self.run("dgx1-v100", "gpu0", "gpu3")
        #expect(mechanism == .nvlink)
        let expected = 2 * NVLinkProtocol.profile(.nvlink2).signallingBytesPerSecond * 256 / 272
        #expect(abs(result.achievedBandwidth.bytesPerSecond / expected - 1) < 0.01)
    }

    @Test("MI300X gpu0 -> gpu1 over one x16 XGMI link: 64 GB/s x 0.8 x 128/130")
    func xgmi() throws {
        let (result, mechanism) = try Self.run("mi300x-8", "gpu0", "gpu1")
        #expect(mechanism == .xgmi)
        let expected = XGMIProtocol.profile(.mi300).packetBytesPerSecond * 0.8
        #expect(abs(result.achievedBandwidth.bytesPerSecond / expected - 1) < 0.01)
    }

    @Test("A PCIe path gets no vendor-link transfer")
    func pcieIsLeftAlone() throws {
        let planner = try planner("default")
        let plan = try planner.plan("gpu0", "gpu1")
        var fabric = PacketFabric()
        var added = Set<StageID>()
        #expect(
            PacketEngine(planner: planner).vendorLinkTransfer(
                ScheduledTransfer(label: "x", plan: plan, bytes: 1 << 20), start: .zero, tag: "t", fabric: &fabric,
                added: &added) == nil)
        #expect(fabric.stages.isEmpty)
    }

    @Test("DGX-1's QPI socket link: both directions as vendor links whose flit payload rate is the file's")
    func socketLink() throws {
        let planner = try planner("dgx1-v100")
        let engine = PacketEngine(planner: planner)
        var fabric = PacketFabric()
        var added = Set<StageID>()
        #expect(engine.addVendorSocketLink(from: 0, to: 1, fabric: &fabric, added: &added))
        #expect(engine.addVendorSocketLink(from: 1, to: 0, fabric: &fabric, added: &added))
        #expect(fabric.stages.count == 2)
        let stage = try #require(fabric.stages.first)
        guard case .vendorLink(let profile, let latency) = stage.kind else {
            Issue.record("not a vendor link: \(stage.kind)")
            return
        }
        // 2 QPI links of 19.2 GB/s of flit payload each (9.6 GT/s x 20 lanes x 64/80 / 8).
        #expect(profile.bondedLinks == 2)
        #expect(abs(profile.packetBytesPerSecond - 19.2e9) < 1)
        #expect(latency == .ns(100))
        #expect(stage.id == StageID("cpu0->cpu1.socket-link"))
    }
}
