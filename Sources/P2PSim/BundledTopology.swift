import Foundation
import HwlocImport
import Topology

/// The topologies built into the binary, so that commands work without a file and the bundled
/// machines can be named (`p2psim show hgx-h100`) from any directory.
public enum BundledTopology {
    /// The name of the topology used when a command gets no file.
    public static let defaultName = "default"

    /// The bundled topologies by name (topologies/NAME.xml, embedded at build time), in
    /// alphabetical order.
    public static let names = [
        "abci-a100x8", "abci-v100x4", "default", "dgx-a100", "dgx1-v100", "dgx2-v100x16", "dual-xeon-a100pcie4",
        "gpudirect-storage",
        "hgx-h100", "intel-client", "lambda-titanrtx8", "mi250x-node", "mi300x-8", "workstation-pcie-switch",
        "wrx80-rtx4090", "wrx80-rtx6000ada", "x12spa-rtx6000ada",
    ]

    /// The text of the default topology (topologies/default.xml, embedded at build time).
    public static var defaultText: String { String(decoding: PackageResources.default_xml, as: UTF8.self) }

    /// The text of the bundled topology `name` (with or without `.xml`, with or without a
    /// leading `topologies/`), or nil when there is none of that name.
    public static func text(named name: String) -> String? {
        var key = name
        if key.hasPrefix("topologies/") { key.removeFirst("topologies/".count) }
        if key.hasSuffix(".xml") { key.removeLast(4) }
        let bytes: [UInt8]
        switch key {
        case "abci-a100x8": bytes = PackageResources.abci_a100x8_xml
        case "abci-v100x4": bytes = PackageResources.abci_v100x4_xml
        case "default": bytes = PackageResources.default_xml
        case "dgx-a100": bytes = PackageResources.dgx_a100_xml
        case "dgx1-v100": bytes = PackageResources.dgx1_v100_xml
        case "dgx2-v100x16": bytes = PackageResources.dgx2_v100x16_xml
        case "dual-xeon-a100pcie4": bytes = PackageResources.dual_xeon_a100pcie4_xml
        case "gpudirect-storage": bytes = PackageResources.gpudirect_storage_xml
        case "hgx-h100": bytes = PackageResources.hgx_h100_xml
        case "intel-client": bytes = PackageResources.intel_client_xml
        case "lambda-titanrtx8": bytes = PackageResources.lambda_titanrtx8_xml
        case "mi250x-node": bytes = PackageResources.mi250x_node_xml
        case "mi300x-8": bytes = PackageResources.mi300x_8_xml
        case "workstation-pcie-switch": bytes = PackageResources.workstation_pcie_switch_xml
        case "wrx80-rtx4090": bytes = PackageResources.wrx80_rtx4090_xml
        case "wrx80-rtx6000ada": bytes = PackageResources.wrx80_rtx6000ada_xml
        case "x12spa-rtx6000ada": bytes = PackageResources.x12spa_rtx6000ada_xml
        default: return nil
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where a topology argument points.
    public enum Source: Sendable, Equatable {
        /// The built-in default (no argument).
        case builtInDefault
        /// A file that exists.
        case file(String)
        /// A bundled topology named by the argument, which names no file.
        case bundled(name: String)
        /// Neither a file nor a bundled name.
        case missing(String)
    }

    /// Resolves a topology argument: an existing file wins over a bundled name of the same
    /// spelling.
    public static func resolve(_ argument: String?) -> Source {
        guard let argument else { return .builtInDefault }
        if FileManager.default.fileExists(atPath: argument) { return .file(argument) }
        if text(named: argument) != nil { return .bundled(name: argument) }
        return .missing(argument)
    }

    /// Says why `argument` names no topology, with the bundled names to choose from.
    public static func missingMessage(_ argument: String) -> String {
        "no file '\(argument)', and no bundled topology of that name (bundled: \(names.joined(separator: ", ")))"
    }

    /// Loads the file at `path`, the bundled topology `path` names when no such file exists, or
    /// the embedded default topology when `path` is nil.
    ///
    /// An hwloc XML file (`lstopo --of xml`) is recognised and imported with the default options.
    ///
    /// - Throws: `TopologyLoadError` with every problem found.
    public static func load(_ path: String?) throws(TopologyLoadError) -> Topology {
        switch resolve(path) {
        case .builtInDefault:
            return try TopologyLoader.load(text: defaultText, file: "<built-in default topology>")
        case .bundled(let name):
            return try TopologyLoader.load(text: text(named: name) ?? "", file: "<bundled \(name)>")
        case .file(let path), .missing(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                return try TopologyLoader.load(contentsOf: path)
            }
            let text = String(decoding: data, as: UTF8.self)
            if HwlocImporter.isHwloc(text: text, file: path) {
                return try HwlocImporter.load(text: text, file: path)
            }
            // The bytes go to libxml2, which honours the declared encoding.
            return try TopologyLoader.load(bytes: [UInt8](data), file: path)
        }
    }
}
