import Engine
import Foundation
import PacketModel
import Units

/// A Chrome trace-event JSON file (the format Perfetto and chrome://tracing load): transfers as
/// async spans, resource loads as counters.
///
/// Timestamps are microseconds (the format's unit) with picosecond resolution kept as decimals.
/// Events are sorted by timestamp, so every track's timestamps are non-decreasing.
public struct ChromeTrace: Sendable {
    private var events: [[String: TraceValue]] = []

    /// A JSON value in a trace event.
    public enum TraceValue: Sendable, Encodable, Equatable {
        case string(String)
        case number(Double)
        case integer(Int)
        case object([String: TraceValue])

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .number(let value): try container.encode(value)
            case .integer(let value): try container.encode(value)
            case .object(let value): try container.encode(value)
            }
        }
    }

    /// Creates an empty trace.
    public init() {}

    private static func microseconds(_ time: Picoseconds) -> TraceValue { .number(Double(time.rawValue) / 1e6) }

    /// Adds the transfers and loads of a run; `process` separates runs in one file.
    public mutating func add(run: FlowRun, resources: MachineResources, process: Int, name: String) {
        events.append([
            "name": .string("process_name"), "ph": .string("M"), "pid": .integer(process), "tid": .integer(0),
            "ts": .number(0), "args": .object(["name": .string(name)]),
        ])
        for (index, outcome) in run.outcomes.enumerated() {
            let id = TraceValue.string("\(process).\(index)")
            let args: [String: TraceValue] = [
                "mechanism": .string(outcome.transfer.plan.mechanism.rawValue),
                "bytes": .integer(Int(clamping: outcome.transfer.bytes)),
                "bandwidthGBps": .number(outcome.bandwidth / 1e9), "bottleneck": .string(outcome.bottleneck),
            ]
            events.append([
                "name": .string(outcome.transfer.label), "cat": .string("transfer"), "ph": .string("b"), "id": id,
                "pid": .integer(process), "tid": .integer(1), "ts": Self.microseconds(outcome.transfer.start),
                "args": .object(args),
            ])
            events.append([
                "name": .string(outcome.transfer.label), "cat": .string("transfer"), "ph": .string("e"), "id": id,
                "pid": .integer(process), "tid": .integer(1), "ts": Self.microseconds(outcome.finish),
                "args": .object([:]),
            ])
        }
        for sample in run.loads {
            let resource = resources.resources[sample.resource]
            events.append([
                "name": .string(resource.name), "ph": .string("C"), "pid": .integer(process), "tid": .integer(2),
                "ts": Self.microseconds(sample.time),
                "args": .object([
                    "GBps": .number(sample.load / 1e9),
                    "utilisation": .number(resource.capacity > 0 ? sample.load / resource.capacity : 0),
                ]),
            ])
        }
    }

    /// Adds the transfers of a packet-model run, and each stage's busy fraction as a counter
    /// over the run (the packet model reports totals, not a timeline).
    public mutating func add(packetRun run: PacketEngine.Run, process: Int, name: String) {
        let flowLike = FlowRun(outcomes: run.outcomes, usage: [], loads: [], events: Int(run.result.eventCount))
        add(run: flowLike, resources: MachineResources.empty, process: process, name: name)
        let end = run.outcomes.map(\.finish).max() ?? .zero
        for stage in run.result.stages where stage.tlpCount > 0 {
            for (time, value) in [(Picoseconds.zero, stage.busyFraction), (end, 0.0)] {
                events.append([
                    "name": .string(stage.id.name), "ph": .string("C"), "pid": .integer(process), "tid": .integer(2),
                    "ts": Self.microseconds(time), "args": .object(["utilisation": .number(value)]),
                ])
            }
        }
    }

    /// The trace as JSON: `{"traceEvents": [...], "displayTimeUnit": "ns"}`, events in time order.
    public func json() throws -> String {
        struct Document: Encodable {
            var traceEvents: [[String: TraceValue]]
            var displayTimeUnit = "ns"
        }
        let sorted = events.enumerated().sorted { lhs, rhs in
            let a =
                lhs.element["ts"].flatMap { value -> Double? in
                    if case .number(let x) = value { return x } else { return nil }
                } ?? 0
            let b =
                rhs.element["ts"].flatMap { value -> Double? in
                    if case .number(let x) = value { return x } else { return nil }
                } ?? 0
            return a < b || (a == b && lhs.offset < rhs.offset)
        }.map(\.element)
        return try sortedJSON(Document(traceEvents: sorted), pretty: false)
    }
}

