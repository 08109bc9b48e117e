import Foundation

/// `value` as pretty-printed JSON with sorted keys and a final newline: the form every report
/// writes, so that the same inputs give byte-identical output.
public func sortedJSON<Value: Encodable>(_ value: Value, pretty: Bool = true) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting =
        pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
