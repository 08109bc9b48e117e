/// Hands out IOVA ranges the way the Linux DMA API does (`drivers/iommu/iova.c`,
/// `drivers/iommu/dma-iommu.c`).
///
/// - Sizes are rounded up to the 4 KiB granule, then to a power of two (`iommu_dma_alloc_iova`
///   rounds lengths below the IOVA range-cache limit to a power of two; done here for every size),
///   and each range is aligned to its rounded size (`alloc_iova(..., size_aligned: true)`).
/// - Allocation is top-down: the highest free, aligned range that ends at or below the limit
///   (`__alloc_and_insert_iova_range` walks the rbtree down from the limit).
/// - For a DMA mask wider than 32 bits the 32-bit space is tried first, as the kernel does for PCI
///   devices unless `iommu.forcedac=1` ("try to get PCI devices a SAC address").
/// - IOVA page 0 is never handed out (the kernel's `iova_domain` starts at pfn 1).
///
/// The per-CPU range caches (`iova_rcache`) are not modelled: they change which addresses are
/// reused, not their alignment.
public struct IOVAAllocator: Sendable {
    /// The allocation granule (the kernel's `iovad->granule` with 4 KiB CPU pages).
    public static let granule: UInt64 = 4_096
    /// The 32-bit DMA mask (`DMA_BIT_MASK(32)`).
    public static let mask32: UInt64 = 0xFFFF_FFFF

    /// Allocated ranges, sorted by start: (first, last) inclusive.
    private var ranges: [(first: UInt64, last: UInt64)] = []

    /// Creates an allocator with nothing allocated.
    public init() {}

    /// The number of allocated ranges.
    public var count: Int { ranges.count }

    /// The size an allocation of `size` bytes takes: rounded to the granule, then to a power of two.
    public static func allocationSize(for size: UInt64) -> UInt64? {
        guard size > 0 else { return nil }
        let pages = (size - 1) / granule + 1
        let pow2Pages = pages <= 1 ? 1 : UInt64(1) << UInt64(64 - (pages - 1).leadingZeroBitCount)
        let (bytes, overflow) = pow2Pages.multipliedReportingOverflow(by: granule)
        return overflow || pow2Pages == 0 ? nil : bytes
    }

    /// Allocates an aligned range for `size` bytes below `dmaMask` and returns its first IOVA.
    ///
    /// - Complexity: O(allocated ranges).
    public mutating func allocate(size: UInt64, dmaMask: UInt64 = UInt64.max) -> UInt64? {
        guard let length = Self.allocationSize(for: size) else { return nil }
        if dmaMask > Self.mask32, let iova = allocate(length: length, limit: Self.mask32) { return iova }
        return allocate(length: length, limit: dmaMask)
    }

    /// Frees the range that starts at `iova`.
    ///
    /// Returns whether one did.
    ///
    /// - Complexity: O(allocated ranges).
    @discardableResult
    public mutating func free(iova: UInt64) -> Bool {
        guard let position = ranges.firstIndex(where: { $0.first == iova }) else { return false }
        ranges.remove(at: position)
        return true
    }

    /// The allocated range holding `iova`, if any, as (first, length).
    public func range(containing iova: UInt64) -> (first: UInt64, length: UInt64)? {
        guard let r = ranges.first(where: { $0.first <= iova && iova <= $0.last }) else { return nil }
        return (r.first, r.last - r.first + 1)
    }

    private mutating func allocate(length: UInt64, limit: UInt64) -> UInt64? {
        // The gaps between allocated ranges, from the top down; gap i lies below ranges[i].
        var i = ranges.count
        while i >= 0 {
            let low: UInt64
            if i == 0 {
                low = Self.granule
            } else {
                let (above, overflow) = ranges[i - 1].last.addingReportingOverflow(1)
                if overflow { return nil }
                low = above
            }
            let high = min(limit, i == ranges.count ? UInt64.max : ranges[i].first - 1)
            if high >= low, high - low >= length - 1 {
                // The highest start aligned to `length` whose range ends at or below `high`.
                let start = (high - (length - 1)) & ~(length - 1)
                if start >= low {
                    ranges.insert((start, start + (length - 1)), at: i)
                    return start
                }
            }
            if i == 0 { return nil }
            i -= 1
        }
        return nil
    }
}
