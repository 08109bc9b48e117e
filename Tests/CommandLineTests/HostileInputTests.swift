import Foundation
import Testing

/// Runs p2psim under a time and address-space bound, so that a regression to a hang or to
/// unbounded memory fails the test instead of stalling the suite.
struct BoundedRun {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool

    /// Runs p2psim with `arguments`, killed after `seconds`, with at most `memoryMiB` of
    /// address space (`ulimit -v`), with `environment` added.
    static func run(
        _ arguments: [String], seconds: Double = 60, memoryMiB: Int = 4_096, environment: [String: String] = [:]
    ) throws -> BoundedRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments =
            ["-c", "ulimit -v \(memoryMiB * 1024); exec \"$0\" \"$@\"", P2PSimProcess.executable.path]
            + arguments
        process.currentDirectoryURL = P2PSimProcess.repository
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchTime.now() + seconds
        let timer = DispatchSource.makeTimerSource()
        nonisolated(unsafe) var killed = false
        timer.schedule(deadline: deadline)
        timer.setEventHandler {
            if process.isRunning {
                killed = true
                process.terminate()
            }
        }
        timer.resume()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        return BoundedRun(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self), timedOut: killed)
    }

    /// Whether the run ended with exit status 2 and a message naming `file:line:column`
    /// (`location` is matched as a prefix, such as "bad.xml:22:").
    func refused(at location: String) -> Bool {
        !timedOut && status == 2 && stderr.contains(location)
    }
}

/// A scratch folder with files written into it.
struct HostileFiles {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("p2psim-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The bundled default topology with `replacements` applied, written to `name`.
    func defaultTopology(_ name: String, _ replacements: [(String, String)]) throws -> String {
        var text = try String(
            contentsOf: P2PSimProcess.repository.appendingPathComponent("topologies/default.xml"), encoding: .utf8)
        for (old, new) in replacements {
            guard let range = text.range(of: old) else { throw CocoaError(.fileReadCorruptFile) }
            text.replaceSubrange(range, with: new)
        }
        return try write(name, text)
    }
}

/// Every input of issue 18 that crashed, hung or was accepted silently: each now ends with exit
/// status 2 and a message with its location (or the documented success), in bounded time and
/// memory.
@Suite("Hostile inputs", .enabled(if: P2PSimProcess.isAvailable))
struct HostileInputTests {
    @Test(arguments: [
        ["compare", "--size", "5e17 B"], ["compare", "--buffer-offset", "18446744073709551615 B"],
        ["compare", "--size", "1G"], ["transfer", "--size", "-1 GB"], ["compare", "--size", "1gb"],
    ])
    func commandLineSizesAreRangeChecked(arguments: [String]) throws {
        let run = try BoundedRun.run(arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains("--size") || run.stderr.contains("--buffer-offset"))
        #expect(
            run.stderr.contains("out of range") || run.stderr.contains("must not be negative")
                || run.stderr.contains("ambiguous unit"))
        #expect(!run.stderr.contains("Missing value"))
    }

