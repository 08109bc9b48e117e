import Engine
import Fabric
import Foundation
import SimKernel
import Topology
import Units

/// A timeline file could not be loaded; every problem found is listed.
public struct TimelineLoadError: Error, Sendable, CustomStringConvertible {
    /// All diagnostics, in file order.
    public var diagnostics: [Diagnostic]

    /// The diagnostics, one a line (`file:line:column: error: message`).
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Loads timeline scenarios (root `<timeline>`): libxml2 with the embedded schema, the
/// topology they name, units, and every reference to a device, buffer, attachment, region,
/// allocation or range, each problem with file:line:column.
public enum TimelineLoader {
    /// The root element that marks a timeline scenario.
    public static let rootElement = "timeline"

    /// Loads the timeline in `path`.
    ///
    /// - Throws: `TimelineLoadError` with every problem found.
    public static func load(contentsOf path: String) throws(TimelineLoadError) -> TimelineScenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw TimelineLoadError(diagnostics: [
                Diagnostic(.error, at: SourceLocation(file: path, line: 0), "the file \(reason)")
            ])
        }
        if let root = rootName(file: path), root != rootElement {
            let hint =
                root == "scenario"
                ? ": a flow scenario, run it with p2psim check" : root == "topology" ? ": a topology file" : ""
            throw TimelineLoadError(diagnostics: [
                Diagnostic(
                    .error, at: SourceLocation(file: path, line: 1),
                    "the root element is <\(root)>, not <\(rootElement)>\(hint) (docs/dynamic-buffers.md)")
            ])
        }
        let sources = SourceTexts()
        let result = XMLReader.read(bytes: [UInt8](data), file: path, schema: TimelineSchema.xsd, sources: sources)
        return try build(result, file: path, sources: sources)
    }

    /// Loads a timeline from `text`, reporting locations in `file`.
    ///
    /// - Throws: `TimelineLoadError` with every problem found.
    public static func load(text: String, file: String) throws(TimelineLoadError) -> TimelineScenario {
        let sources = SourceTexts()
        let result = XMLReader.read(text: text, file: file, schema: TimelineSchema.xsd, sources: sources)
        return try build(result, file: file, sources: sources)
    }

    private static func build(
        _ result: XMLReader.Result, file: String, sources: SourceTexts
    ) throws(TimelineLoadError) -> TimelineScenario {
        guard let root = result.root else { throw TimelineLoadError(diagnostics: result.diagnostics) }
        if root.name != rootElement {
            throw TimelineLoadError(diagnostics: [
                Diagnostic(.error, at: root.location, "the root element is <\(root.name)>, not <\(rootElement)>")
            ])
        }
        var builder = TimelineBuilder(file: file, sources: sources)
        guard let scenario = builder.build(root) else {
            throw TimelineLoadError(diagnostics: result.diagnostics + builder.diagnostics)
        }
        return scenario
    }
}

/// Turns a validated `<timeline>` tree into a `TimelineScenario`, collecting every problem.
private struct TimelineBuilder {
    let file: String
    let sources: SourceTexts
    var diagnostics: [Diagnostic] = []
    var topology: Topology?
    /// The size of each P2PDMA allocation read so far.
    var allocationSizes: [String: UInt64] = [:]

    init(file: String, sources: SourceTexts) {
        self.file = file
        self.sources = sources
    }

    mutating func error(_ element: XMLElement, _ attribute: String?, _ message: String) {
        var place = element.location
        if let attribute, let found = sources.column(ofAttribute: attribute, from: place.line, in: place.file) {
            place = SourceLocation(file: place.file, line: found.line, column: found.column)
        }
        diagnostics.append(Diagnostic(.error, at: place, message))
    }

    // MARK: Attribute readers

    mutating func bytes(_ element: XMLElement, _ attribute: String) -> UInt64? {
        guard let text = element.attribute(attribute) else { return nil }
        do { return try ByteCount.parse(text).bytes } catch {
            self.error(element, attribute, "\(attribute) '\(text)': \(error.description)")
            return nil
        }
    }

    mutating func time(_ element: XMLElement, _ attribute: String) -> Picoseconds? {
        guard let text = element.attribute(attribute) else { return nil }
        do { return try Picoseconds.parse(text) } catch {
            self.error(element, attribute, "\(attribute) '\(text)': \(error.description)")
            return nil
        }
    }

