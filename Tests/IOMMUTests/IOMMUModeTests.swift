import IOMMU
import Testing
import Units

/// A translating IOMMU with `entries` IOTLB entries and a fixed 250 ns walk.
func makeIOMMU(
    mode: IOMMUMode = .translated, entries: Int = 8, ways: Int? = nil, policy: ReplacementPolicy = .lru,
    walk: PageWalkLatency = .fixed(.ns(250)), ats: Bool = false
) throws -> IOMMUUnit {
    try IOMMUUnit(
        configuration: IOMMUConfiguration(
            mode: mode, iotlbEntries: entries, iotlbWays: ways, iotlbReplacement: policy, walkLatency: walk, ats: ats))
}

@Suite("IOMMU modes")
struct IOMMUModeTests {
    @Test(arguments: [IOMMUMode.off, .passthrough])
    func identityModesNeitherTranslateNorCostNorFault(mode: IOMMUMode) throws {
        var iommu = try makeIOMMU(mode: mode)
        let nic = iommu.addDomain(name: "nic0")
        // Nothing is mapped, yet every address goes through unchanged.
        let result = iommu.translate(domain: nic, iova: 0xDEAD_B000, length: 4_096, access: .write)
        let t = try #require(result.translation)
        #expect(t.segments == [PhysicalRange(address: 0xDEAD_B000, length: 4_096)])
        #expect(t.latency == .zero)
        #expect(t.addressType == .untranslated)
        #expect(iommu.counters == IOMMUCounters())
        // The DMA API hands back the physical address as the DMA address.
        #expect(
            try iommu.mapResource(domain: nic, physical: 0xF000_0000, size: 1 << 20, permissions: .readWrite)
                == 0xF000_0000)
    }

    @Test func translatedModeUsesIOVAsAndFaultsOnUnmapped() throws {
        var iommu = try makeIOMMU()
        let gpu = iommu.addDomain(name: "gpu0")
        try iommu.map(
            domain: gpu, iova: 0x10_0000, physical: 0x8_0000_0000, size: 8_192, pageSize: .size4KiB,
            permissions: .readWrite)
        let t = try #require(iommu.translate(domain: gpu, iova: 0x10_0040, length: 64, access: .read).translation)
        #expect(t.physicalAddress == 0x8_0000_0040)
        #expect(t.misses == 1 && t.hits == 0 && t.latency == .ns(250))
        let again = try #require(iommu.translate(domain: gpu, iova: 0x10_0080, length: 64, access: .read).translation)
        #expect(again.hits == 1 && again.misses == 0 && again.latency == .zero)
        #expect(iommu.translate(domain: gpu, iova: 0x20_0000, length: 64, access: .read).fault != nil)
        #expect(iommu.counters.hits == 1 && iommu.counters.misses == 1 && iommu.counters.faults == 1)
    }

    @Test func requestSpanningPagesGivesEachPhysicalRun() throws {
        var iommu = try makeIOMMU()
        let d = iommu.addDomain(name: "nvme0")
        // Two IOVA-contiguous pages backed by scattered physical pages.
        try iommu.map(
            domain: d, iova: 0x1000, physical: 0x5000, size: 4_096, pageSize: .size4KiB, permissions: .read)
        try iommu.map(
            domain: d, iova: 0x2000, physical: 0x9000, size: 4_096, pageSize: .size4KiB, permissions: .read)
        let t = try #require(iommu.translate(domain: d, iova: 0x1F00, length: 512, access: .read).translation)
        #expect(
            t.segments == [PhysicalRange(address: 0x5F00, length: 256), PhysicalRange(address: 0x9000, length: 256)])
        #expect(t.misses == 2 && t.latency == .ns(500))
    }

    @Test func domainsAreIsolated() throws {
        var iommu = try makeIOMMU()
        let a = iommu.addDomain(name: "gpu0")
        let b = iommu.addDomain(name: "gpu1")
        try iommu.map(domain: a, iova: 0x1000, physical: 0x7000, size: 4_096, pageSize: .size4KiB, permissions: .read)
        let fault = try #require(iommu.translate(domain: b, iova: 0x1000, length: 64, access: .read).fault)
        #expect(fault.device == "gpu1" && fault.domain == b && fault.reason == .unmapped)
    }

    @Test func rejectsBadConfigurations() {
        #expect(throws: IOMMUConfigurationError.noEntries) { try makeIOMMU(entries: 0) }
        #expect(throws: IOMMUConfigurationError.waysDoNotDivideEntries(entries: 8, ways: 3)) {
            try makeIOMMU(entries: 8, ways: 3)
        }
    }
}
