import Foundation
import Testing

/// The mistakes a new user makes in the first ten minutes: each gets a clear message on
/// standard error and exit status 2, and the conveniences around them work.
@Suite("Rough edges", .enabled(if: P2PSimProcess.isAvailable))
struct RoughEdgeTests {
    /// Runs p2psim and expects exit status 2 with every one of `phrases` on standard error.
    func expectUsageError(_ arguments: [String], saying phrases: [String]) throws {
        let result = try P2PSimProcess.run(arguments)
        #expect(result.status == 2, "\(arguments): exit \(result.status)")
        for phrase in phrases {
            #expect(result.stderr.contains(phrase), "\(arguments): '\(phrase)' not in: \(result.stderr)")
        }
        #expect(!result.stderr.contains(":0:"), "\(arguments): a line 0 location: \(result.stderr)")
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    // MARK: Ends of a transfer

    @Test(arguments: ["transfer", "compare", "sweep"])
    func fromWithoutToIsRefused(_ command: String) throws {
        try expectUsageError([command, "--from", "gpu1"], saying: ["--from gpu1 needs --to"])
        try expectUsageError([command, "--to", "gpu0"], saying: ["--to gpu0 needs --from"])
    }

    @Test(arguments: ["transfer", "compare", "sweep"])
    func fromEqualToToIsRefused(_ command: String) throws {
        try expectUsageError(
            [command, "--from", "gpu1", "--to", "gpu1"], saying: ["--from and --to both name 'gpu1'"])
    }

    @Test func concurrentNeedsAColon() throws {
        try expectUsageError(
            ["transfer", "--concurrent", "gpu1-gpu0"],
            saying: ["--concurrent takes SRC:DST or SRC:DST:SIZE", "'gpu1-gpu0'", "separate the devices with a colon"])
        try expectUsageError(["transfer", "--concurrent", "gpu1:gpu1"], saying: ["both ends are 'gpu1'"])
    }

    // MARK: Positional arguments

    @Test func topologyAfterTheDevicesIsPointedOut() throws {
        try expectUsageError(
            ["explain", "gpu0", "gpu1", "topologies/dgx1-v100.xml"],
            saying: ["the topology goes first: p2psim explain topologies/dgx1-v100.xml gpu0 gpu1"])
    }

    @Test func aTopologyInPlaceOfADeviceIsPointedOut() throws {
        try expectUsageError(
            ["explain", "topologies/dgx1-v100.xml", "gpu0"],
            saying: ["explain needs two devices after the topology 'topologies/dgx1-v100.xml', got only 'gpu0'"])
    }

    @Test func aDeviceWhereTheTopologyGoesIsPointedOut() throws {
        try expectUsageError(
            ["compare", "gpu0"], saying: ["no file 'gpu0'", "devices go in --from and --to"])
    }

    @Test func aSpaceInTheDeviceListIsPointedOut() throws {
        try expectUsageError(
            ["matrix", "--devices", "gpu0,", "gpu1"], saying: ["--devices takes ids separated by commas without spaces"]
        )
    }

    // MARK: Files and names

    @Test func bundledTopologiesAreReachableByName() throws {
        let result = try P2PSimProcess.run(["show", "hgx-h100", "--quiet"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("hgx-h100: "))
        // Every file of topologies/ is built in, so the list cannot fall behind the directory.
        let list = try P2PSimProcess.run(["list", "--bundled"])
        let files = try FileManager.default.contentsOfDirectory(
            atPath: P2PSimProcess.repository.appendingPathComponent("topologies").path)
        #expect(
            list.stdout.split(separator: "\n").map(String.init)
                == files.filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted())
    }

    @Test func aMissingFileSaysSoWithoutLineZero() throws {
        try expectUsageError(
            ["show", "nope.xml"], saying: ["no file 'nope.xml'", "no bundled topology of that name", "hgx-h100"])
        try expectUsageError(["validate", "nope.xml"], saying: ["no file 'nope.xml'"])
    }

    @Test func checkOnATopologyFileSaysWhatItIs() throws {
        try expectUsageError(
            ["check", "topologies/default.xml"],
            saying: ["this is a topology file, not a scenario", "p2psim validate topologies/default.xml"])
    }

    @Test func quietSilencesWarnings() throws {
        let loud = try P2PSimProcess.run(["show", "topologies/workstation-pcie-switch.xml"])
        #expect(loud.stderr.contains("warning:"))
        let quiet = try P2PSimProcess.run(["show", "topologies/workstation-pcie-switch.xml", "--quiet"])
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty)
    }