    mutating func rate(_ element: XMLElement, _ attribute: String) -> DataRate? {
        guard let text = element.attribute(attribute) else { return nil }
        do {
            let rate = try DataRate.parse(text)
            guard rate.bytesPerSecond > 0 else {
                self.error(element, attribute, "\(attribute) '\(text)': a rate above zero is needed")
                return nil
            }
            return rate
        } catch {
            self.error(element, attribute, "\(attribute) '\(text)': \(error.description)")
            return nil
        }
    }

    /// A device id: an endpoint of the topology.
    mutating func device(_ element: XMLElement, _ attribute: String) -> Int? {
        guard let id = element.attribute(attribute), let topology else { return nil }
        if let node = topology.nodeIndex(of: id), topology.nodes[node].kind == .endpoint { return node }
        let known = topology.endpointIndices.map { topology.nodes[$0].id }.joined(separator: ", ")
        self.error(element, attribute, "no device '\(id)' in '\(topology.name)' (known: \(known))")
        return nil
    }

    mutating func reference(_ element: XMLElement, _ attribute: String, in ids: [String], what: String) -> String? {
        guard let id = element.attribute(attribute) else { return nil }
        if ids.contains(id) { return id }
        self.error(
            element, attribute,
            "unknown \(what) '\(id)'" + (ids.isEmpty ? " (none declared)" : " (known: \(ids.joined(separator: ", ")))"))
        return nil
    }

    // MARK: The scenario

    mutating func build(_ root: XMLElement) -> TimelineScenario? {
        guard let topologyElement = root.children.first(where: { $0.name == "topology" }),
            let href = topologyElement.attribute("href")
        else { return nil }
        let topologyFile = resolve(href)
        let machine: EnumeratedMachine
        do {
            let loaded = try TopologyLoader.load(contentsOf: topologyFile)
            machine = try EnumeratedMachine(loaded)
            topology = loaded
        } catch let failure as TopologyLoadError {
            error(topologyElement, "href", "the topology '\(topologyFile)' does not load")
            diagnostics += failure.diagnostics
            return nil
        } catch {
            self.error(topologyElement, "href", "the topology '\(topologyFile)' cannot be enumerated: \(error)")
            return nil
        }
        let topologyText = String(decoding: FileManager.default.contents(atPath: topologyFile) ?? Data(), as: UTF8.self)

        var parameters = ModelParameters()
        for element in root.children where element.name == "parameter" {
            let name = element.attribute("name") ?? ""
            let value = element.attribute("value") ?? ""
            do {
                try parameters.set(name, to: value)
            } catch {
                self.error(element, ModelParameters.names.contains(name) ? "value" : "name", error.description)
            }
        }
        let settings = root.children.first { $0.name == "settings" }.map { readSettings($0) } ?? TimelineSettings()

        var declared: [String: SourceLocation] = [:]
        func unique(_ element: XMLElement, _ builder: inout TimelineBuilder) -> Bool {
            guard let id = element.attribute("id") else { return true }
            if let first = declared[id] {
                builder.error(element, "id", "'\(id)' is already declared at \(first)")
                return false
            }
            declared[id] = element.location
            return true
        }
        var buffers: [BufferSpec] = []
        var attachments: [AttachmentSpec] = []
        var providers: [ProviderSpec] = []
        var ranges: [HMMRangeSpec] = []
        var pipelines: [PipelineSpec] = []
        for element in root.children where unique(element, &self) {
            switch element.name {
            case "buffer": if let buffer = readBuffer(element) { buffers.append(buffer) }
            case "attach", "region":
                if let attachment = readAttachment(element, buffers: buffers) { attachments.append(attachment) }
            case "provider": if let provider = readProvider(element) { providers.append(provider) }
            case "range":
                if let device = device(element, "device"), let size = bytes(element, "size") {
                    guard size > 0 else {
                        error(element, "size", "a range needs at least one byte")
                        continue
                    }
                    ranges.append(
                        HMMRangeSpec(
                            id: element.attribute("id") ?? "", device: device, size: size, location: element.location))
                }
            case "pipeline": if let pipeline = readPipeline(element) { pipelines.append(pipeline) }
            default: continue
            }
        }
        for (device, held) in Dictionary(grouping: buffers.filter { $0.placement == .vram }, by: \.exporter) {
            let total = held.reduce(UInt64(0)) { $0 + $1.size }
            guard let capacity = topology?.nodes[device].endpoint?.memory?.capacity.bytes, total > capacity,
                let last = held.last
            else { continue }
            diagnostics.append(
                Diagnostic(
                    .error, at: last.location,
                    "the buffers in \(topology?.nodes[device].id ?? "")'s VRAM add up to \(ByteCount(total)), more than its \(ByteCount(capacity))"
                ))
        }
        var events: [TimedEvent] = []
        var allocationIDs: [String] = []
        var dmaIDs: [String] = []
        for element in root.children {
            guard element.attribute("at") != nil else { continue }
            // Both read, so that a bad time and a bad reference are both reported.
            let time = time(element, "at")
            let action = readAction(
                element, buffers: buffers, attachments: attachments, ranges: ranges, allocations: &allocationIDs,
                dmas: &dmaIDs)
            if let time, let action {
                events.append(TimedEvent(time: time, action: action, location: element.location))
            }
        }
        events = events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(
            \.element)
        checkSize(
            root, settings: settings, attachments: attachments, ranges: ranges, pipelines: pipelines, events: events)
        let ids = Set(declared.keys).union(dmaIDs).union(allocationIDs)
        var expectations: [TimelineExpectation] = []
        for element in root.children where element.name == "expect" {
            if let expectation = readExpectation(element, ids: ids) { expectations.append(expectation) }
        }
        if diagnostics.contains(where: { $0.severity == .error }) { return nil }
        return TimelineScenario(
            name: root.attribute("name") ?? "", file: file, topologyFile: topologyFile, topologyText: topologyText,
            machine: machine, parameters: parameters, settings: settings, buffers: buffers,
            attachments: attachments, providers: providers, ranges: ranges, pipelines: pipelines, events: events,
            expectations: expectations)
    }

