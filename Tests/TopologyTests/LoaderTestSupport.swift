import Foundation
import Testing

@testable import Topology

/// A minimal valid topology, with `{{BODY}}` where a test inserts elements under the root
/// complex, and `{{TOP}}` for elements under <topology>.
let minimalTopology = """
    <?xml version="1.0"?>
    <topology name="t" version="1">
      <socket id="cpu0" vendor="amd" family="0x19">
        <memory capacity="64 GiB" bandwidth="100 GB/s" latency="90 ns"/>
        <rootComplex id="rc0" hostBridge="1022:1480" p2p="readwrite">
    {{BODY}}
        </rootComplex>
      </socket>
    {{TOP}}
    </topology>
    """

/// The minimal topology with `body` under the root complex and `top` under the root.
func topologyText(body: String = "", top: String = "") -> String {
    minimalTopology.replacingOccurrences(of: "{{BODY}}", with: body).replacingOccurrences(of: "{{TOP}}", with: top)
}

/// The diagnostics of loading `text`, or an empty list when it loads.
func diagnostics(of text: String, file: String = "test.xml") -> [Diagnostic] {
    do {
        let topology = try TopologyLoader.load(text: text, file: file)
        return topology.warnings
    } catch {
        return error.diagnostics
    }
}

/// A scratch directory for tests that need files on disk (XInclude).
func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("p2psim-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The repository's topologies/ folder.
let bundledTopologies: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("topologies")
