import Engine
import Topology
import Units

/// Which part of a sharded sweep or matrix a report is, and a hash of everything it was
/// computed from, so that `merge` can refuse an incomplete, duplicated or mixed set of parts.
public struct ShardInfo: Codable, Sendable, Equatable {
    /// The part, from 1 to `count` (as `--shard K/N` names it).
    public var index: Int
    /// The number of parts.
    public var count: Int
    /// FNV-1a 64 of the inputs: the topology (without file names and line numbers), the model
    /// parameters and the command's own inputs (devices, sizes, fidelity).
    public var inputsHash: String

    /// Creates the record of part `index` of `count`.
    public init(index: Int, count: Int, inputsHash: String) {
        self.index = index
        self.count = count
        self.inputsHash = inputsHash
    }

    /// The hash of `planner`'s machine and parameters and `extra` (the command's inputs).
    public static func inputsHash(planner: TransferPlanner, extra: String) -> String {
        var text = ""
        canonicalDump(planner.machine.topology, into: &text)
        text += "\n" + planner.parameters.canonicalText + extra
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return hexadecimal(hash, digits: 16)
    }

    /// Every stored value of `value`, recursively, in declaration order, without where it was
    /// read from (`location`, `sourceFile`) or the warnings: the same machine read from another
    /// path hashes the same.
    private static func canonicalDump(_ value: Any, into text: inout String) {
        let mirror = Mirror(reflecting: value)
        if mirror.children.isEmpty {
            text += String(describing: value) + ";"
            return
        }
        text += "{"
        for child in mirror.children {
            if let label = child.label, ["location", "sourceFile", "warnings"].contains(label) { continue }
            text += (child.label ?? "") + "="
            canonicalDump(child.value, into: &text)
        }
        text += "}"
    }

    /// Checks that `parts` are each part of one set exactly once.
    ///
    /// - Throws: `TransferPlanningError` naming a part without shard information, parts of
    ///   different sets (another count or other inputs), a part given twice, or missing parts.
    static func checkComplete(_ parts: [ShardInfo?], what: String) throws(TransferPlanningError) {
        guard let first = parts.first else { throw TransferPlanningError(description: "nothing to merge") }
        var seen: [Int: Int] = [:]
        for (position, part) in parts.enumerated() {
            guard let part else {
                throw TransferPlanningError(
                    description:
                        "file \(position + 1) has no shard information (index, count, inputs hash): write every part with this p2psim's \(what) --shard"
                )
            }
            guard let reference = first, part.count == reference.count, part.inputsHash == reference.inputsHash else {
                throw TransferPlanningError(
                    description:
                        "file \(position + 1) (part \(part.index) of \(part.count), inputs \(part.inputsHash)) is not a part of the same \(what) as file 1 (\(first.map { "part \($0.index) of \($0.count), inputs \($0.inputsHash)" } ?? "")): the topology, parameters or options differ"
                )
            }
            guard (1...part.count).contains(part.index) else {
                throw TransferPlanningError(
                    description: "file \(position + 1) claims part \(part.index) of \(part.count)")
            }
            if let earlier = seen[part.index] {
                throw TransferPlanningError(
                    description:
                        "part \(part.index) of \(part.count) is given twice (files \(earlier + 1) and \(position + 1))")
            }
            seen[part.index] = position
        }
        let count = first?.count ?? 0
        let missing = (1...max(count, 1)).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw TransferPlanningError(
                description:
                    "part(s) \(missing.map(String.init).joined(separator: ", ")) of \(count) are missing: merge needs every part"
            )
        }
    }
}
