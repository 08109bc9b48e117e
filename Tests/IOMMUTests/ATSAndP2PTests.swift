import IOMMU
import Testing
import Units

@Suite("ATS")
struct ATSTests {
    @Test func atcHitSkipsTheIOTLB() throws {
        var iommu = try makeIOMMU(ats: true)
        let gpu = iommu.addDomain(name: "gpu0")
        let enabled = try iommu.enableATS(domain: gpu, atcEntries: 16)
        #expect(enabled)
        try iommu.map(
            domain: gpu, iova: 0x1000, physical: 0x9000, size: 4_096, pageSize: .size4KiB, permissions: .readWrite)
        // First access: ATC miss, a Translation Request round trip plus the IOMMU's walk.
        let first = try #require(iommu.translate(domain: gpu, iova: 0x1000, length: 64, access: .read).translation)
        #expect(first.atcMisses == 1 && first.misses == 1)
        #expect(first.latency == IOMMUConfiguration.defaultATSRoundTrip + .ns(250))
        #expect(first.addressType == .translated)
        let iotlbBefore = iommu.counters
        // Second access: the ATC answers; the IOTLB is not consulted at all.
        let second = try #require(iommu.translate(domain: gpu, iova: 0x1040, length: 64, access: .write).translation)
        #expect(second.atcHits == 1 && second.hits == 0 && second.misses == 0 && second.latency == .zero)
        #expect(second.addressType == .translated && second.physicalAddress == 0x9040)
        #expect(iommu.counters.hits == iotlbBefore.hits && iommu.counters.misses == iotlbBefore.misses)
        #expect(iommu.counters.atcHits == 1 && iommu.counters.atcMisses == 1)
    }

    @Test func unmapInvalidatesTheATC() throws {
        var iommu = try makeIOMMU(ats: true)
        let gpu = iommu.addDomain(name: "gpu0")
        _ = try iommu.enableATS(domain: gpu, atcEntries: 16)
        try iommu.map(domain: gpu, iova: 0x1000, physical: 0x9000, size: 4_096, pageSize: .size4KiB, permissions: .read)
        _ = iommu.translate(domain: gpu, iova: 0x1000, length: 64, access: .read)
        try iommu.unmap(domain: gpu, iova: 0x1000, size: 4_096)
        #expect(iommu.translate(domain: gpu, iova: 0x1000, length: 64, access: .read).fault?.reason == .unmapped)
    }

    @Test func atsNeedsSupportAndTranslation() throws {
        var noATS = try makeIOMMU(ats: false)
        let a = noATS.addDomain(name: "gpu0")
        #expect(try noATS.enableATS(domain: a, atcEntries: 16) == false)
        var passthrough = try makeIOMMU(mode: .passthrough, ats: true)
        let b = passthrough.addDomain(name: "gpu0")
        #expect(try passthrough.enableATS(domain: b, atcEntries: 16) == false)
        #expect(!passthrough.atsEnabled(domain: b))
    }

    @Test func directTranslatedRule() {
        // ACS DT lets only translated (AT=10b) requests bypass P2P Request Redirect.
        #expect(PeerToPeerAddressing.mayRouteDirectly(translated: true, acsDirectTranslated: true))
        #expect(!PeerToPeerAddressing.mayRouteDirectly(translated: true, acsDirectTranslated: false))
        #expect(!PeerToPeerAddressing.mayRouteDirectly(translated: false, acsDirectTranslated: true))
        #expect(!PeerToPeerAddressing.mayRouteDirectly(translated: false, acsDirectTranslated: false))
    }
}

@Suite("P2P address kinds")
struct AddressKindTests {
    static let address: UInt64 = 0x38_0000_1000
    static let mapped: UInt64 = 0x60_0000_1000
    static let domain = IOMMUDomainID(rawValue: 0)

    func outcome(_ mode: IOMMUMode, _ route: P2PRouteKind, _ kind: DMAAddressKind, mapped: Bool) -> P2PTargetOutcome {
        PeerToPeerAddressing.target(
            mode: mode, route: route, addressKind: kind, address: Self.address,
            mappedPhysical: mapped ? Self.mapped : nil, device: "gpu0", domain: Self.domain, access: .write)
    }

    @Test func translatingIOMMUMatrix() {
        let fault = P2PTargetOutcome.fault(
            IOMMUFault(device: "gpu0", domain: Self.domain, address: Self.address, access: .write, reason: .unmapped))
        // Through the host bridge the IOMMU reads every address as an IOVA.
        #expect(outcome(.translated, .throughHostBridge, .iova, mapped: true) == .ok(physical: Self.mapped))
        #expect(outcome(.translated, .throughHostBridge, .iova, mapped: false) == fault)
        #expect(outcome(.translated, .throughHostBridge, .busAddress, mapped: false) == fault)
        #expect(outcome(.translated, .throughHostBridge, .busAddress, mapped: true) == .ok(physical: Self.mapped))
        // Below a switch the IOMMU is bypassed; the switch routes by address.
        #expect(outcome(.translated, .belowSwitch, .busAddress, mapped: false) == .ok(physical: Self.address))
        #expect(outcome(.translated, .belowSwitch, .busAddress, mapped: true) == .ok(physical: Self.address))
        #expect(outcome(.translated, .belowSwitch, .iova, mapped: true) == .unsupportedRequest)
        #expect(outcome(.translated, .belowSwitch, .iova, mapped: false) == .unsupportedRequest)
    }

    @Test(arguments: [IOMMUMode.off, .passthrough])
    func identityModesReachTheAddressWhateverItsKind(mode: IOMMUMode) {
        for route in P2PRouteKind.allCases {
            for kind in DMAAddressKind.allCases {
                for mapped in [false, true] {
                    #expect(outcome(mode, route, kind, mapped: mapped) == .ok(physical: Self.address))
                }
            }
        }
    }

    @Test func expectedKinds() {
        #expect(PeerToPeerAddressing.expectedAddressKind(mode: .translated, route: .throughHostBridge) == .iova)
        #expect(PeerToPeerAddressing.expectedAddressKind(mode: .translated, route: .belowSwitch) == .busAddress)
        #expect(PeerToPeerAddressing.expectedAddressKind(mode: .passthrough, route: .throughHostBridge) == .busAddress)
    }

    @Test func endToEndWithDMAMapResource() throws {
        // What the integrator does: dma_map_resource the peer's BAR, then classify the DMA.
        var iommu = try makeIOMMU()
        let gpu = iommu.addDomain(name: "gpu0")
        let bar: UInt64 = 0x38_0000_0000
        let iova = try iommu.mapResource(domain: gpu, physical: bar, size: 1 << 20, permissions: .readWrite)
        let physical = iommu.translate(domain: gpu, iova: iova, length: 64, access: .write).translation?.physicalAddress
        #expect(
            PeerToPeerAddressing.target(
                mode: .translated, route: .throughHostBridge, addressKind: .iova, address: iova,
                mappedPhysical: physical, device: "gpu0", domain: gpu, access: .write) == .ok(physical: bar))
        // The bus address itself is not an IOVA the domain maps: a fault.
        let busPhysical = iommu.translate(domain: gpu, iova: bar, length: 64, access: .write).translation?
            .physicalAddress
        #expect(busPhysical == nil)
        guard
            case .fault(let f) = PeerToPeerAddressing.target(
                mode: .translated, route: .throughHostBridge, addressKind: .busAddress, address: bar,
                mappedPhysical: busPhysical, device: "gpu0", domain: gpu, access: .write)
        else {
            Issue.record("expected a fault")
            return
        }
        #expect(f.device == "gpu0" && f.address == bar)
    }
}
