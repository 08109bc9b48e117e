import CLibXML2
import Engine
import Fabric
import Foundation
import Topology
import Units

/// Loads scenario files: libxml2 (safe options), the embedded schema, the topology they name,
/// units, references between transfers and expectations, and cycles of `after`.
public enum ScenarioLoader {
    /// Loads the scenario in `path`.
    ///
    /// - Throws: `ScenarioLoadError` with every problem found (file:line:column each).
    public static func load(contentsOf path: String) throws(ScenarioLoadError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw ScenarioLoadError(diagnostics: [
                Diagnostic(.error, at: SourceLocation(file: path, line: 0), "the file \(reason)")
            ])
        }
        // The bytes go to libxml2, which honours the declared encoding.
        let sources = SourceTexts()
        let result = XMLReader.read(bytes: [UInt8](data), file: path, schema: ScenarioSchema.xsd, sources: sources) {
            root, _, _ in fillSourcesFromComments(root)
        }
        return try build(result, file: path, sources: sources)
    }

    /// Loads a scenario from `text`, reporting locations in `file` (the topology's `href`
    /// resolves against it).
    ///
    /// - Throws: `ScenarioLoadError` with every problem found.
    public static func load(text: String, file: String) throws(ScenarioLoadError) -> Scenario {
        let sources = SourceTexts()
        let result = XMLReader.read(text: text, file: file, schema: ScenarioSchema.xsd, sources: sources) {
            root, _, _ in fillSourcesFromComments(root)
        }
        return try build(result, file: file, sources: sources)
    }

    private static func build(
        _ result: XMLReader.Result, file: String, sources: SourceTexts
    ) throws(ScenarioLoadError) -> Scenario {
        guard let root = result.root else { throw ScenarioLoadError(diagnostics: result.diagnostics) }
        if root.name != "scenario" {
            throw ScenarioLoadError(diagnostics: [
                Diagnostic(.error, at: root.location, "the root element is <\(root.name)>, not <scenario>")
            ])
        }
        var builder = ScenarioBuilder(file: file, sources: sources)
        guard let scenario = builder.build(root) else {
            throw ScenarioLoadError(diagnostics: result.diagnostics + builder.diagnostics)
        }
        return scenario
    }

    /// Gives every `<expect>` without a `source` attribute the text of the nearest preceding
    /// comment among its siblings, looking past white space and other `<expect>` elements only.
    private static func fillSourcesFromComments(_ root: UnsafeMutablePointer<xmlNode>) {
        var child = root.pointee.children
        while let node = child {
            defer { child = node.pointee.next }
            guard node.pointee.type == XML_ELEMENT_NODE, name(of: node) == "expect",
                xmlHasProp(node, "source") == nil
            else { continue }
            var previous = node.pointee.prev
            while let candidate = previous {
                if candidate.pointee.type == XML_COMMENT_NODE {
                    if let content = xmlNodeGetContent(candidate) {
                        let text = String(cString: content)
                        p2psim_xmlFree(content)
                        let words = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
                        if !words.isEmpty { xmlSetProp(node, "source", words) }
                    }
                    break
                }
                let skippable =
                    candidate.pointee.type == XML_TEXT_NODE
                    || (candidate.pointee.type == XML_ELEMENT_NODE && name(of: candidate) == "expect")
                if !skippable { break }
                previous = candidate.pointee.prev
            }
        }
    }

    private static func name(of node: UnsafeMutablePointer<xmlNode>) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }
}

/// Turns a validated `<scenario>` tree into a `Scenario`, collecting every problem.
private struct ScenarioBuilder {
    let file: String
    let sources: SourceTexts
    var diagnostics: [Diagnostic] = []

    init(file: String, sources: SourceTexts) {
        self.file = file
        self.sources = sources
    }

    /// The location of `attribute` of `element` (the element's when the attribute is not found).
    func location(of attribute: String, in element: XMLElement) -> SourceLocation {
        let place = element.location
        if let found = sources.column(ofAttribute: attribute, from: place.line, in: place.file) {
            return SourceLocation(file: place.file, line: found.line, column: found.column)
        }
        return place
    }

