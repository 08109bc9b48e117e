import Units

/// A small SVG writer: elements appended as text, attribute values escaped, coordinates printed
/// with at most one decimal so that the same picture is always the same bytes.
///
/// Every picture p2psim draws (topology, heat maps, the sweep plot) goes through it, standalone
/// (`p2psim show --format svg`) or inlined in the HTML report.
public struct SVGDocument: Sendable {
    /// The width and height in pixels.
    public var width: Double, height: Double
    /// The body: the elements written so far.
    public private(set) var body = ""

    /// Creates an empty picture of `width` by `height` pixels.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A coordinate or length as text: at most one decimal, no trailing zeros.
    public static func number(_ value: Double) -> String { formatDecimal(value, maxFractionDigits: 1) }

    /// `text` escaped for XML character data and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Attributes as ` name="value"` text, in the order given.
    private static func attributes(_ pairs: KeyValuePairs<String, String>) -> String {
        pairs.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
    }

    /// Appends raw markup (already escaped).
    public mutating func raw(_ markup: String) { body += markup }

    /// Opens a group with `attributes`; close it with `close(_:)`.
    public mutating func open(_ name: String = "g", _ attributes: KeyValuePairs<String, String> = [:]) {
        body += "<\(name)\(Self.attributes(attributes))>"
    }

    /// Closes an element opened with `open(_:_:)`.
    public mutating func close(_ name: String = "g") { body += "</\(name)>\n" }

    /// A `<title>`: the tooltip of the enclosing element.
    public mutating func title(_ text: String) { body += "<title>\(Self.escape(text))</title>" }

    /// A rectangle.
    public mutating func rect(
        x: Double, y: Double, width: Double, height: Double, _ attributes: KeyValuePairs<String, String> = [:],
        title: String? = nil
    ) {
        let geometry =
            "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\""
        element(geometry, attributes, title: title, name: "rect")
    }

    /// A straight line.
    public mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, _ attributes: KeyValuePairs<String, String> = [:],
        title: String? = nil
    ) {
        let geometry =
            "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\""
        element(geometry, attributes, title: title, name: "line")
    }

    /// A path with the data `d` (built with `number(_:)`).
    public mutating func path(_ d: String, _ attributes: KeyValuePairs<String, String> = [:], title: String? = nil) {
        element("<path d=\"\(d)\"", attributes, title: title, name: "path")
    }

    /// A polyline through `points`.
    public mutating func polyline(_ points: [(Double, Double)], _ attributes: KeyValuePairs<String, String> = [:]) {
        let coordinates = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        element("<polyline points=\"\(coordinates)\" fill=\"none\"", attributes, title: nil, name: "polyline")
    }

    /// A text label at (`x`, `y`), the baseline's anchor point.
    public mutating func text(
        _ content: String, x: Double, y: Double, _ attributes: KeyValuePairs<String, String> = [:],
        title: String? = nil
    ) {
        body += "<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\"\(Self.attributes(attributes))>"
        if let title { body += "<title>\(Self.escape(title))</title>" }
        body += Self.escape(content) + "</text>\n"
    }

    private mutating func element(
        _ start: String, _ attributes: KeyValuePairs<String, String>, title: String?, name: String
    ) {
        body += start + Self.attributes(attributes)
        if let title {
            body += "><title>\(Self.escape(title))</title></\(name)>\n"
        } else {
            body += "/>\n"
        }
    }

    /// The picture as an `<svg>` element; `standalone` adds the XML namespace a file needs
    /// (HTML does not).
    public func rendered(standalone: Bool, id: String? = nil, label: String? = nil) -> String {
        let w = Self.number(width)
        let h = Self.number(height)
        var open = "<svg"
        if standalone { open += " xmlns=\"http://www.w3.org/2000/svg\"" }
        if let id { open += " id=\"\(Self.escape(id))\"" }
        if let label { open += " role=\"img\" aria-label=\"\(Self.escape(label))\"" }
        open +=
            " width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"11\">\n"
        return open + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body + "</svg>\n"
    }

    /// `text` cut to at most `limit` characters, with an ellipsis when cut.
    public static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit, limit > 1 else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }
}