    /// Refuses a timeline whose chunks, HMM granules and pipeline steps would pass a twentieth
    /// of the event limit (as transfers' copy operations are bounded): each costs a few events
    /// and records, so a 1 GiB DMA in 1-byte chunks is refused with a message instead of running
    /// for hours.
    private mutating func checkSize(
        _ root: XMLElement, settings: TimelineSettings, attachments: [AttachmentSpec], ranges: [HMMRangeSpec],
        pipelines: [PipelineSpec], events: [TimedEvent]
    ) {
        func count(_ bytes: UInt64, _ unit: UInt64) -> UInt64 { bytes / max(1, unit) + 1 }
        var total: UInt64 = 0
        for event in events {
            switch event.action {
            case .dma(_, let via, _, let size, _):
                let odp = attachments.first { $0.id == via }?.onDemandPaging ?? false
                total += count(size, odp ? settings.odpPageSize * settings.odpPagesPerFault : settings.chunk)
            case .touch(_, _, _, let size): total += count(size, settings.hmmGranule)
            default: total += 1
            }
        }
        total += ranges.reduce(0) { $0 + count($1.size, settings.hmmGranule) }
        total += pipelines.reduce(0) { $0 + count($1.size, $1.chunk) * UInt64(4 * $1.stages.count) }
        let limit = max(1, EventLimit.current / 20)
        if total > limit {
            error(
                root, nil,
                "this timeline makes about \(total) chunks, granules and steps, beyond the limit of \(limit) (a twentieth of the event limit: raise it with \(EventLimit.variable)=N, or use larger chunks)"
            )
        }
    }

    private func resolve(_ href: String) -> String {
        var path = href
        if path.hasPrefix("file://") { path.removeFirst("file://".count) }
        if path.hasPrefix("/") { return path }
        guard let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }

    mutating func readSettings(_ element: XMLElement) -> TimelineSettings {
        var settings = TimelineSettings()
        if let value = bytes(element, "chunk") { settings.chunk = max(1, value) }
        if let value = time(element, "remapLatency") { settings.remapLatency = value }
        if let value = time(element, "gpuFaultLatency") { settings.gpuFaultLatency = value }
        if let value = time(element, "cpuFaultLatency") { settings.cpuFaultLatency = value }
        if let value = bytes(element, "hmmGranule") { settings.hmmGranule = max(1, value) }
        if let value = time(element, "odpFaultLatency") { settings.odpFaultLatency = value }
        if let value = bytes(element, "odpPageSize") { settings.odpPageSize = max(1, value) }
        if let text = element.attribute("odpPagesPerFault"), let value = UInt64(text) {
            settings.odpPagesPerFault = value
        }
        if let value = time(element, "pinCostPerPage") { settings.pinCostPerPage = value }
        if let value = time(element, "cpuSynchronisation") { settings.cpuSynchronisation = value }
        if let text = element.attribute("pinVRAMOnLargeBAR") { settings.pinVRAMOnLargeBAR = text == "yes" }
        if let text = element.attribute("seed") {
            if let value = UInt64(text) {
                settings.seed = value
            } else {
                error(element, "seed", "seed '\(text)' is beyond 2^64 - 1")
            }
        }
        return settings
    }

    mutating func readBuffer(_ element: XMLElement) -> BufferSpec? {
        guard let exporter = device(element, "device"), let size = bytes(element, "size") else { return nil }
        guard let topology else { return nil }
        let placement = BufferPlacement(rawValue: element.attribute("placement") ?? "vram") ?? .vram
        let capacity = topology.nodes[exporter].endpoint?.memory?.capacity.bytes
        if placement == .vram {
            guard let capacity else {
                error(element, "device", "\(topology.nodes[exporter].id) has no device memory to hold a buffer in VRAM")
                return nil
            }
            if size > capacity {
                error(
                    element, "size",
                    "\(ByteCount(size)) does not fit \(topology.nodes[exporter].id)'s \(ByteCount(capacity)) of memory")
                return nil
            }
        }
        if size == 0 {
            error(element, "size", "a buffer needs at least one byte")
            return nil
        }
        return BufferSpec(
            id: element.attribute("id") ?? "", exporter: exporter, size: size, placement: placement,
            pinned: element.attribute("pinned") == "yes", location: element.location)
    }

    mutating func readAttachment(_ element: XMLElement, buffers: [BufferSpec]) -> AttachmentSpec? {
        let isRegion = element.name == "region"
        guard let importer = device(element, isRegion ? "nic" : "importer"), let topology else { return nil }
        let buffer =
            element.attribute("buffer") == nil
            ? nil : reference(element, "buffer", in: buffers.map(\.id), what: "buffer")
        if element.attribute("buffer") != nil && buffer == nil { return nil }
        let size = bytes(element, "size")
        if isRegion && (buffer == nil) == (size == nil) {
            error(
                element, nil,
                "a <region> covers either a buffer (buffer=) or system memory (size=), not both or neither")
            return nil
        }
        if let buffer, let spec = buffers.first(where: { $0.id == buffer }), spec.exporter == importer {
            error(
                element, isRegion ? "nic" : "importer",
                "\(topology.nodes[importer].id) exports \(buffer) itself: an importer is another device")
            return nil
        }
        let kind = topology.nodes[importer].endpoint?.kind
        let fences = element.attribute("fences").map { $0 == "yes" } ?? (kind == .gpu || kind == .accelerator)
        return AttachmentSpec(
            id: element.attribute("id") ?? "", buffer: buffer, importer: importer,
            mode: AttachMode(rawValue: element.attribute("mode") ?? "dynamic") ?? .dynamic,
            allowsPeer2Peer: isRegion || element.attribute("peer2peer") != "no", supportsFences: fences && !isRegion,
            isRegion: isRegion, onDemandPaging: element.attribute("odp") == "yes", size: size,
            lineRate: rate(element, "lineRate"), location: element.location)
    }

    mutating func readProvider(_ element: XMLElement) -> ProviderSpec? {
        guard let device = device(element, "device"), let topology else { return nil }
        guard let aperture = topology.memoryAperture(of: device) else {
            error(
                element, "device",
                "\(topology.nodes[device].id) has no BAR exposing memory to publish (exposes=\"memory\")")
            return nil
        }
        let published = min(aperture.bar.size.bytes, aperture.memory.capacity.bytes)
        let size = bytes(element, "size") ?? published
        if size > published {
            error(element, "size", "\(ByteCount(size)) is more than the \(ByteCount(published)) the BAR exposes")
            return nil
        }
        return ProviderSpec(device: device, size: size, location: element.location)
    }

