import Units

/// What an IOTLB miss costs: the page walk.
public enum PageWalkLatency: Sendable, Hashable {
    /// The same latency for every walk.
    case fixed(Picoseconds)
    /// A latency per page-table level read: 4 levels for a 4 KiB leaf, 3 for 2 MiB, 2 for 1 GiB.
    case perLevel(Picoseconds)

    /// Each IOTLB miss added about 230-280 ns to a 64-byte DMA read on a Xeon E5 Broadwell
    /// (pcie-bench, Neugebauer et al., SIGCOMM 2018; ../shared/data/measurements/README.md);
    /// 250 ns is the middle of that range.
    public static let pcieBenchBroadwell = PageWalkLatency.fixed(.ns(250))

    /// The per-level form of `pcieBenchBroadwell`: 62.5 ns a level, so a four-level walk for a
    /// 4 KiB page costs the measured 250 ns and larger pages cost less.
    public static let pcieBenchBroadwellPerLevel = PageWalkLatency.perLevel(Picoseconds(62_500))

    /// The walk latency for a leaf of `pageSize`.
    @inlinable public func latency(for pageSize: IOMMUPageSize) -> Picoseconds {
        switch self {
        case .fixed(let latency): latency
        case .perLevel(let perLevel): Picoseconds(perLevel.rawValue * UInt64(pageSize.walkLevels))
        }
    }
}

/// An IOMMU's settings: what the integrator maps `<iommu mode pageSize iotlbEntries walkLatency ats>`
/// onto.
public struct IOMMUConfiguration: Sendable, Hashable {
    /// The translation mode.
    public var mode: IOMMUMode
    /// IOTLB entries.
    public var iotlbEntries: Int
    /// IOTLB associativity; nil for fully associative.
    public var iotlbWays: Int?
    /// IOTLB replacement within a set.
    public var iotlbReplacement: ReplacementPolicy
    /// The page-walk latency charged on each IOTLB miss.
    public var walkLatency: PageWalkLatency
    /// Whether the IOMMU answers ATS Translation Requests.
    public var ats: Bool
    /// The round trip of an ATS Translation Request and its Completion between a device and the
    /// IOMMU, not counting the IOMMU's own lookup or walk.
    public var atsRoundTrip: Picoseconds

    /// IOTLB entries when the topology gives none: pcie-bench put the Broadwell IOTLB's reach at
    /// about 64-128 entries of 4 KiB; 64 is the low end (Intel does not publish the size).
    public static let defaultIOTLBEntries = 64

    /// ATS round trip when the topology gives none: a Translation Request is a non-posted request
    /// the root complex answers, like a memory read; pcie-bench's 546 ns 64-byte read round trip
    /// (Xeon E5, Gen3 x8) is used, an upper bound since it includes a DRAM access.
    public static let defaultATSRoundTrip = Picoseconds.ns(546)

    /// Creates a configuration; the defaults are the documented constants above.
    public init(
        mode: IOMMUMode,
        iotlbEntries: Int = IOMMUConfiguration.defaultIOTLBEntries,
        iotlbWays: Int? = nil,
        iotlbReplacement: ReplacementPolicy = .lru,
        walkLatency: PageWalkLatency = .pcieBenchBroadwell,
        ats: Bool = false,
        atsRoundTrip: Picoseconds = IOMMUConfiguration.defaultATSRoundTrip
    ) {
        self.mode = mode
        self.iotlbEntries = iotlbEntries
        self.iotlbWays = iotlbWays
        self.iotlbReplacement = iotlbReplacement
        self.walkLatency = walkLatency
        self.ats = ats
        self.atsRoundTrip = atsRoundTrip
    }
}

/// Hit, miss and fault counts of one IOMMU and the ATCs of its devices.
public struct IOMMUCounters: Sendable, Hashable {
    /// IOTLB hits (one per page a request touches).
    public var hits = 0
    /// IOTLB misses, each charged a page walk.
    public var misses = 0
    /// Requests refused with an `IOMMUFault`.
    public var faults = 0
    /// Device ATC hits: translated requests that skipped the IOTLB.
    public var atcHits = 0
    /// Device ATC misses, each a Translation Request to the IOMMU.
    public var atcMisses = 0

    /// All zero.
    public init() {}
}

/// A successful translation.
public struct Translation: Sendable, Hashable {
    /// The physical ranges the request reaches, in IOVA order, contiguous runs merged.
    public var segments: [PhysicalRange]
    /// The latency the IOMMU (and ATS) added: zero on hits, walks on misses, a round trip per ATC
    /// miss.
    public var latency: Picoseconds
    /// IOTLB hits for this request.
    public var hits: Int
    /// IOTLB misses for this request.
    public var misses: Int
    /// ATC hits for this request.
    public var atcHits: Int
    /// ATC misses for this request.
    public var atcMisses: Int
    /// The AT field of the memory request that went out: translated when the device's ATC supplied
    /// every page.
    public var addressType: AddressType

