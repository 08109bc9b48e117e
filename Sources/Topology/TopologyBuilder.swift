import Units

/// Defaults for endpoint attributes a topology file may leave out, each with its source.
public enum EndpointDefaults {
    /// Max payload size: 256 B, what server root ports and GPUs commonly negotiate (the PCIe
    /// maximum is 4096 B; Linux keeps the firmware's value; pcie-bench's measurements use 256 B).
    public static let maxPayload = ByteCount(256)
    /// Max read request size: 512 B, the Linux default when `pcie_bus_perf` is not set and the
    /// value pcie-bench's model uses.
    public static let maxReadRequest = ByteCount(512)
    /// Read completion boundary: 64 B, the root-port RCB most x86 platforms report (PCIe Base
    /// Specification 6.0, section 2.3.1.1: 64 or 128 bytes).
    public static let readCompletionBoundary = ByteCount(64)
    /// Outstanding read tags: 256, with the 8-bit Extended Tag Field enabled (PCIe Base
    /// Specification 6.0, section 2.2.6.2; enabled by default since the 2013 ECN).
    public static let tags = 256
}

/// Builds a `Topology` from a validated element tree and checks what the schema cannot:
/// units, references, duplicate ids, BAR sizes, link training.
struct TopologyBuilder {
    private(set) var diagnostics: [Diagnostic] = []
    private var topology: Topology
    private let sources: SourceTexts
    private var definitions: [String: SourceLocation] = [:]
    private var nvswitchIndex: [String: Int] = [:]
    private var socketIndex: [String: Int] = [:]
    private var nodeIndex: [String: Int] = [:]
    /// Quantities already read, by their text: a generated machine spells the same few sizes,
    /// rates and latencies thousands of times.
    private var sizes: [String: ByteCount] = [:]
    private var rates: [String: DataRate] = [:]
    private var durations: [String: Picoseconds] = [:]

    init(sources: SourceTexts) {
        self.sources = sources
        self.topology = Topology(name: "")
    }

    // MARK: Diagnostics and attribute reading

    private func location(_ element: XMLElement, attribute: String? = nil) -> SourceLocation {
        // An attribute the element lacks is not searched for: the search would find the next
        // element's (a default function number reported at a sibling's `function=`).
        if let attribute, element.attribute(attribute) != nil,
            let found = sources.column(ofAttribute: attribute, from: element.location.line, in: element.location.file)
        {
            return SourceLocation(file: element.location.file, line: found.line, column: found.column)
        }
        return element.location
    }

    private mutating func error(_ element: XMLElement, attribute: String? = nil, _ message: String) {
        diagnostics.append(Diagnostic(.error, at: location(element, attribute: attribute), message))
    }

    private mutating func warning(_ element: XMLElement, attribute: String? = nil, _ message: String) {
        diagnostics.append(Diagnostic(.warning, at: location(element, attribute: attribute), message))
    }

    /// Reads a quantity attribute with `parse`, reporting a unit error at the attribute.
    private mutating func quantity<T>(
        _ element: XMLElement, _ name: String, _ parse: (String) throws(UnitParseError) -> T
    ) -> T? {
        guard let text = element.attribute(name) else { return nil }
        do {
            return try parse(text)
        } catch {
            self.error(element, attribute: name, "<\(element.name)> attribute '\(name)': \(error)")
            return nil
        }
    }

    /// Reads a quantity attribute as `quantity` does, keeping what was read in `cache` by text.
    private mutating func cachedQuantity<T>(
        _ element: XMLElement, _ name: String, _ cache: WritableKeyPath<TopologyBuilder, [String: T]>,
        _ parse: (String) throws(UnitParseError) -> T
    ) -> T? {
        guard let text = element.attribute(name) else { return nil }
        if let known = self[keyPath: cache][text] { return known }
        let value = quantity(element, name, parse)
        if let value { self[keyPath: cache][text] = value }
        return value
    }

