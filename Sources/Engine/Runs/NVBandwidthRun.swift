import Units

/// nvbandwidth's copy-engine test cases on a machine: host to device, device to host, device to
/// device by reads and by writes, each also with the reverse copy running at the same time.
///
/// Source: NVIDIA/nvbandwidth (testcases_ce.cpp and its README): the test-case names, the
/// matrix headings, N/A where peers cannot access each other, and a SUM line per test case.
public struct NVBandwidthRun: Sendable, Equatable {
    /// The test cases, by nvbandwidth's names.
    public enum TestCase: String, Sendable, CaseIterable, Codable {
        case hostToDevice = "host_to_device_memcpy_ce"
        case deviceToHost = "device_to_host_memcpy_ce"
        case hostToDeviceBidirectional = "host_to_device_bidirectional_memcpy_ce"
        case deviceToHostBidirectional = "device_to_host_bidirectional_memcpy_ce"
        case deviceToDeviceRead = "device_to_device_memcpy_read_ce"
        case deviceToDeviceWrite = "device_to_device_memcpy_write_ce"
        case deviceToDeviceBidirectionalRead = "device_to_device_bidirectional_memcpy_read_ce"
        case deviceToDeviceBidirectionalWrite = "device_to_device_bidirectional_memcpy_write_ce"

        /// The matrix heading nvbandwidth prints.
        public var heading: String {
            switch self {
            case .hostToDevice: return "memcpy CE CPU(row) -> GPU(column) bandwidth (GB/s)"
            case .deviceToHost: return "memcpy CE CPU(row) <- GPU(column) bandwidth (GB/s)"
            case .hostToDeviceBidirectional, .deviceToHostBidirectional:
                return "memcpy CE CPU(row) <-> GPU(column) bandwidth (GB/s)"
            case .deviceToDeviceRead: return "memcpy CE GPU(row) <- GPU(column) bandwidth (GB/s)"
            case .deviceToDeviceWrite: return "memcpy CE GPU(row) -> GPU(column) bandwidth (GB/s)"
            case .deviceToDeviceBidirectionalRead, .deviceToDeviceBidirectionalWrite:
                return "memcpy CE GPU(row) <-> GPU(column) bandwidth (GB/s)"
            }
        }

        /// Whether the rows are the host (one row) rather than the devices.
        public var isHost: Bool {
            switch self {
            case .hostToDevice, .deviceToHost, .hostToDeviceBidirectional, .deviceToHostBidirectional: return true
            default: return false
            }
        }
    }

    /// One test case's matrix.
    public struct Result: Sendable, Equatable, Codable {
        /// The test case.
        public var testcase: TestCase
        /// Row labels: "0" for the host, or device ids.
        public var rows: [String]
        /// Column labels: device ids.
        public var columns: [String]
        /// GB/s, nil where nvbandwidth prints N/A (the same device, or no peer access).
        public var values: [[Double?]]
        /// The sum of every value, as nvbandwidth's SUM line.
        public var sum: Double
    }

    /// nvbandwidth's default copy size: `--bufferSize` defaults to 512 MiB (its README).
    public static let defaultBufferSize = ByteCount.mib(512)

    /// The results, in the order asked.
    public var results: [Result]

    /// Runs `testcases` over `devices` with copies of `bufferSize`.
    ///
    /// Host copies use the device's own socket's memory. A bidirectional case reports the
    /// named direction's bandwidth while the reverse copy runs at the same time.
    public static func run(
        planner: TransferPlanner, devices: [String], testcases: [TestCase] = TestCase.allCases,
        bufferSize: ByteCount = defaultBufferSize, fidelity: Fidelity = .flow, meter: ProgressMeter? = nil
    ) throws(TransferPlanningError) -> NVBandwidthRun {
        let topology = planner.machine.topology
        var nodes: [Int] = []
        for id in devices {
            guard case .device(let node) = try planner.end(named: id) else {
                throw TransferPlanningError(description: "'\(id)' is not a device")
            }
            nodes.append(node)
        }
        let bytes = bufferSize.bytes
        // nvbandwidth's host bidirectional cases copy twice the buffer the other way ("Double the
        // size of the interference copy to ensure it interferes correctly", testcases_ce.cpp,
        // v0.8), so the measured copy runs against the reverse one from start to end; its
        // device-to-device bidirectional cases copy equal buffers.
        func bandwidth(
            _ plan: TransferPlan, alongside reverse: TransferPlan?, reverseScale: UInt64 = 1
        ) throws(TransferPlanningError) -> Double {
            var transfers = [ScheduledTransfer(label: "copy", plan: plan, bytes: bytes)]
            if let reverse {
                transfers.append(ScheduledTransfer(label: "reverse", plan: reverse, bytes: bytes * reverseScale))
            }
            return try planner.simulate(transfers, fidelity: fidelity, meter: meter)[0].bandwidth / 1e9
        }
        func peer(_ a: Int, _ b: Int, _ direction: DMADirection) -> TransferPlan? {
            try? planner.plan(from: .device(a), to: .device(b), choice: .p2p, direction: direction)
        }
        meter?.total = testcases.count
        var results: [Result] = []
        for testcase in testcases {
            var values: [[Double?]]
            if testcase.isHost {
                var row: [Double?] = []
                for node in nodes {
                    let socket = topology.rootComplexes[topology.nodes[node].rootComplex].socket
                    let h2d = try planner.plan(from: .host(socket), to: .device(node))
                    let d2h = try planner.plan(from: .device(node), to: .host(socket))
                    switch testcase {
                    case .hostToDevice: row.append(try bandwidth(h2d, alongside: nil))
                    case .deviceToHost: row.append(try bandwidth(d2h, alongside: nil))
                    case .hostToDeviceBidirectional: row.append(try bandwidth(h2d, alongside: d2h, reverseScale: 2))
                    default: row.append(try bandwidth(d2h, alongside: h2d, reverseScale: 2))
                    }
                }
                values = [row]
            } else {
                values = []
                for (i, a) in nodes.enumerated() {
                    var row: [Double?] = []
                    for (j, b) in nodes.enumerated() {
                        // Reads: the row's engine pulls from the column; writes: it pushes to it.
                        let forward: TransferPlan?
                        let reverse: TransferPlan?
                        switch testcase {
                        case .deviceToDeviceRead, .deviceToDeviceBidirectionalRead:
                            forward = i == j ? nil : peer(b, a, .pull)
                            reverse = i == j ? nil : peer(a, b, .pull)
                        default:
                            forward = i == j ? nil : peer(a, b, .push)
                            reverse = i == j ? nil : peer(b, a, .push)
                        }
                        guard let forward else {
                            row.append(nil)
                            continue
                        }
                        let bidirectional =
                            testcase == .deviceToDeviceBidirectionalRead
                            || testcase == .deviceToDeviceBidirectionalWrite
                        row.append(try bandwidth(forward, alongside: bidirectional ? reverse : nil))
                    }
                    values.append(row)
                }
            }
            meter?.record(simulated: .zero, events: 0, itemDone: true)
            let sum = values.flatMap { $0 }.compactMap { $0 }.reduce(0, +)
            results.append(
                Result(
                    testcase: testcase, rows: testcase.isHost ? ["0"] : devices, columns: devices, values: values,
                    sum: sum))
        }
        return NVBandwidthRun(results: results)
    }
}