    // MARK: What is printed

    @Test func noSwiftInternalsInHelpOrExplain() throws {
        for command in ["compare", "transfer", "matrix", "report", "nvbandwidth", "list", "show"] {
            let help = try P2PSimProcess.run([command, "--help"])
            #expect(help.status == 0)
            for leak in ["ByteCount(", "Fidelity.", "Optional(", "MatrixFormat."] {
                #expect(!help.stdout.contains(leak), "\(command) --help shows \(leak)")
            }
        }
        let explain = try P2PSimProcess.run(["explain", "topologies/mi250x-node.xml", "gpu0", "gpu2", "--quiet"])
        #expect(explain.status == 0)
        #expect(explain.stdout.contains("placement: VRAM, reached over XGMI"))
        #expect(!explain.stdout.contains("vramOverXGMI") && !explain.stdout.contains("vramThroughBAR("))
    }

    @Test func compareColumnIsHeadedByTheMechanism() throws {
        let nvswitch = try P2PSimProcess.run(["compare", "hgx-h100", "--quiet"])
        #expect(nvswitch.stdout.contains("NVSwitch  "))
        #expect(!nvswitch.stdout.contains("P2P via BAR"))
        let nvlink = try P2PSimProcess.run(["compare", "dgx1-v100", "--quiet"])
        #expect(nvlink.stdout.contains("NVLink  "))
        let refused = try P2PSimProcess.run(["compare", "workstation-pcie-switch", "--quiet"])
        #expect(refused.stdout.contains("P2P (not permitted)"))
    }

    @Test func listShowsKindAddressDriverMemory() throws {
        let result = try P2PSimProcess.run(["list", "hgx-h100", "--format", "json", "--quiet"])
        #expect(result.status == 0)
        let document = try #require(try json(result.stdout) as? [String: Any])
        let devices = try #require(document["devices"] as? [[String: Any]])
        let gpu0 = try #require(devices.first { $0["id"] as? String == "gpu0" })
        #expect(gpu0["kind"] as? String == "gpu")
        #expect((gpu0["address"] as? String)?.hasPrefix("0000:") == true)
        #expect(gpu0["memoryBytes"] as? Int == 80 << 30)
        #expect(gpu0["driverP2P"] as? String != nil)
        let table = try P2PSimProcess.run(["list", "--quiet"])
        #expect(table.stdout.contains("device") && table.stdout.contains("driver") && table.stdout.contains("memory"))
    }

    // MARK: JSON everywhere

    @Test func validateCheckAndBaselineCompareGiveJSON() throws {
        let validate = try P2PSimProcess.run(["validate", "topologies/default.xml", "--format", "json"])
        #expect(validate.status == 0)
        let entries = try #require(try json(validate.stdout) as? [[String: Any]])
        #expect(entries.first?["valid"] as? Bool == true)
        #expect(entries.first?["name"] as? String == "default")

        let check = try P2PSimProcess.run(["check", "scenarios/default.xml", "--format", "json"])
        let checked = try #require(try json(check.stdout) as? [String: Any])
        #expect(checked["passed"] as? Int ?? 0 > 0)
        #expect((checked["scenarios"] as? [Any])?.isEmpty == false)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2psim-edges-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let baseline = directory.appendingPathComponent("base.json").path
        #expect(try P2PSimProcess.run(["baseline", "record", "scenarios/default.xml", "-o", baseline]).status == 0)
        let compared = try P2PSimProcess.run([
            "baseline", "compare", "scenarios/default.xml", baseline, "--format", "json",
        ])
        #expect(compared.status == 0)
        let comparison = try #require(try json(compared.stdout) as? [String: Any])
        #expect(comparison["movedBeyondTolerance"] as? Bool == false)
    }

    @Test func showJSONHasStructuredLinksAndBARs() throws {
        let result = try P2PSimProcess.run(["show", "--format", "json"])
        #expect(result.status == 0)
        let text = result.stdout
        #expect(text.contains("\"generation\" : 4") || text.contains("\"generation\" : 3"))
        #expect(text.contains("\"sizeBytes\""))
        #expect(text.contains("\"prefetchable\""))
        #expect(!text.contains("\"link\" : \"Gen"))
    }

