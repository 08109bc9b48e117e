/// `value` in lower-case hexadecimal, zero-padded to `digits` (as `lspci` prints bus numbers and
/// vendor:device ids).
public func hexadecimal(_ value: some BinaryInteger, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}

extension StringProtocol {
    /// The text without leading and trailing characters that appear in `characters`.
    public func trimming(_ characters: String) -> SubSequence {
        var start = startIndex
        var end = endIndex
        while start < end, characters.contains(self[start]) { start = index(after: start) }
        while end > start, characters.contains(self[index(before: end)]) { end = index(before: end) }
        return self[start..<end]
    }
}