    mutating func readPipeline(_ element: XMLElement) -> PipelineSpec? {
        guard let topology, let size = bytes(element, "size"), let chunk = bytes(element, "chunk") else { return nil }
        let ids = (element.attribute("stages") ?? "").split(separator: " ").map(String.init)
        var stages: [Int] = []
        for id in ids {
            guard let node = topology.nodeIndex(of: id), topology.nodes[node].kind == .endpoint else {
                error(element, "stages", "no device '\(id)' in '\(topology.name)'")
                return nil
            }
            stages.append(node)
        }
        if stages.count < 2 || chunk == 0 || size == 0 {
            error(
                element, stages.count < 2 ? "stages" : "size",
                "a pipeline needs two stages or more and a size and chunk above zero")
            return nil
        }
        return PipelineSpec(
            id: element.attribute("id") ?? "", stages: stages, size: size, chunk: chunk,
            lineRate: rate(element, "lineRate"), location: element.location)
    }

    mutating func readAction(
        _ element: XMLElement, buffers: [BufferSpec], attachments: [AttachmentSpec], ranges: [HMMRangeSpec],
        allocations: inout [String], dmas: inout [String]
    ) -> TimedAction? {
        switch element.name {
        case "dma":
            guard let size = bytes(element, "size") else { return nil }
            let via = element.attribute("via") ?? ""
            let id = element.attribute("id") ?? ""
            if dmas.contains(id) {
                error(element, "id", "DMA '\(id)' is already declared")
                return nil
            }
            dmas.append(id)
            var client: Int?
            if attachments.contains(where: { $0.id == via }) {
                if element.attribute("client") != nil {
                    error(
                        element, "client", "a DMA through an attachment or region is made by its importer: no client=")
                    return nil
                }
            } else if allocations.contains(via) {
                guard let device = device(element, "client") else {
                    if element.attribute("client") == nil {
                        error(element, nil, "a DMA on a P2PDMA allocation names its client=")
                    }
                    return nil
                }
                client = device
            } else {
                _ = reference(
                    element, "via", in: attachments.map(\.id) + allocations, what: "attachment, region or allocation")
                return nil
            }
            if size == 0 {
                error(element, "size", "a DMA moves at least one byte")
                return nil
            }
            let attachment = attachments.first { $0.id == via }
            var reach = allocationSizes[via]
            if let attachment {
                reach = attachment.buffer.flatMap { id in buffers.first { $0.id == id }?.size } ?? attachment.size
            }
            if let reach, size > reach {
                error(element, "size", "\(ByteCount(size)) is more than the \(ByteCount(reach)) that \(via) covers")
                return nil
            }
            let access = DMAAccess(rawValue: element.attribute("access") ?? "read") ?? .read
            return .dma(id: id, via: via, client: client, size: size, access: access)
        case "evict":
            guard let device = device(element, "device"), let size = bytes(element, "size") else { return nil }
            return .evict(device: device, size: size)
        case "restore":
            guard let buffer = reference(element, "buffer", in: buffers.map(\.id), what: "buffer") else { return nil }
            return .restore(buffer: buffer)
        case "touch":
            guard let range = reference(element, "range", in: ranges.map(\.id), what: "range"),
                let spec = ranges.first(where: { $0.id == range })
            else { return nil }
            let by = element.attribute("by") ?? ""
            var device: Int?
            if topology?.sockets.contains(where: { $0.id == by }) == true || by == "cpu" {
                device = nil
            } else if let node = self.device(element, "by") {
                if node != spec.device {
                    error(
                        element, "by",
                        "only \(topology?.nodes[spec.device].id ?? "the range's device") or a CPU socket touches \(range): DEVICE_PRIVATE pages belong to one device"
                    )
                    return nil
                }
                device = node
            } else {
                return nil
            }
            let offset = bytes(element, "offset") ?? 0
            let size = bytes(element, "size") ?? (spec.size - min(offset, spec.size))
            if offset >= spec.size || size == 0 || offset + size > spec.size {
                error(
                    element, element.attribute("offset") == nil ? "size" : "offset",
                    "the touch lies outside \(range) (\(ByteCount(spec.size)))")
                return nil
            }
            return .touch(range: range, by: device, offset: offset, size: size)
        case "allocate":
            guard let size = bytes(element, "size"), let topology else { return nil }
            var clients: [Int] = []
            for id in (element.attribute("clients") ?? "").split(separator: " ").map(String.init) {
                guard let node = topology.nodeIndex(of: id), topology.nodes[node].kind == .endpoint else {
                    error(element, "clients", "no device '\(id)' in '\(topology.name)'")
                    return nil
                }
                clients.append(node)
            }
            let id = element.attribute("id") ?? ""
            allocations.append(id)
            allocationSizes[id] = size
            if size == 0 || clients.isEmpty {
                error(element, size == 0 ? "size" : "clients", "an allocation needs at least one byte and one client")
                return nil
            }
            return .allocate(id: id, clients: clients, size: size)
        case "free":
            guard let allocation = reference(element, "allocation", in: allocations, what: "allocation") else {
                return nil
            }
            return .free(allocation: allocation)
        case "invalidate":
            let regions = attachments.filter(\.isRegion).map(\.id)
            guard let region = reference(element, "region", in: regions, what: "region") else { return nil }
            return .invalidate(region: region)
        default:
            return nil
        }
    }

