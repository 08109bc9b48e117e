import Engine
import Foundation
import Units

/// What `p2psim nvbandwidth` prints: each test case as nvbandwidth lays it out, with its SUM line.
public struct NVBandwidthReport: Codable, Sendable, Equatable {
    /// The topology's name.
    public var topology: String
    /// The model that produced the figures.
    public var fidelity: String
    /// The copy size.
    public var bufferSizeBytes: UInt64
    /// The test cases' matrices.
    public var results: [NVBandwidthRun.Result]

    /// The report of `run`.
    public init(run: NVBandwidthRun, topology: String, fidelity: Fidelity, bufferSize: ByteCount) {
        self.topology = topology
        self.fidelity = fidelity.rawValue
        bufferSizeBytes = bufferSize.bytes
        results = run.results
    }

    /// The text: per test case, `Running NAME.`, the heading, the matrix (columns by device
    /// index, N/A where there is no figure) and `SUM NAME VALUE`.
    public func text() -> String {
        var out =
            "p2psim nvbandwidth on '\(topology)' (fidelity: \(fidelity)), \(ByteCount(bufferSizeBytes)) per copy\n"
        for result in results {
            out += "\nRunning \(result.testcase.rawValue).\n\(result.testcase.heading)\n"
            func cell(_ text: String) -> String { String(repeating: " ", count: max(0, 10 - text.count)) + text }
            out += "    " + result.columns.indices.map { cell(String($0)) }.joined() + "\n"
            for (index, row) in result.values.enumerated() {
                let label = result.testcase.isHost ? "0" : String(index)
                out += String(repeating: " ", count: max(0, 4 - label.count)) + label
                out += row.map { cell($0.map { String(format: "%.2f", $0) } ?? "N/A") }.joined() + "\n"
            }
            out += "\nSUM \(result.testcase.rawValue) \(String(format: "%.2f", result.sum))\n"
        }
        let devices = results.first?.columns ?? []
        out += "\ndevices: " + devices.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: ", ") + "\n"
        return out
    }

    /// JSON with sorted keys; N/A is null.
    public func json() throws -> String { try sortedJSON(self) }
}