    mutating func error(_ element: XMLElement, _ attribute: String?, _ message: String) {
        let place = attribute.map { location(of: $0, in: element) } ?? element.location
        diagnostics.append(Diagnostic(.error, at: place, message))
    }

    mutating func build(_ root: XMLElement) -> Scenario? {
        let name = root.attribute("name") ?? ""
        guard let topologyElement = root.children.first(where: { $0.name == "topology" }),
            let href = topologyElement.attribute("href")
        else { return nil }
        let topologyFile = resolve(href, relativeTo: file)
        let topology: Topology
        let topologyText: String
        do {
            topology = try TopologyLoader.load(contentsOf: topologyFile)
            topologyText = String(decoding: FileManager.default.contents(atPath: topologyFile) ?? Data(), as: UTF8.self)
        } catch {
            self.error(topologyElement, "href", "the topology '\(topologyFile)' does not load")
            diagnostics += error.diagnostics
            return nil
        }
        let machine: EnumeratedMachine
        do { machine = try EnumeratedMachine(topology) } catch {
            self.error(topologyElement, "href", "the topology '\(topologyFile)' cannot be enumerated: \(error)")
            return nil
        }

        var parameters = ModelParameters()
        var overrides: [ParameterOverride] = []
        for element in root.children where element.name == "parameter" {
            let parameterName = element.attribute("name") ?? ""
            let value = element.attribute("value") ?? ""
            do {
                try parameters.set(parameterName, to: value)
                overrides.append(ParameterOverride(name: parameterName, value: value))
            } catch {
                self.error(element, ModelParameters.names.contains(parameterName) ? "value" : "name", error.description)
            }
        }
        let planner = TransferPlanner(machine: machine, parameters: parameters)

        var transfers: [ScenarioTransfer] = []
        var seen: [String: SourceLocation] = [:]
        for element in root.children where element.name == "transfer" {
            if let transfer = buildTransfer(element, planner: planner, machine: machine) {
                if let first = seen[transfer.id] {
                    self.error(element, "id", "transfer '\(transfer.id)' is already defined at \(first)")
                    continue
                }
                seen[transfer.id] = transfer.location
                transfers.append(transfer)
            }
        }
        // References are checked against every declared id, so that a transfer with a bad
        // attribute does not also make its dependents' references look unknown.
        let ids = Set(root.children.filter { $0.name == "transfer" }.compactMap { $0.attribute("id") })
        for transfer in transfers {
            for dependency in transfer.after where !ids.contains(dependency) {
                diagnostics.append(
                    Diagnostic(
                        .error, at: afterLocation(transfer),
                        "transfer '\(transfer.id)' waits for unknown transfer '\(dependency)' (known: \(ids.sorted().joined(separator: ", ")))"
                    ))
            }
        }
        reportCycles(transfers)

        var expectations: [Expectation] = []
        for element in root.children where element.name == "expect" {
            if let expectation = buildExpectation(element, ids: ids, planner: planner) {
                expectations.append(expectation)
            }
        }
        if diagnostics.contains(where: { $0.severity == .error }) { return nil }
        return Scenario(
            name: name, file: file, topologyFile: topologyFile, topologyText: topologyText, machine: machine,
            parameters: parameters, overrides: overrides, transfers: transfers, expectations: expectations)
    }

    private func afterLocation(_ transfer: ScenarioTransfer) -> SourceLocation {
        if let found = sources.column(ofAttribute: "after", from: transfer.location.line, in: transfer.location.file) {
            return SourceLocation(file: transfer.location.file, line: found.line, column: found.column)
        }
        return transfer.location
    }

