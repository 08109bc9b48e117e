import CLibXML2

/// Expands `<repeat count="N" var="i" start="0">` elements in a libxml2 tree before validation.
///
/// The children of a repeat are copied N times in its place; in every attribute below it,
/// `{expr}` is replaced by the value of an integer expression over the enclosing repeats'
/// variables (`+ - * / %` and parentheses), so `id="gpu{4*s+i}"` numbers devices across nested
/// repeats. Copies keep the line numbers of the original elements, so diagnostics still point
/// into the file.
struct RepeatExpander {
    /// The most elements all repeats together may create: enough for a 100,000-endpoint fabric with its ports,
    /// small enough that a typo (count="1000000000") fails at once instead of exhausting memory.
    static let maximumCopies = 1_000_000

    let files: NodeFiles
    let sources: SourceTexts
    var diagnostics: [Diagnostic] = []
    private var copies = 0

    init(files: NodeFiles, sources: SourceTexts) {
        self.files = files
        self.sources = sources
    }

    /// Expands every repeat below (and substitutes expressions in) `root`.
    mutating func expand(_ root: UnsafeMutablePointer<xmlNode>) {
        substitute(root, bindings: [:])
        expandChildren(of: root, bindings: [:])
    }

    private func location(of node: UnsafeMutablePointer<xmlNode>, attribute: String? = nil) -> SourceLocation {
        let file = files.file(of: node)
        let line = Int(xmlGetLineNo(node))
        if let attribute, let found = sources.column(ofAttribute: attribute, from: line, in: file) {
            return SourceLocation(file: file, line: found.line, column: found.column)
        }
        let name = node.pointee.name.map { String(cString: $0) } ?? ""
        return SourceLocation(file: file, line: line, column: sources.column(ofElement: name, on: line, in: file) ?? 0)
    }

    private static func elementChildren(of node: UnsafeMutablePointer<xmlNode>) -> [UnsafeMutablePointer<xmlNode>] {
        var result: [UnsafeMutablePointer<xmlNode>] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    private static func attribute(_ node: UnsafeMutablePointer<xmlNode>, _ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { p2psim_xmlFree(value) }
        return String(cString: value)
    }

    private mutating func expandChildren(of node: UnsafeMutablePointer<xmlNode>, bindings: [String: Int]) {
        for child in Self.elementChildren(of: node) {
            let name = child.pointee.name.map { String(cString: $0) } ?? ""
            if name == "repeat" {
                expandRepeat(child, bindings: bindings)
            } else {
                substitute(child, bindings: bindings)
                expandChildren(of: child, bindings: bindings)
            }
        }
    }

    private mutating func expandRepeat(_ repeatNode: UnsafeMutablePointer<xmlNode>, bindings: [String: Int]) {
        guard diagnostics.isEmpty else { return }
        defer {
            xmlUnlinkNode(repeatNode)
            xmlFreeNode(repeatNode)
        }
        guard let countText = Self.attribute(repeatNode, "count"), let variable = Self.attribute(repeatNode, "var")
        else {
            diagnostics.append(
                Diagnostic(.error, at: location(of: repeatNode), "<repeat> needs both 'count' and 'var' attributes"))
            return
        }
        guard variable.first.map({ $0.isLetter || $0 == "_" }) == true,
            variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
        else {
            diagnostics.append(
                Diagnostic(
                    .error, at: location(of: repeatNode, attribute: "var"), "<repeat> var '\(variable)' is not a name"))
            return
        }
        let count: Int
        let start: Int
        do {
            count = try IntegerExpression.evaluate(countText, bindings: bindings)
            start = try IntegerExpression.evaluate(Self.attribute(repeatNode, "start") ?? "0", bindings: bindings)
        } catch {
            diagnostics.append(
                Diagnostic(.error, at: location(of: repeatNode, attribute: "count"), "<repeat>: \(error)"))
            return
        }
        guard count >= 0 else {
            diagnostics.append(
                Diagnostic(
                    .error, at: location(of: repeatNode, attribute: "count"), "<repeat> count \(count) is negative"))
            return
        }
        let body = Self.elementChildren(of: repeatNode)
        guard copies + count * max(body.count, 1) <= Self.maximumCopies else {
            diagnostics.append(
                Diagnostic(
                    .error, at: location(of: repeatNode, attribute: "count"),
                    "<repeat> would create more than \(Self.maximumCopies) elements"))
            return
        }
        for k in 0..<count {
            var inner = bindings
            inner[variable] = start + k
            for original in body {
                guard let copy = xmlDocCopyNode(original, repeatNode.pointee.doc, 1) else { continue }
                copies += 1
                xmlAddPrevSibling(repeatNode, copy)
                let name = copy.pointee.name.map { String(cString: $0) } ?? ""
                if name == "repeat" {
                    expandRepeat(copy, bindings: inner)
                } else {
                    substitute(copy, bindings: inner)
                    expandChildren(of: copy, bindings: inner)
                }
                if !diagnostics.isEmpty { return }
            }
        }
    }

    /// Replaces `{expr}` in the attributes of `node` (not its children).
    private mutating func substitute(_ node: UnsafeMutablePointer<xmlNode>, bindings: [String: Int]) {
        var property = node.pointee.properties
        while let attribute = property {
            property = attribute.pointee.next
            guard let name = attribute.pointee.name.map({ String(cString: $0) }),
                let value = Self.attribute(node, name), value.contains("{") || value.contains("}")
            else { continue }
            var result = ""
            var rest = Substring(value)
            while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
                result += rest[..<open]
                // "{{" and "}}" write literal braces.
                let after = rest.index(after: open)
                if after < rest.endIndex, rest[after] == rest[open] {
                    result.append(rest[open])
                    rest = rest[rest.index(after: after)...]
                    continue
                }
                guard rest[open] == "{" else {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: location(of: node, attribute: name),
                            "attribute '\(name)': '}' without '{' (write '}}' for a literal brace)"))
                    return
                }
                guard let close = rest[open...].firstIndex(of: "}") else {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: location(of: node, attribute: name), "attribute '\(name)': '{' without '}'"))
                    return
                }
                let expression = String(rest[rest.index(after: open)..<close])
                do {
                    result += String(try IntegerExpression.evaluate(expression, bindings: bindings))
                } catch {
                    diagnostics.append(
                        Diagnostic(.error, at: location(of: node, attribute: name), "attribute '\(name)': \(error)"))
                    return
                }
                rest = rest[rest.index(after: close)...]
            }
            result += rest
            xmlSetProp(node, name, result)
        }
    }
}