    /// Reads a size within `QuantityRange.size` (0 B to 1 PiB).
    private mutating func size(_ element: XMLElement, _ name: String) -> ByteCount? {
        cachedQuantity(element, name, \.sizes) { text throws(UnitParseError) in
            try ByteCount.parse(text, within: .size)
        }
    }

    /// Reads the rate of a link, memory, switch or engine, within `QuantityRange.bandwidth`
    /// (1 MB/s to 1 PB/s).
    private mutating func rate(_ element: XMLElement, _ name: String) -> DataRate? {
        cachedQuantity(element, name, \.rates) { text throws(UnitParseError) in
            try DataRate.parse(text, within: .bandwidth)
        }
    }

    /// Reads a hardware latency or overhead, within `QuantityRange.latency` (0 ps to 1 s).
    private mutating func duration(_ element: XMLElement, _ name: String) -> Picoseconds? {
        cachedQuantity(element, name, \.durations) { text throws(UnitParseError) in
            try Picoseconds.parse(text, within: .latency)
        }
    }

    /// Reads an integer attribute (decimal or 0x-prefixed hexadecimal) that must lie in `range`.
    private mutating func integer(_ element: XMLElement, _ name: String, _ range: IntegerRange) -> Int? {
        guard let text = element.attribute(name) else { return nil }
        let trimmed = text.trimmingSpaces
        let value: Int? =
            trimmed.lowercased().hasPrefix("0x") ? Int(trimmed.dropFirst(2), radix: 16) : Int(trimmed)
        guard let value else {
            error(
                element, attribute: name,
                "<\(element.name)> attribute '\(name)': '\(text)' is not an integer (expected \(range))")
            return nil
        }
        guard range.values.contains(value) else {
            error(
                element, attribute: name,
                "<\(element.name)> attribute '\(name)': \(value) is out of range: expected \(range)")
            return nil
        }
        return value
    }

    private func bool(_ element: XMLElement, _ name: String) -> Bool? {
        guard let text = element.attribute(name)?.trimmingSpaces else { return nil }
        return text == "true" || text == "1"
    }

    /// Records where id `id` is defined; a second definition is an error pointing at the first.
    ///
    /// The element's location is kept, and the column of its `id` attribute found only when a
    /// diagnostic needs it.
    private mutating func define(_ id: String, _ element: XMLElement) {
        if let first = definitions[id] {
            let what = element.name == "endpoint" ? "device '\(id)' is attached twice" : "duplicate id '\(id)'"
            let firstID = sources.column(ofAttribute: "id", from: first.line, in: first.file).map {
                SourceLocation(file: first.file, line: $0.line, column: $0.column)
            }
            error(element, attribute: "id", "\(what) (first defined at \(firstID ?? first))")
        } else {
            definitions[id] = element.location
        }
    }

    /// The number of elements in the tree of `element`, itself included.
    private static func elementCount(_ element: XMLElement) -> Int {
        element.children.reduce(1) { $0 + elementCount($1) }
    }

    // MARK: Building

    /// Builds the topology, or returns nil when errors were found (see `diagnostics`).
    mutating func build(_ root: XMLElement, file: String?) -> Topology? {
        topology = Topology(name: root.attribute("name") ?? "")
        topology.description = root.attribute("description")
        topology.sourceFile = file
        // Each element makes at most one PCI node and one id: room for them all at once, so that
        // no array or table is regrown (regrowing the node array of 33,792 nodes made the
        // allocator consolidate its free lists each time: a tenth of loading 16,384 endpoints).
        let elements = Self.elementCount(root)
        topology.nodes.reserveCapacity(elements)
        nodeIndex.reserveCapacity(elements)
        definitions.reserveCapacity(elements)
        if let version = root.attribute("version"), version.trimmingSpaces != "1" {
            error(
                root, attribute: "version",
                "topology format version \(version) is not supported (this p2psim reads version 1)")
        }
        // First the things that define ids, then the links that refer to them.
        for child in root.children {
            switch child.name {
            case "socket": buildSocket(child)
            case "nvswitch": buildNVSwitch(child)
            case "software":
                if let launch = duration(child, "launch"), let completion = duration(child, "completion") {
                    if topology.software != nil { error(child, "only one <software> element is allowed") }
                    topology.software = SoftwareOverhead(launch: launch, completion: completion)
                }
            default: break
            }
        }
        for child in root.children {
            switch child.name {
            case "socketLink": buildSocketLink(child)
            case "nvlink", "xgmi": buildVendorLink(child)
            default: break
            }
        }
        diagnostics.sort {
            ($0.location.file, $0.location.line, $0.location.column) < (
                $1.location.file, $1.location.line, $1.location.column
            )
        }
        topology.warnings = diagnostics.filter { $0.severity == .warning }
        return diagnostics.contains { $0.severity == .error } ? nil : topology
    }