    /// The physical address of the first byte.
    public var physicalAddress: UInt64? { segments.first?.address }
}

/// What `IOMMUUnit.translate` returns: where the request goes, or the fault.
public enum TranslationResult: Sendable, Hashable {
    /// The request proceeds.
    case translated(Translation)
    /// The request is refused.
    case fault(IOMMUFault)

    /// The translation, if it succeeded.
    public var translation: Translation? {
        if case .translated(let t) = self { return t }
        return nil
    }

    /// The fault, if it failed.
    public var fault: IOMMUFault? {
        if case .fault(let f) = self { return f }
        return nil
    }
}

/// One IOMMU (a VT-d DMA remapping hardware unit, an AMD-Vi IOMMU): domains with their I/O page
/// tables and IOVA allocators, the IOTLB, and the ATCs of ATS-capable devices behind it.
public struct IOMMUUnit: Sendable {
    /// The settings.
    public let configuration: IOMMUConfiguration
    /// The counters since creation or the last `resetCounters()`.
    public private(set) var counters = IOMMUCounters()
    /// The IOTLB.
    public private(set) var iotlb: TranslationCache

    private struct Domain: Sendable {
        var name: String
        var pageTable = IOPageTable()
        var allocator = IOVAAllocator()
        var atc: TranslationCache?
    }
    private var domains: [Domain] = []

    /// Creates an IOMMU with an empty IOTLB and no domains.
    public init(configuration: IOMMUConfiguration) throws(IOMMUConfigurationError) {
        self.configuration = configuration
        iotlb = try TranslationCache(
            entries: configuration.iotlbEntries, ways: configuration.iotlbWays, policy: configuration.iotlbReplacement)
    }

    /// The mode.
    public var mode: IOMMUMode { configuration.mode }

    /// Adds a domain for the device called `name` (one domain per device, as the DMA API gives).
    public mutating func addDomain(name: String) -> IOMMUDomainID {
        domains.append(Domain(name: name))
        return IOMMUDomainID(rawValue: domains.count - 1)
    }

    /// The name a domain was added with.
    public func name(of domain: IOMMUDomainID) -> String? {
        domains.indices.contains(domain.rawValue) ? domains[domain.rawValue].name : nil
    }

    /// The leaf mapping `iova` in `domain`, if any.
    public func entry(domain: IOMMUDomainID, iova: UInt64) -> IOPageTableEntry? {
        guard domains.indices.contains(domain.rawValue) else { return nil }
        return domains[domain.rawValue].pageTable.entry(for: iova)
    }

    /// Zeroes the counters.
    public mutating func resetCounters() { counters = IOMMUCounters() }

    // MARK: Mapping

    /// Maps `size` bytes of IOVA space at `iova` to `physical` in `domain`, with pages of
    /// `pageSize` and `permissions` (what `iommu_map` does under `dma_map_*`).
    ///
    /// - Complexity: O(size / pageSize).
    public mutating func map(
        domain: IOMMUDomainID, iova: UInt64, physical: UInt64, size: UInt64, pageSize: IOMMUPageSize,
        permissions: DMAPermissions
    ) throws(IOMMUMapError) {
        guard domains.indices.contains(domain.rawValue) else { throw .unknownDomain(domain) }
        try domains[domain.rawValue].pageTable.map(
            iova: iova, physical: physical, size: size, pageSize: pageSize, permissions: permissions)
    }

    /// Unmaps `[iova, iova + size)` in `domain` and invalidates cached translations of it.
    ///
    /// Both the IOTLB and the device's ATC are invalidated (the IOTLB flush and ATS Invalidate Request `iommu_unmap` triggers). Returns the bytes
    /// unmapped.
    ///
    /// - Complexity: O(pages in the range + IOTLB entries + ATC entries).
    @discardableResult
    public mutating func unmap(domain: IOMMUDomainID, iova: UInt64, size: UInt64) throws(IOMMUMapError) -> UInt64 {
        guard domains.indices.contains(domain.rawValue) else { throw .unknownDomain(domain) }
        let removed = try domains[domain.rawValue].pageTable.unmap(iova: iova, size: size)
        let stale = Set(removed.map { TranslationTag(domain: domain, iova: $0.iova, pageSize: $0.pageSize) })
        iotlb.invalidate { stale.contains($0) }
        domains[domain.rawValue].atc?.invalidate { stale.contains($0) }
        return removed.reduce(0) { $0 + $1.pageSize.bytes }
    }

