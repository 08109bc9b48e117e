import CLibXML2
import Foundation

/// Loads topology files: libxml2 parsing (safe options), XInclude, `<repeat>` expansion,
/// schema validation, then the semantic checks of the model builder.
public enum TopologyLoader {
    /// Loads the topology in `path`.
    ///
    /// - Throws: `TopologyLoadError` with every problem found (file:line:column each).
    public static func load(contentsOf path: String) throws(TopologyLoadError) -> Topology {
        // Only a regular file of bounded size is read: a pipe, /dev/stdin or /dev/zero would
        // block or never end.
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let attributes, attributes[.type] as? FileAttributeType != .typeRegular {
            throw TopologyLoadError(diagnostics: [
                Diagnostic(
                    .error, at: SourceLocation(file: path, line: 0),
                    "the file is not a regular file (a pipe, device or folder is never read)")
            ])
        }
        if let size = attributes?[.size] as? Int, size > LoadLimits.current.maxFileBytes {
            throw TopologyLoadError(diagnostics: [
                Diagnostic(
                    .error, at: SourceLocation(file: path, line: 0),
                    "the file is larger than \(LoadLimits.current.maxFileBytes) bytes, the limit on one file")
            ])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw TopologyLoadError(diagnostics: [
                Diagnostic(.error, at: SourceLocation(file: path, line: 0), "the file \(reason)")
            ])
        }
        return try load(bytes: [UInt8](data), file: path)
    }

    /// Loads a topology from the bytes of `file`, decoded as its byte-order mark or XML
    /// declaration says (UTF-8, UTF-16, ISO-8859-1...).
    ///
    /// - Throws: `TopologyLoadError` with every problem found.
    public static func load(
        bytes: [UInt8], file: String, limits: LoadLimits = .current
    ) throws(TopologyLoadError) -> Topology {
        let sources = SourceTexts()
        let result = XMLReader.read(
            bytes: bytes, file: file, schema: TopologySchema.xsd, sources: sources, limits: limits,
            transform: expandRepeats(sources), expandRepeatsInSwift: true)
        return try build(result, file: file, sources: sources)
    }

    /// Loads a topology from `text`, reporting locations in `file` (relative XIncludes resolve
    /// against it).
    ///
    /// - Throws: `TopologyLoadError` with every problem found.
    public static func load(
        text: String, file: String, limits: LoadLimits = .current
    ) throws(TopologyLoadError) -> Topology {
        let sources = SourceTexts()
        let result = XMLReader.read(
            text: text, file: file, schema: TopologySchema.xsd, sources: sources, limits: limits,
            transform: expandRepeats(sources), expandRepeatsInSwift: true)
        return try build(result, file: file, sources: sources)
    }

    /// Repeats are expanded before validation; copies keep the originals' lines.
    static func expandRepeats(
        _ sources: SourceTexts
    ) -> (UnsafeMutablePointer<xmlNode>, NodeFiles, inout [Diagnostic]) -> Void {
        { root, files, diagnostics in
            var expander = RepeatExpander(files: files, sources: sources)
            expander.expand(root)
            diagnostics += expander.diagnostics
        }
    }

    private static func build(
        _ result: XMLReader.Result, file: String, sources: SourceTexts
    ) throws(TopologyLoadError) -> Topology {
        guard let root = result.root else { throw TopologyLoadError(diagnostics: result.diagnostics) }
        if root.name != "topology" {
            throw TopologyLoadError(diagnostics: [
                Diagnostic(.error, at: root.location, "the root element is <\(root.name)>, not <topology>")
            ])
        }
        var builder = TopologyBuilder(sources: sources)
        guard var topology = builder.build(root, file: file) else {
            throw TopologyLoadError(diagnostics: result.diagnostics + builder.diagnostics)
        }
        topology.warnings = result.diagnostics.filter { $0.severity == .warning } + topology.warnings
        return topology
    }
}