    private mutating func memory(_ element: XMLElement) -> MemorySpec? {
        // Read all three before giving up, so that every bad unit is reported at once.
        let capacity = size(element, "capacity")
        let bandwidth = rate(element, "bandwidth")
        let latency = duration(element, "latency")
        guard let capacity, let bandwidth, let latency else { return nil }
        return MemorySpec(capacity: capacity, bandwidth: bandwidth, latency: latency, kind: element.attribute("kind"))
    }

    private mutating func buildSocket(_ element: XMLElement) {
        guard let id = element.attribute("id") else { return }
        define(id, element)
        let vendor = CPUVendor(rawValue: element.attribute("vendor") ?? "") ?? .other
        let socket = Socket(
            id: id, vendor: vendor, family: integer(element, "family", .cpuFamily) ?? 0,
            model: integer(element, "model", .cpuModel),
            label: element.attribute("label"),
            memory: element.children.first { $0.name == "memory" }.flatMap { memory($0) },
            location: element.location)
        topology.sockets.append(socket)
        let index = topology.sockets.count - 1
        socketIndex[id] = index
        for child in element.children {
            switch child.name {
            case "rootComplex": buildRootComplex(child, socket: index)
            case "platformDevice":
                guard let deviceID = child.attribute("id") else { continue }
                define(deviceID, child)
                topology.platformDevices.append(
                    PlatformDevice(
                        id: deviceID, kind: EndpointKind(rawValue: child.attribute("kind") ?? "") ?? .other,
                        label: child.attribute("label"), socket: index, location: child.location))
            default: break
            }
        }
    }

    private mutating func buildRootComplex(_ element: XMLElement, socket: Int) {
        guard let id = element.attribute("id") else { return }
        define(id, element)
        var iommu: IOMMUSpec?
        if let iommuElement = element.children.first(where: { $0.name == "iommu" }) {
            let mode = IOMMUSpec.Mode(rawValue: iommuElement.attribute("mode") ?? "") ?? .off
            iommu = IOMMUSpec(
                mode: mode, pageSize: size(iommuElement, "pageSize"),
                iotlbEntries: integer(iommuElement, "iotlbEntries", .iotlbEntries),
                walkLatency: duration(iommuElement, "walkLatency"), ats: bool(iommuElement, "ats") ?? false)
            if let page = iommu?.pageSize, ![4_096, 2_097_152, 1_073_741_824].contains(page.bytes) {
                error(
                    iommuElement, attribute: "pageSize",
                    "<iommu> pageSize must be 4 KiB, 2 MiB or 1 GiB (x86-64 page sizes)")
            }
        }
        let complex = RootComplex(
            id: id, socket: socket,
            hostBridge: PCIIdentity(element.attribute("hostBridge") ?? "") ?? PCIIdentity(vendor: 0, device: 0),
            segment: integer(element, "segment", .pciSegment) ?? 0, bus: integer(element, "bus", .pciBus),
            p2p: RootComplexP2P(rawValue: element.attribute("p2p") ?? "") ?? .none,
            p2pBandwidth: rate(element, "p2pBandwidth"), p2pLatency: duration(element, "p2pLatency"),
            memoryLatency: duration(element, "memoryLatency"), p2pMaxPayload: size(element, "p2pMaxPayload"),
            iommu: iommu, location: element.location)
        topology.rootComplexes.append(complex)
        let rc = topology.rootComplexes.count - 1
        for child in element.children {
            switch child.name {
            case "rootPort":
                if let node = buildPort(
                    child, kind: .rootPort, parent: nil, rootComplex: rc, switchIndex: nil, inherited: nil)
                {
                    topology.rootComplexes[rc].children.append(node)
                }
            case "endpoint":
                // A root-complex integrated endpoint: on the root bus, no link of its own.
                if let node = buildEndpoint(child, parent: nil, rootComplex: rc, parentLink: nil) {
                    topology.rootComplexes[rc].children.append(node)
                }
            default: break
            }
        }
    }

