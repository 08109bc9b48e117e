import Engine
import Fabric
import Foundation
import Reports
import Testing
import Topology

/// Headless Chromium (Debian's `chromium` package), when installed.
enum HeadlessBrowser {
    /// The browser's path: $CHROMIUM, or the first of the usual names that exists.
    static let path: String? = {
        let candidates =
            [ProcessInfo.processInfo.environment["CHROMIUM"]].compactMap { $0 } + [
                "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
            ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether a browser was found.
    static var isAvailable: Bool { path != nil }

    /// Runs the browser headless on `page` with `arguments` and returns standard output.
    ///
    /// A run that takes longer than `timeout` seconds is stopped.
    static func run(_ arguments: [String], page: URL, timeout: Double = 90) throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2psim-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path ?? "/usr/bin/chromium")
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                "--disable-extensions", "--user-data-dir=\(profile.path)",
            ] + arguments + [page.absoluteString]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return String(decoding: data, as: UTF8.self)
    }
}

/// What the check script found in the rendered page.
struct RenderFindings: Decodable {
    struct Element: Decodable {
        var id: String
        var width: Double
        var height: Double
    }
    var errors: [String]
    var svgs: [Element]
    var devices: [Element]
    var overlaps: [String]
    var texts: Int
    var width: Double
    var height: Double
}

/// Renders the report of every bundled topology in headless Chromium and checks it in the page.
///
/// The page's own script reports: no script errors, every picture and every device drawn with a
/// non-zero size, no two labels overlapping. Writes a PNG of each page to
/// $TMPDIR/p2psim-pictures/.
@Suite(
    "Report in a browser", .serialized,
    .enabled(if: HeadlessBrowser.isAvailable, "chromium is not installed (apt-get install chromium)"))
struct BrowserRenderTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every bundled topology (topologies/*.xml), by name.
    static let topologies: [String] = {
        let directory = repository.appendingPathComponent("topologies").path
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted()
    }()

    /// Collects errors before anything else runs, and on load measures the page and writes the
    /// findings as JSON into `<pre id="p2psim-check">`.
    static let checkScript = """
        <script>
        window.p2psimErrors = [];
        window.addEventListener('error', function (event) { window.p2psimErrors.push(String(event.message || event.type)); }, true);
        window.addEventListener('load', function () {
          var found = { errors: window.p2psimErrors, svgs: [], devices: [], overlaps: [], texts: 0,
                        width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight };
          document.querySelectorAll('svg').forEach(function (svg) {
            found.width = Math.max(found.width, svg.getBoundingClientRect().left + svg.width.baseVal.value + 40);
          });
          function label(t) { return t.firstChild && t.firstChild.nodeType === 3 ? t.firstChild.nodeValue : t.textContent; }
          document.querySelectorAll('svg').forEach(function (svg) {
            var box = svg.getBBox();
            found.svgs.push({ id: svg.id, width: box.width, height: box.height });
            var texts = Array.prototype.filter.call(svg.querySelectorAll('text'), function (t) { return t.textContent.trim().length > 0; });
            var rects = texts.map(function (t) { return t.getBoundingClientRect(); });
            found.texts += texts.length;
            for (var i = 0; i < rects.length; i++) {
              for (var j = i + 1; j < rects.length; j++) {
                var a = rects[i], b = rects[j];
                var dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                var dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                if (dx > 0.5 && dy > 0.5) { found.overlaps.push(svg.id + ': "' + label(texts[i]) + '" and "' + label(texts[j]) + '"'); }
              }
            }
          });
          document.querySelectorAll('[data-device]').forEach(function (g) {
            var box = g.getBBox();
            found.devices.push({ id: g.getAttribute('data-device'), width: box.width, height: box.height });
          });
          var pre = document.createElement('pre');
          pre.id = 'p2psim-check';
          pre.textContent = JSON.stringify(found);
          document.body.appendChild(pre);
        });
        </script>
        """

    /// The pictures every report has.
    static let pictures = [
        "topology", "decisions", "bandwidth-p2p-one-way", "bandwidth-bounce-one-way", "bandwidth-p2p-both-ways",
        "bandwidth-bounce-both-ways", "sweep",
    ]

    static func report(_ name: String) throws -> (html: String, topology: Topology) {
        let topology =
            name == SixteenGPUFixture.name
            ? try TopologyLoader.load(text: SixteenGPUFixture.text, file: "\(name).xml")
            : try TopologyLoader.load(contentsOf: repository.appendingPathComponent("topologies/\(name).xml").path)
        let machine = try EnumeratedMachine(topology)
        let survey = try MachineSurveyRun.run(planner: TransferPlanner(machine: machine))
        return (HTMLReport(machine: machine, survey: survey, generator: "p2psim tests").html(), topology)
    }

    @Test(arguments: topologies + [SixteenGPUFixture.name])
    func reportRendersCleanly(_ name: String) throws {
        let (html, topology) = try Self.report(name)
        // Self-contained: nothing fetched. The only URLs are in-page anchors.
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(
            !html.contains(" src=") && !html.contains("<link") && !html.contains("@import") && !html.contains("url("))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2psim-pictures")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let page = directory.appendingPathComponent("\(name).html")
        let checked = html.replacingOccurrences(of: "<head>\n", with: "<head>\n" + Self.checkScript + "\n")
        try checked.write(to: page, atomically: true, encoding: .utf8)

        let dom = try HeadlessBrowser.run(["--dump-dom"], page: page)
        guard let start = dom.range(of: "<pre id=\"p2psim-check\">"),
            let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex)
        else {
            Issue.record("the check script did not report (page did not load?)")
            return
        }
        let json = dom[start.upperBound..<end.lowerBound].replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        let found = try JSONDecoder().decode(RenderFindings.self, from: Data(json.utf8))

        #expect(found.errors.isEmpty, "script errors: \(found.errors)")
        for picture in Self.pictures {
            let svg = found.svgs.first { $0.id == picture }
            #expect(svg != nil, "no <svg id=\"\(picture)\">")
            if let svg { #expect(svg.width > 10 && svg.height > 10, "\(picture) is \(svg.width) x \(svg.height)") }
        }
        let expected =
            topology.sockets.map(\.id) + topology.rootComplexes.map(\.id) + topology.switches.map(\.id)
            + topology.endpointIndices.map { topology.nodes[$0].id } + topology.nvswitches.map(\.id)
        for id in expected {
            let device = found.devices.first { $0.id == id }
            #expect(device != nil, "\(id) is not drawn")
            if let device {
                #expect(device.width > 10 && device.height > 10, "\(id) is \(device.width) x \(device.height)")
            }
        }
        #expect(found.texts > expected.count)
        #expect(found.overlaps.isEmpty, "overlapping labels: \(found.overlaps.prefix(10))")

        let png = directory.appendingPathComponent("\(name).png")
        try? FileManager.default.removeItem(at: png)
        let width = Int(found.width.rounded(.up)) + 20
        let height = Int(found.height.rounded(.up)) + 20
        _ = try HeadlessBrowser.run(["--screenshot=\(png.path)", "--window-size=\(width),\(height)"], page: page)
        let bytes = try Data(contentsOf: png)
        #expect(bytes.count > 10_000)
        #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    }
}
