import Foundation
import Testing
import Topology

@testable import DynamicBuffers

/// The repository's root, found from this file.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A timeline over `topology` (a bundled topology's file name without `.xml`) with `body`
/// between the topology and the end, loaded as if it were `scenarios/dynamic/test.xml`.
func timeline(_ topology: String, _ body: String) throws -> TimelineScenario {
    let text = """
        <?xml version="1.0" encoding="UTF-8"?>
        <timeline name="test" version="1">
          <topology href="../../topologies/\(topology).xml"/>
        \(body)
        </timeline>
        """
    return try TimelineLoader.load(text: text, file: repositoryRoot + "/scenarios/dynamic/test.xml")
}

/// Runs `body` on `topology` and checks the run's own invariants held.
func run(_ topology: String, _ body: String) throws -> TimelineRun {
    let run = BufferTimeline.run(try timeline(topology, body))
    #expect(run.violations.isEmpty, "invariants: \(run.violations)")
    return run
}

/// The diagnostics of loading `body` on `topology`, empty when it loads.
func diagnostics(_ topology: String, _ body: String) -> [Diagnostic] {
    do {
        _ = try timeline(topology, body)
        return []
    } catch let error as TimelineLoadError {
        return error.diagnostics
    } catch {
        return []
    }
}