    private mutating func acs(_ element: XMLElement, _ name: String) -> ACSBits {
        guard let text = element.attribute(name) else { return [] }
        guard let bits = ACSBits(mnemonics: text) else {
            error(element, attribute: name, "<\(element.name)> attribute '\(name)': unknown ACS bit in '\(text)'")
            return []
        }
        return bits
    }

    private mutating func linkSpec(_ element: XMLElement, inherited: PCIeLinkSpec?) -> PCIeLinkSpec? {
        let generation = integer(element, "gen", .pcieGeneration) ?? inherited?.generation
        let width = integer(element, "width", .linkWidth) ?? inherited?.width
        guard let generation, let width else { return nil }
        return PCIeLinkSpec(generation: generation, width: width)
    }

    private mutating func appendNode(_ node: PCINode, parent: Int?, element: XMLElement) -> Int {
        var node = node
        if let bus = integer(element, "bus", .pciBus) { node.bus = bus }
        topology.nodes.append(node)
        let index = topology.nodes.count - 1
        nodeIndex[node.id] = index
        if let parent { topology.nodes[parent].children.append(index) }
        return index
    }

    /// Builds a root port or a switch downstream port and what hangs below it.
    private mutating func buildPort(
        _ element: XMLElement, kind: PCINodeKind, parent: Int?, rootComplex: Int, switchIndex: Int?,
        inherited: PCIeLinkSpec?
    ) -> Int? {
        guard let id = element.attribute("id") else { return nil }
        define(id, element)
        let capability = acs(element, "acsCap")
        let control = acs(element, "acsCtrl")
        if element.attribute("acsCap") != nil, !capability.isSuperset(of: control) {
            error(
                element, attribute: "acsCtrl",
                "<\(element.name) id='\(id)'> enables ACS bits its capability lacks: \(control.subtracting(capability))"
            )
        }
        let node = PCINode(
            id: id, kind: kind, parent: parent, rootComplex: rootComplex, switchIndex: switchIndex,
            pciIdentity: element.attribute("pciId").flatMap(PCIIdentity.init),
            deviceNumber: integer(element, "device", .pciDevice),
            function: integer(element, "function", .pciFunction) ?? 0, link: linkSpec(element, inherited: inherited),
            acsCapability: element.attribute("acsCap") == nil ? control : capability, acsControl: control,
            endpoint: nil, location: element.location)
        let index = appendNode(node, parent: parent, element: element)
        buildBelowPort(element, port: index, rootComplex: rootComplex)
        return index
    }

