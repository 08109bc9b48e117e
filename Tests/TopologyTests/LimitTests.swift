import Foundation
import Testing

@testable import Topology

/// The loader's bounds and ranges: every hostile input of issue 18 ends in diagnostics with a
/// location, quickly, never in a trap or unbounded memory.
@Suite("Limits and ranges")
struct LimitTests {
    private func errors(_ body: String, limits: LoadLimits = LoadLimits()) -> [Diagnostic] {
        do {
            _ = try TopologyLoader.load(text: topologyText(body: body), file: "t.xml", limits: limits)
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }
        }
    }

    private func rootPort(id: String) -> String { "<rootPort id=\"\(id)\" device=\"1\" gen=\"4\" width=\"16\"/>" }

    @Test(arguments: [
        ("<rootPort id=\"rp\" device=\"256\" gen=\"4\" width=\"16\"/>", "a PCI device number from 0 to 31"),
        ("<rootPort id=\"rp\" device=\"32\" gen=\"4\" width=\"16\"/>", "a PCI device number from 0 to 31"),
        (
            "<rootPort id=\"rp\" device=\"1\" function=\"8\" gen=\"4\" width=\"16\"/>",
            "a PCI function number from 0 to 7"
        ),
        ("<endpoint id=\"e\" kind=\"nic\" pciId=\"15b3:1017\" function=\"300\"/>", "a PCI function number from 0 to 7"),
    ])
    func pciFieldsOutOfRangeAreRefused(body: String, expected: String) {
        let found = errors(body)
        #expect(found.contains { $0.message.contains(expected) && $0.location.line == 6 && $0.location.column > 0 })
    }

    @Test func rootComplexBusBeyond255IsRefused() {
        let text = topologyText().replacingOccurrences(of: "p2p=\"readwrite\"", with: "p2p=\"readwrite\" bus=\"256\"")
        #expect(diagnostics(of: text).contains { $0.message.contains("a PCI bus number from 0 to 255") })
    }

    @Test(arguments: [
        ("latency=\"18446744073709551615 ps\"", "a latency from 0 ps to 1 s"),
        ("latency=\"1e30 s\"", "a latency from 0 ps to 1 s"),
    ])
    func switchLatenciesAreBounded(attribute: String, expected: String) {
        let body = """
                  <rootPort id="rp" device="1" gen="4" width="16">
                    <switch id="sw" gen="4" width="16" \(attribute)>
                      <downstreamPort id="dp"/>
                    </switch>
                  </rootPort>
            """
        #expect(errors(body).contains { $0.message.contains(expected) && $0.location.line == 7 })
    }

    @Test(arguments: ["1e-308 GB/s", "0 GB/s", "10 B/s"])
    func ratesAndBandwidthsAreBounded(rate: String) {
        let body = """
                  <rootPort id="rp" device="1" gen="4" width="16">
                    <endpoint id="gpu0" kind="gpu" pciId="10de:20b0" gen="4" width="16">
                      <memory capacity="40 GiB" bandwidth="\(rate)" latency="500 ns"/>
                      <dma engines="3" rate="\(rate)"/>
                    </endpoint>
                  </rootPort>
            """
        let found = errors(body)
        #expect(found.contains { $0.message.contains("bandwidth from 1 MB/s") && $0.location.line == 8 })
        #expect(found.contains { $0.message.contains("attribute 'rate'") && $0.location.line == 9 })
    }

    @Test func repeatCountsAndStartsNearTheLimitAreRefused() {
        let huge = errors("<repeat count=\"9223372036854775807\" var=\"i\">\(rootPort(id: "rp{i}"))</repeat>")
        #expect(huge.first?.message.contains("more than 250000 elements") == true)
        #expect(huge.first?.message.contains("P2PSIM_MAX_ELEMENTS") == true)
        let start = errors(
            "<repeat count=\"2\" start=\"9223372036854775807\" var=\"i\">\(rootPort(id: "rp{i}"))</repeat>")
        #expect(start.first?.message.contains("overflows") == true)
        #expect(start.first?.location.line == 6)
    }

    @Test func theElementLimitCountsEveryCopyAndNestedRepeats() {
        // 1,000 copies of a 3-element subtree: 3,000 elements, over a 2,000 limit; the old limit
        // counted only the 1,000 top-level copies.
        let subtree = """
            <repeat count="1000" var="i"><rootPort id="rp{i}" device="1" gen="4" width="16">
            <switch id="sw{i}" gen="4" width="16" latency="1 ns"><downstreamPort id="dp{i}"/></switch></rootPort></repeat>
            """
        let limits = LoadLimits(maxElements: 2_000)
        #expect(errors(subtree, limits: limits).contains { $0.message.contains("more than 2000 elements") })
        let nested =
            "<repeat count=\"100\" var=\"i\"><repeat count=\"100\" var=\"j\">\(rootPort(id: "rp{i}_{j}"))</repeat></repeat>"
        #expect(errors(nested, limits: limits).contains { $0.message.contains("more than 2000 elements") })
    }

    @Test(arguments: [
        "-(-9223372036854775807-1)", "(-9223372036854775807-1)/-1", "(-9223372036854775807-1)%-1",
        "9223372036854775807+1", "3037000500*3037000500",
    ])
    func expressionOverflowIsADiagnostic(expression: String) {
        #expect(throws: ExpressionError.self) { try IntegerExpression.evaluate(expression, bindings: [:]) }
        let found = errors("<repeat count=\"1\" var=\"i\">\(rootPort(id: "rp{\(expression)}"))</repeat>")
        #expect(found.first?.message.contains("overflow") == true)
    }

    @Test func deepExpressionsNeedNoRecursion() throws {
        // 9,999 unary minuses and 4,000 nested parentheses evaluate on explicit stacks.
        #expect(try IntegerExpression.evaluate(String(repeating: "-", count: 9_998) + "1", bindings: [:]) == 1)
        let nested = String(repeating: "(", count: 4_000) + "i" + String(repeating: ")", count: 4_000)
        #expect(try IntegerExpression.evaluate(nested, bindings: ["i": 3]) == 3)
        // 20,000 used to overflow the stack of the recursive parser.
        #expect(throws: ExpressionError.self) {
            try IntegerExpression.evaluate(String(repeating: "-", count: 20_000) + "1", bindings: [:])
        }
    }

    @Test func expressionsKeepTheirMeaning() throws {
        #expect(try IntegerExpression.evaluate("4*s+i", bindings: ["s": 2, "i": 3]) == 11)
        #expect(try IntegerExpression.evaluate("-2*-3 - (7 % 4) / 2", bindings: [:]) == 5)
        #expect(try IntegerExpression.evaluate("10 - 4 - 3", bindings: [:]) == 3)
        #expect(try IntegerExpression.evaluate("-(2+3)*2", bindings: [:]) == -10)
        #expect(throws: ExpressionError.self) { try IntegerExpression.evaluate("1/0", bindings: [:]) }
        #expect(throws: ExpressionError.self) { try IntegerExpression.evaluate("(1", bindings: [:]) }
        #expect(throws: ExpressionError.self) { try IntegerExpression.evaluate("1)", bindings: [:]) }
        #expect(throws: ExpressionError.self) { try IntegerExpression.evaluate("1 +", bindings: [:]) }
    }

    @Test func entityDeclarationsAreRefusedBeforeParsing() {
        // An entity used 10,000 times in one attribute took libxml2 over 100 s to build.
        let text = topologyText().replacingOccurrences(
            of: "<?xml version=\"1.0\"?>",
            with:
                "<?xml version=\"1.0\"?>\n<!DOCTYPE topology [<!ENTITY e \"\(String(repeating: "x", count: 1_000))\">]>"
        ).replacingOccurrences(of: "name=\"t\"", with: "name=\"\(String(repeating: "&e;", count: 10_000))\"")
        let started = ContinuousClock.now
        let found = diagnostics(of: text)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(found.first?.message.contains("entity declarations are not supported") == true)
        #expect(found.first?.location.line == 2)
    }

    @Test func entityDeclarationsInUTF16WithoutAByteOrderMarkAreRefusedToo() throws {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE topology [<!ENTITY e \"x\">]>\n<topology/>\n"
        let bytes = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        do {
            _ = try TopologyLoader.load(bytes: bytes, file: "utf16.xml")
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.first?.message.contains("entity declarations are not supported") == true)
            #expect(error.diagnostics.first?.location.line == 2)
        }
    }
}
