import Foundation
import Testing

@testable import Topology

/// `<repeat>` expanded on Swift values and validated by streaming must give exactly the tree
/// (names, attributes, order, file:line:column) that expanding and validating the libxml2 tree
/// gives, and must hand every problem to the libxml2 path so that its diagnostics are unchanged.
@Suite("Repeat expansion in Swift")
struct SwiftRepeatExpansionTests {
    /// Both readings of `text` (as `file`): in Swift first, and in libxml2 only.
    private func readBothWays(_ text: String, file: String) -> (swift: XMLReader.Result, libxml2: XMLReader.Result) {
        func read(_ inSwift: Bool) -> XMLReader.Result {
            let sources = SourceTexts()
            return XMLReader.read(
                text: text, file: file, schema: TopologySchema.xsd, sources: sources,
                transform: TopologyLoader.expandRepeats(sources), expandRepeatsInSwift: inSwift)
        }
        return (read(true), read(false))
    }

    /// The tree as text: every element with its location, attributes in order and children.
    private func describe(_ element: XMLElement?) -> String {
        guard let element else { return "nil" }
        let attributes = element.attributes.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        let location = "\(element.location.file):\(element.location.line):\(element.location.column)"
        return "<\(element.name)@\(location) \(attributes)>" + element.children.map(describe).joined() + "</>"
    }

    private func describe(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { "\($0.location.file):\($0.location.line):\($0.location.column) \($0.message)" }
    }

    @Test func nestedRepeatsGiveTheSameTreeAsLibXML2() throws {
        let body = """
              <!-- two root ports, each with a switch of three GPUs; the third port has none -->
              <repeat count="2" var="p" start="1">
                <rootPort id="rp{p}" device="{p}" gen="5" width="16">
                  <switch id="sw{p}" gen="5" width="16" latency="115 ns" label="switch {{{p}}} of {{2}}">
                    <repeat count="3" var="i">
                      <repeat count="1" var="k" start="i * 10">
                        <downstreamPort id="dp{p}.{i}">
                          <endpoint id="gpu{(p - 1) * 3 + i}" kind="gpu" pciId="10de:2330" gen="5" width="16"
                              label="{k % 7}-{-k / 3} R&amp;D &#38;#38; é"><!-- a comment --><?pi ignored?>
                            <bar index="1" size="1 GiB" bits="64" prefetchable="true" exposes="memory"/>
                            <memory capacity="80 GiB" bandwidth="3350 GB/s" latency="500 ns"/>
                          </endpoint>
                        </downstreamPort>
                      </repeat>
                    </repeat>
                  </switch>
                </rootPort>
              </repeat>
              <repeat count="0" var="unused"><rootPort id="never" gen="5" width="16"/></repeat>
            """
        let (swift, libxml2) = readBothWays(topologyText(body: body), file: "nested.xml")
        #expect(swift.expandedInSwift)
        #expect(!libxml2.expandedInSwift)
        #expect(swift.root != nil)
        #expect(describe(swift.root) == describe(libxml2.root))
        #expect(describe(swift.diagnostics) == describe(libxml2.diagnostics))
        let tree = describe(swift.root)
        #expect(tree.contains("label=switch {2} of {2}"))
        #expect(tree.contains("id=gpu5") && tree.contains("label=6--6 R&D &#38; é"))
        #expect(!tree.contains("never"))
    }

