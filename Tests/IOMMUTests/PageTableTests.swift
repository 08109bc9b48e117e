import IOMMU
import Testing
import Units

@Suite("I/O page tables and IOVA allocation")
struct PageTableTests {
    @Test(arguments: IOMMUPageSize.allCases)
    func mapsAndTranslatesEachPageSize(pageSize: IOMMUPageSize) throws {
        var iommu = try makeIOMMU(walk: .perLevel(.ns(60)))
        let d = iommu.addDomain(name: "gpu0")
        let iova: UInt64 = 0x40_0000_0000
        let physical: UInt64 = 0x80_0000_0000
        try iommu.map(
            domain: d, iova: iova, physical: physical, size: 2 * pageSize.bytes, pageSize: pageSize,
            permissions: .readWrite)
        let offset = pageSize.bytes + 0x123
        let t = try #require(iommu.translate(domain: d, iova: iova + offset, length: 8, access: .write).translation)
        #expect(t.physicalAddress == physical + offset)
        // The walk reads 4, 3 or 2 levels.
        #expect(t.latency == Picoseconds.ns(60 * UInt64(pageSize.walkLevels)))
        #expect(iommu.entry(domain: d, iova: iova + offset)?.pageSize == pageSize)
        #expect(iommu.translate(domain: d, iova: iova + 2 * pageSize.bytes, length: 8, access: .read).fault != nil)
    }

    @Test func walkLevelsByPageSize() {
        #expect(IOMMUPageSize.size4KiB.walkLevels == 4)
        #expect(IOMMUPageSize.size2MiB.walkLevels == 3)
        #expect(IOMMUPageSize.size1GiB.walkLevels == 2)
        #expect(PageWalkLatency.pcieBenchBroadwellPerLevel.latency(for: .size4KiB) == .ns(250))
        #expect(PageWalkLatency.pcieBenchBroadwell.latency(for: .size1GiB) == .ns(250))
    }

    @Test func oneLargeEntryCoversAllItsSmallPages() throws {
        var iommu = try makeIOMMU(entries: 4)
        let d = iommu.addDomain(name: "gpu0")
        try iommu.map(
            domain: d, iova: 0x20_0000, physical: 0x4000_0000, size: 2 << 20, pageSize: .size2MiB,
            permissions: .read)
        for page in UInt64(0)..<512 {
            let result = iommu.translate(domain: d, iova: 0x20_0000 + page * 4_096, length: 64, access: .read)
            #expect(result.translation?.physicalAddress == 0x4000_0000 + page * 4_096)
        }
        // 512 distinct 4 KiB pages, one IOTLB entry tagged (domain, page, 2 MiB): one walk.
        #expect(iommu.counters.misses == 1 && iommu.counters.hits == 511)
        #expect(iommu.iotlb.count == 1)
        #expect(iommu.iotlb.contains(TranslationTag(domain: d, iova: 0x20_0000, pageSize: .size2MiB)))
        #expect(!iommu.iotlb.contains(TranslationTag(domain: d, iova: 0x20_0000, pageSize: .size4KiB)))
    }

