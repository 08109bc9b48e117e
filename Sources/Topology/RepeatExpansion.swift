import CLibXML2

/// Expands `<repeat count="N" var="i" start="0">` elements in a libxml2 tree before validation.
///
/// The children of a repeat are copied N times in its place; in every attribute below it,
/// `{expr}` is replaced by the value of an integer expression over the enclosing repeats'
/// variables (`+ - * / %` and parentheses), so `id="gpu{4*s+i}"` numbers devices across nested
/// repeats. Copies keep the line numbers and files of the original elements, so diagnostics
/// still point into the file.
///
/// Every copied element, nested ones included, is charged to the load's element budget
/// (`LoadLimits.maxElements`, shared with XInclude) before it is made, so a repeat of a large
/// subtree or nested repeats stop at the limit instead of exhausting memory.
struct RepeatExpander {
    let files: NodeFiles
    let sources: SourceTexts
    var diagnostics: [Diagnostic] = []

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



    private mutating func expandChildren(of node: UnsafeMutablePointer<xmlNode>, bindings: [String: Int]) {
        for child in LibXMLNode.elementChildren(of: node) {
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
            files.forget(repeatNode)
            xmlFreeNode(repeatNode)
        }
        guard let countText = LibXMLNode.attribute(repeatNode, "count"), let variable = LibXMLNode.attribute(repeatNode, "var")
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
            start = try IntegerExpression.evaluate(LibXMLNode.attribute(repeatNode, "start") ?? "0", bindings: bindings)
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
        let body = LibXMLNode.elementChildren(of: repeatNode)
        let budget = files.budget
        let perCopy = body.reduce(0) { $0 + ElementBudget.elements(in: $1, cap: budget.limit) }
        let (total, overflow) = count.multipliedReportingOverflow(by: perCopy)
        guard !overflow, budget.charge(total) else {
            diagnostics.append(
                Diagnostic(
                    .error, at: location(of: repeatNode, attribute: "count"),
                    "<repeat> of \(count) copies of \(perCopy) element(s) would make the document hold more than \(budget.limit) elements (\(budget.used) already); raise the limit with --max-elements N or the environment variable \(LoadLimits.maxElementsVariable)=N"
                ))
            return
        }
        if count > 0, start.addingReportingOverflow(count - 1).overflow {
            diagnostics.append(
                Diagnostic(
                    .error, at: location(of: repeatNode, attribute: "start"),
                    "<repeat> start \(start) plus count \(count) overflows a 64-bit integer"))
            return
        }
        for k in 0..<count {
            var inner = bindings
            inner[variable] = start + k
            for original in body {
                guard let copy = xmlDocCopyNode(original, repeatNode.pointee.doc, 1) else { continue }
                files.recordCopy(copy, of: original)
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

    /// Whether a NUL-terminated attribute value holds a `{` or a `}`.
    private static func containsBrace(_ bytes: UnsafePointer<xmlChar>) -> Bool {
        var p = bytes
        while p.pointee != 0 {
            if p.pointee == UInt8(ascii: "{") || p.pointee == UInt8(ascii: "}") { return true }
            p += 1
        }
        return false
    }

    /// Replaces `{expr}` in the attributes of `node` (not its children).
    private mutating func substitute(_ node: UnsafeMutablePointer<xmlNode>, bindings: [String: Int]) {
        var property = node.pointee.properties
        while let attribute = property {
            property = attribute.pointee.next
            // Most attributes hold no brace: they are passed over on their C bytes, without
            // making Swift strings of them.
            guard let raw = xmlNodeListGetString(node.pointee.doc, attribute.pointee.children, 1) else { continue }
            let hasBrace = Self.containsBrace(raw)
            let value = hasBrace ? String(cString: raw) : ""
            p2psim_xmlFree(raw)
            guard hasBrace, let name = attribute.pointee.name.map({ String(cString: $0) }) else { continue }
            do {
                xmlSetProp(node, name, try SubstitutionTemplate(value, attribute: name).render(bindings))
            } catch {
                diagnostics.append(Diagnostic(.error, at: location(of: node, attribute: name), error.description))
                return
            }
        }
    }
}

/// An attribute value with `{expr}` parts, parsed once and rendered for each binding of the
/// repeat variables: `{expr}` becomes the expression's value, `{{` and `}}` literal braces.
///
/// Parsing stops at the first misplaced brace and keeps that error as the template's last part,
/// so rendering reports what the value's reading from left to right meets first (an expression
/// that fails before the misplaced brace, else the brace).
struct SubstitutionTemplate {
    private enum Part {
        case literal(String)
        case expression(String, [Unicode.Scalar])
        case failure(String)
    }

    private var parts: [Part] = []
    /// The attribute's name, for messages.
    let attribute: String

    /// Parses `value`, the value of attribute `attribute`.
    init(_ value: String, attribute: String) {
        self.attribute = attribute
        var literal = ""
        var rest = Substring(value)
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            literal += rest[..<open]
            let after = rest.index(after: open)
            if after < rest.endIndex, rest[after] == rest[open] {
                literal.append(rest[open])
                rest = rest[rest.index(after: after)...]
                continue
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = ""
            guard rest[open] == "{" else {
                parts.append(.failure("attribute '\(attribute)': '}' without '{' (write '}}' for a literal brace)"))
                return
            }
            guard let close = rest[open...].firstIndex(of: "}") else {
                parts.append(.failure("attribute '\(attribute)': '{' without '}'"))
                return
            }
            let expression = String(rest[rest.index(after: open)..<close])
            parts.append(.expression(expression, Array(expression.unicodeScalars)))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
    }

    /// The value with its expressions evaluated under `bindings`.
    ///
    /// - Throws: the message to report at the attribute.
    func render(_ bindings: [String: Int]) throws(ExpressionError) -> String {
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .expression(let expression, let scalars):
                do {
                    result += String(try IntegerExpression.evaluate(scalars, text: expression, bindings: bindings))
                } catch {
                    throw ExpressionError(description: "attribute '\(attribute)': \(error)")
                }
            case .failure(let message): throw ExpressionError(description: message)
            }
        }
        return result
    }
}

/// An error in a `{...}` expression.
struct ExpressionError: Error, CustomStringConvertible {
    var description: String
}

/// Integer arithmetic over named variables: `+ - * / %`, unary minus and parentheses.
///
/// The evaluator uses explicit stacks (shunting-yard), not recursion, so no expression can
/// overflow the call stack (20,000 unary minuses used to); every operation is checked, and
/// overflow, division by zero and `MIN / -1` or `MIN % -1` are reported, never trapped.
enum IntegerExpression {
    /// The longest expression read, in characters; far beyond any `{4*s+i}`.
    static let maximumLength = 10_000

    private enum Operator: Equatable {
        case add, subtract, multiply, divide, remainder, negate, open

        var precedence: Int {
            switch self {
            case .add, .subtract: return 1
            case .multiply, .divide, .remainder: return 2
            case .negate: return 3
            case .open: return 0
            }
        }
    }

    /// Whether `c` is an ASCII digit (the only digits a number may have).
    @inline(__always) private static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c.value >= 0x30 && c.value <= 0x39
    }

    /// Whether `c` may start a variable name: a letter (Unicode's Alphabetic property), decided
    /// without the property tables for ASCII.
    @inline(__always) private static func isLetter(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A }
        return c.properties.isAlphabetic
    }

