import CLibXML2
import Foundation

/// XInclude (`<xi:include href="node.xml"/>`), done by p2psim rather than libxml2 so that it
/// is bounded and safe:
///
/// - only regular files below the folder of the file being loaded are read (no pipe, device,
///   `/dev/stdin`, network address or file elsewhere);
/// - the include chain is at most `LoadLimits.maxIncludeDepth` deep, a cycle is reported as a
///   cycle with the files on it, and at most `LoadLimits.maxIncludes` includes are processed;
/// - every included element counts towards `LoadLimits.maxElements`, shared with `<repeat>`,
///   so a fan-out of files that include the next one twice stops at the limit;
/// - errors carry the line and column of the `xi:include` element; `xi:fallback` is used when
///   the file cannot be read (missing, refused, not XML).
///
/// Only `parse="xml"` without `xpointer` is supported: an included file contributes its root
/// element.
struct IncludeProcessor {
    static let namespaces: Set<String> = ["http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"]

    let limits: LoadLimits
    let budget: ElementBudget
    let files: NodeFiles
    let sources: SourceTexts
    /// The folder (symbolic links resolved) that included files must lie below.
    let allowedFolder: String
    var diagnostics: [Diagnostic] = []
    private var includes = 0

    init(limits: LoadLimits, budget: ElementBudget, files: NodeFiles, sources: SourceTexts, mainFile: String) {
        self.limits = limits
        self.budget = budget
        self.files = files
        self.sources = sources
        let folder = URL(fileURLWithPath: mainFile).deletingLastPathComponent()
        self.allowedFolder = folder.resolvingSymlinksInPath().path
    }

    /// Why an include could not be done: a resource problem (the fallback, if any, is used
    /// instead) or a fatal one (cycle, limit).
    private enum Failure: Error {
        case resource(String)
        case fatal(String)
    }

    /// Replaces every `xi:include` below `root` (the main file's root element) by the root
    /// element of the file it names, recursively.
    mutating func process(_ root: UnsafeMutablePointer<xmlNode>, doc: xmlDocPtr) {
        var stack: [(node: UnsafeMutablePointer<xmlNode>, file: String, chain: [String])] = [
            (root, files.mainFile, [files.mainFile])
        ]
        // Replacements inserted in place of an include are revisited with their own file (an
        // included file's root may itself be an xi:include).
        var contexts: [UnsafeMutableRawPointer: (file: String, chain: [String])] = [:]
        while let (node, parentFile, parentChain) = stack.popLast() {
            var child = node.pointee.children
            while let current = child {
                child = current.pointee.next
                guard current.pointee.type == XML_ELEMENT_NODE else { continue }
                let (file, chain) =
                    contexts.removeValue(forKey: UnsafeMutableRawPointer(current)) ?? (parentFile, parentChain)
                guard Self.isXInclude(current, named: "include") else {
                    stack.append((current, file, chain))
                    continue
                }
                let location = self.location(of: current, in: file)
                let href = LibXMLNode.attribute(current, "href") ?? ""
                let replacement: [UnsafeMutablePointer<xmlNode>]
                var replacementFile = file
                var replacementChain = chain
                let outcome: Result<(UnsafeMutablePointer<xmlNode>, String), Failure>
                do {
                    outcome = .success(try include(current, href: href, from: file, chain: chain, doc: doc))
                } catch {
                    outcome = .failure(error)
                }
                switch outcome {
                case .success(let (included, path)):
                    replacement = [included]
                    replacementFile = path
                    replacementChain = chain + [path]
                case .failure(.resource(let reason)):
                    guard
                        let fallback = LibXMLNode.elementChildren(of: current).first(where: {
                            Self.isXInclude($0, named: "fallback")
                        })
                    else {
                        diagnostics.append(Diagnostic(.error, at: location, "xi:include of '\(href)': \(reason)"))
                        return
                    }
                    var moved: [UnsafeMutablePointer<xmlNode>] = []
                    var item = fallback.pointee.children
                    while let this = item {
                        item = this.pointee.next
                        xmlUnlinkNode(this)
                        if this.pointee.type == XML_ELEMENT_NODE { moved.append(this) } else { xmlFreeNode(this) }
                    }
                    let count = moved.reduce(0) { $0 + ElementBudget.elements(in: $1) }
                    guard budget.charge(count) else {
                        moved.forEach { xmlFreeNode($0) }
                        diagnostics.append(
                            Diagnostic(
                                .error, at: location, "xi:fallback: too many elements: \(limits.raiseElementsHint)"))
                        return
                    }
                    replacement = moved
                case .failure(.fatal(let reason)):
                    diagnostics.append(Diagnostic(.error, at: location, "xi:include of '\(href)': \(reason)"))
                    return
                }
                for node in replacement {
                    xmlAddPrevSibling(current, node)
                    if replacementFile != parentFile { files.record(node, file: replacementFile) }
                    contexts[UnsafeMutableRawPointer(node)] = (replacementFile, replacementChain)
                }
                if let first = replacement.first { child = first }
                xmlUnlinkNode(current)
                xmlFreeNode(current)
            }
        }
    }

