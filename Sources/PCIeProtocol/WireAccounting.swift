// WireAccounting.swift — bytes on the wire in each direction for a DMA transfer, and the
// bandwidth that follows from the bottleneck direction.
//
// Placement (spec §3.6: Acks and UpdateFCs are sent by the receiver of the TLPs they refer to):
//   - write by D to M: MWr TLPs D→M (data direction); Ack + UpdateFC-P DLLPs M→D (reverse).
//   - read by D from M: MRd TLPs D→M (reverse direction), CplD TLPs M→D (data direction);
//     Acks + UpdateFC-NP for the MRds travel M→D (data direction), Acks for the CplDs D→M.
// Sizes: see TLPFormat.swift; splitting: TLPSplitting.swift; DLLP rates: DLLPSchedule.swift.

/// Which way data moves in a DMA transfer, seen from the requesting device.
public enum DMAOperation: Sendable, Hashable, CaseIterable {
    /// Posted memory writes (MWr) carrying the data.
    case write
    /// Memory reads (MRd) answered by completions with data (CplD).
    case read
}

/// One DMA transfer: operation, byte count and start address.
public struct TransferPattern: Sendable, Hashable {
    /// Read or write.
    public var operation: DMAOperation
    /// Bytes of payload moved.
    public var length: Int
    /// Address of the first byte in the target's address space.
    public var startAddress: UInt64

    /// Creates a transfer pattern.
    public init(operation: DMAOperation, length: Int, startAddress: UInt64 = 0) {
        self.operation = operation
        self.length = length
        self.startAddress = startAddress
    }
}

/// Where DLLP overhead is charged.
public enum DLLPPlacement: Sendable, Hashable, CaseIterable {
    /// Physical placement: DLLPs travel opposite to the TLPs they acknowledge, at the spec's
    /// latency-limit rates in Symbol Times (p2psim's default).
    case reverseDirection
    /// pcie-bench's convention: every direction loses 8/AckLimit + 8/FCLimit of its raw bandwidth,
    /// with the Symbol-Time limits read as byte counts. For comparison only.
    case pcieBenchCompatible
}

/// Bytes sent in one direction of a link for a transfer.
public struct DirectionLoad: Sendable, Hashable {
    /// Number of TLPs sent in this direction.
    public var tlpCount: Int
    /// TLP bytes (overhead + DW-padded payload) sent in this direction.
    public var tlpBytes: Int
    /// Payload bytes (valid data) carried in this direction.
    public var payloadBytes: Int
    /// Expected number of DLLPs sent in this direction (fractional in steady state).
    public var dllpCount: Double

    /// Creates a direction load.
    public init(tlpCount: Int = 0, tlpBytes: Int = 0, payloadBytes: Int = 0, dllpCount: Double = 0) {
        self.tlpCount = tlpCount
        self.tlpBytes = tlpBytes
        self.payloadBytes = payloadBytes
        self.dllpCount = dllpCount
    }

    /// DLLP bytes (8 per DLLP).
    public var dllpBytes: Double { dllpCount * Double(PCIeWireSizes.dllp) }

    /// All bytes sent in this direction, TLPs plus DLLPs.
    public var totalBytes: Double { Double(tlpBytes) + dllpBytes }

    /// Adds another load's TLPs, bytes and DLLPs.
    public mutating func add(_ other: DirectionLoad, times factor: Int = 1) {
        tlpCount += other.tlpCount * factor
        tlpBytes += other.tlpBytes * factor
        payloadBytes += other.payloadBytes * factor
        dllpCount += other.dllpCount * Double(factor)
    }
}

/// The wire bytes of a transfer in both directions and the resulting transfer time.
public struct WireAccount: Sendable, Hashable {
    /// The transfer accounted.
    public var pattern: TransferPattern
    /// The direction payload flows in (MWr for writes, CplD for reads).
    public var dataDirection: DirectionLoad
    /// The opposite direction (DLLPs for writes; MRd requests and DLLPs for reads).
    public var reverseDirection: DirectionLoad
    /// Bytes per second available in each direction to the bytes counted above.
    public var capacityBytesPerSecond: Double

    /// Time to move the transfer when it streams back-to-back: the slower direction decides.
    public var transferSeconds: Double {
        max(dataDirection.totalBytes, reverseDirection.totalBytes) / capacityBytesPerSecond
    }

    /// Payload bytes per second achieved (payload / time on the bottleneck direction).
    public var effectiveBytesPerSecond: Double {
        guard transferSeconds > 0 else { return 0 }
        return Double(pattern.length) / transferSeconds
    }
}

