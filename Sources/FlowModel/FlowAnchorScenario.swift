/// The PCIe-like tree of the flow-anchor reference data (`shared/data/flow-anchor`), used to
/// validate the fluid model against SimGrid.
///
/// Endpoint `gpu{i}` hangs under switch `k = i / 4` by link `ep{i}`; switch `k` belongs to socket
/// `s = k * 2 / switchCount` and joins root complex `rc{s}` by link `up{k}`; link `s2s` joins the
/// two root complexes. Every link is full duplex: each direction is a separate resource with the
/// full capacity (ep 64e9 B/s, up 64e9 B/s, s2s 128e9 B/s), and has 100 ns latency.
public struct FlowAnchorPlatform: Sendable {
    /// Number of endpoints (a multiple of 4).
    public let endpointCount: Int
    /// Number of switches (`endpointCount / 4`).
    public var switchCount: Int { endpointCount / 4 }
    /// Latency of every link, in picoseconds.
    public static let linkLatency: UInt64 = 100_000
    /// Endpoint-link capacity in bytes/s.
    public static let endpointCapacity = 64e9
    /// Switch-uplink capacity in bytes/s.
    public static let uplinkCapacity = 64e9
    /// Socket-to-socket link capacity in bytes/s.
    public static let socketLinkCapacity = 128e9

    /// Creates the platform for `endpointCount` endpoints (a positive multiple of 4).
    public init(endpointCount: Int) {
        precondition(endpointCount > 0 && endpointCount % 4 == 0, "endpoint count must be a positive multiple of 4")
        self.endpointCount = endpointCount
    }

    /// Capacities of all resources, indexed by ``ResourceID``: endpoint->switch (n),
    /// switch->endpoint (n), switch->root (n/4), root->switch (n/4), rc0->rc1, rc1->rc0.
    public var capacities: [Double] {
        Array(repeating: Self.endpointCapacity, count: 2 * endpointCount)
            + Array(repeating: Self.uplinkCapacity, count: 2 * switchCount)
            + [Self.socketLinkCapacity, Self.socketLinkCapacity]
    }

    /// The socket of a switch.
    public func socket(ofSwitch k: Int) -> Int { k * 2 / switchCount }

    /// The route from endpoint `src` to endpoint `dst` (empty when equal).
    public func route(from src: Int, to dst: Int) -> [ResourceID] {
        precondition(src >= 0 && src < endpointCount && dst >= 0 && dst < endpointCount, "endpoint out of range")
        if src == dst { return [] }
        let n = endpointCount
        let ns = switchCount
        let ks = src / 4
        let kd = dst / 4
        let epOut = ResourceID(src)
        let epIn = ResourceID(n + dst)
        if ks == kd { return [epOut, epIn] }
        let upOut = ResourceID(2 * n + ks)
        let upIn = ResourceID(2 * n + ns + kd)
        let ss = socket(ofSwitch: ks)
        let sd = socket(ofSwitch: kd)
        if ss == sd { return [epOut, upOut, upIn, epIn] }
        return [epOut, upOut, ResourceID(2 * n + 2 * ns + ss), upIn, epIn]
    }

    /// The latency of the route from `src` to `dst` in picoseconds (100 ns per link).
    public func routeLatency(from src: Int, to dst: Int) -> UInt64 {
        UInt64(route(from: src, to: dst).count) * Self.linkLatency
    }

    /// Builds a simulation with one flow per record, in order (flow id = record index).
    public func makeSimulation(flows: [FlowAnchorRecord]) -> FlowSimulation {
        var sim = FlowSimulation(capacities: capacities)
        // A route has at most 5 links.
        sim.reserveCapacity(flows: flows.count, routeEntries: 5 * flows.count)
        for f in flows {
            let route = route(from: f.source, to: f.destination)
            sim.addFlow(
                FlowSpec(
                    route: route,
                    bytes: f.bytes,
                    startTime: SimulationTime.picoseconds(fromSeconds: f.startTime),
                    latency: UInt64(route.count) * Self.linkLatency))
        }
        return sim
    }
}

/// One row of a flow-anchor `flows_*.csv` file (`src,dst,bytes,start_time_s`).
public struct FlowAnchorRecord: Sendable, Equatable {
    /// Source endpoint index (from `gpu{i}`).
    public var source: Int
    /// Destination endpoint index.
    public var destination: Int
    /// Bytes to transfer.
    public var bytes: UInt64
    /// Issue time in seconds.
    public var startTime: Double

    /// Creates a record.
    public init(source: Int, destination: Int, bytes: UInt64, startTime: Double) {
        self.source = source
        self.destination = destination
        self.bytes = bytes
        self.startTime = startTime
    }
}

/// Minimal CSV parsing for the flow-anchor files (no Foundation).
public enum FlowAnchorCSV {
    /// Splits text into non-empty lines, dropping the header line.
    static func dataLines(_ text: String) -> [Substring] {
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        return Array(lines.dropFirst())
    }

    static func endpoint(_ field: Substring) -> Int? {
        guard field.hasPrefix("gpu") else { return nil }
        return Int(field.dropFirst(3))
    }

    /// Parses a `flows_*.csv` text; returns nil on a malformed line.
    public static func parseFlows(_ text: String) -> [FlowAnchorRecord]? {
        var result: [FlowAnchorRecord] = []
        for line in dataLines(text) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 4,
                let s = endpoint(fields[0]), let d = endpoint(fields[1]),
                let b = UInt64(fields[2]), let t = Double(fields[3])
            else { return nil }
            result.append(FlowAnchorRecord(source: s, destination: d, bytes: b, startTime: t))
        }
        return result
    }

    /// Parses the `finish_time_s` column (the sixth) of an `out_*.csv` text; returns nil on a malformed line.
    public static func parseFinishTimes(_ text: String) -> [Double]? {
        var result: [Double] = []
        for line in dataLines(text) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 6, let t = Double(fields[5]) else { return nil }
            result.append(t)
        }
        return result
    }
}

extension FlowAnchorPlatform {
    /// `count` flows of 256 MiB between distinct endpoints drawn from a fixed seed, all at t = 0.
    ///
    /// The platform at the scale of issue 14 (400,000 flows on 16,384 endpoints) for the replay
    /// benchmarks. The same arguments always give the same flows.
    public func randomFlows(count: Int, seed: UInt64 = 14) -> [FlowAnchorRecord] {
        // SplitMix64 (Steele, Lea and Flood, OOPSLA 2014), inlined: FlowModel depends on nothing.
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var flows: [FlowAnchorRecord] = []
        flows.reserveCapacity(count)
        while flows.count < count {
            let source = Int(next() % UInt64(endpointCount))
            let destination = Int(next() % UInt64(endpointCount))
            guard source != destination else { continue }
            flows.append(FlowAnchorRecord(source: source, destination: destination, bytes: 1 << 28, startTime: 0))
        }
        return flows
    }
}