    /// Evaluates `text` with `bindings` for its variables.
    static func evaluate(_ text: String, bindings: [String: Int]) throws(ExpressionError) -> Int {
        try evaluate(Array(text.unicodeScalars), text: text, bindings: bindings)
    }

    /// Evaluates `chars`, the scalars of `text` (split once by a caller that evaluates the same
    /// expression many times).
    static func evaluate(
        _ chars: [Unicode.Scalar], text: String, bindings: [String: Int]
    ) throws(ExpressionError) -> Int {
        guard chars.count <= maximumLength else {
            throw ExpressionError(description: "expression longer than \(maximumLength) characters")
        }
        func fail(_ what: String) -> ExpressionError { ExpressionError(description: "\(what) in '{\(text)}'") }
        var values: [Int] = []
        var operators: [Operator] = []
        var expectOperand = true
        var position = 0

        func apply(_ op: Operator) throws(ExpressionError) {
            if op == .negate {
                guard let x = values.popLast() else { throw fail("incomplete expression") }
                let (result, overflow) = 0.subtractingReportingOverflow(x)
                if overflow { throw fail("overflow") }
                values.append(result)
                return
            }
            guard let rhs = values.popLast(), let lhs = values.popLast() else { throw fail("incomplete expression") }
            let result: (partialValue: Int, overflow: Bool)
            switch op {
            case .add: result = lhs.addingReportingOverflow(rhs)
            case .subtract: result = lhs.subtractingReportingOverflow(rhs)
            case .multiply: result = lhs.multipliedReportingOverflow(by: rhs)
            case .divide, .remainder:
                guard rhs != 0 else { throw fail("division by zero") }
                result =
                    op == .divide
                    ? lhs.dividedReportingOverflow(by: rhs) : lhs.remainderReportingOverflow(dividingBy: rhs)
            case .negate, .open: throw fail("incomplete expression")
            }
            if result.overflow { throw fail("overflow") }
            values.append(result.partialValue)
        }

        while true {
            while position < chars.count, chars[position] == " " { position += 1 }
            guard position < chars.count else { break }
            let c = chars[position]
            if expectOperand {
                if c == "-" {
                    operators.append(.negate)
                    position += 1
                } else if c == "(" {
                    operators.append(.open)
                    position += 1
                } else if isDigit(c) {
                    var value = 0
                    while position < chars.count, isDigit(chars[position]) {
                        let digit = Int(chars[position].value) - Int(UInt8(ascii: "0"))
                        let (times, o1) = value.multipliedReportingOverflow(by: 10)
                        let (sum, o2) = times.addingReportingOverflow(digit)
                        if o1 || o2 { throw fail("number too large") }
                        value = sum
                        position += 1
                    }
                    values.append(value)
                    expectOperand = false
                } else if isLetter(c) || c == "_" {
                    var name = ""
                    while position < chars.count,
                        isLetter(chars[position]) || chars[position] == "_" || isDigit(chars[position])
                    {
                        name.unicodeScalars.append(chars[position])
                        position += 1
                    }
                    guard let value = bindings[name] else { throw fail("unknown repeat variable '\(name)'") }
                    values.append(value)
                    expectOperand = false
                } else {
                    throw fail("unexpected '\(String(c))'")
                }
                continue
            }
            let op: Operator
            switch c {
            case "+": op = .add
            case "-": op = .subtract
            case "*": op = .multiply
            case "/": op = .divide
            case "%": op = .remainder
            case ")":
                while let top = operators.last, top != .open { try apply(operators.removeLast()) }
                guard operators.popLast() == .open else { throw fail("unexpected ')'") }
                position += 1
                continue
            default: throw fail("unexpected '\(String(c))'")
            }
            while let top = operators.last, top != .open, top.precedence >= op.precedence {
                try apply(operators.removeLast())
            }
            operators.append(op)
            expectOperand = true
            position += 1
        }
        if expectOperand { throw fail("incomplete expression") }
        while let op = operators.popLast() {
            if op == .open { throw fail("missing ')'") }
            try apply(op)
        }
        guard values.count == 1, let value = values.first else { throw fail("incomplete expression") }
        return value
    }
}
