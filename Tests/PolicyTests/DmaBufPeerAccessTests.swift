import Testing

@testable import Policy

/// amdgpu dma-buf exporter rules (amdgpu_dma_buf_attach()/map()) and amdgpu_device_is_peer_accessible().
@Suite struct DmaBufPeerAccessTests {
    static let gib: UInt64 = 1 << 30
    static let mib: UInt64 = 1 << 20

    func gpu(_ fn: Int, vram: UInt64 = 16 * gib, visible: UInt64, hive: UInt64 = 0, base: UInt64 = 0x7c_0000_0000)
        -> AMDGPUDevice
    {
        AMDGPUDevice(pciFunction: fn, vramSize: vram, visibleVRAMSize: visible, apertureBase: base, xgmiHiveID: hive)
    }

    @Test func sameHiveSharesVRAMOverXGMIEvenWhenPCIeRefuses() {
        let m = Fixtures.twoRootPorts(host: Fixtures.intelClientHostBridge)
        let policy = P2PPolicy(topology: m.topology, platform: .intel)
        let r = policy.amdgpuDmaBufAttach(
            exporter: gpu(m.a, visible: 256 * Self.mib, hive: 0x4d2),
            importer: .amdgpu(gpu(m.b, visible: 256 * Self.mib, hive: 0x4d2)),
            buffer: DmaBufBuffer(vramOffset: 8 * Self.gib, size: 64 * Self.mib))
        // amdgpu_dmabuf_is_xgmi_accessible() is true, so the && never calls pci_p2pdma_distance().
        #expect(r.xgmiAccessible)
        #expect(r.peer2peer)
        #expect(r.p2pdma == nil)
        #expect(r.placement == .vramOverXGMI)
        #expect(r.sharesVRAM)
    }