    /// Maps a physical range at a freshly allocated IOVA, as `dma_map_resource` does.
    ///
    /// The range is typically a peer's BAR; the result is the DMA address to give the device. In modes off and passthrough the DMA
    /// address is the physical address and nothing is mapped.
    ///
    /// Pages are chosen as `iommu_map` does (`iommu_pgsize`): the largest size that the IOVA and
    /// the physical address are both aligned to and that fits in what is left.
    ///
    /// - Complexity: O(pages mapped + allocated IOVA ranges).
    public mutating func mapResource(
        domain: IOMMUDomainID, physical: UInt64, size: UInt64, permissions: DMAPermissions,
        dmaMask: UInt64 = UInt64.max
    ) throws(IOMMUMapError) -> UInt64 {
        let addresses = try mapScatterGather(
            domain: domain, segments: [PhysicalRange(address: physical, length: size)], permissions: permissions,
            dmaMask: dmaMask)
        return addresses.first ?? physical
    }

    /// Maps scattered physical segments into one contiguous IOVA range, as `dma_map_sg` does.
    ///
    /// Returns each segment's DMA address (with an IOMMU, as `iommu_dma_map_sg` lays them out: each segment is padded
    /// to the 4 KiB granule and keeps its offset within the page). In modes off and passthrough the
    /// DMA addresses are the physical addresses.
    ///
    /// - Complexity: O(pages mapped + allocated IOVA ranges).
    public mutating func mapScatterGather(
        domain: IOMMUDomainID, segments: [PhysicalRange], permissions: DMAPermissions, dmaMask: UInt64 = UInt64.max
    ) throws(IOMMUMapError) -> [UInt64] {
        guard domains.indices.contains(domain.rawValue) else { throw .unknownDomain(domain) }
        guard configuration.mode == .translated else { return segments.map(\.address) }
        let granule = IOVAAllocator.granule
        var chunks: [(physical: UInt64, size: UInt64, offset: UInt64)] = []
        var total: UInt64 = 0
        for segment in segments {
            guard segment.length > 0 else { throw .badSize(size: 0, pageSize: .size4KiB) }
            let offset = segment.address % granule
            let (end, overflow) = (segment.address - offset).addingReportingOverflow(offset + segment.length)
            guard !overflow else { throw .overflow }
            let size = (end - (segment.address - offset) + granule - 1) / granule * granule
            chunks.append((segment.address - offset, size, offset))
            let (sum, tooLarge) = total.addingReportingOverflow(size)
            guard !tooLarge else { throw .overflow }
            total = sum
        }
        guard let base = domains[domain.rawValue].allocator.allocate(size: total, dmaMask: dmaMask) else {
            throw .iovaSpaceExhausted(size: total, dmaMask: dmaMask)
        }
        var iova = base
        var addresses: [UInt64] = []
        for chunk in chunks {
            try mapBestFit(
                domain: domain, iova: iova, physical: chunk.physical, size: chunk.size, permissions: permissions)
            addresses.append(iova + chunk.offset)
            iova += chunk.size
        }
        return addresses
    }

    /// Undoes `mapResource` / `mapScatterGather`: unmaps the whole IOVA allocation holding
    /// `dmaAddress` and frees it (`dma_unmap_resource`, `dma_unmap_sg`).
    ///
    /// - Complexity: O(pages unmapped + IOTLB entries + allocated IOVA ranges).
    public mutating func unmapResource(domain: IOMMUDomainID, dmaAddress: UInt64) throws(IOMMUMapError) {
        guard domains.indices.contains(domain.rawValue) else { throw .unknownDomain(domain) }
        guard configuration.mode == .translated else { return }
        guard let range = domains[domain.rawValue].allocator.range(containing: dmaAddress) else {
            throw .notAllocated(dmaAddress: dmaAddress)
        }
        var first = range.first
        let end = range.first + range.length
        // The allocation may be larger than what was mapped (rounded to a power of two).
        while first < end {
            if let entry = domains[domain.rawValue].pageTable.entry(for: first) {
                try unmap(domain: domain, iova: entry.iova, size: entry.pageSize.bytes)
                first = entry.iova + entry.pageSize.bytes
            } else {
                first += IOVAAllocator.granule
            }
        }
        domains[domain.rawValue].allocator.free(iova: range.first)
    }

    private mutating func mapBestFit(
        domain: IOMMUDomainID, iova: UInt64, physical: UInt64, size: UInt64, permissions: DMAPermissions
    ) throws(IOMMUMapError) {
        var done: UInt64 = 0
        while done < size {
            let a = iova + done
            let p = physical + done
            let left = size - done
            let page =
                IOMMUPageSize.allCases.reversed().first { s in
                    a % s.bytes == 0 && p % s.bytes == 0 && left >= s.bytes
                } ?? .size4KiB
            try map(domain: domain, iova: a, physical: p, size: page.bytes, pageSize: page, permissions: permissions)
            done += page.bytes
        }
    }

    // MARK: Translation