    @Test func bareByteCountsAreAccepted() throws {
        let run = try BoundedRun.run(["transfer", "--size", "1073741824", "--format", "json"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("1073741824"))
    }

    @Test(arguments: [
        ("latency=\"105 ns\"", "latency=\"18446744073709551615 ps\"", "22:", "a latency from 0 ps to 1 s"),
        ("<dma engines=\"3\" rate=\"32 GB/s\" writePayload=\"128 B\"/>", "<dma engines=\"3\" rate=\"1e-308 GB/s\" writePayload=\"128 B\"/>", "27:", "bandwidth"),
        ("<dma engines=\"3\" rate=\"32 GB/s\" writePayload=\"128 B\"/>", "<dma engines=\"3\" rate=\"0 GB/s\" writePayload=\"128 B\"/>", "27:", "bandwidth"),
        ("bandwidth=\"1555 GB/s\"", "bandwidth=\"10 B/s\"", "26:", "bandwidth"),
        ("id=\"rc0.rp1\" device=\"1\"", "id=\"rc0.rp1\" device=\"256\"", "21:", "a PCI device number from 0 to 31"),
        ("id=\"rc0.rp1\" device=\"1\"", "id=\"rc0.rp1\" device=\"32\"", "21:", "a PCI device number from 0 to 31"),
        ("function=\"1\"", "function=\"300\"", "21:", "a PCI function number from 0 to 7"),
        ("function=\"1\"", "function=\"8\"", "21:", "a PCI function number from 0 to 7"),
    ])
    func topologyValuesOutOfRangeAreRefusedByValidateAndCompare(
        old: String, new: String, line: String, expected: String
    ) throws {
        let files = try HostileFiles()
        let path = try files.defaultTopology("bad.xml", [(old, new)])
        for command in ["validate", "compare"] {
            let run = try BoundedRun.run([command, path])
            #expect(run.refused(at: "bad.xml:\(line)"), "\(command): \(run.stderr)")
            #expect(run.stderr.contains(expected))
        }
    }

    @Test(arguments: [
        ("count=\"9223372036854775807\"", "{i}", "more than 250000 elements"),
        ("count=\"2\" start=\"9223372036854775807\"", "{i}", "overflows"),
        ("count=\"1\"", "{-(-9223372036854775807-1)}", "overflow"),
        ("count=\"1\"", "{(-9223372036854775807-1)/-1}", "overflow"),
        ("count=\"1\"", "{(-9223372036854775807-1)%-1}", "overflow"),
        ("count=\"1\"", "{" + String(repeating: "-", count: 20_000) + "1}", "longer than"),
    ])
    func repeatArithmeticIsChecked(attributes: String, id: String, expected: String) throws {
        let files = try HostileFiles()
        let path = try files.defaultTopology(
            "repeat.xml",
            [
                (
                    "<rootPort id=\"rc0.rp3\"",
                    "<repeat \(attributes) var=\"i\"><rootPort id=\"r\(id)\" device=\"2\" gen=\"4\" width=\"4\"/></repeat>\n      <rootPort id=\"rc0.rp3\""
                )
            ])
        let run = try BoundedRun.run(["validate", path], seconds: 30, memoryMiB: 2_048)
        #expect(run.refused(at: "repeat.xml:53:"), "\(run.stderr)")
        #expect(run.stderr.contains(expected))
    }

    @Test func aMillionCopiesOfASubtreeStopAtTheElementLimit() throws {
        let files = try HostileFiles()
        let ports = (0..<9).map { "<downstreamPort id=\"d{i}_\($0)\"/>" }.joined()
        let path = try files.defaultTopology(
            "million.xml",
            [
                (
                    "<rootPort id=\"rc0.rp3\"",
                    "<repeat count=\"1000000\" var=\"i\"><rootPort id=\"x{i}\" device=\"2\" gen=\"4\" width=\"4\"><switch id=\"s{i}\" gen=\"4\" width=\"4\" latency=\"1 ns\">\(ports)</switch></rootPort></repeat>\n      <rootPort id=\"rc0.rp3\""
                )
            ])
        let run = try BoundedRun.run(["validate", path], seconds: 30, memoryMiB: 2_048)
        #expect(run.refused(at: "million.xml:53:"), "\(run.stderr)")
        #expect(run.stderr.contains("P2PSIM_MAX_ELEMENTS"))
        // Raised, the limit lets a smaller expansion through.
        let raised = try BoundedRun.run(
            ["validate", path], seconds: 30, memoryMiB: 2_048, environment: ["P2PSIM_MAX_ELEMENTS": "10"])
        #expect(raised.stderr.contains("the limit is 10 elements"))
    }

    @Test func anXIncludeFanOutStopsQuickly() throws {
        let files = try HostileFiles()
        let xi = "xmlns:xi=\"http://www.w3.org/2001/XInclude\""
        for k in 0..<30 {
            try files.write(
                "f\(k).xml", "<g \(xi)><xi:include href=\"f\(k + 1).xml\"/><xi:include href=\"f\(k + 1).xml\"/></g>")
        }
        try files.write("f30.xml", "<g/>")
        let path = try files.defaultTopology(
            "fan.xml",
            [
                ("<topology ", "<topology \(xi) "),
                ("<rootPort id=\"rc0.rp3\"", "<xi:include href=\"f0.xml\"/>\n      <rootPort id=\"rc0.rp3\""),
            ])
        let run = try BoundedRun.run(["validate", path], seconds: 30, memoryMiB: 2_048)
        #expect(!run.timedOut)
        #expect(run.status == 2)
        #expect(run.stderr.contains("f29.xml:1:") || run.stderr.contains("f28.xml:1:"), "\(run.stderr)")
        #expect(run.stderr.contains("includes in one load") || run.stderr.contains("element limit"))
    }

    @Test(arguments: ["fifo.xml", "/dev/stdin"])
    func includesOfPipesAreRefusedNotAwaited(href: String) throws {
        let files = try HostileFiles()
        #expect(mkfifo(files.folder.appendingPathComponent("fifo.xml").path, 0o600) == 0)
        let path = try files.defaultTopology(
            "pipe.xml",
            [
                ("<topology ", "<topology xmlns:xi=\"http://www.w3.org/2001/XInclude\" "),
                ("<rootPort id=\"rc0.rp3\"", "<xi:include href=\"\(href)\"/>\n      <rootPort id=\"rc0.rp3\""),
            ])
        let run = try BoundedRun.run(["validate", path], seconds: 10)
        #expect(run.refused(at: "pipe.xml:53:7"), "\(run.stderr)")
    }

    @Test func anEntityUsedTenThousandTimesIsRefusedAtOnce() throws {
        let files = try HostileFiles()
        let text =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE topology [<!ENTITY e \"xxxx\">]>\n<topology version=\"2.0\" a=\""
            + String(repeating: "&e;", count: 10_000) + "\"><object type=\"Machine\"/></topology>\n"
        let path = try files.write("entity.xml", text)
        let run = try BoundedRun.run(["show", path], seconds: 10)
        #expect(run.refused(at: "entity.xml:2:"), "\(run.stderr)")
        #expect(run.stderr.contains("entity declarations are not supported"))
    }

    @Test func anInternalEntityInContentGetsAClearMessage() throws {
        let files = try HostileFiles()
        let path = try files.defaultTopology(
            "content-entity.xml",
            [
                (
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                    "<?xml version=\"1.0\"?>\n<!DOCTYPE topology [<!ENTITY e \"<x/>\">]>"
                )
            ])
        let run = try BoundedRun.run(["validate", path], seconds: 10)
        #expect(run.refused(at: "content-entity.xml:2:"))
        #expect(!run.stderr.contains("Please substitute entities"))
    }

    @Test func theEventLimitIsAnOptionToo() throws {
        let run = try BoundedRun.run(
            ["transfer", "--fidelity", "packet", "--size", "1 MiB", "--max-events", "1000", "-q"], seconds: 30)
        #expect(run.status == 2)
        #expect(run.stderr.contains("beyond the limit of 1000"))
        #expect(run.stderr.contains("--max-events"))
        let fine = try BoundedRun.run(
            ["transfer", "--fidelity", "packet", "--size", "1 MiB", "--max-events", "100000000", "-q"], seconds: 30)
        #expect(fine.status == 0)
    }

    @Test func aPacketRunOfATebibyteIsRefusedWithAnEstimate() throws {
        let run = try BoundedRun.run(
            ["transfer", "--from", "gpu0", "--to", "gpu1", "--fidelity", "packet", "--size", "1 TiB"], seconds: 30)
        #expect(run.status == 2)
        #expect(run.stderr.contains("events, beyond the limit of"))
        #expect(run.stderr.contains("P2PSIM_MAX_EVENTS"))
    }

    @Test(arguments: [
        (
            "size=\"256 MiB\"/>\n  <transfer id=\"bounce\"",
            "size=\"256 MiB\" start=\"18446744073709551615 ps\"/>\n  <transfer id=\"bounce\"", "6:",
            "a start time from 0 ps to 3600 s"
        ),
        (
            "<expect p2p=\"gpu0 gpu1\" mapType=\"BUS_ADDR\" distance=\"4\"/>",
            "<expect transfer=\"p2p\" metric=\"bandwidth\" value=\"28.8 GB/s\" tolerance=\"1e300 GB/s\"/>", "12:",
            "out of range"
        ),
        (
            "size=\"256 MiB\"/>\n  <transfer id=\"bounce\"",
            "size=\"256 MiB\" repeat=\"99999999999999999999\"/>\n  <transfer id=\"bounce\"", "6:", "repeat"
        ),
        (
            "<transfer id=\"p2p\"",
            "<parameter name=\"bounceChunkSynchronisation\" value=\"18446744073709551615 ps\"/>\n  <transfer id=\"p2p\"",
            "6:", "a latency from 0 ps to 1 s"
        ),
        (
            "<transfer id=\"p2p\"", "<parameter name=\"bounceChunkSize\" value=\"0 B\"/>\n  <transfer id=\"p2p\"", "6:",
            "a size from 1 B"
        ),
    ])
    func scenarioValuesOutOfRangeAreRefused(old: String, new: String, line: String, expected: String) throws {
        let files = try HostileFiles()
        var text = try String(
            contentsOf: P2PSimProcess.repository.appendingPathComponent("scenarios/default.xml"), encoding: .utf8)
        text = text.replacingOccurrences(
            of: "../topologies/default.xml",
            with: P2PSimProcess.repository.appendingPathComponent("topologies/default.xml").path)
        guard let range = text.range(of: old) else {
            Issue.record("the bundled scenario changed")
            return
        }
        text.replaceSubrange(range, with: new)
        let path = try files.write("scenario.xml", text)
        let run = try BoundedRun.run(["check", path], seconds: 60)
        #expect(run.refused(at: "scenario.xml:\(line)"), "\(run.stderr)")
        #expect(run.stderr.contains(expected), "\(run.stderr)")
    }

    @Test func checkOverridesAreRangeChecked() throws {
        let run = try BoundedRun.run(
            ["check", "scenarios/default.xml", "--set", "pcieLinkLatency=18446744073709551615 ps"], seconds: 60)
        #expect(run.status == 2)
        #expect(run.stderr.contains("a latency from 0 ps to 1 s"))
    }

    @Test func latin1AndUTF16FilesKeepTheirText() throws {
        let files = try HostileFiles()
        let original = try String(
            contentsOf: P2PSimProcess.repository.appendingPathComponent("topologies/default.xml"), encoding: .utf8)
        let labelled = original.replacingOccurrences(of: "Broadcom PEX88096", with: "Broadcom Pérez Ü")
        let latin1 = labelled.replacingOccurrences(
            of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", with: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>")
        let latin1Path = files.folder.appendingPathComponent("latin1.xml")
        try Data(latin1.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }).write(to: latin1Path)
        let utf16 = labelled.replacingOccurrences(
            of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", with: "<?xml version=\"1.0\" encoding=\"UTF-16\"?>")
        let utf16Path = files.folder.appendingPathComponent("utf16.xml")
        try Data([0xFF, 0xFE] + utf16.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).write(to: utf16Path)
        for path in [latin1Path.path, utf16Path.path] {
            let run = try BoundedRun.run(["show", path], seconds: 30)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("Broadcom Pérez Ü"))
        }
    }
}