extension PCIeLinkConfiguration {
    /// Counts the bytes on the wire in both directions for `pattern`.
    ///
    /// TLPs are enumerated exactly (split at MPS/MRRS/RCB and 4 KiB); because every split rule
    /// restarts at 4 KiB boundaries, one aligned page is enumerated and multiplied, so the cost is
    /// O(4096 / MPS) whatever the length. DLLPs follow `placement`.
    public func wireAccount(
        for pattern: TransferPattern,
        placement: DLLPPlacement = .reverseDirection,
        completionCreditsInfinite: Bool = true
    ) -> WireAccount {
        var (data, reverse) = tlpLoads(pattern)
        var capacity = tlpBytesPerSecond
        switch placement {
        case .pcieBenchCompatible:
            if !isFlitMode {
                let s = DLLPSchedule(configuration: self)
                let dllp = Double(PCIeWireSizes.dllp)
                let share = dllp / Double(s.ackLatencySymbolTimes) + dllp / Double(s.updateFCLatencySymbolTimes)
                capacity -= encodedBytesPerSecond * share
            }
        case .reverseDirection:
            let schedule = DLLPSchedule(configuration: self)
            let seconds = Double(max(data.tlpBytes, reverse.tlpBytes)) / capacity
            let symbolTimes = seconds * symbolRatePerLane
            // DLLPs answering the data-direction TLPs travel in the reverse direction.
            let dataCreditTypes: Int
            switch pattern.operation {
            case .write: dataCreditTypes = 1  // UpdateFC-P
            case .read: dataCreditTypes = completionCreditsInfinite ? 0 : 1  // UpdateFC-Cpl
            }
            reverse.dllpCount += schedule.ackCount(tlpCount: data.tlpCount, durationSymbolTimes: symbolTimes)
            reverse.dllpCount += schedule.updateFCCount(
                tlpCount: data.tlpCount, creditTypes: dataCreditTypes,
                durationSymbolTimes: symbolTimes)
            // DLLPs answering reverse-direction TLPs (MRd) travel in the data direction.
            data.dllpCount += schedule.ackCount(tlpCount: reverse.tlpCount, durationSymbolTimes: symbolTimes)
            data.dllpCount += schedule.updateFCCount(
                tlpCount: reverse.tlpCount, creditTypes: 1,
                durationSymbolTimes: symbolTimes)  // UpdateFC-NP
        }
        return WireAccount(
            pattern: pattern, dataDirection: data, reverseDirection: reverse,
            capacityBytesPerSecond: capacity)
    }

    /// Payload bytes per second a back-to-back stream of `pattern` achieves on this link.
    public func effectiveBandwidth(
        for pattern: TransferPattern,
        placement: DLLPPlacement = .reverseDirection
    ) -> Double {
        wireAccount(for: pattern, placement: placement).effectiveBytesPerSecond
    }

    /// Effective bandwidth as a fraction of `encodedBytesPerSecond` (the hwloc link rate).
    public func efficiency(
        for pattern: TransferPattern,
        placement: DLLPPlacement = .reverseDirection
    ) -> Double {
        effectiveBandwidth(for: pattern, placement: placement) / encodedBytesPerSecond
    }

    /// TLP counts and bytes in (data, reverse) direction for a transfer, without DLLPs.
    func tlpLoads(_ pattern: TransferPattern) -> (data: DirectionLoad, reverse: DirectionLoad) {
        var data = DirectionLoad()
        var reverse = DirectionLoad()
        let page = UInt64(PCIeWireSizes.addressBoundary)
        let start = pattern.startAddress
        precondition(pattern.length >= 0, "transfer length must be non-negative")
        precondition(UInt64.max - start >= UInt64(pattern.length), "transfer wraps the address space")
        let end = start + UInt64(pattern.length)
        let firstPageEnd = min(end, (start / page + 1) * page)
        accumulate(
            pattern.operation, address: start, length: Int(firstPageEnd - start),
            data: &data, reverse: &reverse)
        if end > firstPageEnd {
            let fullPages = (end - firstPageEnd) / page
            if fullPages > 0 {
                var pageData = DirectionLoad()
                var pageReverse = DirectionLoad()
                accumulate(
                    pattern.operation, address: firstPageEnd, length: Int(page),
                    data: &pageData, reverse: &pageReverse)
                data.add(pageData, times: Int(fullPages))
                reverse.add(pageReverse, times: Int(fullPages))
            }
            let tailStart = firstPageEnd + fullPages * page
            accumulate(
                pattern.operation, address: tailStart, length: Int(end - tailStart),
                data: &data, reverse: &reverse)
        }
        return (data, reverse)
    }

    /// Enumerates the TLPs of a piece of a transfer and adds them to the loads.
    private func accumulate(
        _ operation: DMAOperation, address: UInt64, length: Int,
        data: inout DirectionLoad, reverse: inout DirectionLoad
    ) {
        guard length > 0 else { return }
        switch operation {
        case .write:
            let overhead = tlpOverheadBytes(.memoryWrite)
            for segment in memoryWrites(address: address, length: length) {
                data.tlpCount += 1
                data.tlpBytes += overhead + segment.paddedBytes
                data.payloadBytes += segment.length
            }
        case .read:
            let requestOverhead = tlpOverheadBytes(.memoryRead)
            let completionOverhead = tlpOverheadBytes(.completionWithData)
            for request in readRequests(address: address, length: length) {
                reverse.tlpCount += 1
                reverse.tlpBytes += requestOverhead
                for completion in completions(for: request) {
                    data.tlpCount += 1
                    data.tlpBytes += completionOverhead + completion.paddedBytes
                    data.payloadBytes += completion.length
                }
            }
        }
    }
}