    /// Enables ATS for `domain`'s device.
    ///
    /// Gives the device an ATC of `atcEntries` (LRU, fully associative). Returns false, and changes nothing, when the IOMMU does not support ATS or does not translate.
    public mutating func enableATS(domain: IOMMUDomainID, atcEntries: Int) throws(IOMMUConfigurationError) -> Bool {
        guard configuration.ats, configuration.mode == .translated, domains.indices.contains(domain.rawValue) else {
            return false
        }
        domains[domain.rawValue].atc = try TranslationCache(entries: atcEntries)
        return true
    }

    /// Whether `domain`'s device has an ATC.
    public func atsEnabled(domain: IOMMUDomainID) -> Bool {
        domains.indices.contains(domain.rawValue) && domains[domain.rawValue].atc != nil
    }

    /// Translates a DMA request of `length` bytes at `iova` from `domain`'s device.
    ///
    /// - Mode off and passthrough: the address is the physical address; no latency, no faults.
    /// - Translated: every page the request touches is looked up. With ATS enabled for the device,
    ///   its ATC is tried first; an ATC hit skips the IOTLB, an ATC miss costs a Translation Request
    ///   round trip plus the IOMMU's own lookup. An IOTLB miss costs a page walk; walks of one request
    ///   are charged one after the other. An unmapped page or a missing permission ends the request
    ///   with an `IOMMUFault` naming the device and the first faulting address.
    ///
    /// - Complexity: O(pages touched), each O(1) expected.
    public mutating func translate(
        domain: IOMMUDomainID, iova: UInt64, length: UInt64, access: DMAAccess
    ) -> TranslationResult {
        guard configuration.mode == .translated else {
            let segments = length == 0 ? [] : [PhysicalRange(address: iova, length: length)]
            return .translated(
                Translation(
                    segments: segments, latency: .zero, hits: 0, misses: 0, atcHits: 0, atcMisses: 0,
                    addressType: .untranslated))
        }
        guard domains.indices.contains(domain.rawValue) else {
            counters.faults += 1
            return .fault(
                IOMMUFault(device: "\(domain)", domain: domain, address: iova, access: access, reason: .noDomain))
        }
        let hasATC = domains[domain.rawValue].atc != nil
        var result = Translation(
            segments: [], latency: .zero, hits: 0, misses: 0, atcHits: 0, atcMisses: 0,
            addressType: hasATC ? .translated : .untranslated)
        guard length > 0 else { return .translated(result) }
        let (last, overflow) = iova.addingReportingOverflow(length - 1)
        guard !overflow else {
            // A request cannot wrap the address space; the part past the top is unmapped.
            return fault(domain: domain, address: 0, access: access, reason: .unmapped)
        }
        var cursor = iova
        while true {
            guard let entry = domains[domain.rawValue].pageTable.entry(for: cursor) else {
                return fault(domain: domain, address: cursor, access: access, reason: .unmapped)
            }
            guard entry.permissions.contains(access.requiredPermission) else {
                return fault(
                    domain: domain, address: cursor, access: access, reason: .permission(granted: entry.permissions))
            }
            let tag = TranslationTag(domain: domain, iova: entry.iova, pageSize: entry.pageSize)
            if hasATC {
                if domains[domain.rawValue].atc?.lookup(tag) == true {
                    result.atcHits += 1
                    counters.atcHits += 1
                } else {
                    // A Translation Request: the round trip plus the IOMMU's own lookup; the memory
                    // request that follows is issued translated.
                    result.atcMisses += 1
                    counters.atcMisses += 1
                    result.latency += configuration.atsRoundTrip
                    iotlbLookup(tag, into: &result)
                    domains[domain.rawValue].atc?.insert(tag)
                }
            } else {
                iotlbLookup(tag, into: &result)
            }
            let stop = min(last, entry.iova + (entry.pageSize.bytes - 1))
            let piece = PhysicalRange(address: entry.physical + (cursor - entry.iova), length: stop - cursor + 1)
            if let previous = result.segments.last, previous.address + previous.length == piece.address {
                result.segments[result.segments.count - 1].length += piece.length
            } else {
                result.segments.append(piece)
            }
            if stop == last { break }
            cursor = stop + 1
        }
        return .translated(result)
    }

    private mutating func iotlbLookup(_ tag: TranslationTag, into result: inout Translation) {
        if iotlb.access(tag) {
            result.hits += 1
            counters.hits += 1
        } else {
            result.misses += 1
            counters.misses += 1
            result.latency += configuration.walkLatency.latency(for: tag.pageSize)
        }
    }

    private mutating func fault(
        domain: IOMMUDomainID, address: UInt64, access: DMAAccess, reason: IOMMUFault.Reason
    ) -> TranslationResult {
        counters.faults += 1
        return .fault(
            IOMMUFault(
                device: domains[domain.rawValue].name, domain: domain, address: address, access: access,
                reason: reason))
    }
}