    /// Reads, checks and parses the file `href` names and returns a copy of its root element in
    /// `doc`, with the file's resolved path.
    private mutating func include(
        _ element: UnsafeMutablePointer<xmlNode>, href: String, from file: String, chain: [String], doc: xmlDocPtr
    ) throws(Failure) -> (UnsafeMutablePointer<xmlNode>, String) {
        includes += 1
        guard includes <= limits.maxIncludes else {
            throw .fatal(
                "more than \(limits.maxIncludes) includes in one load (the limit on XInclude fan-out; split the file or include fewer copies)"
            )
        }
        if let parse = LibXMLNode.attribute(element, "parse"), parse != "xml" {
            throw .fatal("parse='\(parse)' is not supported (only parse='xml')")
        }
        if LibXMLNode.attribute(element, "xpointer") != nil { throw .fatal("xpointer is not supported") }
        guard !href.isEmpty else { throw .fatal("an empty href (the document itself) is not supported") }
        if let scheme = href.range(of: "://"), !href.hasPrefix("file://"),
            href[..<scheme.lowerBound].allSatisfy(\.isLetter)
        {
            throw .resource("network addresses are not read (only files below \(allowedFolder))")
        }
        let path = URL(fileURLWithPath: NodeFiles.resolve(href, relativeTo: file)).standardizedFileURL
            .resolvingSymlinksInPath().path
        if chain.contains(path) {
            let cycle = (chain.drop { $0 != path } + [path]).map { URL(fileURLWithPath: $0).lastPathComponent }
            throw .fatal("the file includes itself: \(cycle.joined(separator: " -> "))")
        }
        guard chain.count <= limits.maxIncludeDepth else {
            throw .fatal(
                "includes nested more than \(limits.maxIncludeDepth) deep (the limit on include depth; there is no cycle)"
            )
        }
        guard path.hasPrefix(allowedFolder == "/" ? "/" : allowedFolder + "/") else {
            throw .resource("'\(path)' is outside \(allowedFolder), the folder included files must lie in")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes else { throw .resource("'\(path)' does not exist or cannot be read") }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw .resource("'\(path)' is not a regular file (a pipe, device or folder is never read)")
        }
        if let size = attributes[.size] as? Int, size > limits.maxFileBytes {
            throw .resource("'\(path)' is larger than \(limits.maxFileBytes) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .resource("'\(path)' cannot be read")
        }
        let bytes = [UInt8](data)
        sources.register(SourceDecoding.text(of: bytes), for: path)
        if let problem = EntityGuard.problem(in: bytes, file: path) {
            diagnostics.append(problem)
            throw .fatal("the included file declares entities")
        }
        let buffer = CBuffer(bytes: bytes)
        let included = withExtendedLifetime(buffer) {
            xmlReadMemory(buffer.pointer, buffer.count, path, nil, XMLReader.parseOptions)
        }
        guard let included else { throw .resource("'\(path)' is not well-formed XML (see the errors above)") }
        defer { xmlFreeDoc(included) }
        guard let root = xmlDocGetRootElement(included) else { throw .resource("'\(path)' has no root element") }
        let count = ElementBudget.elements(in: root, cap: budget.limit)
        guard budget.charge(count) else {
            throw .fatal(
                "including '\(URL(fileURLWithPath: path).lastPathComponent)' passes the element limit: \(limits.raiseElementsHint)"
            )
        }
        guard let copy = xmlDocCopyNode(root, doc, 1) else { throw .fatal("out of memory copying '\(path)'") }
        return (copy, path)
    }

    private func location(of node: UnsafeMutablePointer<xmlNode>, in file: String) -> SourceLocation {
        let line = Int(xmlGetLineNo(node))
        let prefix = node.pointee.ns?.pointee.prefix.map { String(cString: $0) + ":" } ?? ""
        return SourceLocation(
            file: file, line: line, column: sources.column(ofElement: prefix + "include", on: line, in: file) ?? 0)
    }

    static func isXInclude(_ node: UnsafeMutablePointer<xmlNode>, named name: String) -> Bool {
        guard node.pointee.type == XML_ELEMENT_NODE, let ns = node.pointee.ns?.pointee.href,
            namespaces.contains(String(cString: ns)), let local = node.pointee.name
        else { return false }
        return String(cString: local) == name
    }


}
