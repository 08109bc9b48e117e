/// A plain-text table with columns padded to their widest cell.
public struct TextTable: Sendable {
    /// The rows, the first being the header when `hasHeader`.
    public var rows: [[String]]
    /// Whether the first row is a header (underlined).
    public var hasHeader: Bool
    /// Whether cells that start with a digit are right-aligned (for matrices of numbers).
    public var alignNumbersRight: Bool

    /// Creates a table.
    public init(rows: [[String]], hasHeader: Bool = true, alignNumbersRight: Bool = true) {
        self.rows = rows
        self.hasHeader = hasHeader
        self.alignNumbersRight = alignNumbersRight
    }

    /// The table as text, columns separated by two spaces, numbers right-aligned.
    public func render() -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var out = ""
        for (rowIndex, row) in rows.enumerated() {
            var line = ""
            for (index, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                let numeric =
                    alignNumbersRight && rowIndex > 0 && index > 0
                    && cell.first.map { $0.isNumber || $0 == "-" } == true
                line += (numeric ? padding + cell : cell + padding) + (index + 1 < row.count ? "  " : "")
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
            if rowIndex == 0 && hasHeader {
                out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            }
        }
        return out
    }
}

/// CSV text with fields quoted where they need to be (RFC 4180).
public func csvLine(_ fields: [String]) -> String {
    fields.map { field in
        field.contains(",") || field.contains("\"") || field.contains("\n")
            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }.joined(separator: ",")
}