@Suite("merge of shard files", .enabled(if: P2PSimProcess.isAvailable))
struct MergeCommandTests {
    @Test func incompleteOrDuplicatedSetsExitWithTwo() throws {
        let files = try HostileFiles()
        var parts: [String] = []
        for k in 1...3 {
            let run = try BoundedRun.run([
                "sweep", "--from", "gpu0", "--to", "gpu2", "--shard", "\(k)/3", "--format", "json",
            ])
            #expect(run.status == 0)
            parts.append(try files.write("part\(k).json", run.stdout))
        }
        #expect(try BoundedRun.run(["merge"] + parts).status == 0)
        let missing = try BoundedRun.run(["merge", parts[0], parts[2]])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("part(s) 2 of 3 are missing"))
        let duplicated = try BoundedRun.run(["merge", parts[0], parts[0], parts[0]])
        #expect(duplicated.status == 2)
        #expect(duplicated.stderr.contains("given twice"))
    }
}

@Suite("Accepted extremes", .enabled(if: P2PSimProcess.isAvailable))
struct AcceptedExtremeTests {
    /// Every rate at the 1 MB/s floor and every latency at the 1 s ceiling, with a 1 PiB
    /// transfer: the times pass what simulated time holds, and saturate visibly.
    @Test(arguments: [["transfer", "--path", "p2p"], ["transfer", "--path", "p2p", "--read"]])
    func slowestMachineAndLargestSizeSaturateVisibly(command: [String]) throws {
        let files = try HostileFiles()
        var text = try String(
            contentsOf: P2PSimProcess.repository.appendingPathComponent("topologies/default.xml"), encoding: .utf8)
        text = text.replacingOccurrences(
            of: #"(bandwidth|rate)="[^"]*""#, with: "$1=\"1 MB/s\"", options: .regularExpression)
        text = text.replacingOccurrences(of: #"latency="[^"]*""#, with: "latency=\"1 s\"", options: .regularExpression)
        let path = try files.write("slow.xml", text)
        let run = try BoundedRun.run([command[0], path] + command.dropFirst() + ["--size", "1 PiB"], seconds: 60)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("(saturated)"))
    }
}

extension AcceptedExtremeTests {
    /// A bounce of 1 PiB: the chunked staging pipeline would make one copy operation per
    /// 512 KiB chunk, 4 × 10^9 of them; the engine refuses it upfront with the limit's name.
    @Test func aBounceOfAPebibyteStaysWithinMemory() throws {
        let files = try HostileFiles()
        var text = try String(
            contentsOf: P2PSimProcess.repository.appendingPathComponent("topologies/default.xml"), encoding: .utf8)
        text = text.replacingOccurrences(
            of: #"(bandwidth|rate)="[^"]*""#, with: "$1=\"1 MB/s\"", options: .regularExpression)
        let path = try files.write("slow.xml", text)
        let run = try BoundedRun.run(["compare", path, "--size", "1 PiB"], seconds: 60)
        #expect(run.status == 2)
        #expect(run.stderr.contains("copy operations") && run.stderr.contains("P2PSIM_MAX_EVENTS"))
    }
}
