import Foundation
import Testing

/// Runs the built `p2psim` binary.
struct P2PSimProcess {
    /// The directory holding the built products (the test bundle's directory).
    static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }

    static var executable: URL { productsDirectory.appendingPathComponent("p2psim") }
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable.path) }

    /// The repository root.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs p2psim with `arguments` in the repository root.
    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repository
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }
}

@Suite("Command line", .enabled(if: P2PSimProcess.isAvailable))
struct CommandLineTests {
    @Test func compareRunsOnTheBuiltInTopology() throws {
        let result = try P2PSimProcess.run(["compare"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("PCIe P2P (below a switch)"))
        #expect(result.stdout.contains("bounce through system memory"))
    }

    @Test func usageErrorsExitWithTwo() throws {
        #expect(try P2PSimProcess.run(["explain", "gpu0"]).status == 2)
        #expect(try P2PSimProcess.run(["no-such-command"]).status == 2)
        let size = try P2PSimProcess.run(["transfer", "--size", "4096 potatoes"])
        #expect(size.status == 2)
        #expect(size.stderr.contains("unknown unit"))
    }

    @Test func badTopologyExitsWithTwoAndSaysWhere() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2psim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("bad.xml")
        try
            "<?xml version=\"1.0\"?>\n<topology name=\"x\" version=\"1\">\n  <socket id=\"cpu0\" vendor=\"amd\"/>\n</topology>\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try P2PSimProcess.run(["validate", file.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.xml:3:"))
        #expect(result.stderr.contains("family"))
        #expect(try P2PSimProcess.run(["show", "/nonexistent.xml"]).status == 2)
    }

    @Test func helpAndVersionExitWithZero() throws {
        let help = try P2PSimProcess.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("compare"))
        #expect(try P2PSimProcess.run(["--version"]).status == 0)
    }

    /// A trace from `compare --trace`: valid JSON, the required fields on every event, async
    /// begin/end pairs matched, timestamps non-decreasing per track.
    @Test func compareTraceIsWellFormed() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2psim-trace-\(UUID().uuidString).json")
        let result = try P2PSimProcess.run([
            "compare", "topologies/dgx1-v100.xml", "--from", "gpu0", "--to", "gpu5", "--trace", file.path,
        ])
        #expect(result.status == 0)
        let data = try Data(contentsOf: file)
        let document = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let events = document?["traceEvents"] as? [[String: Any]] ?? []
        #expect(!events.isEmpty)
        var open: [String: Double] = [:]
        var lastOnTrack: [String: Double] = [:]
        var spans = 0
        for event in events {
            guard let name = event["name"] as? String, let phase = event["ph"] as? String,
                let ts = event["ts"] as? Double, let pid = event["pid"] as? Int
            else {
                Issue.record("event without name, ph, ts or pid: \(event)")
                continue
            }
            let tid = event["tid"] as? Int ?? 0
            let track = phase == "C" ? "\(pid)/counter/\(name)" : "\(pid)/\(tid)"
            #expect(ts >= (lastOnTrack[track] ?? -1), "timestamps go back on \(track)")
            lastOnTrack[track] = ts
            switch phase {
            case "b":
                let id = event["id"] as? String ?? ""
                #expect(open[id] == nil)
                open[id] = ts
                spans += 1
            case "e":
                let id = event["id"] as? String ?? ""
                #expect(open[id] != nil, "end without begin for \(id)")
                #expect(ts >= (open[id] ?? .infinity))
                open[id] = nil
            case "C":
                #expect(event["args"] is [String: Any])
            case "M":
                break
            default:
                Issue.record("unexpected phase \(phase)")
            }
        }
        #expect(open.isEmpty, "unmatched begins: \(open.keys)")
        #expect(spans == 1)  // gpu0 and gpu5 have no NVLink: P2P is refused, only the bounce runs
    }

    @Test func outputIsDeterministic() throws {
        let first = try P2PSimProcess.run(["matrix", "topologies/dgx1-v100.xml", "--format", "json"])
        let second = try P2PSimProcess.run(["matrix", "topologies/dgx1-v100.xml", "--format", "json"])
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
    }
}

@Suite("explain on the command line", .enabled(if: P2PSimProcess.isAvailable))
struct ExplainCommandLineTests {
    @Test func explainGivesTheContractedJSON() throws {
        let result = try P2PSimProcess.run([
            "explain", "topologies/workstation-pcie-switch.xml", "gpu0", "gpu1", "--format", "json",
        ])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["mapType"] as? String == "NOT_SUPPORTED")
        #expect(object?["distance"] as? Int == -1)
        #expect((object?["path"] as? [String])?.isEmpty == true)
        #expect((object?["kernelLog"] as? [String])?.contains { $0.contains("pci=disable_acs_redir=") } == true)
    }

    @Test func distanceManyOverSeveralClients() throws {
        let result = try P2PSimProcess.run(["explain", "gpu0", "gpu1", "--client", "nic0", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        // gpu0 and nic0 both sit below plx0 with gpu1: 2 + 2 each.
        #expect(object?["distanceMany"] as? Int == 8)
    }

    @Test func amdgpuDmaBufDecisionIsShownForAMDProviders() throws {
        let result = try P2PSimProcess.run(["explain", "topologies/mi300x-8.xml", "gpu0", "gpu5"])
        #expect(result.stdout.contains("amdgpu dma-buf"))
        #expect(result.stdout.contains("same XGMI hive"))
    }
}