    @Test func smallBARBufferBeyondVisibleWindowIsMoved() {
        let m = Fixtures.twoRootPorts(host: Fixtures.amdHostBridge)
        let policy = P2PPolicy(topology: m.topology, platform: .amdZen2)
        let exporter = gpu(m.a, visible: 256 * Self.mib)
        let r = policy.amdgpuDmaBufAttach(
            exporter: exporter, importer: .device(.pci(m.b), allowsPeer2Peer: true),
            buffer: DmaBufBuffer(vramOffset: 1 * Self.gib, size: 64 * Self.mib))
        // Zen → pci_p2pdma_distance() = 2 + 2 = 4 >= 0 → peer2peer stays true. The BO ends at 1 GiB + 64 MiB,
        // beyond the 256 MiB window: CPU_ACCESS_REQUIRED limits VRAM placement to the window → TTM moves it.
        #expect(r.peer2peer)
        #expect(r.p2pdma?.distance == 4)
        #expect(!r.bufferWithinVisibleVRAM)
        #expect(r.placement == .vramThroughBARAfterMove(size: 64 * Self.mib, windowSize: 256 * Self.mib))
        #expect(
            r.suggestions.map(\.action).contains(
                .enableResizableBAR(gpu: m.a, vramSize: 16 * Self.gib, visibleVRAMSize: 256 * Self.mib)))
    }

    @Test func smallBARBufferLargerThanWindowFallsBackToSystemMemory() {
        let m = Fixtures.twoRootPorts(host: Fixtures.amdHostBridge)
        let r = P2PPolicy(topology: m.topology, platform: .amdZen2).amdgpuDmaBufAttach(
            exporter: gpu(m.a, visible: 256 * Self.mib), importer: .device(.pci(m.b), allowsPeer2Peer: true),
            buffer: DmaBufBuffer(vramOffset: 0, size: 512 * Self.mib))
        #expect(r.peer2peer)
        #expect(r.placement == .systemMemory)
        #expect(!r.sharesVRAM)
    }

    @Test func largeBARBufferIsReachedThroughTheBAR() {
        let m = Fixtures.twoRootPorts(host: Fixtures.amdHostBridge)
        let r = P2PPolicy(topology: m.topology, platform: .amdZen2).amdgpuDmaBufAttach(
            exporter: gpu(m.a, visible: 16 * Self.gib), importer: .amdgpu(gpu(m.b, visible: 16 * Self.gib)),
            buffer: DmaBufBuffer(vramOffset: 8 * Self.gib, size: 64 * Self.mib))
        // Bus address = aper_base 0x7c_0000_0000 + offset 0x2_0000_0000 = 0x7e_0000_0000.
        #expect(r.bufferWithinVisibleVRAM)
        #expect(r.placement == .vramThroughBAR(busAddress: 0x7e_0000_0000, size: 64 * Self.mib))
    }

    @Test func refusedP2PDMAMigratesToSystemMemory() {
        let m = Fixtures.twoRootPorts(host: Fixtures.intelClientHostBridge)
        let r = P2PPolicy(topology: m.topology, platform: .intel).amdgpuDmaBufAttach(
            exporter: gpu(m.a, visible: 16 * Self.gib), importer: .amdgpu(gpu(m.b, visible: 16 * Self.gib)),
            buffer: DmaBufBuffer(vramOffset: 0, size: 64 * Self.mib))
        // Not in a hive, distance -1 → attach->peer2peer = false; non-verbose query prints nothing.
        #expect(!r.peer2peer)
        #expect(r.p2pdma?.distance == -1)
        #expect(r.placement == .systemMemory)
        #expect(r.messages.isEmpty)
        #expect(r.suggestions.map(\.action).contains(.joinSameXGMIHive(exporter: m.a, importer: m.b)))
    }

    @Test func gfx12DCCBufferIsNeverPeerToPeer() {
        let m = Fixtures.twoRootPorts(host: Fixtures.amdHostBridge)
        let r = P2PPolicy(topology: m.topology, platform: .amdZen4).amdgpuDmaBufAttach(
            exporter: gpu(m.a, visible: 16 * Self.gib), importer: .amdgpu(gpu(m.b, visible: 16 * Self.gib)),
            buffer: DmaBufBuffer(vramOffset: 0, size: 64 * Self.mib, gfx12DCC: true))
        #expect(r.refusedForGFX12DCC)
        #expect(!r.peer2peer)
        #expect(r.placement == .systemMemory)
    }

    @Test func peerAccessibleRequiresLargeBARAndAddressableAperture() {
        let m = Fixtures.twoRootPorts(host: Fixtures.amdHostBridge)
        let policy = P2PPolicy(topology: m.topology, platform: .amdZen2)
        // aper_base 0x7c_0000_0000 + 16 GiB - 1 = 0x7f_ffff_ffff < 2^44: fits a 44-bit mask.
        let large = policy.amdgpuDeviceIsPeerAccessible(
            gpu(m.a, visible: 16 * Self.gib), peer: gpu(m.b, visible: 16 * Self.gib))
        #expect(large.accessible)
        #expect(large.p2pdma?.distance == 4)
        // Small BAR: is_large_bar false → not accessible, suggests Resizable BAR.
        let small = policy.amdgpuDeviceIsPeerAccessible(
            gpu(m.a, visible: 256 * Self.mib), peer: gpu(m.b, visible: 16 * Self.gib))
        #expect(!small.accessible && !small.isLargeBAR && small.p2pAccess)
        #expect(
            small.suggestions.first?.action
                == .enableResizableBAR(gpu: m.a, vramSize: 16 * Self.gib, visibleVRAMSize: 256 * Self.mib))
        // Peer with a 32-bit mask and no IOMMU remapping: aperture above 4 GiB is not addressable.
        var peer32 = gpu(m.b, visible: 16 * Self.gib)
        peer32.dmaMaskBits = 32
        let narrow = policy.amdgpuDeviceIsPeerAccessible(gpu(m.a, visible: 16 * Self.gib), peer: peer32)
        #expect(!narrow.p2pAddressable && !narrow.accessible)
        peer32.iommuRemapsDMA = true
        #expect(policy.amdgpuDeviceIsPeerAccessible(gpu(m.a, visible: 16 * Self.gib), peer: peer32).accessible)
    }

    @Test func peerAccessibleLogsChipsetRefusal() {
        let m = Fixtures.twoRootPorts(host: Fixtures.intelClientHostBridge)
        let r = P2PPolicy(topology: m.topology, platform: .intel)
            .amdgpuDeviceIsPeerAccessible(gpu(m.a, visible: 16 * Self.gib), peer: gpu(m.b, visible: 16 * Self.gib))
        #expect(!r.accessible && !r.p2pAccess)
        #expect(
            r.messages.map(\.line) == [
                "amdgpu 0000:01:00.0: PCIe P2P access from peer device 0000:02:00.0 is not supported by the chipset"
            ])
    }
}
