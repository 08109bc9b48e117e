import CLibXML2

/// An element of a document that is still to be expanded: copied out of libxml2 before
/// `<repeat>` expansion, with its character content kept for schema validation.
///
/// `<repeat>` is expanded on these values (`SwiftRepeatExpander`) rather than by copying
/// libxml2 subtrees: at 16,384 endpoints the libxml2 copies, their substituted attributes and
/// freeing them took half of loading.
struct PendingElement {
    /// A child: an element or character content (text or CDATA).
    enum Content {
        case element(PendingElement)
        case text(String, cdata: Bool)
    }

    var name: String
    var attributes: [(name: String, value: String)]
    var content: [Content]
    /// The line libxml2 gives the element (`xmlGetLineNo`).
    var line: Int
    /// The file `NodeFiles` recorded for this very element (XInclude), if any.
    ///
    /// nil when the element takes its parent's. Copies made by `<repeat>` keep their original's,
    /// as `NodeFiles.recordCopy` does.
    var recordedFile: String?
    /// The original element this one is (or copies), for caching columns.
    var origin: Int
    /// The names of the element and its attributes in libxml2's document (valid while it lives),
    /// for validation.
    var cName: UnsafePointer<xmlChar>
    var cAttributeNames: [UnsafePointer<xmlChar>]

    /// The value of attribute `name`, if present.
    func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The number of elements in this subtree, itself included, counted up to just past `cap`
    /// as `ElementBudget.elements(in:cap:)` counts a libxml2 subtree.
    func elementCount(cap: Int) -> Int {
        var count = 0
        var stack = [self]
        while let current = stack.popLast() {
            count += 1
            if count > cap { return count }
            for case .element(let child) in current.content { stack.append(child) }
        }
        return count
    }
}

/// Copies an unexpanded libxml2 tree into `PendingElement`s, and the expanded result into
/// `XMLElement`s with the locations `XMLReader` would give the libxml2 copies.
struct PendingTree {
    /// The root.
    var root: PendingElement
    /// The name and line of each original element, by `origin`.
    private var origins: [(name: String, line: Int)] = []

    /// Copies the tree below `node`, or nil when it holds something the Swift expansion does not
    /// reproduce exactly (namespaces, entity references, lines past 65,534 with a `<repeat>`):
    /// the caller then expands in libxml2.
    init?(_ node: UnsafeMutablePointer<xmlNode>, files: NodeFiles) {
        var origins: [(name: String, line: Int)] = []
        var bigLines = false
        var repeats = false
        guard
            let root = Self.copy(node, files: files, origins: &origins, bigLines: &bigLines, repeats: &repeats),
            !(bigLines && repeats)
        else { return nil }
        self.root = root
        self.origins = origins
    }

    private static func copy(
        _ node: UnsafeMutablePointer<xmlNode>, files: NodeFiles, origins: inout [(name: String, line: Int)],
        bigLines: inout Bool, repeats: inout Bool
    ) -> PendingElement? {
        guard node.pointee.ns == nil, let rawName = node.pointee.name else { return nil }
        let name = String(cString: rawName)
        if name == "repeat" { repeats = true }
        let line = Int(xmlGetLineNo(node))
        // libxml2 keeps lines past 65,534 outside the node, and a copy does not carry them.
        if line >= 65_535 { bigLines = true }
        var attributes: [(name: String, value: String)] = []
        var cAttributeNames: [UnsafePointer<xmlChar>] = []
        var property = node.pointee.properties
        while let attribute = property {
            guard attribute.pointee.ns == nil, let attributeName = attribute.pointee.name else { return nil }
            cAttributeNames.append(attributeName)
            var value = ""
            if let text = attribute.pointee.children, text.pointee.next == nil, text.pointee.type == XML_TEXT_NODE {
                value = text.pointee.content.map { String(cString: $0) } ?? ""
            } else if let content = xmlNodeListGetString(node.pointee.doc, attribute.pointee.children, 1) {
                value = String(cString: content)
                p2psim_xmlFree(content)
            }
            attributes.append((String(cString: attributeName), value))
            property = attribute.pointee.next
        }
        let origin = origins.count
        origins.append((name, line))
        var content: [PendingElement.Content] = []
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                guard
                    let element = copy(
                        current, files: files, origins: &origins, bigLines: &bigLines, repeats: &repeats)
                else { return nil }
                content.append(.element(element))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                let text = current.pointee.content.map { String(cString: $0) } ?? ""
                content.append(.text(text, cdata: current.pointee.type == XML_CDATA_SECTION_NODE))
            case XML_COMMENT_NODE, XML_PI_NODE:
                break
            default:
                return nil
            }
            child = current.pointee.next
        }
        return PendingElement(
            name: name, attributes: attributes, content: content, line: line,
            recordedFile: files.recordedFile(of: node), origin: origin, cName: rawName,
            cAttributeNames: cAttributeNames)
    }

    /// The expanded tree as `XMLElement`s: each element's file is the nearest recorded one among
    /// itself and its ancestors (else `mainFile`), its column that of `<name` on its line.
    func elements(mainFile: String, sources: SourceTexts) -> XMLElement {
        var columns = [(file: String, column: Int)?](repeating: nil, count: origins.count)
        return convert(root, file: mainFile, sources: sources, columns: &columns)
    }

    private func convert(
        _ element: PendingElement, file parentFile: String, sources: SourceTexts,
        columns: inout [(file: String, column: Int)?]
    ) -> XMLElement {
        let file = element.recordedFile ?? parentFile
        let column: Int
        if let cached = columns[element.origin], cached.file == file {
            column = cached.column
        } else {
            column = sources.column(ofElement: element.name, on: element.line, in: file) ?? 0
            columns[element.origin] = (file, column)
        }
        var children: [XMLElement] = []
        children.reserveCapacity(element.content.count)
        for case .element(let child) in element.content {
            children.append(convert(child, file: file, sources: sources, columns: &columns))
        }
        return XMLElement(
            name: element.name, attributes: element.attributes, children: children,
            location: SourceLocation(file: file, line: element.line, column: column))
    }
}

