import CLibXML2
import Foundation

/// An element of a parsed XML file, copied out of libxml2 into plain Swift values.
///
/// The loader works on this tree after libxml2 has parsed, included and validated the file,
/// so that the model builder and its tests need no C pointers.
package struct XMLElement {
    /// The element's local name.
    package var name: String
    /// The attributes in document order.
    package var attributes: [(name: String, value: String)]
    /// Child elements in document order (text, comments and processing instructions dropped).
    package var children: [XMLElement]
    /// Where the element starts.
    package var location: SourceLocation

    /// The value of attribute `name`, if present.
    package func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

/// Collects libxml2's structured errors during one call.
private final class ErrorCollector {
    var diagnostics: [Diagnostic] = []
    let defaultFile: String
    let sources: SourceTexts
    let nodeFiles: NodeFiles

    init(defaultFile: String, sources: SourceTexts, budget: ElementBudget) {
        self.defaultFile = defaultFile
        self.sources = sources
        self.nodeFiles = NodeFiles(mainFile: defaultFile, budget: budget)
    }

    func add(_ error: UnsafePointer<xmlError>) {
        let e = error.pointee
        var message = e.message.map { String(cString: $0) } ?? "unknown libxml2 error"
        while message.last == "\n" || message.last == " " { message.removeLast() }
        var file = e.file.map { String(cString: $0) } ?? defaultFile
        var line = Int(e.line)
        var column = Int(e.int2)
        if message.contains("Please substitute entities") || message.contains("substitute entities") {
            message = "an entity reference (&name;) in element content is not supported: write the text itself"
        }
        if let node = e.node?.assumingMemoryBound(to: xmlNode.self) {
            // Validity errors point at a node: take its own line and file.
            line = Int(xmlGetLineNo(node))
            file = nodeFiles.file(of: node)
            let elementName = node.pointee.name.map { String(cString: $0) } ?? ""
            if let attribute = quotedName(after: "attribute '", in: message) {
                message = IntegerRange.explainPattern(message, attribute: attribute, element: elementName)
                column = sources.column(ofAttribute: attribute, from: line, in: file)?.column ?? 0
                if let found = sources.column(ofAttribute: attribute, from: line, in: file) {
                    line = found.line
                }
            } else {
                column = sources.column(ofElement: elementName, on: line, in: file) ?? 0
            }
        }
        let severity: Diagnostic.Severity = e.level == XML_ERR_WARNING ? .warning : .error
        diagnostics.append(
            Diagnostic(severity, at: SourceLocation(file: file, line: max(line, 0), column: max(column, 0)), message))
    }
}

/// What one load shares between its stages: the files that elements came from (recorded by
/// XInclude) and the element budget that XInclude and `<repeat>` draw on together.
package final class NodeFiles {
    private var files: [UnsafeMutableRawPointer: String] = [:]
    let mainFile: String
    /// The elements the expanded document may still gain (see `LoadLimits.maxElements`).
    let budget: ElementBudget

    init(mainFile: String, budget: ElementBudget = ElementBudget(limit: LoadLimits().maxElements)) {
        self.mainFile = mainFile
        self.budget = budget
    }

    /// Records that `node` and its descendants come from `file`.
    func record(_ node: UnsafeMutablePointer<xmlNode>, file: String) {
        files[UnsafeMutableRawPointer(node)] = file
    }

    /// Records the copies in `copy` (a libxml2 copy of `original`, of the same shape) of the
    /// elements recorded in `original`, with the same files: a `<repeat>` copy of an included
    /// element comes from the included file.
    func recordCopy(_ copy: UnsafeMutablePointer<xmlNode>, of original: UnsafeMutablePointer<xmlNode>) {
        guard !files.isEmpty else { return }
        var stack = [(copy, original)]
        while let (copied, source) = stack.popLast() {
            if let file = files[UnsafeMutableRawPointer(source)] { files[UnsafeMutableRawPointer(copied)] = file }
            var copiedChild = copied.pointee.children
            var sourceChild = source.pointee.children
            while let c = copiedChild, let s = sourceChild {
                if c.pointee.type == XML_ELEMENT_NODE { stack.append((c, s)) }
                copiedChild = c.pointee.next
                sourceChild = s.pointee.next
            }
        }
    }

    /// Forgets what was recorded for `node` and its descendants, before libxml2 frees them: a
    /// node allocated later at the same address must not take their file.
    func forget(_ node: UnsafeMutablePointer<xmlNode>) {
        guard !files.isEmpty else { return }
        var stack = [node]
        while let current = stack.popLast() {
            files[UnsafeMutableRawPointer(current)] = nil
            var child = current.pointee.children
            while let c = child {
                if c.pointee.type == XML_ELEMENT_NODE { stack.append(c) }
                child = c.pointee.next
            }
        }
    }

    /// The file recorded for `node` itself, nil when it has none (it takes its ancestors').
    func recordedFile(of node: UnsafeMutablePointer<xmlNode>) -> String? {
        files.isEmpty ? nil : files[UnsafeMutableRawPointer(node)]
    }

    /// Records the file of every element that XInclude brought in, from the XINCLUDE_START
    /// markers it leaves around included content (their `href`, resolved against the including
    /// file), then removes the markers and any `xml:base` attributes.
    func recordIncludedFiles(_ root: UnsafeMutablePointer<xmlNode>) {
        var stack: [(UnsafeMutablePointer<xmlNode>, String)] = [(root, mainFile)]
        var markers: [UnsafeMutablePointer<xmlNode>] = []
        while let (node, file) = stack.popLast() {
            if let attribute = xmlHasNsProp(node, "base", "http://www.w3.org/XML/1998/namespace") {
                xmlRemoveProp(attribute)
            }
            var fileStack = [file]
            var child = node.pointee.children
            while let current = child {
                switch current.pointee.type {
                case XML_XINCLUDE_START:
                    markers.append(current)
                    var included = fileStack.last ?? file
                    // The marker is the xi:include element with its type changed, so
                    // xmlGetNoNsProp (elements only) does not see its attributes: walk them.
                    var property = current.pointee.properties
                    while let attribute = property {
                        if let name = attribute.pointee.name, String(cString: name) == "href",
                            let value = xmlNodeListGetString(current.pointee.doc, attribute.pointee.children, 1)
                        {
                            included = Self.resolve(String(cString: value), relativeTo: included)
                            p2psim_xmlFree(value)
                        }
                        property = attribute.pointee.next
                    }
                    fileStack.append(included)
                case XML_XINCLUDE_END:
                    markers.append(current)
                    if fileStack.count > 1 { fileStack.removeLast() }
                case XML_ELEMENT_NODE:
                    let elementFile = fileStack.last ?? file
                    if elementFile != file { files[UnsafeMutableRawPointer(current)] = elementFile }
                    stack.append((current, elementFile))
                default:
                    break
                }
                child = current.pointee.next
            }
        }
        for marker in markers {
            xmlUnlinkNode(marker)
            xmlFreeNode(marker)
        }
    }

    /// `href` resolved against the directory of `file`.
    static func resolve(_ href: String, relativeTo file: String) -> String {
        var path = href
        if path.hasPrefix("file://") { path.removeFirst("file://".count) }
        if path.hasPrefix("/") { return path }
        guard let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }

    /// The file `node` came from: the nearest recorded ancestor's, else the main file.
    func file(of node: UnsafeMutablePointer<xmlNode>) -> String {
        var current: UnsafeMutablePointer<xmlNode>? = node
        while let this = current {
            if let file = files[UnsafeMutableRawPointer(this)] { return file }
            current = this.pointee.parent
        }
        return mainFile
    }
}

/// The text between `prefix` and the next quote in `message`, such as an attribute's name in
/// "Element 'bar', attribute 'size': ...".
private func quotedName(after prefix: String, in message: String) -> String? {
    guard let start = message.range(of: prefix) else { return nil }
    let rest = message[start.upperBound...]
    guard let end = rest.firstIndex(of: "'") else { return nil }
    return String(rest[..<end])
}

/// The texts of the files read, for finding the columns libxml2 does not report.
package final class SourceTexts {
    private var lines: [String: [Substring]] = [:]
    /// The file looked up last and its lines: elements come file by file, so most lookups hit
    /// it without hashing the path.
    private var lastFile: String?
    private var lastLines: [Substring] = []

    /// Creates an empty registry.
    package init() {}

    /// Registers `text` as the content of `file`.
    package func register(_ text: String, for file: String) {
        lines[file] = text.split(separator: "\n", omittingEmptySubsequences: false)
        if file == lastFile { lastFile = nil }
    }

    /// The lines of `file`, reading it from disk if it was not registered (an included file).
    private func lines(of file: String) -> [Substring]? {
        if file == lastFile { return lastLines }
        if let cached = lines[file] {
            lastFile = file
            lastLines = cached
            return cached
        }
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        register(SourceDecoding.text(of: [UInt8](data)), for: file)
        return lines[file]
    }

    /// The column of `<name` on `line` of `file`.
    ///
    /// Every element of a loaded file asks for its column (a model keeps where each element was
    /// declared for later messages), so this scans the line's UTF-8 bytes without building
    /// strings; characters are counted only when the line has non-ASCII text before the match.
    package func column(ofElement name: String, on line: Int, in file: String) -> Int? {
        guard !name.isEmpty, let lines = lines(of: file), line >= 1, line <= lines.count else { return nil }
        let text = lines[line - 1]
        var name = name
        return name.withUTF8 { needle -> Int? in
            let bytes = text.utf8
            var start = bytes.startIndex
            var offset = 0
            var ascii = true
            while start != bytes.endIndex {
                let byte = bytes[start]
                if byte == UInt8(ascii: "<") {
                    var candidate = bytes.index(after: start)
                    var k = 0
                    while k < needle.count && candidate != bytes.endIndex && bytes[candidate] == needle[k] {
                        k += 1
                        candidate = bytes.index(after: candidate)
                    }
                    if k == needle.count {
                        return ascii ? offset + 1 : text.distance(from: text.startIndex, to: start) + 1
                    }
                }
                if byte >= 0x80 { ascii = false }
                offset += 1
                start = bytes.index(after: start)
            }
            return nil
        }
    }

    /// The line and column of `name=` at or after `line` of `file` (attributes may wrap).
    ///
    /// Scans UTF-8 bytes like `column(ofElement:on:in:)`: the builder asks for every id.
    package func column(ofAttribute name: String, from line: Int, in file: String) -> (line: Int, column: Int)? {
        guard let lines = lines(of: file), line >= 1, !name.isEmpty else { return nil }
        var name = name
        return name.withUTF8 { needle -> (line: Int, column: Int)? in
            var current = line
            while current <= min(lines.count, line + 30) {
                let text = lines[current - 1]
                if let found = Self.attributeOffset(needle, in: text) {
                    return (current, found)
                }
                if current > line, text.utf8.contains(UInt8(ascii: ">")) { break }
                current += 1
            }
            return nil
        }
    }

    /// The one-based column of the first `needle` in `text` that follows a space or tab (or the
    /// line's start) and is followed by `=` after optional spaces and tabs.
    private static func attributeOffset(_ needle: UnsafeBufferPointer<UInt8>, in text: Substring) -> Int? {
        let bytes = Array(text.utf8)
        let space = UInt8(ascii: " ")
        let tab = UInt8(ascii: "\t")
        var start = 0
        while start + needle.count <= bytes.count {
            var k = 0
            while k < needle.count && bytes[start + k] == needle[k] { k += 1 }
            if k == needle.count {
                let before = start == 0 ? space : bytes[start - 1]
                var after = start + needle.count
                while after < bytes.count && (bytes[after] == space || bytes[after] == tab) { after += 1 }
                if (before == space || before == tab) && after < bytes.count && bytes[after] == UInt8(ascii: "=") {
                    let prefix = bytes[..<start]
                    if prefix.allSatisfy({ $0 < 0x80 }) { return start + 1 }
                    return String(decoding: prefix, as: UTF8.self).count + 1
                }
            }
            start += 1
        }
        return nil
    }
}

/// Runs `body` with libxml2's structured errors going to `collector`, and its generic errors
/// silenced (everything it reports arrives through the structured handler too).
private func capturingErrors<T>(_ collector: ErrorCollector, _ body: () -> T) -> T {
    let context = Unmanaged.passUnretained(collector).toOpaque()
    xmlSetStructuredErrorFunc(context) { context, error in
        guard let context, let error else { return }
        Unmanaged<ErrorCollector>.fromOpaque(context).takeUnretainedValue().add(error)
    }
    defer { xmlSetStructuredErrorFunc(nil, nil) }
    return withExtendedLifetime(collector) { body() }
}

/// Reads XML with libxml2, safely: no network, no external DTD or entity loading, libxml2's
/// size limits kept (no `XML_PARSE_HUGE`), line numbers beyond 65,535 kept.
package enum XMLReader {
    /// The parser options: `XML_PARSE_NONET` and `XML_PARSE_BIG_LINES` only.
    ///
    /// Entities are not substituted (no `XML_PARSE_NOENT`) and no DTD is loaded (no
    /// `XML_PARSE_DTDLOAD`), so an external entity is never fetched and libxml2's amplification
    /// checks stop "billion laughs" files.
    static let parseOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_BIG_LINES.rawValue)

    /// The result of reading: the document tree, or the diagnostics that prevented it.
    package struct Result {
        package var root: XMLElement?
        package var diagnostics: [Diagnostic]
        /// Whether `<repeat>` was expanded on Swift values and the result validated by streaming
        /// (else the libxml2 tree was expanded and validated).
        package var expandedInSwift = false
    }

    /// Parses `text` (the content of `file`, already decoded), processes XInclude, lets
    /// `transform` rewrite the libxml2 tree (repeat expansion), validates against `schema` and
    /// copies the tree out.
    ///
    /// The text is handed to libxml2 as UTF-8 whatever its XML declaration says, since it is
    /// already decoded; to honour a declared encoding, pass the file's bytes to
    /// `read(bytes:file:schema:sources:limits:transform:)`.
    package static func read(
        text: String, file: String, schema: String?, sources: SourceTexts, limits: LoadLimits = .current,
        transform: (UnsafeMutablePointer<xmlNode>, NodeFiles, inout [Diagnostic]) -> Void = { _, _, _ in },
        expandRepeatsInSwift: Bool = false
    ) -> Result {
        sources.register(text, for: file)
        return read(
            bytes: Array(text.utf8), encoding: "UTF-8", file: file, schema: schema, sources: sources, limits: limits,
            transform: transform, expandRepeatsInSwift: expandRepeatsInSwift)
    }

    /// Parses the bytes of `file` as libxml2 decodes them (a byte-order mark or the declared
    /// encoding: UTF-8, UTF-16, ISO-8859-1...), then as `read(text:...)`.
    package static func read(
        bytes: [UInt8], file: String, schema: String?, sources: SourceTexts, limits: LoadLimits = .current,
        transform: (UnsafeMutablePointer<xmlNode>, NodeFiles, inout [Diagnostic]) -> Void = { _, _, _ in },
        expandRepeatsInSwift: Bool = false
    ) -> Result {
        sources.register(SourceDecoding.text(of: bytes), for: file)
        return read(
            bytes: bytes, encoding: nil, file: file, schema: schema, sources: sources, limits: limits,
            transform: transform, expandRepeatsInSwift: expandRepeatsInSwift)
    }

    /// With `expandRepeatsInSwift`, `<repeat>` is first expanded on Swift values and the result
    /// validated by streaming (`SwiftRepeatExpander`, `StreamValidation`); when that meets any
    /// problem, `transform` expands the libxml2 tree and the tree is validated as before, so that
    /// every diagnostic comes from the same code with the same locations.
    private static func read(
        bytes: [UInt8], encoding: String?, file: String, schema: String?, sources: SourceTexts, limits: LoadLimits,
        transform: (UnsafeMutablePointer<xmlNode>, NodeFiles, inout [Diagnostic]) -> Void,
        expandRepeatsInSwift: Bool
    ) -> Result {
        let budget = ElementBudget(limit: limits.maxElements)
        let collector = ErrorCollector(defaultFile: file, sources: sources, budget: budget)
        if bytes.count > limits.maxFileBytes {
            return Result(
                root: nil,
                diagnostics: [
                    Diagnostic(
                        .error, at: SourceLocation(file: file, line: 1),
                        "the file is larger than \(limits.maxFileBytes) bytes, the limit on one file")
                ])
        }
        if let problem = EntityGuard.problem(in: bytes, file: file) {
            return Result(root: nil, diagnostics: [problem])
        }
        return capturingErrors(collector) {
            // A C copy of the bytes that outlives the parse (libxml2 keeps pointers into its
            // input buffer while parsing).
            let buffer = CBuffer(bytes: bytes)
            let doc = withExtendedLifetime(buffer) {
                xmlReadMemory(buffer.pointer, buffer.count, file, encoding, parseOptions)
            }
            guard let doc else {
                if collector.diagnostics.isEmpty {
                    collector.diagnostics.append(
                        Diagnostic(.error, at: SourceLocation(file: file, line: 1), "the file is empty or is not XML"))
                }
                return Result(root: nil, diagnostics: collector.diagnostics)
            }
            defer { xmlFreeDoc(doc) }
            guard let rootNode = xmlDocGetRootElement(doc) else {
                collector.diagnostics.append(
                    Diagnostic(.error, at: SourceLocation(file: file, line: 1), "no root element"))
                return Result(root: nil, diagnostics: collector.diagnostics)
            }
            if collector.diagnostics.contains(where: { $0.severity == .error }) {
                return Result(root: nil, diagnostics: collector.diagnostics)
            }
            guard budget.charge(ElementBudget.elements(in: rootNode, cap: budget.limit)) else {
                collector.diagnostics.append(
                    Diagnostic(
                        .error, at: SourceLocation(file: file, line: 1),
                        "the file has too many elements: \(limits.raiseElementsHint)"))
                return Result(root: nil, diagnostics: collector.diagnostics)
            }
            // XInclude, bounded and restricted to regular files below the file's folder.
            var includes = IncludeProcessor(
                limits: limits, budget: budget, files: collector.nodeFiles, sources: sources, mainFile: file)
            includes.process(rootNode, doc: doc)
            collector.diagnostics += includes.diagnostics
            if collector.diagnostics.contains(where: { $0.severity == .error }) {
                return Result(root: nil, diagnostics: collector.diagnostics)
            }
            collector.nodeFiles.recordIncludedFiles(rootNode)
            if expandRepeatsInSwift,
                let tree = expandedInSwift(
                    rootNode, schema: schema, collector: collector, budget: budget, sources: sources)
            {
                return Result(root: tree, diagnostics: collector.diagnostics, expandedInSwift: true)
            }
            var transformDiagnostics: [Diagnostic] = []
            transform(rootNode, collector.nodeFiles, &transformDiagnostics)
            collector.diagnostics += transformDiagnostics
            if transformDiagnostics.contains(where: { $0.severity == .error }) {
                return Result(root: nil, diagnostics: collector.diagnostics)
            }
            if let schema, !validate(doc, against: schema, collector: collector) {
                return Result(root: nil, diagnostics: collector.diagnostics)
            }
            guard let finalRoot = xmlDocGetRootElement(doc) else {
                return Result(root: nil, diagnostics: collector.diagnostics)
            }
            let tree = copyElement(finalRoot, files: collector.nodeFiles, sources: sources)
            return Result(root: tree, diagnostics: collector.diagnostics)
        }
    }

    /// The tree below `rootNode` with its repeats expanded in Swift and validated by streaming,
    /// or nil (and nothing reported or charged) when anything fails.
    private static func expandedInSwift(
        _ rootNode: UnsafeMutablePointer<xmlNode>, schema: String?, collector: ErrorCollector, budget: ElementBudget,
        sources: SourceTexts
    ) -> XMLElement? {
        let reported = collector.diagnostics.count
        guard var pending = PendingTree(rootNode, files: collector.nodeFiles),
            SwiftRepeatExpander(budget: budget.copy()).expand(&pending.root)
        else { return nil }
        if let schema {
            guard let parsed = ParsedSchemas.shared.schema(schema),
                StreamValidation.isValid(pending.root, against: parsed)
            else {
                collector.diagnostics.removeSubrange(reported...)
                return nil
            }
        }
        guard collector.diagnostics.count == reported else {
            collector.diagnostics.removeSubrange(reported...)
            return nil
        }
        return pending.elements(mainFile: collector.nodeFiles.mainFile, sources: sources)
    }

    /// Validates `doc` against the schema text; diagnostics go to `collector`.
    private static func validate(_ doc: xmlDocPtr, against schema: String, collector: ErrorCollector) -> Bool {
        guard let parsedSchema = ParsedSchemas.shared.schema(schema) else {
            collector.diagnostics.append(
                Diagnostic(
                    .error, at: SourceLocation(file: "<embedded schema>", line: 0), "the embedded schema does not parse"
                ))
            return false
        }
        guard let validContext = xmlSchemaNewValidCtxt(parsedSchema) else { return false }
        defer { xmlSchemaFreeValidCtxt(validContext) }
        let context = Unmanaged.passUnretained(collector).toOpaque()
        xmlSchemaSetValidStructuredErrors(
            validContext,
            { context, error in
                guard let context, let error else { return }
                Unmanaged<ErrorCollector>.fromOpaque(context).takeUnretainedValue().add(error)
            }, context)
        return xmlSchemaValidateDoc(validContext, doc) == 0
    }

    /// Copies `node` and its element descendants into Swift values.
    private static func copyElement(
        _ node: UnsafeMutablePointer<xmlNode>, files: NodeFiles, sources: SourceTexts
    ) -> XMLElement {
        let name = node.pointee.name.map { String(cString: $0) } ?? ""
        let file = files.file(of: node)
        let line = Int(xmlGetLineNo(node))
        var attributes: [(name: String, value: String)] = []
        var property = node.pointee.properties
        while let attribute = property {
            let attributeName = attribute.pointee.name.map { String(cString: $0) } ?? ""
            var value = ""
            if let content = xmlNodeListGetString(node.pointee.doc, attribute.pointee.children, 1) {
                value = String(cString: content)
                p2psim_xmlFree(content)
            }
            attributes.append((attributeName, value))
            property = attribute.pointee.next
        }
        var children: [XMLElement] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                children.append(copyElement(current, files: files, sources: sources))
            }
            child = current.pointee.next
        }
        let column = sources.column(ofElement: name, on: line, in: file) ?? 0
        return XMLElement(
            name: name, attributes: attributes, children: children,
            location: SourceLocation(file: file, line: line, column: column))
    }
}