    private mutating func buildTransfer(
        _ element: XMLElement, planner: TransferPlanner, machine: EnumeratedMachine
    ) -> ScenarioTransfer? {
        let id = element.attribute("id") ?? ""
        var ok = true
        for attribute in ["from", "to"] {
            let end = element.attribute(attribute) ?? ""
            do { _ = try planner.end(named: end) } catch {
                self.error(element, attribute, "transfer '\(id)': \(error)")
                ok = false
            }
        }
        var size = ByteCount(0)
        do { size = try ByteCount.parse(element.attribute("size") ?? "", within: .size) } catch {
            self.error(element, "size", "transfer '\(id)': size: \(error)")
            ok = false
        }
        var start = Picoseconds.zero
        if let text = element.attribute("start") {
            do { start = try Picoseconds.parse(text, within: .startTime) } catch {
                self.error(element, "start", "transfer '\(id)': start: \(error)")
                ok = false
            }
        }
        var stagingSocket: String?
        if let socket = element.attribute("stagingSocket") {
            if machine.topology.sockets.contains(where: { $0.id == socket }) {
                stagingSocket = socket
            } else {
                self.error(element, "stagingSocket", "transfer '\(id)': no socket '\(socket)'")
                ok = false
            }
        }
        var repeatCount = 1
        if let text = element.attribute("repeat") {
            if let count = Int(text.trimmingCharacters(in: .whitespaces)), (1...Self.maximumRepeat).contains(count) {
                repeatCount = count
            } else {
                self.error(
                    element, "repeat",
                    "transfer '\(id)': repeat '\(text)' is out of range: expected a count from 1 to \(Self.maximumRepeat)"
                )
                ok = false
            }
        }
        var dmaSize: ByteCount?
        if let text = element.attribute("dmaSize") {
            do {
                let parsed = try ByteCount.parse(text, within: .size)
                if parsed.bytes == 0 {
                    self.error(element, "dmaSize", "transfer '\(id)': dmaSize must be at least 1 B")
                    ok = false
                } else {
                    dmaSize = parsed
                }
            } catch {
                self.error(element, "dmaSize", "transfer '\(id)': dmaSize: \(error)")
                ok = false
            }
        }
        var queueDepth = 1
        if let text = element.attribute("queueDepth") {
            if let depth = Int(text.trimmingCharacters(in: .whitespaces)), (1...(1 << 20)).contains(depth),
                dmaSize != nil
            {
                queueDepth = depth
            } else {
                self.error(
                    element, "queueDepth",
                    dmaSize == nil
                        ? "transfer '\(id)': queueDepth needs dmaSize (a transfer without it is one DMA)"
                        : "transfer '\(id)': queueDepth '\(text)' is out of range: expected 1 to 1048576")
                ok = false
            }
        }
        guard ok else { return nil }
        var transfer = ScenarioTransfer(
            id: id, from: element.attribute("from") ?? "", to: element.attribute("to") ?? "", size: size,
            path: element.attribute("path").flatMap(PathChoice.init(rawValue:)) ?? .auto,
            direction: element.attribute("direction").flatMap(DMADirection.init(rawValue:)) ?? .push,
            start: start, after: words(element.attribute("after")),
            repeatCount: repeatCount, stagingSocket: stagingSocket,
            location: element.location)
        transfer.dmaSize = dmaSize
        transfer.queueDepth = queueDepth
        return transfer
    }

