/// How an IOMMU treats the addresses devices put on the bus.
///
/// The three settings Linux offers: no IOMMU (or `intel_iommu=off`), `iommu=pt` and the DMA API's
/// translated default (`iommu.passthrough=0`).
public enum IOMMUMode: String, Sendable, Hashable, CaseIterable {
    /// No IOMMU: the bus address a device uses is the physical address.
    case off
    /// Identity mapping (`iommu=pt`): no translation cost and no protection.
    case passthrough
    /// DMA API translation: devices use IOVAs, looked up in per-domain I/O page tables.
    case translated
}

/// The page sizes of an x86-64 style I/O page table (Intel VT-d second-level tables, AMD-Vi v1).
public enum IOMMUPageSize: UInt64, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// A 4 KiB page (a leaf in the fourth level).
    case size4KiB = 4_096
    /// A 2 MiB page (a leaf in the page directory, third level).
    case size2MiB = 2_097_152
    /// A 1 GiB page (a leaf in the page-directory-pointer table, second level).
    case size1GiB = 1_073_741_824

    /// The page size in bytes.
    @inlinable public var bytes: UInt64 { rawValue }

    /// log2 of the page size: 12, 21 or 30.
    @inlinable public var shift: UInt64 {
        switch self {
        case .size4KiB: 12
        case .size2MiB: 21
        case .size1GiB: 30
        }
    }

    /// The number of page-table levels a walk reads to reach a leaf of this size with 4-level
    /// (48-bit) tables: 4 for 4 KiB, 3 for 2 MiB, 2 for 1 GiB (Intel VT-d specification, section
    /// 3.6, second-level translation; the same structure as x86-64 4-level paging).
    @inlinable public var walkLevels: Int {
        switch self {
        case .size4KiB: 4
        case .size2MiB: 3
        case .size1GiB: 2
        }
    }

    /// The page size whose byte count is `bytes`, if it is one of the three.
    public init?(bytes: UInt64) { self.init(rawValue: bytes) }

    /// `4 KiB`, `2 MiB` or `1 GiB`.
    public var description: String {
        switch self {
        case .size4KiB: "4 KiB"
        case .size2MiB: "2 MiB"
        case .size1GiB: "1 GiB"
        }
    }

    /// Orders by size.
    public static func < (lhs: IOMMUPageSize, rhs: IOMMUPageSize) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The read and write permissions of an I/O page-table entry.
public struct DMAPermissions: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The bits.
    public let rawValue: UInt8

    /// Creates permissions from their bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The device may read (DMA_TO_DEVICE).
    public static let read = DMAPermissions(rawValue: 1)
    /// The device may write (DMA_FROM_DEVICE).
    public static let write = DMAPermissions(rawValue: 2)
    /// Both (DMA_BIDIRECTIONAL).
    public static let readWrite: DMAPermissions = [.read, .write]

    /// `r`, `w`, `rw` or `-`.
    public var description: String {
        switch (contains(.read), contains(.write)) {
        case (true, true): "rw"
        case (true, false): "r"
        case (false, true): "w"
        case (false, false): "-"
        }
    }
}

/// What a DMA request does to memory.
public enum DMAAccess: String, Sendable, Hashable {
    /// A memory read request.
    case read
    /// A memory write request.
    case write

    /// The permission the access needs.
    @inlinable public var requiredPermission: DMAPermissions {
        switch self {
        case .read: .read
        case .write: .write
        }
    }
}

/// A translation domain: the I/O page table one device (or one group) uses.
public struct IOMMUDomainID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The index of the domain in its IOMMU.
    public let rawValue: Int

    /// Creates an id from its index.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `domain#N`.
    public var description: String { "domain#\(rawValue)" }

    /// Orders by index.
    public static func < (lhs: IOMMUDomainID, rhs: IOMMUDomainID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A run of physical addresses a translated request reaches.
public struct PhysicalRange: Sendable, Hashable, CustomStringConvertible {
    /// The first physical address.
    public var address: UInt64
    /// The number of bytes.
    public var length: UInt64

    /// Creates a range.
    public init(address: UInt64, length: UInt64) {
        self.address = address
        self.length = length
    }

    /// `0x...+N`.
    public var description: String { "0x\(String(address, radix: 16))+\(length)" }
}

/// How a memory request's address is to be read: the PCIe TLP header's Address Type (AT) field
/// (PCIe Base Specification, section 2.2.4.1, Address Type field encodings).
public enum AddressType: String, Sendable, Hashable {
    /// AT=00b: untranslated; the IOMMU translates it.
    case untranslated
    /// AT=10b: translated by the device's ATC; the IOMMU passes it through.
    case translated
}