    // MARK: Options that were missing

    @Test(arguments: ["compare", "matrix", "transfer", "sweep"])
    func setOverridesAParameter(_ command: String) throws {
        let plain = try P2PSimProcess.run([command, "--format", "json"])
        let changed = try P2PSimProcess.run([command, "--format", "json", "--set", "pcieLinkLatency=400ns"])
        #expect(plain.status == 0 && changed.status == 0)
        #expect(plain.stdout != changed.stdout)
        try expectUsageError([command, "--set", "noSuchParameter=1"], saying: ["unknown parameter 'noSuchParameter'"])
    }

    @Test func explainsRemediesAreFlags() throws {
        let refused = try P2PSimProcess.run(["explain", "workstation-pcie-switch", "gpu0", "gpu1", "--quiet"])
        #expect(refused.stdout.contains("result: NOT_SUPPORTED"))
        #expect(refused.stdout.contains("(try it: --acs-redirect off)"))
        let fixed = try P2PSimProcess.run([
            "explain", "workstation-pcie-switch", "gpu0", "gpu1", "--quiet", "--acs-redirect", "off",
        ])
        #expect(fixed.stdout.contains("result: BUS_ADDR"))
        #expect(fixed.stderr.contains("cleared ACS RR/CR/EC on plx0.dp0, plx0.dp1"))
        let compare = try P2PSimProcess.run(["compare", "workstation-pcie-switch", "--quiet", "--acs-redirect", "off"])
        #expect(compare.stdout.contains("PCIe P2P (below a switch)"))
        let iommu = try P2PSimProcess.run(["explain", "hgx-h100", "gpu0", "gpu1", "--quiet", "--iommu", "translated"])
        #expect(iommu.stdout.contains("IOMMU: THRU_HOST_BRIDGE with a translating IOMMU"))
        #expect(iommu.stderr.contains("--iommu translated: set on 10 root complex(es)"))
    }

    @Test func matrixReadsAndPreamble() throws {
        let result = try P2PSimProcess.run(["matrix", "--read"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("[P2P (Peer-to-Peer) GPU Bandwidth Latency Test]\nDevice: 0, "))
        #expect(result.stdout.contains("Device=0 CAN Access Peer Device=1"))
        #expect(result.stdout.contains("Unidirectional P2P=Enabled Bandwidth (P2P Reads) Matrix (GB/s)"))
        let writes = try P2PSimProcess.run(["matrix"])
        #expect(writes.stdout.contains("(P2P Writes)"))
    }

    @Test func nvbandwidthTestCasesWithSums() throws {
        let result = try P2PSimProcess.run([
            "nvbandwidth", "hgx-h100", "--quiet", "-t", "host_to_device_memcpy_ce", "-t",
            "device_to_device_memcpy_write_ce",
        ])
        #expect(result.status == 0)
        #expect(
            result.stdout.contains(
                "Running host_to_device_memcpy_ce.\nmemcpy CE CPU(row) -> GPU(column) bandwidth (GB/s)"))
        #expect(result.stdout.contains("SUM host_to_device_memcpy_ce "))
        #expect(result.stdout.contains("SUM device_to_device_memcpy_write_ce "))
        #expect(result.stdout.contains("N/A"))
        try expectUsageError(["nvbandwidth", "-t", "no_such_case"], saying: ["no_such_case"])
    }

    @Test func reportAndPictures() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2psim-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let page = directory.appendingPathComponent("report.html").path
        let report = try P2PSimProcess.run(["report", "dgx1-v100", "-o", page, "--pair", "gpu0,gpu5", "--quiet"])
        #expect(report.status == 0)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg id=\"topology\""))
        #expect(html.contains("gpu0 to gpu5"))
        try expectUsageError(["report", "--pair", "gpu0"], saying: ["--pair takes two device ids"])
        for arguments in [["show", "--format", "svg"], ["matrix", "--format", "svg"], ["sweep", "--format", "svg"]] {
            let svg = try P2PSimProcess.run(arguments)
            #expect(svg.status == 0)
            #expect(svg.stdout.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), "\(arguments)")
        }
        let dot = try P2PSimProcess.run(["show", "dgx-a100", "--format", "dot", "--quiet"])
        #expect(dot.stdout.hasPrefix("graph \"dgx-a100\" {"))
        #expect(dot.stdout.contains("\"gpu0\" -- \"nvswitch0\""))
    }
}