/// An error in a `{...}` expression.
struct ExpressionError: Error, CustomStringConvertible {
    var description: String
}

/// Integer arithmetic over named variables: `+ - * / %`, unary minus and parentheses.
enum IntegerExpression {
    /// Evaluates `text` with `bindings` for its variables.
    static func evaluate(_ text: String, bindings: [String: Int]) throws(ExpressionError) -> Int {
        var parser = Parser(chars: Array(text.unicodeScalars), bindings: bindings, text: text)
        let value = try parser.expression()
        parser.skipSpace()
        guard parser.position == parser.chars.count else {
            throw ExpressionError(description: "unexpected '\(String(parser.chars[parser.position]))' in '{\(text)}'")
        }
        return value
    }

    private struct Parser {
        let chars: [Unicode.Scalar]
        let bindings: [String: Int]
        let text: String
        var position = 0

        init(chars: [Unicode.Scalar], bindings: [String: Int], text: String) {
            self.chars = chars
            self.bindings = bindings
            self.text = text
        }

        mutating func skipSpace() {
            while position < chars.count, chars[position] == " " { position += 1 }
        }

        mutating func expression() throws(ExpressionError) -> Int {
            var value = try term()
            while true {
                skipSpace()
                guard position < chars.count, chars[position] == "+" || chars[position] == "-" else { return value }
                let op = chars[position]
                position += 1
                let rhs = try term()
                let (result, overflow) =
                    op == "+" ? value.addingReportingOverflow(rhs) : value.subtractingReportingOverflow(rhs)
                if overflow { throw ExpressionError(description: "overflow in '{\(text)}'") }
                value = result
            }
        }

        mutating func term() throws(ExpressionError) -> Int {
            var value = try factor()
            while true {
                skipSpace()
                guard position < chars.count, chars[position] == "*" || chars[position] == "/" || chars[position] == "%"
                else { return value }
                let op = chars[position]
                position += 1
                let rhs = try factor()
                if op == "*" {
                    let (result, overflow) = value.multipliedReportingOverflow(by: rhs)
                    if overflow { throw ExpressionError(description: "overflow in '{\(text)}'") }
                    value = result
                } else {
                    guard rhs != 0 else { throw ExpressionError(description: "division by zero in '{\(text)}'") }
                    value = op == "/" ? value / rhs : value % rhs
                }
            }
        }

        mutating func factor() throws(ExpressionError) -> Int {
            skipSpace()
            guard position < chars.count else {
                throw ExpressionError(description: "incomplete expression '{\(text)}'")
            }
            let c = chars[position]
            if c == "(" {
                position += 1
                let value = try expression()
                skipSpace()
                guard position < chars.count, chars[position] == ")" else {
                    throw ExpressionError(description: "missing ')' in '{\(text)}'")
                }
                position += 1
                return value
            }
            if c == "-" {
                position += 1
                return -(try factor())
            }
            if c.properties.numericType != nil, c.isASCII {
                var value = 0
                while position < chars.count, chars[position].isASCII, let digit = Int(String(chars[position])) {
                    let (times, o1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times.addingReportingOverflow(digit)
                    if o1 || o2 { throw ExpressionError(description: "number too large in '{\(text)}'") }
                    value = sum
                    position += 1
                }
                return value
            }
            if c.properties.isAlphabetic || c == "_" {
                var name = ""
                while position < chars.count,
                    chars[position].properties.isAlphabetic || chars[position] == "_"
                        || (chars[position].isASCII && chars[position].properties.numericType != nil)
                {
                    name.unicodeScalars.append(chars[position])
                    position += 1
                }
                guard let value = bindings[name] else {
                    throw ExpressionError(description: "unknown repeat variable '\(name)' in '{\(text)}'")
                }
                return value
            }
            throw ExpressionError(description: "unexpected '\(String(c))' in '{\(text)}'")
        }
    }
}