/// Expands `<repeat>` on a `PendingTree` exactly as `RepeatExpander` does on a libxml2 tree
/// (same substitution, same element budget, copies in place of the repeat), but without
/// diagnostics: on any problem it stops and the caller expands in libxml2, which reports it.
final class SwiftRepeatExpander {
    /// The element budget (a copy of the load's: the libxml2 expansion charges the real one).
    let budget: ElementBudget
    /// Attribute values with braces, parsed once for all the copies that hold them.
    private var templates: [String: SubstitutionTemplate] = [:]

    init(budget: ElementBudget) {
        self.budget = budget
    }

    /// Expands every repeat below `root` and substitutes expressions in every attribute; false
    /// on the first problem.
    func expand(_ root: inout PendingElement) -> Bool {
        substitute(&root, bindings: [:]) && expandChildren(of: &root, bindings: [:])
    }

    private func expandChildren(of element: inout PendingElement, bindings: [String: Int]) -> Bool {
        var expanded: [PendingElement.Content] = []
        expanded.reserveCapacity(element.content.count)
        for item in element.content {
            guard case .element(var child) = item else {
                expanded.append(item)
                continue
            }
            if child.name == "repeat" {
                guard expandRepeat(child, bindings: bindings, into: &expanded) else { return false }
            } else {
                guard substitute(&child, bindings: bindings), expandChildren(of: &child, bindings: bindings)
                else { return false }
                expanded.append(.element(child))
            }
        }
        element.content = expanded
        return true
    }

    /// Appends the expanded copies of the body of `repeatElement` (its element children) to
    /// `output`; its text goes with it, as in libxml2.
    private func expandRepeat(
        _ repeatElement: PendingElement, bindings: [String: Int], into output: inout [PendingElement.Content]
    ) -> Bool {
        guard let countText = repeatElement.attribute("count"), let variable = repeatElement.attribute("var"),
            variable.first.map({ $0.isLetter || $0 == "_" }) == true,
            variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
            let count = try? IntegerExpression.evaluate(countText, bindings: bindings),
            let start = try? IntegerExpression.evaluate(repeatElement.attribute("start") ?? "0", bindings: bindings),
            count >= 0
        else { return false }
        var body: [PendingElement] = []
        for case .element(let child) in repeatElement.content { body.append(child) }
        let perCopy = body.reduce(0) { $0 + $1.elementCount(cap: budget.limit) }
        let (total, overflow) = count.multipliedReportingOverflow(by: perCopy)
        guard !overflow, budget.charge(total) else { return false }
        if count > 0, start.addingReportingOverflow(count - 1).overflow { return false }
        output.reserveCapacity(output.count + count * body.count)
        for k in 0..<count {
            var inner = bindings
            inner[variable] = start + k
            for original in body {
                if original.name == "repeat" {
                    guard expandRepeat(original, bindings: inner, into: &output) else { return false }
                } else {
                    var copy = original
                    guard substitute(&copy, bindings: inner), expandChildren(of: &copy, bindings: inner)
                    else { return false }
                    output.append(.element(copy))
                }
            }
        }
        return true
    }

    /// Replaces `{expr}` in the attributes of `element` (not its children).
    private func substitute(_ element: inout PendingElement, bindings: [String: Int]) -> Bool {
        for index in element.attributes.indices {
            let value = element.attributes[index].value
            guard value.utf8.contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }) else { continue }
            let template: SubstitutionTemplate
            if let known = templates[value], known.attribute == element.attributes[index].name {
                template = known
            } else {
                template = SubstitutionTemplate(value, attribute: element.attributes[index].name)
                templates[value] = template
            }
            guard let result = try? template.render(bindings) else { return false }
            element.attributes[index].value = result
        }
        return true
    }
}
