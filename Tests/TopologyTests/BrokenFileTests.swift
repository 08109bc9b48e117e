import Foundation
import Testing

@testable import Topology

@Suite("Broken topology files")
struct BrokenFileTests {
    @Test func malformedXMLReportsLineAndColumn() {
        let text = "<?xml version=\"1.0\"?>\n<topology name=\"t\" version=\"1\">\n  <socket id=\"cpu0\"\n</topology>\n"
        let found = diagnostics(of: text)
        #expect(found.first?.severity == .error)
        #expect(found.first?.location.file == "test.xml")
        #expect(found.first?.location.line == 4)
        #expect((found.first?.location.column ?? 0) > 0)
    }

    @Test func emptyAndTruncatedFilesAreRefused() {
        #expect(diagnostics(of: "").first?.severity == .error)
        let full = topologyText()
        for cut in stride(from: 10, to: full.utf8.count - 2, by: 37) {
            let truncated = String(decoding: Array(full.utf8.prefix(cut)), as: UTF8.self)
            #expect(diagnostics(of: truncated).contains { $0.severity == .error }, "truncated at \(cut)")
        }
    }

    @Test func schemaViolationNamesTheElementAndLine() {
        let body = """
                  <rootPort id="rp0" device="1" gen="7" width="16"/>
            """
        let found = diagnostics(of: topologyText(body: body))
        let error = found.first { $0.message.contains("'gen'") }
        #expect(error != nil)
        #expect(error?.location.line == 6)
        #expect(error?.location.column == 37)
        #expect(error?.message.contains("rootPort") == true)
    }

    @Test func unknownElementIsReported() {
        let found = diagnostics(of: topologyText(top: "  <gpu id=\"x\"/>"))
        #expect(found.contains { $0.severity == .error && $0.message.contains("gpu") && $0.location.line == 9 })
    }

    @Test func missingUnitSaysWhichAndWhere() {
        let body = """
                  <rootPort id="rp0" device="1" gen="4" width="16">
                    <switch id="sw0" gen="4" width="16" latency="105">
                      <downstreamPort id="dp0"/>
                    </switch>
                  </rootPort>
            """
        let found = diagnostics(of: topologyText(body: body))
        #expect(found.count == 1)
        #expect(found.first?.location.line == 7)
        #expect(found.first?.location.column == 45)
        #expect(found.first?.message.contains("'105' has no unit") == true)
        #expect(found.first?.message.contains("latency") == true)
    }

    @Test func badUnitsAreAllReportedAtOnce() {
        let body = """
                  <endpoint id="gpu0" kind="gpu" pciId="10de:1db1" gen="3" width="16" mps="256 bytes">
                    <memory capacity="16 GiB" bandwidth="900 GB" latency="1 minute"/>
                  </endpoint>
            """
        let found = diagnostics(of: topologyText(body: body)).filter { $0.severity == .error }
        #expect(found.count == 3)
        #expect(found.map(\.location.line) == [6, 7, 7])
        #expect(found[0].message.contains("unknown unit 'bytes'"))
        #expect(found[1].message.contains("unknown unit 'GB'"))
        #expect(found[2].message.contains("unknown unit 'minute'"))
    }

    @Test func duplicateIdsAndDoubleAttachment() {
        let body = """
                  <rootPort id="rp0" device="1" gen="4" width="16">
                    <endpoint id="gpu0" kind="gpu" pciId="10de:1db1" gen="4" width="16"/>
                  </rootPort>
                  <rootPort id="rp0" device="2" gen="4" width="16">
                    <endpoint id="gpu0" kind="gpu" pciId="10de:1db1" gen="4" width="16"/>
                  </rootPort>
            """
        let found = diagnostics(of: topologyText(body: body)).filter { $0.severity == .error }
        #expect(found.count == 2)
        #expect(found[0].message.contains("duplicate id 'rp0'") && found[0].message.contains("test.xml:6"))
        #expect(found[1].message.contains("device 'gpu0' is attached twice") && found[1].location.line == 10)
    }

