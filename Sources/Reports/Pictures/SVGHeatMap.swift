import Units

/// A matrix drawn as coloured cells with their values, rows and columns labelled by device,
/// each cell's full story as a tooltip: the bandwidth heat maps and the P2P decision matrix.
public struct SVGHeatMap: Sendable {
    /// One cell.
    public struct Cell: Sendable {
        /// The text inside (a value, or a short code).
        public var text: String
        /// The fill colour.
        public var fill: String
        /// The tooltip and hover text.
        public var detail: String
    }

    /// The heading drawn above the matrix.
    public var title: String
    /// Row and column labels (device ids), in order.
    public var devices: [String]
    /// The cells, row by row.
    public var cells: [[Cell]]
    /// The element id of the `<svg>`.
    public var id: String
    /// Legend entries under the matrix: colour and text.
    public var legend: [(fill: String, text: String)] = []

    /// Cell size.
    static let cellWidth = 58.0, cellHeight = 26.0
    /// Characters of a column label that fit in a cell at 10 px.
    static let columnLabelLimit = 8

    /// The largest off-diagonal value of `values`.
    public static func largestOffDiagonal(_ values: [[Double]]) -> Double {
        var largest = 0.0
        for (i, row) in values.enumerated() {
            for (j, value) in row.enumerated() where i != j { largest = max(largest, value) }
        }
        return largest
    }

    /// A heat map of `values` (row to column), coloured on a blue scale from 0 to `scale` (by
    /// default the largest off-diagonal value; give one scale to maps that should compare); the
    /// diagonal (copies within one device) is grey, as it is not a transfer between devices.
    public static func numeric(
        title: String, id: String, devices: [String], values: [[Double]], unit: String, scale: Double? = nil
    ) -> SVGHeatMap {
        let largest = scale ?? largestOffDiagonal(values)
        let cells = values.enumerated().map { i, row in
            row.enumerated().map { j, value in
                let text = formatDecimal(value, maxFractionDigits: value >= 100 ? 0 : 1)
                let detail = "\(devices[i]) → \(devices[j]): \(formatDecimal(value, maxFractionDigits: 2)) \(unit)"
                return Cell(
                    text: text, fill: i == j ? "#e8eaed" : blue(largest > 0 ? value / largest : 0),
                    detail: i == j ? detail + " (a copy within one device)" : detail)
            }
        }
        return SVGHeatMap(title: title, devices: devices, cells: cells, id: id)
    }

    /// A colour on a white-to-dark-blue scale, `t` from 0 to 1 (ColorBrewer Blues, 9 classes,
    /// interpolated).
    static func blue(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [
            (247, 251, 255), (222, 235, 247), (198, 219, 239), (158, 202, 225), (107, 174, 214), (66, 146, 198),
            (33, 113, 181), (8, 81, 156), (8, 48, 107),
        ]
        let clamped = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let low = Int(clamped.rounded(.down))
        let high = min(low + 1, stops.count - 1)
        let f = clamped - Double(low)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * f).rounded()) }
        let rgb = [
            mix(stops[low].0, stops[high].0), mix(stops[low].1, stops[high].1), mix(stops[low].2, stops[high].2),
        ]
        return "#" + rgb.map { hexadecimal($0, digits: 2) }.joined()
    }

    /// Whether text on `fill` should be white (dark fills) rather than black.
    static func isDark(_ fill: String) -> Bool {
        let digits = fill.dropFirst()
        guard digits.count == 6, let value = Int(digits, radix: 16) else { return false }
        let r = Double((value >> 16) & 0xFF)
        let g = Double((value >> 8) & 0xFF)
        let b = Double(value & 0xFF)
        // Relative luminance weights of ITU-R BT.601.
        return 0.299 * r + 0.587 * g + 0.114 * b < 140
    }

    /// The matrix as an `<svg>` element.
    public func svg(standalone: Bool) -> String {
        document().rendered(standalone: standalone, id: id, label: title)
    }

    /// Several heat maps in one standalone SVG, one below the other.
    public static func stacked(_ maps: [SVGHeatMap], id: String) -> String {
        let documents = maps.map { $0.document() }
        var stack = SVGDocument(
            width: documents.map(\.width).max() ?? 0, height: documents.map { $0.height + 16 }.reduce(0, +))
        var y = 0.0
        for (map, document) in zip(maps, documents) {
            stack.open("g", ["id": map.id, "transform": "translate(0 \(SVGDocument.number(y)))"])
            stack.raw(document.body)
            stack.close()
            y += document.height + 16
        }
        return stack.rendered(standalone: true, id: id)
    }

    /// The drawing.
    func document() -> SVGDocument {
        let rowLabelWidth = Double(max(4, devices.map(\.count).max() ?? 4)) * 7 + 16
        let left = rowLabelWidth
        let top = 48.0
        let n = Double(devices.count)
        let legendHeight = Double(legend.count) * 18 + (legend.isEmpty ? 0 : 10)
        let titleWidth = Double(title.count) * 7.5 + 20
        let legendWidth = 40 + Double(legend.map(\.text.count).max() ?? 0) * 6.5
        let width = max(left + n * Self.cellWidth + 20, titleWidth, legendWidth)
        let height = top + n * Self.cellHeight + 12 + legendHeight
        var document = SVGDocument(width: width, height: height)
        document.text(title, x: 10, y: 18, ["class": "label heading", "font-weight": "bold", "font-size": "13"])
        for (j, device) in devices.enumerated() {
            document.text(
                SVGDocument.truncated(device, to: Self.columnLabelLimit),
                x: left + (Double(j) + 0.5) * Self.cellWidth, y: top - 8,
                ["class": "label column-label", "text-anchor": "middle", "font-size": "10"], title: device)
        }
        for (i, row) in cells.enumerated() {
            let y = top + Double(i) * Self.cellHeight
            document.text(
                device(i), x: left - 8, y: y + Self.cellHeight / 2 + 4,
                ["class": "label row-label", "text-anchor": "end", "font-size": "10"])
            for (j, cell) in row.enumerated() {
                let x = left + Double(j) * Self.cellWidth
                document.open("g", ["class": "cell", "data-detail": cell.detail])
                document.rect(
                    x: x, y: y, width: Self.cellWidth - 1, height: Self.cellHeight - 1, ["fill": cell.fill],
                    title: cell.detail)
                document.text(
                    cell.text, x: x + Self.cellWidth / 2, y: y + Self.cellHeight / 2 + 4,
                    [
                        "class": "label value", "text-anchor": "middle", "font-size": "10",
                        "fill": Self.isDark(cell.fill) ? "white" : "#202124",
                    ])
                document.close()
            }
        }
        var legendY = top + n * Self.cellHeight + 16
        for entry in legend {
            document.rect(x: 10, y: legendY, width: 14, height: 12, ["fill": entry.fill, "stroke": "#9aa0a6"])
            document.text(entry.text, x: 30, y: legendY + 10, ["class": "label legend-label", "font-size": "10"])
            legendY += 18
        }
        return document
    }

    private func device(_ index: Int) -> String { devices[index] }
}