    @Test func mappingErrors() throws {
        var iommu = try makeIOMMU()
        let d = iommu.addDomain(name: "nic0")
        #expect(throws: IOMMUMapError.misaligned(iova: 0x1000, physical: 0, pageSize: .size2MiB)) {
            try iommu.map(domain: d, iova: 0x1000, physical: 0, size: 2 << 20, pageSize: .size2MiB, permissions: .read)
        }
        #expect(throws: IOMMUMapError.badSize(size: 100, pageSize: .size4KiB)) {
            try iommu.map(domain: d, iova: 0x1000, physical: 0, size: 100, pageSize: .size4KiB, permissions: .read)
        }
        try iommu.map(
            domain: d, iova: 0x20_0000, physical: 0, size: 2 << 20, pageSize: .size2MiB, permissions: .read)
        #expect(throws: IOMMUMapError.overlapsExistingMapping(iova: 0x20_1000)) {
            try iommu.map(
                domain: d, iova: 0x20_1000, physical: 0, size: 4_096, pageSize: .size4KiB, permissions: .read)
        }
        #expect(throws: IOMMUMapError.splitsMapping(iova: 0x20_0000, pageSize: .size2MiB)) {
            try iommu.unmap(domain: d, iova: 0x20_0000, size: 4_096)
        }
        #expect(throws: IOMMUMapError.unknownDomain(IOMMUDomainID(rawValue: 9))) {
            try iommu.map(
                domain: IOMMUDomainID(rawValue: 9), iova: 0, physical: 0, size: 4_096, pageSize: .size4KiB,
                permissions: .read)
        }
    }

    @Test func unmapInvalidatesTheIOTLB() throws {
        var iommu = try makeIOMMU()
        let d = iommu.addDomain(name: "nic0")
        try iommu.map(domain: d, iova: 0x1000, physical: 0x9000, size: 4_096, pageSize: .size4KiB, permissions: .read)
        _ = iommu.translate(domain: d, iova: 0x1000, length: 64, access: .read)
        #expect(iommu.iotlb.count == 1)
        #expect(try iommu.unmap(domain: d, iova: 0, size: 0x10000) == 4_096)
        #expect(iommu.iotlb.count == 0)
        #expect(iommu.translate(domain: d, iova: 0x1000, length: 64, access: .read).fault?.reason == .unmapped)
    }

    @Test func allocatorIsTopDownSizeAlignedAndPrefers32Bit() {
        var allocator = IOVAAllocator()
        // 12 KiB rounds to 16 KiB, aligned to 16 KiB, just under 4 GiB.
        #expect(IOVAAllocator.allocationSize(for: 12_288) == 16_384)
        #expect(allocator.allocate(size: 12_288) == 0x1_0000_0000 - 16_384)
        #expect(allocator.allocate(size: 4_096) == 0x1_0000_0000 - 16_384 - 4_096)
        // 2 MiB comes 2 MiB aligned, below the previous ranges.
        #expect(allocator.allocate(size: 2 << 20) == 0x1_0000_0000 - (4 << 20))
        // A 32-bit mask that is full falls over to nothing; a 64-bit one would then go above 4 GiB.
        var small = IOVAAllocator()
        #expect(small.allocate(size: 1 << 31, dmaMask: IOVAAllocator.mask32) == 1 << 31)
        #expect(small.allocate(size: 1 << 31, dmaMask: IOVAAllocator.mask32) == nil)
        // With a 40-bit mask the 32-bit space is still tried first: 1 GiB fits at 1 GiB...
        #expect(small.allocate(size: 1 << 30, dmaMask: UInt64(1) << 40 - 1) == 1 << 30)
        // ...and once it is full, the allocation goes top-down below the mask.
        #expect(small.allocate(size: 1 << 30, dmaMask: UInt64(1) << 40 - 1) == (UInt64(1) << 40) - (1 << 30))
        let freed = small.free(iova: 1 << 31)
        #expect(freed)
        #expect(small.allocate(size: 4_096, dmaMask: IOVAAllocator.mask32) == 0xFFFF_F000)
    }

    @Test func mapResourceAndScatterGatherLikeTheDMAAPI() throws {
        var iommu = try makeIOMMU()
        let nic = iommu.addDomain(name: "nic0")
        // A peer's 2 MiB-aligned 4 MiB BAR: mapped with 2 MiB pages at an aligned IOVA.
        let bar: UInt64 = 0x38_0000_0000
        let dma = try iommu.mapResource(domain: nic, physical: bar, size: 4 << 20, permissions: .readWrite)
        #expect(dma % (4 << 20) == 0 && dma < 0x1_0000_0000)
        #expect(iommu.entry(domain: nic, iova: dma)?.pageSize == .size2MiB)
        #expect(
            iommu.translate(domain: nic, iova: dma + 0x30_0000, length: 64, access: .write).translation?
                .physicalAddress == bar + 0x30_0000)
        // Scattered segments become one contiguous IOVA range, each keeping its page offset.
        let addresses = try iommu.mapScatterGather(
            domain: nic,
            segments: [
                PhysicalRange(address: 0x1_0000_0100, length: 0x100),
                PhysicalRange(address: 0x2_0000_0000, length: 8_192),
            ],
            permissions: .read)
        #expect(addresses.count == 2 && addresses[0] % 4_096 == 0x100 && addresses[1] == addresses[0] - 0x100 + 4_096)
        #expect(
            iommu.translate(domain: nic, iova: addresses[1] + 4_096, length: 4, access: .read).translation?
                .physicalAddress == 0x2_0000_1000)
        try iommu.unmapResource(domain: nic, dmaAddress: dma)
        #expect(throws: IOMMUMapError.notAllocated(dmaAddress: dma)) {
            try iommu.unmapResource(domain: nic, dmaAddress: dma)
        }
        #expect(iommu.translate(domain: nic, iova: dma, length: 4, access: .read).fault?.reason == .unmapped)
    }
}