/// The embedded schemas, parsed once per process and kept: parsing the topology schema was most
/// of the time of loading a small file (and of every fuzzing input). A parsed schema is only
/// read while validating (libxml2 allows one per validation context across threads).
private final class ParsedSchemas: @unchecked Sendable {
    static let shared = ParsedSchemas()
    private let lock = NSLock()
    private var parsed: [String: xmlSchemaPtr] = [:]

    /// The parsed form of `text`, or nil when it does not parse.
    func schema(_ text: String) -> xmlSchemaPtr? {
        lock.lock()
        defer { lock.unlock() }
        if let known = parsed[text] { return known }
        // xmlSchemaNewMemParserCtxt keeps the pointer and reads it in xmlSchemaParse: the
        // buffer must live until then.
        let buffer = CBuffer(text)
        guard let context = xmlSchemaNewMemParserCtxt(buffer.pointer, buffer.count) else { return nil }
        defer { xmlSchemaFreeParserCtxt(context) }
        guard let schema = withExtendedLifetime(buffer, { xmlSchemaParse(context) }) else { return nil }
        parsed[text] = schema
        return schema
    }
}

/// A NUL-terminated C copy of a string, freed when the value is released.
///
/// libxml2's memory parsers keep pointers into their input; Swift's temporary pointers from
/// `withUnsafeBufferPointer` are valid only inside the closure, so the text is copied here.
final class CBuffer {
    /// The bytes.
    let pointer: UnsafeMutablePointer<CChar>
    /// The number of bytes, without the terminating NUL.
    let count: Int32

    convenience init(_ text: String) { self.init(bytes: Array(text.utf8)) }

    init(bytes utf8: [UInt8]) {
        pointer = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
        for (index, byte) in utf8.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        pointer[utf8.count] = 0
        count = Int32(clamping: utf8.count)
    }

    deinit { pointer.deallocate() }
}
