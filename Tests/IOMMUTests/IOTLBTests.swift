import IOMMU
import Testing
import Units

@Suite("IOTLB")
struct IOTLBTests {
    /// An IOMMU with `pages` 4 KiB pages mapped from IOVA 0x10_0000 in one domain.
    func mapped(pages: UInt64, entries: Int, ways: Int? = nil, policy: ReplacementPolicy = .lru) throws -> (
        IOMMUUnit, IOMMUDomainID
    ) {
        var iommu = try makeIOMMU(entries: entries, ways: ways, policy: policy)
        let d = iommu.addDomain(name: "nic0")
        try iommu.map(
            domain: d, iova: 0x10_0000, physical: 0x1_0000_0000, size: pages * 4_096, pageSize: .size4KiB,
            permissions: .read)
        return (iommu, d)
    }

    @Test func workingSetThatFitsHitsAfterTheFirstPass() throws {
        var (iommu, d) = try mapped(pages: 8, entries: 8)
        for _ in 0..<5 {
            for page in UInt64(0)..<8 {
                _ = iommu.translate(domain: d, iova: 0x10_0000 + page * 4_096, length: 64, access: .read)
            }
        }
        #expect(iommu.counters.misses == 8 && iommu.counters.hits == 32)
    }

    @Test func workingSetOfEntriesPlusOneThrashesUnderLRU() throws {
        var (iommu, d) = try mapped(pages: 9, entries: 8)
        for _ in 0..<5 {
            for page in UInt64(0)..<9 {
                _ = iommu.translate(domain: d, iova: 0x10_0000 + page * 4_096, length: 64, access: .read)
            }
        }
        // Cyclic access to entries+1 pages: LRU always evicts the page needed next.
        #expect(iommu.counters.hits == 0 && iommu.counters.misses == 45)
    }

    @Test func lruKeepsTheRecentlyUsedEntryWhereFIFODoesNot() throws {
        for (policy, expectedHit) in [(ReplacementPolicy.lru, true), (.fifo, false)] {
            var cache = try TranslationCache(entries: 2, policy: policy)
            let d = IOMMUDomainID(rawValue: 0)
            let a = TranslationTag(domain: d, pageNumber: 1, pageSize: .size4KiB)
            let b = TranslationTag(domain: d, pageNumber: 2, pageSize: .size4KiB)
            let c = TranslationTag(domain: d, pageNumber: 3, pageSize: .size4KiB)
            cache.access(a)
            cache.access(b)
            cache.access(a)  // LRU: a is now the most recent; FIFO: still the oldest
            cache.access(c)  // evicts b (LRU) or a (FIFO)
            #expect(cache.contains(a) == expectedHit)
            #expect(cache.contains(b) != expectedHit)
            #expect(cache.contains(c))
        }
    }

    @Test func tagsIncludeDomainAndPageSize() throws {
        var cache = try TranslationCache(entries: 4)
        cache.access(TranslationTag(domain: IOMMUDomainID(rawValue: 0), pageNumber: 7, pageSize: .size4KiB))
        #expect(!cache.contains(TranslationTag(domain: IOMMUDomainID(rawValue: 1), pageNumber: 7, pageSize: .size4KiB)))
        #expect(!cache.contains(TranslationTag(domain: IOMMUDomainID(rawValue: 0), pageNumber: 7, pageSize: .size2MiB)))
    }

    @Test func setAssociativeConflictsEvenWhenTotalFits() throws {
        // 8 entries in 4 sets of 2 ways; pages 0, 4, 8 share set 0 and thrash it.
        var (iommu, d) = try mapped(pages: 16, entries: 8, ways: 2)
        for _ in 0..<4 {
            for page: UInt64 in [0, 4, 8] {
                _ = iommu.translate(domain: d, iova: 0x10_0000 + page * 4_096, length: 64, access: .read)
            }
        }
        #expect(iommu.counters.hits == 0)
        // The same three pages in a fully associative cache of 8 all hit after the first pass.
        var (full, e) = try mapped(pages: 16, entries: 8)
        for _ in 0..<4 {
            for page: UInt64 in [0, 4, 8] {
                _ = full.translate(domain: e, iova: 0x10_0000 + page * 4_096, length: 64, access: .read)
            }
        }
        #expect(full.counters.hits == 9)
    }

    @Test func invalidateFreesSlotsForReuse() throws {
        var cache = try TranslationCache(entries: 2)
        let d = IOMMUDomainID(rawValue: 0)
        for n in UInt64(0)..<2 { cache.access(TranslationTag(domain: d, pageNumber: n, pageSize: .size4KiB)) }
        #expect(cache.invalidate { $0.pageNumber == 0 } == 1)
        cache.access(TranslationTag(domain: d, pageNumber: 5, pageSize: .size4KiB))
        #expect(cache.count == 2)
        #expect(cache.contains(TranslationTag(domain: d, pageNumber: 1, pageSize: .size4KiB)))
        cache.invalidateAll()
        #expect(cache.count == 0)
    }
}

@Suite("IOMMU faults")
struct FaultTests {
    @Test func unmappedFaultNamesDeviceAndAddress() throws {
        var iommu = try makeIOMMU()
        let gpu = iommu.addDomain(name: "gpu3")
        try iommu.map(domain: gpu, iova: 0x1000, physical: 0x9000, size: 4_096, pageSize: .size4KiB, permissions: .read)
        // The request starts mapped and runs into the unmapped next page: the fault names that page.
        let fault = try #require(iommu.translate(domain: gpu, iova: 0x1F00, length: 512, access: .read).fault)
        #expect(fault == IOMMUFault(device: "gpu3", domain: gpu, address: 0x2000, access: .read, reason: .unmapped))
        #expect(fault.description.contains("gpu3") && fault.description.contains("0x2000"))
        #expect(iommu.counters.faults == 1)
    }

    @Test func wrongPermissionFaults() throws {
        var iommu = try makeIOMMU()
        let nic = iommu.addDomain(name: "nic1")
        try iommu.map(domain: nic, iova: 0x4000, physical: 0x9000, size: 4_096, pageSize: .size4KiB, permissions: .read)
        let fault = try #require(iommu.translate(domain: nic, iova: 0x4010, length: 4, access: .write).fault)
        #expect(fault.reason == .permission(granted: .read))
        #expect(fault.device == "nic1" && fault.address == 0x4010 && fault.access == .write)
        #expect(iommu.translate(domain: nic, iova: 0x4010, length: 4, access: .read).translation != nil)
        #expect(iommu.counters.faults == 1)
    }

    @Test func unknownDomainAndWrappingRequestsFault() throws {
        var iommu = try makeIOMMU()
        let stranger = IOMMUDomainID(rawValue: 5)
        #expect(iommu.translate(domain: stranger, iova: 0, length: 4, access: .read).fault?.reason == .noDomain)
        let d = iommu.addDomain(name: "x")
        #expect(iommu.translate(domain: d, iova: UInt64.max - 1, length: 4, access: .read).fault?.reason == .unmapped)
    }
}