    /// Reports each cycle of `after` once, at the first transfer of the cycle in file order.
    private mutating func reportCycles(_ transfers: [ScenarioTransfer]) {
        let byID = Dictionary(transfers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var reported = Set<String>()
        func visit(_ id: String, _ stack: [String]) -> [String]? {
            if state[id] == 2 { return nil }
            if state[id] == 1 {
                guard let start = stack.firstIndex(of: id) else { return nil }
                return Array(stack[start...]) + [id]
            }
            state[id] = 1
            defer { state[id] = 2 }
            for dependency in byID[id]?.after ?? [] where byID[dependency] != nil {
                if let cycle = visit(dependency, stack + [id]) { return cycle }
            }
            return nil
        }
        for transfer in transfers {
            if let cycle = visit(transfer.id, []) {
                let members = Set(cycle)
                guard reported.isDisjoint(with: members) else { continue }
                reported.formUnion(members)
                let first = transfers.first { members.contains($0.id) } ?? transfer
                diagnostics.append(
                    Diagnostic(
                        .error, at: afterLocation(first),
                        "cyclic 'after': \(cycle.joined(separator: " -> ")) (no transfer of the cycle can start)"))
            }
        }
    }

    private mutating func buildExpectation(
        _ element: XMLElement, ids: Set<String>, planner: TransferPlanner
    ) -> Expectation? {
        guard var expectation = buildExpectationCheck(element, ids: ids, planner: planner) else { return nil }
        if let known = element.attribute("known"), !known.trimmingSpaces.isEmpty {
            expectation.knownDiscrepancy = known.trimmingSpaces
        }
        return expectation
    }

    private mutating func buildExpectationCheck(
        _ element: XMLElement, ids: Set<String>, planner: TransferPlanner
    ) -> Expectation? {
        let source = element.attribute("source") ?? ""
        let transfer = element.attribute("transfer")
        let aggregate = element.attribute("aggregate")
        let p2p = element.attribute("p2p")
        let subjects = [transfer, aggregate, p2p].compactMap { $0 }.count
        guard subjects == 1 else {
            self.error(
                element, nil,
                "<expect> needs exactly one of 'transfer', 'aggregate' (with 'transfers') or 'p2p', not \(subjects)")
            return nil
        }
        func known(_ id: String, _ attribute: String) -> Bool {
            if ids.contains(id) { return true }
            self.error(
                element, attribute,
                "<expect> refers to unknown transfer '\(id)' (known: \(ids.sorted().joined(separator: ", ")))")
            return false
        }
        let metricText = element.attribute("metric")
        let checks = ["mechanism", "mapType", "distance", "reasonContains"].filter { element.attribute($0) != nil }
        if let p2p {
            let devices = words(p2p)
            guard devices.count == 2 else {
                self.error(element, "p2p", "'p2p' names two devices, the client then the provider, not '\(p2p)'")
                return nil
            }
            var ok = true
            for device in devices where planner.kernel.device(named: device) == nil {
                self.error(element, "p2p", "no PCI device '\(device)' in '\(planner.machine.topology.name)'")
                ok = false
            }
            if metricText != nil || element.attribute("mechanism") != nil {
                self.error(element, nil, "a 'p2p' expectation checks mapType, distance and reasonContains only")
                ok = false
            }
            var distance: Int?
            if let text = element.attribute("distance") { distance = Int(text) }
            guard ok else { return nil }
            if element.attribute("mapType") == nil && distance == nil && element.attribute("reasonContains") == nil {
                self.error(element, nil, "a 'p2p' expectation needs mapType, distance or reasonContains")
                return nil
            }
            return Expectation(
                check: .p2p(
                    client: devices[0], provider: devices[1], mapType: element.attribute("mapType"), distance: distance,
                    reasonContains: element.attribute("reasonContains")), source: source, location: element.location)
        }
        if let metricText {
            guard checks.isEmpty else {
                self.error(element, nil, "a metric expectation cannot also check \(checks.joined(separator: ", "))")
                return nil
            }
            let metric = Metric(rawValue: metricText) ?? .bandwidth
            guard let valueText = element.attribute("value") else {
                self.error(element, "metric", "a '\(metric.rawValue)' expectation needs a 'value' with its unit")
                return nil
            }
            guard let toleranceText = element.attribute("tolerance") else {
                self.error(element, "value", "a '\(metric.rawValue)' expectation needs a 'tolerance' (5% or 0.5 GB/s)")
                return nil
            }
            // A published range is parsed once: its middle is the value, the range is kept.
            var published: ClosedRange<Double>? = nil
            if let parts = ScenarioLoader.rangeParts(valueText) {
                guard let range = parseRange(parts, metric: metric, element) else { return nil }
                published = range
            }
            guard
                let value = published.map({ ($0.lowerBound + $0.upperBound) / 2 })
                    ?? parse(valueText, metric: metric, element, "value"),
                let tolerance = parseTolerance(toleranceText, metric: metric, element)
            else { return nil }
            if let transfer {
                guard known(transfer, "transfer") else { return nil }
                var expectation = Expectation(
                    check: .metric(transfer: transfer, metric: metric, value: value, tolerance: tolerance),
                    source: source, location: element.location)
                expectation.published = published
                return expectation
            }
            let members = words(element.attribute("transfers"))
            guard !members.isEmpty else {
                self.error(element, "aggregate", "an aggregate expectation needs 'transfers' (ids separated by spaces)")
                return nil
            }
            var ok = true
            for member in members where !known(member, "transfers") { ok = false }
            guard ok, let kind = aggregate.flatMap(Aggregate.init(rawValue:)) else { return nil }
            var expectation = Expectation(
                check: .aggregate(kind, transfers: members, metric: metric, value: value, tolerance: tolerance),
                source: source, location: element.location)
            expectation.published = published
            return expectation
        }
        guard let transfer else {
            self.error(element, "aggregate", "an aggregate expectation needs 'metric', 'value' and 'tolerance'")
            return nil
        }
        guard known(transfer, "transfer") else { return nil }
        if let mechanism = element.attribute("mechanism") {
            if checks.count > 1 {
                self.error(element, "mechanism", "a mechanism expectation checks the mechanism only")
                return nil
            }
            return Expectation(
                check: .mechanism(transfer: transfer, mechanism: mechanism), source: source, location: element.location)
        }
        if element.attribute("distance") != nil {
            self.error(element, "distance", "'distance' is checked by a 'p2p' expectation, not a transfer's")
            return nil
        }
        if element.attribute("mapType") != nil || element.attribute("reasonContains") != nil {
            return Expectation(
                check: .transferMapType(
                    transfer: transfer, mapType: element.attribute("mapType"),
                    reasonContains: element.attribute("reasonContains")), source: source, location: element.location)
        }
        self.error(element, "transfer", "<expect> checks nothing: give metric, mechanism or mapType")
        return nil
    }

    /// The most repetitions of one transfer: `ScenarioRunner` simulates each repetition in a
    /// wave of its own, so a run's cost grows with the square of the count (measured: 1,000
    /// repetitions took 13 s of CPU in a debug build, 100 take about 0.15 s); the bundled
    /// scenarios use at most 3.
    static let maximumRepeat = 100

    /// Both ends of a published range, low first.
    private mutating func parseRange(_ parts: (low: String, high: String), metric: Metric, _ element: XMLElement)
        -> ClosedRange<Double>?
    {
        guard let low = parse(parts.low, metric: metric, element, "value"),
            let high = parse(parts.high, metric: metric, element, "value")
        else { return nil }
        guard low <= high else {
            self.error(element, "value", "value: the range '\(parts.low)-\(parts.high)' runs backwards")
            return nil
        }
        return low...high
    }

    /// The value of a metric in its base unit: bytes per second or picoseconds.
    private mutating func parse(_ text: String, metric: Metric, _ element: XMLElement, _ attribute: String) -> Double? {
        do {
            switch metric {
            case .bandwidth: return try DataRate.parse(text).bytesPerSecond
            case .time, .latency: return Double(try Picoseconds.parse(text).rawValue)
            }
        } catch {
            self.error(element, attribute, "\(attribute): \(error)")
            return nil
        }
    }

    private mutating func parseTolerance(_ text: String, metric: Metric, _ element: XMLElement) -> Tolerance? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("%") {
            let number = trimmed.dropLast().trimmingCharacters(in: .whitespaces)
            guard let percent = Double(number), percent.isFinite, percent >= 0 else {
                self.error(element, "tolerance", "tolerance: '\(text)' is not a percentage such as 5%")
                return nil
            }
            return .relative(percent / 100)
        }
        return parse(text, metric: metric, element, "tolerance").map { .absolute($0) }
    }
}

/// The words of a space-separated list.
func words(_ text: String?) -> [String] {
    (text ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
}

/// `href` resolved against the directory of `file`.
func resolve(_ href: String, relativeTo file: String) -> String {
    var path = href
    if path.hasPrefix("file://") { path.removeFirst("file://".count) }
    if path.hasPrefix("/") { return path }
    guard let slash = file.lastIndex(of: "/") else { return path }
    return String(file[...slash]) + path
}

extension ScenarioLoader {
    /// The two ends of a published range written "LOW-HIGH UNIT" ("15.5-17.9 GB/s"), each with
    /// the unit, or nil for a single value.
    static func rangeParts(_ text: String) -> (low: String, high: String)? {
        let trimmed: String = text.trimmingSpaces
        guard let dash = trimmed.dropFirst().firstIndex(of: "-") else { return nil }
        let low = String(trimmed[trimmed.startIndex..<dash]).trimmingSpaces
        let high = String(trimmed[trimmed.index(after: dash)...]).trimmingSpaces
        let unit = String(high.drop { $0.isNumber || $0 == "." || $0 == " " })
        guard !low.isEmpty, !unit.isEmpty, low.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return (low + " " + unit, high)
    }
}
