// LinkFormat.swift — the accounting every vendor link shares: packets made of a header and
// payload rounded up to a granule, on lanes whose line coding leaves a fraction of the signalling
// rate for packets, bonded links side by side.

/// Whether a transaction moves data to the completer (write) or from it (read).
public enum LinkOperation: Sendable, Hashable, CaseIterable {
    /// The requester sends data; the completer answers with a short response (if any).
    case write
    /// The requester sends a short request; the completer answers with the data.
    case read
}

/// How one link kind packs requests and responses onto the wire.
///
/// A transaction of `payload` bytes is cut into packets of at most `maxPacketPayload` bytes;
/// each packet has `headerBytes` of header (with its CRC) and its payload rounded up to
/// `granule`. Requests without data (read requests) and responses without data (write
/// responses) are `shortPacketBytes` each.
public struct LinkPacketFormat: Sendable, Hashable {
    /// Bytes of header per packet carrying data (CRC and link-layer fields included).
    public var headerBytes: Int
    /// Payload is carried in whole units of this many bytes (a flit, a data beat).
    public var granule: Int
    /// The most payload one packet carries.
    public var maxPacketPayload: Int
    /// Bytes of a packet without data (a read request, a write response).
    public var shortPacketBytes: Int
    /// Whether a write is answered by a response packet on the reverse direction.
    public var writesAreAcknowledged: Bool

    /// Creates a format.
    public init(
        headerBytes: Int, granule: Int, maxPacketPayload: Int, shortPacketBytes: Int, writesAreAcknowledged: Bool
    ) {
        precondition(headerBytes >= 0 && granule > 0 && maxPacketPayload >= granule && shortPacketBytes > 0)
        self.headerBytes = headerBytes
        self.granule = granule
        self.maxPacketPayload = maxPacketPayload
        self.shortPacketBytes = shortPacketBytes
        self.writesAreAcknowledged = writesAreAcknowledged
    }

    /// The number of packets carrying `payload` bytes.
    public func packets(carrying payload: Int) -> Int {
        payload <= 0 ? 0 : (payload + maxPacketPayload - 1) / maxPacketPayload
    }

    /// Wire bytes of the packets carrying `payload` bytes: headers plus payload in whole granules
    /// (each packet rounds its own payload up).
    public func dataPacketBytes(payload: Int) -> Int {
        guard payload > 0 else { return 0 }
        let full = payload / maxPacketPayload
        let rest = payload % maxPacketPayload
        let roundedRest = rest == 0 ? 0 : headerBytes + (rest + granule - 1) / granule * granule
        return full * (headerBytes + maxPacketPayload) + roundedRest
    }

    /// The wire bytes of one transaction of `payload` bytes, on the direction that carries the
    /// data and on the opposite one.
    public func transaction(_ operation: LinkOperation, payload: Int) -> LinkTransaction {
        let packets = packets(carrying: payload)
        switch operation {
        case .write:
            return LinkTransaction(
                payload: payload, dataDirectionBytes: dataPacketBytes(payload: payload),
                oppositeDirectionBytes: writesAreAcknowledged ? shortPacketBytes : 0)
        case .read:
            return LinkTransaction(
                payload: payload, dataDirectionBytes: dataPacketBytes(payload: payload),
                oppositeDirectionBytes: packets * shortPacketBytes)
        }
    }
}

/// The wire cost of one transaction.
public struct LinkTransaction: Sendable, Hashable {
    /// Payload bytes moved.
    public var payload: Int
    /// Wire bytes on the direction the data travels (headers, payload rounded to granules).
    public var dataDirectionBytes: Int
    /// Wire bytes on the other direction (read requests, write responses).
    public var oppositeDirectionBytes: Int

    /// Payload over the data direction's wire bytes.
    public var efficiency: Double { dataDirectionBytes > 0 ? Double(payload) / Double(dataDirectionBytes) : 0 }
}

/// One direction of a link kind: its lanes' rate and coding, and its packet format.
public struct LinkProfile: Sendable, Hashable {
    /// A name for reports, such as "NVLink4" or "XGMI 32 GT/s x16".
    public var name: String
    /// Lanes per link per direction.
    public var lanes: Int
    /// Signalling rate per lane in bits per second.
    public var laneBitsPerSecond: Double
    /// Share of the signalling rate left for packets after line coding (128b/130b: 128/130).
    public var codingEfficiency: Double
    /// How transactions are packed.
    public var format: LinkPacketFormat
    /// Receive-buffer credits per link direction, in packets (headers) and granules (data).
    public var credits: LinkCredits
    /// Links bonded side by side (a packet travels on one of them).
    public var bondedLinks: Int

    /// Creates a profile.
    public init(
        name: String, lanes: Int, laneBitsPerSecond: Double, codingEfficiency: Double, format: LinkPacketFormat,
        credits: LinkCredits, bondedLinks: Int = 1
    ) {
        precondition(lanes > 0 && laneBitsPerSecond > 0 && codingEfficiency > 0 && codingEfficiency <= 1)
        precondition(bondedLinks > 0)
        self.name = name
        self.lanes = lanes
        self.laneBitsPerSecond = laneBitsPerSecond
        self.codingEfficiency = codingEfficiency
        self.format = format
        self.credits = credits
        self.bondedLinks = bondedLinks
    }

    /// Signalling bytes per second of one link direction (lanes x lane rate / 8).
    public var signallingBytesPerSecond: Double { Double(lanes) * laneBitsPerSecond / 8 }

    /// Bytes per second of packets one link direction carries (after line coding).
    public var packetBytesPerSecond: Double { signallingBytesPerSecond * codingEfficiency }

    /// The same profile with `count` links bonded.
    public func bonded(_ count: Int) -> LinkProfile {
        var copy = self
        copy.bondedLinks = count
        return copy
    }

    /// Payload bytes per second over signalling bytes per second for a stream of `operation`s of
    /// `payload` bytes each: what the flow model multiplies a link's signalling rate by.
    public func payloadEfficiency(_ operation: LinkOperation, payload: Int) -> Double {
        format.transaction(operation, payload: payload).efficiency * codingEfficiency
    }
}

/// A link direction's receive buffer, in credits.
public struct LinkCredits: Sendable, Hashable {
    /// Packets the receiver can hold (one credit per packet header).
    public var packets: Int
    /// Data granules the receiver can hold (one credit per granule of payload).
    public var granules: Int

    /// Creates a buffer size.
    public init(packets: Int, granules: Int) {
        self.packets = packets
        self.granules = granules
    }
}