    /// Builds what a port's link leads to: one switch, or the functions of one device.
    private mutating func buildBelowPort(_ element: XMLElement, port: Int, rootComplex: Int) {
        let portLink = topology.nodes[port].link
        // Counted, not collected: a port of a big machine is built tens of thousands of times.
        let switches = element.children.reduce(0) { $1.name == "switch" ? $0 + 1 : $0 }
        let endpoints = element.children.reduce(0) { $1.name == "endpoint" ? $0 + 1 : $0 }
        if switches > 1 || (switches > 0 && endpoints > 0) {
            error(
                element,
                "<\(element.name) id='\(topology.nodes[port].id)'> has one link: it can lead to one switch or to the functions of one device, not both or several"
            )
        }
        // The first endpoint of each function number (a port has at most eight functions).
        var functions: [(function: Int, element: XMLElement)] = []
        for child in element.children {
            switch child.name {
            case "switch":
                buildSwitch(child, parentPort: port, rootComplex: rootComplex)
            case "endpoint":
                let function = integer(child, "function", .pciFunction) ?? 0
                if let other = functions.first(where: { $0.function == function })?.element {
                    error(
                        child, attribute: "function",
                        "function \(function) under '\(topology.nodes[port].id)' is already taken by the endpoint at \(other.location)"
                    )
                } else {
                    functions.append((function, child))
                }
                _ = buildEndpoint(child, parent: port, rootComplex: rootComplex, parentLink: portLink)
            default: break
            }
        }
    }

    private mutating func checkTraining(
        _ element: XMLElement, child: PCIeLinkSpec?, parent: PCIeLinkSpec?, between: String
    ) {
        guard let child, let parent, child != parent else { return }
        let trained = child.trained(with: parent)
        warning(element, "link \(between) trains to \(trained): one end is \(parent), the other \(child)")
    }

    private mutating func buildSwitch(_ element: XMLElement, parentPort: Int, rootComplex: Int) {
        guard let id = element.attribute("id") else { return }
        define(id, element)
        guard let latency = duration(element, "latency") else { return }
        let link = linkSpec(element, inherited: nil)
        checkTraining(
            element, child: link, parent: topology.nodes[parentPort].link,
            between: "'\(topology.nodes[parentPort].id)' - '\(id)'")
        let switchIndex = topology.switches.count
        let upstream = PCINode(
            id: id, kind: .switchUpstreamPort, parent: parentPort, rootComplex: rootComplex, switchIndex: switchIndex,
            pciIdentity: element.attribute("pciId").flatMap(PCIIdentity.init),
            deviceNumber: integer(element, "device", .pciDevice) ?? 0, function: 0, link: link,
            acsCapability: acs(element, "acsCap"), acsControl: acs(element, "acsCtrl"), endpoint: nil,
            location: element.location)
        let upstreamIndex = appendNode(upstream, parent: parentPort, element: element)
        topology.switches.append(
            PCISwitch(
                id: id, label: element.attribute("label"), latency: latency, bandwidth: rate(element, "bandwidth"),
                upstreamPort: upstreamIndex))
        for child in element.children where child.name == "downstreamPort" {
            if let port = buildPort(
                child, kind: .switchDownstreamPort, parent: upstreamIndex, rootComplex: rootComplex,
                switchIndex: switchIndex,
                inherited: link)
            {
                topology.switches[switchIndex].downstreamPorts.append(port)
            }
        }
    }

