import Foundation
import Testing

@testable import Topology

@Suite("XInclude and repeat")
struct IncludeAndRepeatTests {
    @Test func repeatGeneratesNumberedDevices() throws {
        let body = """
                  <repeat count="4" var="s">
                    <rootPort id="rp{s}" device="{s+1}" gen="4" width="16">
                      <switch id="sw{s}" gen="4" width="16" latency="105 ns">
                        <repeat count="8" var="i">
                          <downstreamPort id="sw{s}.dp{i}">
                            <endpoint id="gpu{8*s+i}" kind="gpu" pciId="10de:20b0" gen="4" width="16" label="{{raw}}"/>
                          </downstreamPort>
                        </repeat>
                      </switch>
                    </rootPort>
                  </repeat>
            """
        let topology = try TopologyLoader.load(text: topologyText(body: body), file: "t.xml")
        let gpus = topology.endpoints(ofKind: .gpu).map { topology.nodes[$0].id }
        #expect(gpus == (0..<32).map { "gpu\($0)" })
        #expect(topology.switches.count == 4)
        #expect(topology.nodes[topology.nodeIndex(of: "gpu31") ?? 0].endpoint?.label == "{raw}")
        // Copies keep the line of the original element.
        #expect(topology.nodes[topology.nodeIndex(of: "gpu17") ?? 0].location.line == 11)
    }

    @Test func repeatErrorsPointAtTheRepeat() {
        let body = """
                  <repeat count="2" var="i">
                    <rootPort id="rp{j}" device="1" gen="4" width="16"/>
                  </repeat>
            """
        let found = diagnostics(of: topologyText(body: body))
        #expect(found.first?.message.contains("unknown repeat variable 'j'") == true)
        #expect(found.first?.location.line == 7)
    }

    @Test func runawayRepeatIsRefused() {
        let body = """
                  <repeat count="1000000000" var="i">
                    <rootPort id="rp{i}" device="1" gen="4" width="16"/>
                  </repeat>
            """
        #expect(diagnostics(of: topologyText(body: body)).contains { $0.message.contains("more than") })
    }

    @Test func xincludeReadsNodeFilesAndReportsTheirLines() throws {
        let directory = try scratchDirectory()
        let node = """
            <?xml version="1.0"?>
            <rootPort id="rp0" device="1" gen="4" width="16">
              <endpoint id="gpu0" kind="gpu" pciId="10de:20b0" gen="4" width="16" mps="300 B"/>
            </rootPort>
            """
        try node.write(to: directory.appendingPathComponent("node.xml"), atomically: true, encoding: .utf8)
        let main = topologyText(body: "<xi:include href=\"node.xml\" xmlns:xi=\"http://www.w3.org/2001/XInclude\"/>")
        let mainURL = directory.appendingPathComponent("rack.xml")
        try main.write(to: mainURL, atomically: true, encoding: .utf8)
        let found: [Diagnostic]
        do {
            _ = try TopologyLoader.load(contentsOf: mainURL.path)
            found = []
        } catch {
            found = error.diagnostics
        }
        #expect(found.count == 1)
        #expect(found.first?.location.file.hasSuffix("node.xml") == true)
        #expect(found.first?.location.line == 3)
        #expect(found.first?.message.contains("power of two") == true)
    }

    @Test func xincludeLoopAndMissingFileAreErrors() throws {
        let directory = try scratchDirectory()
        let loop = """
            <?xml version="1.0"?>
            <topology name="loop" version="1" xmlns:xi="http://www.w3.org/2001/XInclude">
              <xi:include href="loop.xml"/>
            </topology>
            """
        let loopURL = directory.appendingPathComponent("loop.xml")
        try loop.write(to: loopURL, atomically: true, encoding: .utf8)
        #expect(throws: TopologyLoadError.self) { try TopologyLoader.load(contentsOf: loopURL.path) }
        let missing = topologyText(
            body: "<xi:include href=\"nowhere.xml\" xmlns:xi=\"http://www.w3.org/2001/XInclude\"/>")
        let missingURL = directory.appendingPathComponent("missing.xml")
        try missing.write(to: missingURL, atomically: true, encoding: .utf8)
        #expect(throws: TopologyLoadError.self) { try TopologyLoader.load(contentsOf: missingURL.path) }
    }

    @Test func aMissingFileSaysSo() {
        #expect(throws: TopologyLoadError.self) { try TopologyLoader.load(contentsOf: "/nonexistent/topology.xml") }
    }
}
