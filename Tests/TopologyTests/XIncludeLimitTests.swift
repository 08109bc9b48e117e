import Foundation
import Testing

@testable import Topology

/// XInclude as p2psim does it: bounded, only regular files below the loaded file's folder,
/// with real line numbers and `xi:fallback`; and declared encodings honoured.
@Suite("XInclude limits and encodings")
struct XIncludeLimitTests {
    private static let xi = "xmlns:xi=\"http://www.w3.org/2001/XInclude\""

    /// Writes `files` (name, text) to a new folder and loads the first.
    private func load(_ files: [(String, String)], limits: LoadLimits = LoadLimits()) throws -> [Diagnostic] {
        let directory = try scratchDirectory()
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(files[0].0)))
        do {
            let topology = try TopologyLoader.load(
                bytes: bytes, file: directory.appendingPathComponent(files[0].0).path, limits: limits)
            return topology.warnings
        } catch {
            return error.diagnostics
        }
    }

    private func main(_ include: String) -> String {
        topologyText(body: "\n      \(include)").replacingOccurrences(
            of: "version=\"1\"", with: "version=\"1\" \(Self.xi)")
    }

    @Test func aNamedPipeIsRefusedNotWaitedFor() throws {
        let directory = try scratchDirectory()
        let fifo = directory.appendingPathComponent("fifo.xml").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let mainFile = directory.appendingPathComponent("main.xml")
        try main("<xi:include href=\"fifo.xml\"/>").write(to: mainFile, atomically: true, encoding: .utf8)
        let found: [Diagnostic]
        do {
            _ = try TopologyLoader.load(contentsOf: mainFile.path)
            found = []
        } catch {
            found = error.diagnostics
        }
        #expect(found.first?.message.contains("is not a regular file") == true)
        #expect(found.first?.location.line == 7)
        #expect(found.first?.location.column == 7)
        // The main file itself must be regular too.
        #expect(throws: TopologyLoadError.self) { try TopologyLoader.load(contentsOf: fifo) }
    }

    @Test(arguments: ["/dev/stdin", "/etc/passwd", "../outside.xml", "http://example.com/node.xml"])
    func filesOutsideTheFolderAreRefused(href: String) throws {
        let found = try load([("main.xml", main("<xi:include href=\"\(href)\"/>"))])
        #expect(found.first?.severity == .error)
        #expect(found.first?.location.line == 7)
        let message = found.first?.message ?? ""
        #expect(message.contains("is outside") || message.contains("network addresses are not read"))
    }

    @Test func aFallbackIsUsedWhenTheFileCannotBeRead() throws {
        let fallback =
            "<xi:include href=\"http://example.com/x.xml\"><xi:fallback>"
            + "<rootPort id=\"fb\" device=\"1\" gen=\"4\" width=\"16\"/></xi:fallback></xi:include>"
        #expect(try load([("main.xml", main(fallback))]).allSatisfy { $0.severity != .error })
        let missing =
            "<xi:include href=\"none.xml\"><xi:fallback>"
            + "<rootPort id=\"fb\" device=\"99\" gen=\"4\" width=\"16\"/></xi:fallback></xi:include>"
        // The fallback's own content is validated where it stands.
        let found = try load([("main.xml", main(missing))])
        #expect(found.contains { $0.message.contains("a PCI device number") && $0.location.line == 7 })
    }

    @Test func aDeepChainWithoutACycleIsNotARecursion() throws {
        var files = [("main.xml", main("<xi:include href=\"d0.xml\"/>"))]
        for k in 0..<41 {
            files.append(("d\(k).xml", "<?xml version=\"1.0\"?>\n<xi:include href=\"d\(k + 1).xml\" \(Self.xi)/>\n"))
        }
        files.append(
            ("d41.xml", "<?xml version=\"1.0\"?>\n<rootPort id=\"rp\" device=\"1\" gen=\"4\" width=\"16\"/>\n"))
        #expect(try load(files).allSatisfy { $0.severity != .error })
        let shallow = try load(files, limits: LoadLimits(maxIncludeDepth: 10))
        #expect(shallow.first?.message.contains("nested more than 10 deep") == true)
        #expect(shallow.first?.message.contains("there is no cycle") == true)
    }

    @Test func aCycleIsNamedWithItsFiles() throws {
        let found = try load([
            ("main.xml", main("<xi:include href=\"a.xml\"/>")),
            ("a.xml", "<?xml version=\"1.0\"?>\n<xi:include href=\"b.xml\" \(Self.xi)/>\n"),
            ("b.xml", "<?xml version=\"1.0\"?>\n<xi:include href=\"a.xml\" \(Self.xi)/>\n"),
        ])
        #expect(found.first?.message.contains("includes itself: a.xml -> b.xml -> a.xml") == true)
        #expect(found.first?.location.file.hasSuffix("b.xml") == true)
        #expect(found.first?.location.line == 2)
    }

    @Test func aFanOutStopsAtTheLimitsQuickly() throws {
        // 31 files each including the next twice: 2^31 copies without a bound (13 GB a minute).
        var files = [("main.xml", main("<xi:include href=\"f0.xml\"/>"))]
        for k in 0..<30 {
            let next = "<xi:include href=\"f\(k + 1).xml\"/>"
            files.append(("f\(k).xml", "<?xml version=\"1.0\"?>\n<g \(Self.xi)>\(next)\(next)</g>\n"))
        }
        files.append(
            ("f30.xml", "<?xml version=\"1.0\"?>\n<rootPort id=\"rp\" device=\"1\" gen=\"4\" width=\"16\"/>\n"))
        let started = ContinuousClock.now
        let found = try load(files, limits: LoadLimits(maxElements: 5_000, maxIncludes: 100_000))
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(found.first?.message.contains("element limit") == true)
        let byIncludes = try load(files, limits: LoadLimits(maxIncludes: 200))
        #expect(byIncludes.first?.message.contains("more than 200 includes") == true)
    }

    @Test func isoLatin1IsDecodedAsDeclared() throws {
        let text = topologyText(
            body: "<rootPort id=\"rp\" device=\"1\" gen=\"4\" width=\"16\">"
                + "<endpoint id=\"nic0\" kind=\"nic\" pciId=\"15b3:1017\" gen=\"4\" width=\"16\" label=\"Carte réseau Ü\"/></rootPort>"
        )
        .replacingOccurrences(of: "<?xml version=\"1.0\"?>", with: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>")
        let bytes = text.unicodeScalars.map { UInt8($0.value) }
        let topology = try TopologyLoader.load(bytes: bytes, file: "latin1.xml")
        #expect(topology.nodes.first { $0.id == "nic0" }?.endpoint?.label == "Carte réseau Ü")
    }

    @Test(arguments: [true, false])
    func utf16WithAByteOrderMarkIsRead(littleEndian: Bool) throws {
        let text = topologyText(
            body: "<rootPort id=\"rp\" device=\"1\" gen=\"4\" width=\"16\">"
                + "<endpoint id=\"nic0\" kind=\"nic\" pciId=\"15b3:1017\" gen=\"4\" width=\"16\" label=\"Ünïcode\"/></rootPort>"
        )
        .replacingOccurrences(of: "<?xml version=\"1.0\"?>", with: "<?xml version=\"1.0\" encoding=\"UTF-16\"?>")
        var bytes: [UInt8] = littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
        for unit in text.utf16 {
            bytes += littleEndian ? [UInt8(unit & 0xFF), UInt8(unit >> 8)] : [UInt8(unit >> 8), UInt8(unit & 0xFF)]
        }
        let topology = try TopologyLoader.load(bytes: bytes, file: "utf16.xml")
        #expect(topology.nodes.first { $0.id == "nic0" }?.endpoint?.label == "Ünïcode")
    }
}