/// Per-stage statistics of a packet-model run, for `--stats`.
public struct PacketStatistics: Encodable, Sendable {
    /// One stage's figures.
    public struct Stage: Encodable, Sendable {
        /// The stage (a link direction is `<node>.link.up` or `.down`).
        public var name: String
        /// TLPs and their bytes.
        public var tlps: Int, tlpBytes: UInt64, payloadBytes: UInt64
        /// DLLPs (Ack and UpdateFC) sent on this stage.
        public var dllps: Int
        /// Seconds busy, and the fraction of the run.
        public var busySeconds: Double, busyFraction: Double
        /// The most TLPs queued at once.
        public var peakQueueDepth: Int
        /// Seconds TLPs waited for flow-control credits here.
        public var flowControlStallSeconds: Double
    }

    /// The model that produced the figures.
    public var fidelity = "packet"
    /// Every stage that carried traffic.
    public var stages: [Stage]
    /// Kernel events.
    public var events: UInt64
    /// Not modelled in this fidelity.
    public var notModelled = ["iotlbHits", "iotlbMisses"]

    /// The statistics of `run`.
    public init(run: PacketEngine.Run) {
        stages = run.result.stages.filter { $0.tlpCount > 0 || $0.dllpsTransmitted > 0 }.map {
            Stage(
                name: $0.id.name, tlps: $0.tlpCount, tlpBytes: $0.tlpBytes, payloadBytes: $0.payloadBytes,
                dllps: $0.dllpsTransmitted, busySeconds: $0.busyTime.seconds, busyFraction: $0.busyFraction,
                peakQueueDepth: $0.peakQueueDepth, flowControlStallSeconds: $0.flowControlStallTime.seconds)
        }
        events = run.result.eventCount
    }

    /// JSON with sorted keys.
    public func json() throws -> String {
        return try sortedJSON(self)
    }
}

/// Per-resource statistics of a run, for `--stats`.
public struct RunStatistics: Encodable, Sendable {
    /// One resource's figures.
    public struct Resource: Encodable, Sendable {
        /// Its name (a link direction is `<node>.link.up` or `.down`).
        public var name: String
        /// Capacity in GB/s.
        public var capacityGBps: Double
        /// Bytes carried.
        public var bytes: Double
        /// Seconds it carried traffic.
        public var busySeconds: Double
    }

    /// The model that produced the figures.
    public var fidelity: String
    /// Resources that carried traffic, by name.
    public var resources: [Resource]
    /// Flow-model events.
    public var events: Int
    /// What this fidelity does not model (peak queue depth, IOTLB, flow-control stalls come
    /// from the packet model).
    public var notModelled: [String]

    /// The statistics of `run`.
    public init(run: FlowRun) {
        fidelity = "flow"
        resources = run.usage.filter { $0.bytes > 0 }.map {
            Resource(name: $0.name, capacityGBps: $0.capacity / 1e9, bytes: $0.bytes, busySeconds: $0.busySeconds)
        }
        events = run.events
        notModelled = ["peakQueueDepth", "iotlbHits", "iotlbMisses", "flowControlStalls"]
    }

    /// JSON with sorted keys.
    public func json() throws -> String {
        return try sortedJSON(self)
    }
}
