import Units

/// A one-way connection from one component's port to another's, with a fixed latency.
///
/// A full-duplex wire is two channels. The smallest channel latency in a model is the lookahead
/// a conservative parallel engine could use (as SST partitions on link latency).
public struct Channel: Hashable, Sendable {
    /// The sending end.
    public var source: Endpoint
    /// The receiving end.
    public var destination: Endpoint
    /// The time from send to delivery.
    public var latency: Picoseconds

    /// Creates a channel from `source` to `destination` with `latency`.
    public init(from source: Endpoint, to destination: Endpoint, latency: Picoseconds) {
        self.source = source
        self.destination = destination
        self.latency = latency
    }
}