    private mutating func buildEndpoint(
        _ element: XMLElement, parent: Int?, rootComplex: Int, parentLink: PCIeLinkSpec?
    ) -> Int? {
        guard let id = element.attribute("id") else { return nil }
        define(id, element)
        let kind = EndpointKind(rawValue: element.attribute("kind") ?? "") ?? .other
        let link = linkSpec(element, inherited: nil)
        if let parent {
            checkTraining(element, child: link, parent: parentLink, between: "'\(topology.nodes[parent].id)' - '\(id)'")
        }
        let mps = size(element, "mps") ?? EndpointDefaults.maxPayload
        let mrrs = size(element, "mrrs") ?? EndpointDefaults.maxReadRequest
        let rcb = size(element, "rcb") ?? EndpointDefaults.readCompletionBoundary
        /// A TLP size must be a power of two up to 4096 B: from 128 B for the Device Control
        /// settings (PCIe Base Specification 7.5.3.4), from 64 B for what a device writes.
        @discardableResult
        func checkPayload(
            _ name: String, _ value: ByteCount, on checked: XMLElement? = nil, smallest: UInt64 = 128,
            source: String = "PCIe Base Specification 7.5.3.4"
        ) -> Bool {
            guard value.bytes < smallest || value.bytes > 4_096 || value.bytes & (value.bytes - 1) != 0 else {
                return true
            }
            error(
                checked ?? element, attribute: name,
                "\(checked.map { "<\($0.name)> of '\(id)':" } ?? "<endpoint id='\(id)'>") \(name) \(value) must be a power of two from \(smallest) B to 4096 B (\(source))"
            )
            return false
        }
        checkPayload("mps", mps)
        checkPayload("mrrs", mrrs)
        if rcb.bytes != 64 && rcb.bytes != 128 {
            error(
                element, attribute: "rcb",
                "<endpoint id='\(id)'> rcb must be 64 B or 128 B (PCIe Base Specification 2.3.1.1)")
        }
        let memoryElement = element.children.first { $0.name == "memory" }
        let deviceMemory = memoryElement.flatMap { memory($0) }
        var bars: [BARSpec] = []
        // The BAR that last took each register slot (six at most).
        var usedSlots: [(slot: Int, element: XMLElement)] = []
        for barElement in element.children where barElement.name == "bar" {
            guard let bar = buildBAR(barElement, device: id) else { continue }
            for slot in bar.index...(bar.is64Bit ? bar.index + 1 : bar.index) {
                if let taken = usedSlots.firstIndex(where: { $0.slot == slot }) {
                    error(
                        barElement, attribute: "index",
                        "BAR \(bar.index) of '\(id)' overlaps the BAR declared at \(usedSlots[taken].element.location)")
                    usedSlots[taken].element = barElement
                } else {
                    usedSlots.append((slot, barElement))
                }
            }
            if bar.is64Bit && bar.index == 5 {
                error(barElement, attribute: "index", "BAR 5 cannot be 64-bit: a 64-bit BAR uses two BAR registers")
            }
            // A <memory> whose attributes were refused is reported there, not again here.
            if bar.exposesMemory && memoryElement == nil {
                error(
                    barElement, attribute: "exposes",
                    "BAR \(bar.index) of '\(id)' exposes memory, but '\(id)' has no <memory>")
            }
            bars.append(bar)
        }
        if bars.reduce(0, { $1.exposesMemory ? $0 + 1 : $0 }) > 1 {
            error(element, "<endpoint id='\(id)'> has more than one BAR that exposes its memory")
        }
        var dma: DMASpec?
        if let dmaElement = element.children.first(where: { $0.name == "dma" }),
            let engines = integer(dmaElement, "engines", .dmaEngines),
            let engineRate = rate(dmaElement, "rate")
        {
            dma = DMASpec(
                engines: engines, rate: engineRate, outstandingReads: integer(dmaElement, "outstandingReads", .tags),
                issueCost: dmaElement.attribute("issueCost") == nil ? nil : duration(dmaElement, "issueCost"),
                writePayload: size(dmaElement, "writePayload"))
            if let payload = dma?.writePayload,
                !checkPayload("writePayload", payload, on: dmaElement, smallest: 64, source: "a TLP's payload")
            {
                dma?.writePayload = nil
            }
        }
        var sriov: SRIOVSpec?
        if let sriovElement = element.children.first(where: { $0.name == "sriov" }),
            let total = integer(sriovElement, "totalVFs", .virtualFunctions),
            let enabled = integer(sriovElement, "numVFs", .virtualFunctions)
        {
            if enabled > total {
                error(sriovElement, attribute: "numVFs", "<sriov> numVFs \(enabled) exceeds totalVFs \(total)")
            }
            sriov = SRIOVSpec(totalVFs: total, numVFs: enabled)
        }
        var details = EndpointDetails(
            kind: kind, label: element.attribute("label"), maxPayload: mps, maxReadRequest: mrrs,
            readCompletionBoundary: rcb, tags: integer(element, "tags", .tags) ?? EndpointDefaults.tags,
            ats: bool(element, "ats") ?? false, bars: bars, memory: deviceMemory, dma: dma, sriov: sriov,
            driver: element.attribute("driver")?.trimmingSpaces,
            driverP2P: element.attribute("driverP2P").flatMap { DriverP2PPolicy(rawValue: $0.trimmingSpaces) })
        if element.attribute("lineRate") != nil {
            details.lineRate = rate(element, "lineRate")
            if kind != .nic {
                error(element, attribute: "lineRate", "<endpoint id='\(id)'> has a lineRate, which only a nic has")
            }
        }
        let node = PCINode(
            id: id, kind: .endpoint, parent: parent, rootComplex: rootComplex, switchIndex: nil,
            pciIdentity: element.attribute("pciId").flatMap(PCIIdentity.init),
            deviceNumber: integer(element, "device", .pciDevice),
            function: integer(element, "function", .pciFunction) ?? 0, link: link, acsCapability: [], acsControl: [],
            endpoint: details,
            location: element.location)
        return appendNode(node, parent: parent, element: element)
    }

