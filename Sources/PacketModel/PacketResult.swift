// PacketResult.swift — what a packet-level run reports, and its deterministic text form.

import Units

/// How a transfer ended.
public enum PacketTransferStatus: Sendable, Hashable, CustomStringConvertible {
    /// Every request completed successfully.
    case success
    /// At least one read completed with Unsupported Request (a root complex refused to forward
    /// it): the requester sees all-ones data for those bytes, never good data.
    case unsupportedRequest

    /// "ok" or "unsupported request".
    public var description: String {
        switch self {
        case .success: return "ok"
        case .unsupportedRequest: return "unsupported request"
        }
    }
}

/// Numbers of packets of each type.
public struct TLPCounts: Sendable, Hashable {
    /// Memory writes (MWr).
    public var memoryWrites: Int = 0
    /// Memory reads (MRd).
    public var memoryReads: Int = 0
    /// Completions with data (CplD).
    public var completionsWithData: Int = 0
    /// Completions without data (Cpl; here only Unsupported Request completions).
    public var completionsWithoutData: Int = 0
    /// Ack DLLPs.
    public var acks: Int = 0
    /// UpdateFC DLLPs.
    public var updateFCs: Int = 0

    /// Creates counts, all zero by default.
    public init(
        memoryWrites: Int = 0, memoryReads: Int = 0, completionsWithData: Int = 0, completionsWithoutData: Int = 0,
        acks: Int = 0, updateFCs: Int = 0
    ) {
        self.memoryWrites = memoryWrites
        self.memoryReads = memoryReads
        self.completionsWithData = completionsWithData
        self.completionsWithoutData = completionsWithoutData
        self.acks = acks
        self.updateFCs = updateFCs
    }

    /// All DLLPs (Acks and UpdateFCs).
    public var dllps: Int { acks + updateFCs }
}

/// What limited a transfer or a run.
public enum PacketBottleneckCause: Sendable, Hashable, CustomStringConvertible {
    /// A stage was busy most of the time.
    case stage(StageID)
    /// Every read tag was outstanding most of the time: tags × MRRS / round trip bound the reads.
    case tags
    /// The requester's DMA engine rate cap held back its requests.
    case dmaEngine

    /// The stage name, "tags" or "DMA engine".
    public var description: String {
        switch self {
        case .stage(let id): return id.name
        case .tags: return "tags"
        case .dmaEngine: return "DMA engine"
        }
    }
}

/// The bottleneck and the evidence for it.
public struct PacketBottleneck: Sendable, Hashable {
    /// What limited the transfer.
    public var cause: PacketBottleneckCause
    /// Why, in words with the measured fraction.
    public var reason: String

    /// Creates a bottleneck.
    public init(cause: PacketBottleneckCause, reason: String) {
        self.cause = cause
        self.reason = reason
    }
}

/// One transfer's outcome.
public struct PacketTransferResult: Sendable, Hashable {
    /// The transfer's tag.
    public var tag: String
    /// Write or read.
    public var kind: PacketTransferKind
    /// Payload bytes.
    public var bytes: UInt64
    /// When the requester started.
    public var start: Picoseconds
    /// When the last byte was written to the completer's memory (writes) or the last completion
    /// reached the requester (reads).
    public var finish: Picoseconds
    /// Packets issued for this transfer (DLLPs are per link: see `PacketStageStatistics`).
    public var tlps: TLPCounts
    /// Success or Unsupported Request.
    public var status: PacketTransferStatus
    /// Whether the requester received all-ones data in place of some of the bytes (UR reads).
    public var dataIsAllOnes: Bool
    /// Reads completed with Unsupported Request.
    public var unsupportedRequests: Int
    /// Time the requester had every tag outstanding and bytes left to request.
    public var tagWaitTime: Picoseconds
    /// Time the requester waited for its DMA rate cap.
    public var dmaWaitTime: Picoseconds
    /// What limited this transfer.
    public var bottleneck: PacketBottleneck

    /// The time from start to finish.
    public var duration: Picoseconds { finish - start }

    /// Payload bytes per second achieved.
    public var achievedBandwidth: DataRate {
        let seconds = duration.seconds
        return DataRate(bytesPerSecond: seconds > 0 ? Double(bytes) / seconds : 0)
    }
}