    @Test func barChecks() {
        let body = """
                  <rootPort id="rp0" device="1" gen="4" width="16">
                    <endpoint id="gpu0" kind="gpu" pciId="10de:1db1" gen="4" width="16">
                      <bar index="0" size="3 MiB" bits="32" prefetchable="false"/>
                      <bar index="1" size="4 GiB" bits="32" prefetchable="true"/>
                      <bar index="2" size="1 PiB" bits="64" prefetchable="true" exposes="memory"/>
                      <bar index="3" size="16 MiB" bits="32" prefetchable="false"/>
                    </endpoint>
                  </rootPort>
            """
        let found = diagnostics(of: topologyText(body: body)).filter { $0.severity == .error }
        #expect(found.contains { $0.location.line == 8 && $0.message.contains("not a power of two") })
        #expect(found.contains { $0.location.line == 9 && $0.message.contains("32-bit address space") })
        #expect(found.contains { $0.location.line == 10 && $0.message.contains("larger than the 128 TiB") })
        #expect(found.contains { $0.location.line == 10 && $0.message.contains("has no <memory>") })
        #expect(found.contains { $0.location.line == 11 && $0.message.contains("overlaps") })
    }

    /// A function number is taken by the first endpoint that claims it; a BAR register slot by
    /// the last BAR that claimed it; each of mps and mrrs is checked on its own.
    @Test func functionsSlotsAndPayloadsAreCheckedPerDevice() {
        let body = """
                  <rootPort id="rp0" device="1" gen="4" width="16">
                    <endpoint id="f0" kind="gpu" pciId="10de:1db1" gen="4" width="16" mps="300 B" mrrs="8 KiB">
                      <bar index="0" size="16 MiB" bits="64" prefetchable="true"/>
                      <bar index="1" size="16 MiB" bits="32" prefetchable="true"/>
                      <bar index="1" size="16 MiB" bits="32" prefetchable="true"/>
                    </endpoint>
                    <endpoint id="f0b" kind="gpu" pciId="10de:1db1" gen="4" width="16"/>
                    <endpoint id="f1" kind="gpu" pciId="10de:1db1" gen="4" width="16" function="1"/>
                  </rootPort>
            """
        let found = diagnostics(of: topologyText(body: body)).filter { $0.severity == .error }.map {
            "\($0.location.line):\($0.location.column) \($0.message)"
        }
        #expect(
            found == [
                "7:75 <endpoint id='f0'> mps 300 B must be a power of two from 128 B to 4096 B (PCIe Base Specification 7.5.3.4)",
                "7:87 <endpoint id='f0'> mrrs 8 KiB must be a power of two from 128 B to 4096 B (PCIe Base Specification 7.5.3.4)",
                "9:16 BAR 1 of 'f0' overlaps the BAR declared at test.xml:8:11",
                "10:16 BAR 1 of 'f0' overlaps the BAR declared at test.xml:9:11",
                // f0b has no function attribute: the element, not f1's `function=` below it.
                "12:9 function 0 under 'rp0' is already taken by the endpoint at test.xml:7:9",
            ])
    }

    @Test func vendorLinkToADeviceThatCannotHaveOne() {
        let body = """
                  <rootPort id="rp0" device="1" gen="4" width="16">
                    <endpoint id="nic0" kind="nic" pciId="15b3:101b" gen="4" width="16"/>
                  </rootPort>
                  <rootPort id="rp1" device="2" gen="4" width="16">
                    <endpoint id="gpu0" kind="gpu" pciId="10de:1db1" gen="4" width="16"/>
                  </rootPort>
            """
        let top = """
              <nvlink a="gpu0" b="nic0" generation="2" links="1"/>
              <nvlink a="gpu0" b="gpu7" generation="2" links="1"/>
              <socketLink a="cpu0" b="rp0" kind="upi" links="2" bandwidth="20.8 GB/s" latency="100 ns"/>
            """
        let found = diagnostics(of: topologyText(body: body, top: top)).filter { $0.severity == .error }
        #expect(found.count == 3)
        #expect(found[0].message.contains("'nic0' is a nic, which cannot have an NVLink link"))
        #expect(found[1].message.contains("'gpu7' is not defined"))
        #expect(found[2].message.contains("'rp0' is not a socket"))
        #expect(found.map(\.location.line) == [14, 15, 16])
    }

    @Test func linkTrainingMismatchIsAWarning() throws {
        let body = """
                  <rootPort id="rp0" device="1" gen="3" width="8">
                    <endpoint id="gpu0" kind="gpu" pciId="10de:1db1" gen="4" width="16"/>
                  </rootPort>
            """
        let topology = try TopologyLoader.load(text: topologyText(body: body), file: "test.xml")
        #expect(topology.warnings.count == 1)
        #expect(topology.warnings[0].severity == .warning)
        #expect(topology.warnings[0].message.contains("trains to Gen3 x8"))
        #expect(topology.warnings[0].location.line == 7)
    }

    @Test func oneLinkLeadsToOneSwitch() {
        let body = """
                  <rootPort id="rp0" device="1" gen="4" width="16">
                    <switch id="a" gen="4" width="16" latency="105 ns"><downstreamPort id="a.0"/></switch>
                    <switch id="b" gen="4" width="16" latency="105 ns"><downstreamPort id="b.0"/></switch>
                  </rootPort>
            """
        let found = diagnostics(of: topologyText(body: body)).filter { $0.severity == .error }
        #expect(found.count == 1)
        #expect(found.first?.message.contains("one link") == true)
    }

    @Test func externalEntitiesAreNeverLoaded() throws {
        let directory = try scratchDirectory()
        let secret = directory.appendingPathComponent("secret.txt")
        try "TOPSECRET".write(to: secret, atomically: true, encoding: .utf8)
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE topology [ <!ENTITY xxe SYSTEM "file://\(secret.path)"> ]>
            <topology name="&xxe;" version="1"/>
            """
        let found = diagnostics(of: text)
        #expect(found.contains { $0.severity == .error })
        #expect(!found.contains { $0.message.contains("TOPSECRET") })
    }

    @Test func billionLaughsIsRefusedHarmlessly() {
        var entities = "<!ENTITY lol0 \"lol\">"
        for level in 1...10 {
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }
        let text =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE topology [\(entities)]>\n<topology name=\"&lol10;\" version=\"1\"/>\n"
        let found = diagnostics(of: text)
        #expect(found.contains { $0.severity == .error })
    }

    @Test func deepNestingIsRefused() {
        let depth = 5_000
        let text =
            "<?xml version=\"1.0\"?>\n" + String(repeating: "<a>", count: depth)
            + String(repeating: "</a>", count: depth)
        #expect(diagnostics(of: text).contains { $0.severity == .error })
    }

    @Test func hugeNumbersAreErrorsNotCrashes() {
        let body = """
                  <rootPort id="rp0" device="99999999999999999999999" gen="4" width="16">
                    <endpoint id="gpu0" kind="gpu" pciId="10de:1db1" gen="4" width="16" tags="99999999999999999999999">
                      <memory capacity="99999999999999999999 GiB" bandwidth="1e999 GB/s" latency="1e30 s"/>
                    </endpoint>
                  </rootPort>
            """
        // The schema refuses the device number and the tag count first, each at its line.
        let found = diagnostics(of: topologyText(body: body)).filter { $0.severity == .error }
        #expect(found.count >= 2)
        #expect(found.allSatisfy { $0.location.line > 0 && $0.location.column > 0 })
        #expect(found.contains { $0.message.contains("a PCI device number from 0 to 31") })
    }
}