    private mutating func buildBAR(_ element: XMLElement, device: String) -> BARSpec? {
        guard let index = integer(element, "index", .barIndex), let barSize = size(element, "size") else { return nil }
        let is64 = element.attribute("bits")?.trimmingSpaces == "64"
        if index > 5 { error(element, attribute: "index", "BAR index \(index) is beyond 5") }
        let bytes = barSize.bytes
        if bytes < 16 || bytes & (bytes - 1) != 0 {
            error(
                element, attribute: "size",
                "BAR \(index) of '\(device)': size \(barSize) is not a power of two of at least 16 B (PCIe Base Specification 7.5.1.2.1)"
            )
        } else if !is64 && bytes > (1 << 31) {
            error(
                element, attribute: "size",
                "BAR \(index) of '\(device)': a 32-bit BAR of \(barSize) does not fit the 32-bit address space (at most 2 GiB)"
            )
        } else if bytes > (1 << 47) {
            error(
                element, attribute: "size",
                "BAR \(index) of '\(device)': \(barSize) is larger than the 128 TiB physical address space p2psim models (x86-64 with 4-level paging and 48-bit physical addresses would not fit it either)"
            )
        }
        var supported: [ByteCount] = []
        if let list = element.attribute("resizable") {
            for item in list.split(separator: ",") {
                do {
                    let value = try ByteCount.parse(String(item))
                    if value.bytes < (1 << 20) || value.bytes & (value.bytes - 1) != 0 {
                        error(
                            element, attribute: "resizable",
                            "resizable BAR size \(value) is not a power of two of at least 1 MiB (PCIe Base Specification 7.8.6)"
                        )
                    }
                    supported.append(value)
                } catch {
                    self.error(element, attribute: "resizable", "<bar> attribute 'resizable': \(error)")
                }
            }
            if !supported.isEmpty && !supported.contains(barSize) {
                error(
                    element, attribute: "size",
                    "BAR \(index) of '\(device)': current size \(barSize) is not among its resizable sizes")
            }
        }
        let exposes = element.attribute("exposes")?.trimmingSpaces
        if let exposes, exposes != "memory" && exposes != "registers" {
            error(element, attribute: "exposes", "<bar> exposes must be 'memory' or 'registers', not '\(exposes)'")
        }
        return BARSpec(
            index: index, size: barSize, is64Bit: is64, prefetchable: bool(element, "prefetchable") ?? false,
            resizableSizes: supported.sorted(), exposesMemory: exposes == "memory", location: element.location)
    }