/// One stage's counters over a run.
public struct PacketStageStatistics: Sendable, Hashable {
    /// The stage.
    public var id: StageID
    /// "link", "switch", "root complex" or "memory".
    public var kindName: String
    /// TLPs carried (links, crossings) or served (memory).
    public var tlpCount: Int
    /// TLP wire bytes carried (framing, header, padded payload); payload bytes for memory.
    public var tlpBytes: UInt64
    /// Valid payload bytes carried.
    public var payloadBytes: UInt64
    /// Ack DLLPs returned for this direction's TLPs (sent on the reverse direction).
    public var acks: Int
    /// UpdateFC DLLPs returned for this direction's TLPs (sent on the reverse direction).
    public var updateFCs: Int
    /// DLLPs this direction transmitted for the reverse direction's TLPs.
    public var dllpsTransmitted: Int
    /// Time spent serialising TLPs and DLLPs (links) or serving bytes (crossings, memory).
    public var busyTime: Picoseconds
    /// `busyTime` over the run's makespan.
    public var busyFraction: Double
    /// The most TLPs waiting at once for this link direction's transmitter.
    public var peakQueueDepth: Int
    /// Time this link direction's transmitter was free, with TLPs waiting, but had no credits
    /// for any of them.
    public var flowControlStallTime: Picoseconds
}

/// The outcome of a packet-level run.
public struct PacketResult: Sendable, Hashable, CustomStringConvertible {
    /// Per transfer, in input order.
    public var transfers: [PacketTransferResult]
    /// Per stage, in fabric order.
    public var stages: [PacketStageStatistics]
    /// From the first start to the last finish.
    public var makespan: Picoseconds
    /// Events the kernel handled.
    public var eventCount: UInt64
    /// What limited the run as a whole: the busiest stage, or tags, or a DMA engine.
    public var bottleneck: PacketBottleneck

    /// Looks up a stage's statistics by id.
    public func stage(_ id: StageID) -> PacketStageStatistics? { stages.first { $0.id == id } }

    /// Looks up a transfer's result by tag.
    public func transfer(_ tag: String) -> PacketTransferResult? { transfers.first { $0.tag == tag } }

    /// A line-per-item text form; the same inputs always give the same bytes.
    public var description: String {
        var lines: [String] = []
        for t in transfers {
            let kind = t.kind == .write ? "write" : "read"
            lines.append(
                "transfer \(t.tag): \(kind) \(t.bytes) B, start \(t.start.rawValue) ps, finish \(t.finish.rawValue) ps, "
                    + "\(formatDecimal(t.achievedBandwidth.gigabytesPerSecond, maxFractionDigits: 4)) GB/s, "
                    + "MWr \(t.tlps.memoryWrites), MRd \(t.tlps.memoryReads), CplD \(t.tlps.completionsWithData), "
                    + "Cpl \(t.tlps.completionsWithoutData), status \(t.status), all-ones \(t.dataIsAllOnes), "
                    + "tag wait \(t.tagWaitTime.rawValue) ps, DMA wait \(t.dmaWaitTime.rawValue) ps, "
                    + "bottleneck \(t.bottleneck.cause) (\(t.bottleneck.reason))")
        }
        for s in stages {
            lines.append(
                "stage \(s.id) [\(s.kindName)]: TLPs \(s.tlpCount), TLP bytes \(s.tlpBytes), payload \(s.payloadBytes), "
                    + "Acks \(s.acks), UpdateFCs \(s.updateFCs), DLLPs sent \(s.dllpsTransmitted), "
                    + "busy \(s.busyTime.rawValue) ps (\(formatDecimal(s.busyFraction * 100, maxFractionDigits: 2))%), "
                    + "peak queue \(s.peakQueueDepth), FC stall \(s.flowControlStallTime.rawValue) ps")
        }
        lines.append(
            "run: makespan \(makespan.rawValue) ps, events \(eventCount), bottleneck \(bottleneck.cause) "
                + "(\(bottleneck.reason))")
        return lines.joined(separator: "\n") + "\n"
    }
}
