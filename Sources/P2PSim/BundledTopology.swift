import Foundation
import HwlocImport
import Topology

/// The topologies built into the binary, so that commands work without a file.
public enum BundledTopology {
    /// The name of the topology used when a command gets no file.
    public static let defaultName = "default"

    /// The text of the default topology (topologies/default.xml, embedded at build time).
    public static var defaultText: String { String(decoding: PackageResources.default_xml, as: UTF8.self) }

    /// Loads the file at `path`, or the embedded default topology when `path` is nil.
    ///
    /// An hwloc XML file (`lstopo --of xml`) is recognised and imported with the default options.
    ///
    /// - Throws: `TopologyLoadError` with every problem found.
    public static func load(_ path: String?) throws(TopologyLoadError) -> Topology {
        guard let path else {
            return try TopologyLoader.load(text: defaultText, file: "<built-in default topology>")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return try TopologyLoader.load(contentsOf: path)
        }
        let text = String(decoding: data, as: UTF8.self)
        if HwlocImporter.isHwloc(text: text, file: path) {
            return try HwlocImporter.load(text: text, file: path)
        }
        return try TopologyLoader.load(bytes: [UInt8](data), file: path)
    }
}
