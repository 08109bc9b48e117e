/// The tag of a cached translation: which domain, which page, of which size.
///
/// One 2 MiB entry covers the 512 4 KiB pages inside it, which is why large pages extend an
/// IOTLB's reach.
public struct TranslationTag: Hashable, Sendable, CustomStringConvertible {
    /// The domain.
    public var domain: IOMMUDomainID
    /// The IOVA divided by the page size.
    public var pageNumber: UInt64
    /// The page size of the mapping.
    public var pageSize: IOMMUPageSize

    /// Creates a tag.
    public init(domain: IOMMUDomainID, pageNumber: UInt64, pageSize: IOMMUPageSize) {
        self.domain = domain
        self.pageNumber = pageNumber
        self.pageSize = pageSize
    }

    /// The tag of the page of `pageSize` that holds `iova`.
    public init(domain: IOMMUDomainID, iova: UInt64, pageSize: IOMMUPageSize) {
        self.init(domain: domain, pageNumber: iova >> pageSize.shift, pageSize: pageSize)
    }

    /// `domain#N:page@size`.
    public var description: String { "\(domain):0x\(String(pageNumber, radix: 16))@\(pageSize)" }
}

/// Which entry of a full set a translation cache gives up.
public enum ReplacementPolicy: String, Sendable, Hashable {
    /// Least recently used: a hit makes the entry the most recent.
    case lru
    /// First in, first out: hits do not change the order.
    case fifo
}

/// A set-associative translation cache: an IOMMU's IOTLB or a device's ATC.
///
/// `entries` slots are split into `entries / ways` sets of `ways` slots; a tag goes to the set
/// `pageNumber % sets`. With `ways == entries` the cache is fully associative. Each set keeps its
/// slots in a doubly linked recency list, so lookups, fills and evictions are O(1).
public struct TranslationCache: Sendable {
    /// The number of entries.
    public let entries: Int
    /// The associativity.
    public let ways: Int
    /// The replacement policy within a set.
    public let policy: ReplacementPolicy

    private let sets: Int
    private static let none: Int32 = -1
    private var slotTag: [TranslationTag?]
    private var previous: [Int32]
    private var next: [Int32]
    private var head: [Int32]
    private var tail: [Int32]
    private var freeSlots: [[Int32]]
    private var index: [TranslationTag: Int32] = [:]

    /// Creates an empty cache of `entries` slots in sets of `ways` (fully associative when `ways`
    /// is nil).
    public init(entries: Int, ways: Int? = nil, policy: ReplacementPolicy = .lru) throws(IOMMUConfigurationError) {
        guard entries > 0 else { throw .noEntries }
        let ways = ways ?? entries
        guard ways > 0, ways <= entries, entries % ways == 0 else {
            throw .waysDoNotDivideEntries(entries: entries, ways: ways)
        }
        self.entries = entries
        self.ways = ways
        self.policy = policy
        sets = entries / ways
        slotTag = Array(repeating: nil, count: entries)
        previous = Array(repeating: Self.none, count: entries)
        next = Array(repeating: Self.none, count: entries)
        head = Array(repeating: Self.none, count: sets)
        tail = Array(repeating: Self.none, count: sets)
        freeSlots = (0..<sets).map { set in (0..<ways).reversed().map { Int32(set * ways + $0) } }
        index.reserveCapacity(entries)
    }

    /// The number of valid entries.
    public var count: Int { index.count }

    /// Whether `tag` is cached, without touching the recency order.
    public func contains(_ tag: TranslationTag) -> Bool { index[tag] != nil }

    /// Looks `tag` up and fills it on a miss; returns whether it hit.
    ///
    /// On a hit the entry becomes the most recent (LRU); on a miss it is filled, evicting the
    /// set's least recent (LRU) or oldest (FIFO) entry when the set is full.
    ///
    /// - Complexity: O(1) expected (one hash lookup, constant list surgery).
    @discardableResult
    public mutating func access(_ tag: TranslationTag) -> Bool {
        if let slot = index[tag] {
            if policy == .lru { moveToFront(slot, set: setIndex(tag)) }
            return true
        }
        insert(tag)
        return false
    }

    /// Looks `tag` up without filling on a miss.
    ///
    /// On a hit the entry becomes the most recent (LRU).
    ///
    /// - Complexity: O(1) expected.
    public mutating func lookup(_ tag: TranslationTag) -> Bool {
        guard let slot = index[tag] else { return false }
        if policy == .lru { moveToFront(slot, set: setIndex(tag)) }
        return true
    }

    /// Fills `tag` (a no-op if present), evicting per the policy when its set is full.
    ///
    /// - Complexity: O(1) expected.
    public mutating func insert(_ tag: TranslationTag) {
        guard index[tag] == nil else { return }
        let set = setIndex(tag)
        let slot: Int32
        if let free = freeSlots[set].popLast() {
            slot = free
        } else {
            slot = tail[set]
            unlink(slot, set: set)
            if let old = slotTag[Int(slot)] { index[old] = nil }
        }
        slotTag[Int(slot)] = tag
        index[tag] = slot
        linkFront(slot, set: set)
    }

    /// Drops every entry `shouldDrop` selects (an invalidation).
    ///
    /// Returns how many were dropped.
    ///
    /// - Complexity: O(entries).
    @discardableResult
    public mutating func invalidate(where shouldDrop: (TranslationTag) -> Bool) -> Int {
        var dropped = 0
        for (tag, slot) in index where shouldDrop(tag) {
            let set = setIndex(tag)
            unlink(slot, set: set)
            slotTag[Int(slot)] = nil
            index[tag] = nil
            freeSlots[set].append(slot)
            dropped += 1
        }
        return dropped
    }

    /// Drops every entry.
    public mutating func invalidateAll() { invalidate { _ in true } }

    private func setIndex(_ tag: TranslationTag) -> Int { Int(tag.pageNumber % UInt64(sets)) }

    private mutating func unlink(_ slot: Int32, set: Int) {
        let p = previous[Int(slot)]
        let n = next[Int(slot)]
        if p == Self.none { head[set] = n } else { next[Int(p)] = n }
        if n == Self.none { tail[set] = p } else { previous[Int(n)] = p }
        previous[Int(slot)] = Self.none
        next[Int(slot)] = Self.none
    }

    private mutating func linkFront(_ slot: Int32, set: Int) {
        let oldHead = head[set]
        previous[Int(slot)] = Self.none
        next[Int(slot)] = oldHead
        if oldHead != Self.none { previous[Int(oldHead)] = slot }
        head[set] = slot
        if tail[set] == Self.none { tail[set] = slot }
    }

    private mutating func moveToFront(_ slot: Int32, set: Int) {
        guard head[set] != slot else { return }
        unlink(slot, set: set)
        linkFront(slot, set: set)
    }
}