    mutating func readExpectation(_ element: XMLElement, ids: Set<String>) -> TimelineExpectation? {
        guard let check = TimelineCheck(rawValue: element.attribute("check") ?? "") else { return nil }
        let subject = element.attribute("subject")
        if let subject, !ids.contains(subject), topology?.nodeIndex(of: subject) == nil {
            error(element, "subject", "unknown subject '\(subject)' (known: \(ids.sorted().joined(separator: ", ")))")
            return nil
        }
        let kind = element.attribute("kind")
        if check == .count, RecordKind(rawValue: kind ?? "") == nil {
            error(
                element, "kind",
                "count needs kind= one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        if [.paths, .placement, .provider, .bandwidth, .faster, .cpuSyncs].contains(check), subject == nil {
            error(element, nil, "check '\(check.rawValue)' needs subject=")
            return nil
        }
        let value = element.attribute("value") ?? ""
        if check == .count || check == .cpuSyncs, Int(value) == nil {
            error(element, "value", "check '\(check.rawValue)' expects a whole number, not '\(value)'")
            return nil
        }
        var tolerance: Double?
        if check == .bandwidth {
            do { _ = try DataRate.parse(value) } catch {
                self.error(element, "value", "value '\(value)': \(error.description)")
                return nil
            }
            let text = element.attribute("tolerance") ?? "5%"
            guard text.hasSuffix("%"), let percent = Double(text.dropLast().trimmingCharacters(in: .whitespaces)),
                percent >= 0
            else {
                error(element, "tolerance", "tolerance '\(text)' must be a percentage such as '5%'")
                return nil
            }
            tolerance = percent / 100
        }
        return TimelineExpectation(
            check: check, subject: subject, kind: kind ?? (check == .cpuSyncs ? "cpu" : nil), value: value,
            segment: element.attribute("segment").flatMap { Int($0) }, tolerance: tolerance,
            source: element.attribute("source") ?? "", location: element.location)
    }
}

extension TimelineLoader {
    /// Whether `file`'s root element is `<timeline>` (read from its first 64 KiB, past the XML
    /// declaration, comments and a doctype).
    public static func isTimeline(file: String) -> Bool { rootName(file: file) == rootElement }

    /// The name of `file`'s root element, if it can be read.
    static func rootName(file: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: file) else { return nil }
        defer { try? handle.close() }
        var text = Substring(String(decoding: handle.readData(ofLength: 65_536), as: UTF8.self))
        while let open = text.firstIndex(of: "<") {
            text = text[open...]
            guard text.hasPrefix("<?") || text.hasPrefix("<!") else {
                return String(text.dropFirst().prefix { !$0.isWhitespace && $0 != ">" && $0 != "/" })
            }
            guard let end = text.range(of: text.hasPrefix("<!--") ? "-->" : ">") else { return nil }
            text = text[end.upperBound...]
        }
        return nil
    }
}
