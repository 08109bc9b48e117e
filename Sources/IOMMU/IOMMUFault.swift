/// A DMA request the IOMMU refused: what the kernel logs as a DMAR / AMD-Vi IO_PAGE_FAULT.
///
/// A faulting request is never completed: a read returns no data (the device sees a completion
/// with Unsupported Request or Completer Abort status), a write is dropped.
public struct IOMMUFault: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why the request faulted.
    public enum Reason: Sendable, Hashable {
        /// No page-table entry maps the address.
        case unmapped
        /// An entry maps the address but lacks the permission the access needs.
        case permission(granted: DMAPermissions)
        /// The device has no translation domain in this IOMMU.
        case noDomain
    }

    /// The device (domain) that issued the request, by the name it was registered with.
    public var device: String
    /// The domain.
    public var domain: IOMMUDomainID
    /// The first faulting address (an IOVA, or a bus address the IOMMU took for one).
    public var address: UInt64
    /// The access that faulted.
    public var access: DMAAccess
    /// Why.
    public var reason: Reason

    /// Creates a fault.
    public init(device: String, domain: IOMMUDomainID, address: UInt64, access: DMAAccess, reason: Reason) {
        self.device = device
        self.domain = domain
        self.address = address
        self.access = access
        self.reason = reason
    }

    /// One line in the manner of the kernel's DMAR fault log.
    public var description: String {
        let what: String
        switch reason {
        case .unmapped: what = "no mapping"
        case .permission(let granted):
            what = "mapping grants '\(granted)', \(access) needs '\(access.requiredPermission)'"
        case .noDomain: what = "device has no IOMMU domain"
        }
        return "IOMMU fault: [DMA \(access == .read ? "Read" : "Write")] device [\(device)] "
            + "fault addr 0x\(String(address, radix: 16)): \(what)"
    }
}

/// Why a mapping or unmapping call was refused (the DMA API would return an error or
/// `DMA_MAPPING_ERROR`).
public enum IOMMUMapError: Error, Sendable, Hashable {
    /// The domain id does not belong to this IOMMU.
    case unknownDomain(IOMMUDomainID)
    /// The size is zero, or not a whole number of pages.
    case badSize(size: UInt64, pageSize: IOMMUPageSize)
    /// The IOVA or the physical address is not aligned to the page size.
    case misaligned(iova: UInt64, physical: UInt64, pageSize: IOMMUPageSize)
    /// The range wraps past the end of the 64-bit address space.
    case overflow
    /// Part of the IOVA range is already mapped.
    case overlapsExistingMapping(iova: UInt64)
    /// An unmap range cuts through a mapping (the kernel cannot split a large page on unmap).
    case splitsMapping(iova: UInt64, pageSize: IOMMUPageSize)
    /// No IOVA allocation holds this DMA address (an unmap of something never mapped).
    case notAllocated(dmaAddress: UInt64)
    /// No IOVA space left below the DMA mask.
    case iovaSpaceExhausted(size: UInt64, dmaMask: UInt64)
    /// The IOMMU does not translate (mode off or passthrough); the DMA address is the physical one.
    case notTranslating(IOMMUMode)
}

/// Why an IOMMU configuration was refused.
public enum IOMMUConfigurationError: Error, Sendable, Hashable {
    /// A cache needs at least one entry.
    case noEntries
    /// The number of ways must divide the number of entries.
    case waysDoNotDivideEntries(entries: Int, ways: Int)
}
