import Engine
import Foundation
import Testing
import Topology
import Units

@Suite("Path selection and vendor links")
struct PathSelectionTests {
    static let gib: UInt64 = 1 << 30

    /// Representative pairs and the mechanism each must take (issue [5/9]): a direct vendor link
    /// first, then NVSwitch, then PCIe P2P as Linux allows, then the bounce.
    @Test(arguments: [
        ("dgx1-v100", "gpu0", "gpu1", TransferMechanism.nvlink),  // NV1 neighbours
        ("dgx1-v100", "gpu0", "gpu3", .nvlink),  // NV2 neighbours
        // Not NVLink neighbours, different sockets, Broadwell host bridge not allowlisted:
        // NVLink does not forward through a GPU, so the copy bounces.
        ("dgx1-v100", "gpu0", "gpu5", .bounce),
        ("dgx-a100", "gpu0", "gpu7", .nvswitch),
        ("hgx-h100", "gpu2", "gpu5", .nvswitch),
        ("mi250x-node", "gpu0", "gpu1", .xgmi),  // the two GCDs of one package
        ("mi300x-8", "gpu3", "gpu6", .xgmi),
        ("default", "gpu0", "gpu1", .pcieP2PBusAddress),  // one switch, no ACS redirect
        ("default", "gpu0", "gpu2", .pcieP2PHostBridge),  // two root ports of an AMD Zen host
        ("workstation-pcie-switch", "gpu0", "gpu1", .bounce),  // ACS redirect, Intel client
        ("intel-client", "gpu0", "gpu1", .bounce),  // not on the allowlist
    ])
    func chosenPath(topology: String, from: String, to: String, mechanism: TransferMechanism) throws {
        #expect(try planner(topology).plan(from, to).mechanism == mechanism)
    }

    /// P2P bandwidth equals link capacity x efficiency as configured: a 1 GiB copy, where
    /// latency and software overhead are below 0.1% of the time.
    @Test(arguments: [
        ("dgx1-v100", "gpu0", "gpu1", 1.0 * 25e9),  // NVLink2, 1 link
        ("dgx1-v100", "gpu0", "gpu3", 2.0 * 25e9),  // NVLink2, 2 links
        ("dgx-a100", "gpu0", "gpu5", 12.0 * 25e9),  // NVLink3, 12 links through 6 NVSwitches
        ("hgx-h100", "gpu1", "gpu6", 18.0 * 25e9),  // NVLink4, 18 links through 4 NVSwitches
    ])
    func nvlinkBandwidthIsCapacityTimesEfficiency(topology: String, from: String, to: String, raw: Double) throws {
        let parameters = ModelParameters()
        let outcome = try planner(topology, parameters: parameters).run(from, to, bytes: Self.gib)
        // The efficiency comes from NVLink's flit accounting; it is the same for NVLink 2-4.
        let generation = topology == "dgx1-v100" ? 2 : topology == "dgx-a100" ? 3 : 4
        let efficiency = parameters.nvlinkEfficiency ?? MachineResources.nvlinkEfficiency(generation: generation)
        #expect(efficiency > 0.9 && efficiency < 0.97)
        let expected = raw * efficiency
        #expect(abs(outcome.bandwidth - expected) / expected < 0.002, "\(outcome.bandwidth) vs \(expected)")
    }

    @Test func xgmiBandwidthIsCapacityTimesEfficiency() throws {
        // MI300X: one x16 link at 32 Gb/s per lane = 64 GB/s per direction.
        let mi300Efficiency = MachineResources.xgmiEfficiency(lanes: 16, linkRate: .gigabytesPerSecond(64))
        let mi300 = try planner("mi300x-8").run("gpu0", "gpu1", bytes: Self.gib)
        #expect(abs(mi300.bandwidth - 64e9 * mi300Efficiency) / (64e9 * mi300Efficiency) < 0.002)
        let mi250Efficiency = MachineResources.xgmiEfficiency(lanes: 16, linkRate: .gigabytesPerSecond(50))
        // MI250X: the two GCDs of a package are joined by four 50 GB/s links (200 GB/s), but the
        // file gives each GCD two 50 GB/s SDMA engines: the engines bind, and say so.
        let mi250 = try planner("mi250x-node").run("gpu0", "gpu1", bytes: Self.gib)
        let expected = min(200e9 * mi250Efficiency, 2 * 50e9)
        #expect(abs(mi250.bandwidth - expected) / expected < 0.002)
        #expect(mi250.bottleneck == "gpu0.dma")
    }

    @Test func efficiencyOverrideChangesTheResult() throws {
        var parameters = ModelParameters()
        try parameters.set("nvlinkEfficiency", to: "0.5")
        let outcome = try planner("dgx1-v100", parameters: parameters).run("gpu0", "gpu1", bytes: Self.gib)
        #expect(abs(outcome.bandwidth - 12.5e9) / 12.5e9 < 0.002)
        #expect(throws: ModelParameters.OverrideError.self) { try parameters.set("nvlinkEfficiency", to: "1.5") }
        #expect(throws: ModelParameters.OverrideError.self) { try parameters.set("warpFactor", to: "9") }
        #expect(throws: ModelParameters.OverrideError.self) { try parameters.set("pcieLinkLatency", to: "50") }
    }

    @Test func forcedP2PIsRefusedWhereLinuxRefuses() throws {
        let workstation = try planner("workstation-pcie-switch")
        #expect(throws: TransferPlanningError.self) { try workstation.plan("gpu0", "gpu1", choice: .p2p) }
        #expect(try workstation.plan("gpu0", "gpu1", choice: .auto).mapType == "NOT_SUPPORTED")
    }

    @Test func pcieChoiceIgnoresVendorLinks() throws {
        // DGX-1: gpu0 and gpu1 share a PLX switch, so PCIe P2P is BUS_ADDR below it.
        let plan = try planner("dgx1-v100").plan("gpu0", "gpu1", choice: .pcie)
        #expect(plan.mechanism == .pcieP2PBusAddress)
        #expect(plan.hops.first == "gpu0" && plan.hops.last == "gpu1")
    }

    @Test func pullAcrossAWritesOnlyRootComplexBounces() throws {
        // Intel client: Linux refuses anyway; with an AMD host the decision allows it, and the
        // root complex's capability decides. The default topology's root complex forwards both.
        let plan = try planner("default").plan("gpu0", "gpu2", direction: .pull)
        #expect(plan.mechanism == .pcieP2PHostBridge)
    }
}