    private mutating func buildNVSwitch(_ element: XMLElement) {
        guard let id = element.attribute("id") else { return }
        define(id, element)
        topology.nvswitches.append(
            NVSwitchChip(
                id: id, generation: integer(element, "generation", .nvswitchGeneration) ?? 1,
                label: element.attribute("label"),
                location: element.location))
        nvswitchIndex[id] = topology.nvswitches.count - 1
    }

    private mutating func buildSocketLink(_ element: XMLElement) {
        var ends: [Int] = []
        for name in ["a", "b"] {
            guard let id = element.attribute(name) else { return }
            guard let index = socketIndex[id] else {
                error(element, attribute: name, "<socketLink> end '\(id)' is not a socket")
                continue
            }
            ends.append(index)
        }
        guard ends.count == 2, let bandwidth = rate(element, "bandwidth"), let latency = duration(element, "latency")
        else { return }
        if ends[0] == ends[1] {
            error(element, "<socketLink> joins socket '\(topology.sockets[ends[0]].id)' to itself")
        }
        topology.socketLinks.append(
            SocketLink(
                a: ends[0], b: ends[1], kind: SocketLink.Kind(rawValue: element.attribute("kind") ?? "") ?? .other,
                links: integer(element, "links", .links) ?? 1, bandwidthPerLink: bandwidth, latency: latency,
                location: element.location, p2pBandwidth: rate(element, "p2pBandwidth")))
    }

    private mutating func buildVendorLink(_ element: XMLElement) {
        var ends: [VendorLinkEnd] = []
        for name in ["a", "b"] {
            guard let id = element.attribute(name) else { return }
            if let switchIndex = nvswitchIndex[id] {
                if element.name == "xgmi" {
                    error(element, attribute: name, "<xgmi> end '\(id)' is an NVSwitch")
                    continue
                }
                ends.append(.nvswitch(switchIndex))
            } else if let node = nodeIndex[id], let details = topology.nodes[node].endpoint {
                guard details.kind.canHaveVendorLinks else {
                    error(
                        element, attribute: name,
                        "<\(element.name)> end '\(id)' is a \(details.kind.rawValue), which cannot have an \(element.name == "xgmi" ? "XGMI" : "NVLink") link"
                    )
                    continue
                }
                ends.append(.node(node))
            } else if definitions[id] != nil {
                error(
                    element, attribute: name,
                    "<\(element.name)> end '\(id)' is not a device (GPU, accelerator or NVSwitch)")
            } else {
                error(element, attribute: name, "<\(element.name)> end '\(id)' is not defined")
            }
        }
        guard ends.count == 2 else { return }
        if ends[0] == ends[1] { error(element, "<\(element.name)> joins '\(element.attribute("a") ?? "")' to itself") }
        if case .nvswitch = ends[0], case .nvswitch = ends[1] {
            error(element, "<nvlink> joins two NVSwitches; p2psim models one NVSwitch plane between devices")
        }
        let links = integer(element, "links", .links) ?? 1
        let kind: VendorLink.Kind
        if element.name == "xgmi" {
            let lanes = integer(element, "lanes", .xgmiLanes) ?? 16
            if ![1, 2, 4, 8, 16].contains(lanes) {
                error(element, attribute: "lanes", "<xgmi> lanes must be 1, 2, 4, 8 or 16")
            }
            // GT/s is per lane (x lanes / 8 bits); GB/s or Gb/s is the whole link per direction.
            guard
                let linkRate = quantity(
                    element, "rate", { text throws(UnitParseError) in try DataRate.parse(text, lanes: lanes) })
            else { return }
            kind = .xgmi(lanes: lanes, linkRate: linkRate)
        } else {
            kind = .nvlink(generation: integer(element, "generation", .nvlinkGeneration) ?? 1)
        }
        topology.vendorLinks.append(
            VendorLink(kind: kind, a: ends[0], b: ends[1], links: links, location: element.location))
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    public var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !" \t\n\r".unicodeScalars.contains($0) }),
            let last = scalars.lastIndex(where: { !" \t\n\r".unicodeScalars.contains($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