    @Test func bundledTopologiesGiveTheSameTree() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: bundledTopologies.path)
            .filter { $0.hasSuffix(".xml") }.sorted()
        #expect(!files.isEmpty)
        for name in files {
            let path = bundledTopologies.appendingPathComponent(name).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let (swift, libxml2) = readBothWays(text, file: path)
            #expect(swift.expandedInSwift, "\(name)")
            #expect(describe(swift.root) == describe(libxml2.root), "\(name)")
            #expect(describe(swift.diagnostics) == describe(libxml2.diagnostics), "\(name)")
        }
    }

    /// Copies of an included element come from the included file, in both paths (libxml2 copies
    /// used to take the including file with the included file's line, or the file of a freed
    /// node whose address they reused); a repeat inside an included file keeps that file.
    @Test func includedFilesAndRepeatsKeepTheirFiles() throws {
        let folder = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        <rootPort id="rp{i}" device="{i + 1}" gen="4" width="8"/>
        """.write(to: folder.appendingPathComponent("port.xml"), atomically: true, encoding: .utf8)
        try """
        <rootComplex id="rc1" hostBridge="1022:1480" p2p="none">
          <repeat count="2" var="j"><rootPort id="inner{j}" device="{j + 8}" gen="4" width="8"/></repeat>
        </rootComplex>
        """.write(to: folder.appendingPathComponent("complex.xml"), atomically: true, encoding: .utf8)
        let main = topologyText(
            body: """
                  <repeat count="3" var="i"><xi:include href="port.xml"/></repeat>
                  <rootPort id="single" device="20" gen="4" width="8"/>
                """
        ).replacingOccurrences(
            of: "<topology name=\"t\"", with: "<topology xmlns:xi=\"http://www.w3.org/2001/XInclude\" name=\"t\""
        )
        .replacingOccurrences(of: "</socket>", with: "<xi:include href=\"complex.xml\"/></socket>")
        let path = folder.appendingPathComponent("main.xml").path
        let (swift, libxml2) = readBothWays(main, file: path)
        #expect(swift.expandedInSwift)
        #expect(swift.root != nil)
        #expect(describe(swift.root) == describe(libxml2.root))
        let tree = describe(swift.root)
        #expect(tree.contains("port.xml:1:1 id=rp2,device=3"))
        #expect(tree.contains("complex.xml:2:29 id=inner0"))
        #expect(tree.contains("complex.xml:2:29 id=inner1"))
    }

    /// The streaming validation refuses what the schema refuses, and then the libxml2 path
    /// reports it: same diagnostics as without the Swift expansion.
    @Test func problemsAreReportedByTheLibXML2Path() {
        let cases = [
            // Valid before expansion, invalid after: width 16 * 3 = 48 is no link width.
            #"<repeat count="2" var="i"><rootPort id="rp{i}" gen="5" width="{16 * (i + 2)}"/></repeat>"#,
            // An attribute the schema does not know, in a copy.
            #"<repeat count="2" var="i"><rootPort id="rp{i}" gen="5" width="16" colour="red"/></repeat>"#,
            // Repeat errors: no var, a misplaced brace, an unknown variable, a negative count.
            #"<repeat count="2"><rootPort id="rp" gen="5" width="16"/></repeat>"#,
            #"<repeat count="2" var="i"><rootPort id="rp{i}}" gen="5" width="16"/></repeat>"#,
            #"<repeat count="2" var="i"><rootPort id="rp{j}" gen="5" width="16"/></repeat>"#,
            #"<repeat count="-1" var="i"><rootPort id="rp{i}" gen="5" width="16"/></repeat>"#,
            // Character content where the schema allows none, as text and as CDATA.
            #"<repeat count="1" var="i"><rootPort id="rp{i}" gen="5" width="16">text</rootPort></repeat>"#,
            #"<repeat count="1" var="i"><rootPort id="rp{i}" gen="5" width="16"><![CDATA[ ]]></rootPort></repeat>"#,
        ]
        for body in cases {
            let (swift, libxml2) = readBothWays(topologyText(body: body), file: "bad.xml")
            #expect(!swift.expandedInSwift, "\(body)")
            #expect(swift.root == nil, "\(body)")
            #expect(!swift.diagnostics.isEmpty, "\(body)")
            #expect(describe(swift.diagnostics) == describe(libxml2.diagnostics), "\(body)")
        }
    }

    /// The element budget is charged once: a repeat that reaches the limit exactly (6 elements
    /// as written, 10 copies) still loads after the Swift attempt, which charges a copy of it.
    @Test func theElementLimitIsChargedOnce() {
        let text = topologyText(
            body: #"<repeat count="10" var="i"><rootPort id="rp{i}" device="{i}" gen="5" width="16"/></repeat>"#)
        let sources = SourceTexts()
        var limits = LoadLimits()
        limits.maxElements = 16
        let result = XMLReader.read(
            text: text, file: "limit.xml", schema: TopologySchema.xsd, sources: sources, limits: limits,
            transform: TopologyLoader.expandRepeats(sources), expandRepeatsInSwift: true)
        #expect(result.expandedInSwift)
        #expect(result.root != nil)
        limits.maxElements = 15
        let refused = XMLReader.read(
            text: text, file: "limit.xml", schema: TopologySchema.xsd, sources: sources, limits: limits,
            transform: TopologyLoader.expandRepeats(sources), expandRepeatsInSwift: true)
        #expect(!refused.expandedInSwift)
        #expect(refused.root == nil)
        #expect(refused.diagnostics.contains { $0.message.contains("more than 15 elements") })
    }
}
