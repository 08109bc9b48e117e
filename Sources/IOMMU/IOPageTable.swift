/// One leaf of an I/O page table: where a page of IOVAs goes and what the device may do there.
public struct IOPageTableEntry: Sendable, Hashable {
    /// The first IOVA of the page.
    public var iova: UInt64
    /// The first physical address of the page.
    public var physical: UInt64
    /// The page size.
    public var pageSize: IOMMUPageSize
    /// What the device may do.
    public var permissions: DMAPermissions

    /// Creates an entry.
    public init(iova: UInt64, physical: UInt64, pageSize: IOMMUPageSize, permissions: DMAPermissions) {
        self.iova = iova
        self.physical = physical
        self.pageSize = pageSize
        self.permissions = permissions
    }
}

/// A domain's I/O page table: leaves of 4 KiB, 2 MiB and 1 GiB, each keyed by page number.
///
/// The radix tree of real hardware is not kept; only its leaves matter for what a request reaches
/// and for how many levels a walk reads (`IOMMUPageSize.walkLevels`).
public struct IOPageTable: Sendable {
    /// Leaves by page number, one dictionary per page size (indexed by `slot(of:)`).
    private var leaves: [[UInt64: IOPageTableEntry]] = [[:], [:], [:]]

    private static func slot(of pageSize: IOMMUPageSize) -> Int {
        switch pageSize {
        case .size4KiB: 0
        case .size2MiB: 1
        case .size1GiB: 2
        }
    }

    /// Creates an empty table.
    public init() {}

    /// The number of leaves of each size.
    public func count(of pageSize: IOMMUPageSize) -> Int { leaves[Self.slot(of: pageSize)].count }

    /// The leaf that maps `iova`, if any.
    ///
    /// - Complexity: O(1) expected: at most three hash lookups.
    public func entry(for iova: UInt64) -> IOPageTableEntry? {
        for size in IOMMUPageSize.allCases {
            if let entry = leaves[Self.slot(of: size)][iova >> size.shift] { return entry }
        }
        return nil
    }

    /// Maps `size` bytes at `iova` to `physical` with pages of `pageSize`.
    ///
    /// - Complexity: O(size / pageSize) plus the overlap check, which reads at most that many
    ///   entries of each size.
    public mutating func map(
        iova: UInt64, physical: UInt64, size: UInt64, pageSize: IOMMUPageSize, permissions: DMAPermissions
    ) throws(IOMMUMapError) {
        guard size > 0, size % pageSize.bytes == 0 else { throw .badSize(size: size, pageSize: pageSize) }
        guard iova % pageSize.bytes == 0, physical % pageSize.bytes == 0 else {
            throw .misaligned(iova: iova, physical: physical, pageSize: pageSize)
        }
        guard iova.addingReportingOverflow(size - 1).overflow == false,
            physical.addingReportingOverflow(size - 1).overflow == false
        else { throw .overflow }
        if let clash = firstMapped(in: iova, size: size) { throw .overlapsExistingMapping(iova: clash) }
        let pages = size / pageSize.bytes
        let slot = Self.slot(of: pageSize)
        for page in 0..<pages {
            let offset = page * pageSize.bytes
            leaves[slot][(iova + offset) >> pageSize.shift] = IOPageTableEntry(
                iova: iova + offset, physical: physical + offset, pageSize: pageSize, permissions: permissions)
        }
    }

    /// Removes the leaves inside `[iova, iova + size)` and returns them.
    ///
    /// Refuses a range that cuts
    /// through a leaf.
    ///
    /// - Complexity: O(pages of each size the range could hold, bounded by the table's size).
    public mutating func unmap(iova: UInt64, size: UInt64) throws(IOMMUMapError) -> [IOPageTableEntry] {
        guard size > 0 else { throw .badSize(size: size, pageSize: .size4KiB) }
        guard iova.addingReportingOverflow(size - 1).overflow == false else { throw .overflow }
        let last = iova + (size - 1)
        var removed: [IOPageTableEntry] = []
        for pageSize in IOMMUPageSize.allCases {
            for key in keys(of: pageSize, from: iova, through: last) {
                guard let entry = leaves[Self.slot(of: pageSize)][key] else { continue }
                guard entry.iova >= iova, entry.iova + (pageSize.bytes - 1) <= last else {
                    throw .splitsMapping(iova: entry.iova, pageSize: pageSize)
                }
                removed.append(entry)
            }
        }
        for entry in removed { leaves[Self.slot(of: entry.pageSize)][entry.iova >> entry.pageSize.shift] = nil }
        return removed.sorted { $0.iova < $1.iova }
    }

    /// The first IOVA of `[iova, iova + size)` some leaf already maps, if any.
    private func firstMapped(in iova: UInt64, size: UInt64) -> UInt64? {
        let last = iova + (size - 1)
        for pageSize in IOMMUPageSize.allCases {
            if let key = keys(of: pageSize, from: iova, through: last).first(where: {
                leaves[Self.slot(of: pageSize)][$0] != nil
            }) {
                return max(iova, key << pageSize.shift)
            }
        }
        return nil
    }

    /// The page numbers of `pageSize` that meet `[first, last]` and might be mapped: every one
    /// when there are fewer of them than leaves, otherwise the leaves that fall in the range.
    private func keys(of pageSize: IOMMUPageSize, from first: UInt64, through last: UInt64) -> [UInt64] {
        let low = first >> pageSize.shift
        let high = last >> pageSize.shift
        let table = leaves[Self.slot(of: pageSize)]
        if high - low < UInt64(table.count) { return Array(low...high) }
        return table.keys.filter { $0 >= low && $0 <= high }.sorted()
    }
}
