import Foundation
import Topology

/// The conversion of one hwloc document: reads the objects, names the devices, writes XML.
struct HwlocConverter {
    let file: String
    let options: HwlocImportOptions
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var notes: [String] = []
    private var noteSet: Set<String> = []

    private var version = "1.x"
    private var bitmaskOSDevTypes = false
    private var machineName: String?
    private var packages: [HwlocPackage] = []
    private var hostBridges: [IONode] = []
    private var serial = 0
    /// Devices by serial: the p2psim id and kind given to each.
    private var names: [Int: (id: String, kind: EndpointKind)] = [:]
    /// hwloc gp_index of PCIDev and OSDev objects to the PCI device's serial.
    private var deviceByGPIndex: [Int: IONode] = [:]
    private var packageByGPIndex: [Int: Int] = [:]
    private var lines: [String] = []
    private var switchCount = 0
    private var vendorLinkLines: [String] = []
    /// Devices below a synthesized switch, whose bus numbers cannot be kept.
    private var renumbered: Set<Int> = []
    private var planeLines: [String] = []

    init(file: String, options: HwlocImportOptions) {
        self.file = file
        self.options = options
    }

    // MARK: Diagnostics and notes

    private mutating func error(_ element: XMLElement, _ message: String) {
        diagnostics.append(Diagnostic(.error, at: element.location, message))
    }

    private mutating func warning(_ element: XMLElement, _ message: String) {
        diagnostics.append(Diagnostic(.warning, at: element.location, message))
    }

    private mutating func note(_ text: String) {
        if noteSet.insert(text).inserted { notes.append(text) }
    }

    // MARK: Reading

    mutating func convert(_ root: XMLElement) {
        if let value = root.attribute("version") {
            version = value
            bitmaskOSDevTypes = (Double(value) ?? 2) >= 3
        } else {
            note("The file has no version attribute: read as hwloc 1.x (osdev_type as the 1.x/2.x enum).")
        }
        if root.attribute("version") != nil, !["2.0", "3.0"].contains(version) {
            warning(
                root,
                "hwloc XML version '\(version)' is not 2.0 or 3.0; reading it as \(bitmaskOSDevTypes ? "3.0" : "2.0")")
        }
        collectPackages(root)
        if packages.isEmpty {
            note("No Package object: one socket cpu0 of vendor 'other', family 0, is assumed.")
        }
        for child in root.children where child.name == "object" {
            walk(child, package: nil, ancestors: [])
        }
        for child in root.children where child.name == "distances2" || child.name == "distances2hetero" {
            readDistances(child)
        }
        emit(root)
    }

    private mutating func collectPackages(_ element: XMLElement) {
        for child in element.children where child.name == "object" {
            let type = child.attribute("type") ?? ""
            if type == "Package" || type == "Socket" {
                var package = HwlocPackage(element: child, vendor: .other)
                package.gpIndex = child.attribute("gp_index").flatMap { Int($0) }
                for info in child.children where info.name == "info" {
                    let value = info.attribute("value") ?? ""
                    switch info.attribute("name") {
                    case "CPUVendor": package.vendorText = value
                    case "CPUFamilyNumber": package.family = cpuNumber(info, value)
                    case "CPUModelNumber": package.model = cpuNumber(info, value)
                    case "CPUModel": package.modelName = value
                    default: break
                    }
                }
                package.vendor = TopologyText.cpuVendor(package.vendorText, model: package.modelName)
                if let memory = Self.numaMemory(child) {
                    package.memoryBytes = memory
                } else {
                    error(
                        child,
                        "the local_memory of the NUMA nodes in this package add up to more than 2^64 bytes")
                }
                if let gp = package.gpIndex { packageByGPIndex[gp] = packages.count }
                packages.append(package)
            }
            collectPackages(child)
        }
        if element.name == "topology" {
            for child in element.children where child.name == "object" && child.attribute("type") == "Machine" {
                for info in child.children where info.name == "info" {
                    if info.attribute("name") == "DMIProductName" { machineName = info.attribute("value") }
                }
            }
        }
    }

    /// A CPUFamilyNumber or CPUModelNumber: a non-negative integer, else an error at its line.
    private mutating func cpuNumber(_ info: XMLElement, _ value: String) -> Int? {
        guard let number = Int(value), number >= 0 else {
            error(info, "\(info.attribute("name") ?? "CPU number") '\(value)' is not a non-negative integer")
            return nil
        }
        return number
    }

    /// The `local_memory` of the NUMA nodes inside `element`; nil when the sum overflows 64 bits.
    private static func numaMemory(_ element: XMLElement) -> UInt64? {
        var total: UInt64 = 0
        for child in element.children where child.name == "object" {
            var part: UInt64 = 0
            if child.attribute("type") == "NUMANode",
                let bytes = child.attribute("local_memory").flatMap({ UInt64($0) })
            {
                part = bytes
            }
            guard let below = numaMemory(child) else { return nil }
            let (withPart, overflowA) = total.addingReportingOverflow(part)
            let (sum, overflowB) = withPart.addingReportingOverflow(below)
            if overflowA || overflowB { return nil }
            total = sum
        }
        return total
    }

    /// Walks hwloc objects, building the I/O trees under host bridges.
    private mutating func walk(_ element: XMLElement, package: Int?, ancestors: [XMLElement]) {
        guard let type = element.attribute("type") else {
            error(element, "<object> has no 'type' attribute")
            return
        }
        var package = package
        if type == "Package" || type == "Socket" {
            package = packages.firstIndex { $0.element.location == element.location }
        }
        if type == "Bridge" || type == "PCIDev" {
            let node = readIO(element, parent: nil)
            if let node {
                if node.kind == .hostBridge {
                    node.socket = socketFor(package: package, ancestors: ancestors, element: element)
                    hostBridges.append(node)
                } else {
                    // A PCI object outside any host bridge (hwloc 1.x without host bridges).
                    let host = IONode(kind: .hostBridge, element: element, serial: nextSerial())
                    host.children = [node]
                    host.socket = socketFor(package: package, ancestors: ancestors, element: element)
                    warning(element, "PCI object outside a host bridge; a root complex is synthesized for it")
                    hostBridges.append(host)
                }
            }
            return
        }
        for child in element.children where child.name == "object" {
            walk(child, package: package, ancestors: ancestors + [element])
        }
    }

    private mutating func nextSerial() -> Int {
        serial += 1
        return serial
    }

    private mutating func socketFor(package: Int?, ancestors: [XMLElement], element: XMLElement) -> Int {
        if let package { return package }
        // The first package below the nearest ancestor that has one.
        for ancestor in ancestors.reversed() {
            if let found = firstPackage(in: ancestor) {
                note(
                    "A host bridge outside any Package (line \(element.location.line)) is placed on socket cpu\(found), the first package of its enclosing \(ancestor.attribute("type") ?? "object")."
                )
                return found
            }
        }
        return 0
    }

    private func firstPackage(in element: XMLElement) -> Int? {
        for child in element.children where child.name == "object" {
            let type = child.attribute("type") ?? ""
            if type == "Package" || type == "Socket" {
                return packages.firstIndex { $0.element.location == child.location }
            }
            if let found = firstPackage(in: child) { return found }
        }
        return nil
    }

    /// Reads a Bridge or PCIDev object and what is below it.
    private mutating func readIO(_ element: XMLElement, parent: IONode?) -> IONode? {
        let type = element.attribute("type") ?? ""
        let kind: IONode.Kind
        if type == "Bridge" {
            guard let bridgeType = element.attribute("bridge_type") else {
                error(element, "<object type=\"Bridge\"> has no 'bridge_type' attribute")
                return nil
            }
            kind = bridgeType.hasPrefix("0-") ? .hostBridge : .bridge
        } else {
            kind = .device
        }
        let node = IONode(kind: kind, element: element, serial: nextSerial())
        if kind != .hostBridge {
            guard let busText = element.attribute("pci_busid") else {
                error(element, "<object type=\"\(type)\"> has no 'pci_busid' attribute")
                return nil
            }
            guard let busID = BusID(busText) else {
                error(element, "'pci_busid' \"\(busText)\" is not a PCI address dddd:bb:dd.f")
                return nil
            }
            node.busID = busID
            guard let typeText = element.attribute("pci_type") else {
                error(element, "<object type=\"\(type)\"> has no 'pci_type' attribute")
                return nil
            }
            guard let pciType = PCIType(typeText) else {
                error(element, "'pci_type' \"\(typeText)\" is not \"class [vendor:device] ...\"")
                return nil
            }
            node.pciType = pciType
            if let speedText = element.attribute("pci_link_speed") {
                guard let speed = Double(speedText) else {
                    error(element, "'pci_link_speed' \"\(speedText)\" is not a number")
                    return nil
                }
                if speed.isFinite && speed >= 0 && speed < 1e6 {
                    node.linkSpeed = speed
                } else {
                    warning(
                        element,
                        "'pci_link_speed' \"\(speedText)\" is not a link speed in GB/s; the link is read as unknown (the parent's link, else Gen3 x16)"
                    )
                }
            }
            if let gp = element.attribute("gp_index").flatMap({ Int($0) }) { deviceByGPIndex[gp] = node }
        }
        if kind != .device {
            if let rangeText = element.attribute("bridge_pci") {
                guard let range = BusRange(rangeText) else {
                    error(element, "'bridge_pci' \"\(rangeText)\" is not a bus range dddd:[ss-ee]")
                    return nil
                }
                node.busRange = range
            } else {
                warning(element, "bridge without 'bridge_pci': its bus range is unknown")
            }
        }
        for child in element.children where child.name == "object" {
            switch child.attribute("type") {
            case "Bridge", "PCIDev":
                guard let below = readIO(child, parent: node) else { continue }
                if let range = node.busRange, let id = below.busID, !range.contains(id) {
                    warning(
                        child,
                        "device \(id) is not in the bus range \(element.attribute("bridge_pci") ?? "") of its parent bridge"
                    )
                }
                node.children.append(below)
            case "OSDev":
                let name = child.attribute("name") ?? ""
                var classes = OSDeviceClass.fromName(name)
                if let value = child.attribute("osdev_type").flatMap({ Int($0) }) {
                    classes.formUnion(OSDeviceClass(osdevType: value, bitmask: bitmaskOSDevTypes))
                }
                node.osDevices.append((name, classes, child))
                if let gp = child.attribute("gp_index").flatMap({ Int($0) }) { deviceByGPIndex[gp] = node }
            case nil:
                error(child, "<object> has no 'type' attribute")
            default:
                break
            }
        }
        return node
    }

    // MARK: Distances (NVLink, XGMI)

    private enum End: Hashable {
        case device(Int)  // serial
        case package(Int)
        case unknown(String)
    }

    private struct Matrix {
        var name: String
        var ends: [End]
        var values: [UInt64]
        var element: XMLElement
    }

    private var matrices: [Matrix] = []

    private mutating func readDistances(_ element: XMLElement) {
        guard let name = element.attribute("name"), name == "NVLinkBandwidth" || name == "XGMIBandwidth" else {
            return
        }
        guard let count = element.attribute("nbobjs").flatMap({ Int($0) }), count > 0 else {
            error(element, "<\(element.name)> has no valid 'nbobjs'")
            return
        }
        // The XML tree keeps no text: the values come from `distanceTexts`, read from the source.
        guard let text = distanceTexts[element.location.line] else {
            error(element, "<\(element.name) name=\"\(name)\"> has no readable indexes and values")
            return
        }
        let indexes = text.indexes
        let values = text.values
        guard indexes.count == count, values.count == count * count else {
            error(
                element,
                "<\(element.name) name=\"\(name)\"> has \(indexes.count) indexes and \(values.count) values for nbobjs=\(count)"
            )
            return
        }
        let defaultType = element.attribute("type")
        let indexing = element.attribute("indexing") ?? "gp"
        var ends: [End] = []
        for index in indexes {
            var type = defaultType ?? ""
            var number = index
            if let colon = index.firstIndex(of: ":") {
                type = String(index[..<colon])
                number = String(index[index.index(after: colon)...])
            } else if indexing != "gp" {
                ends.append(.unknown(index))
                continue
            }
            guard let gp = Int(number) else {
                ends.append(.unknown(index))
                continue
            }
            switch type {
            case "OSDev", "PCIDev":
                if let node = deviceByGPIndex[gp] {
                    ends.append(.device(node.serial))
                } else {
                    ends.append(.unknown(index))
                }
            case "Package", "Socket":
                if let socket = packageByGPIndex[gp] {
                    ends.append(.package(socket))
                } else {
                    ends.append(.unknown(index))
                }
            default:
                ends.append(.unknown(index))
            }
        }
        matrices.append(Matrix(name: name, ends: ends, values: values, element: element))
    }

    /// The text of `indexes` and `u64values` of distance elements by line, filled from the
    /// source before conversion (the XML tree keeps no text).
    var distanceTexts: [Int: (indexes: [String], values: [UInt64])] = [:]

    // MARK: Writing

    private mutating func emit(_ root: XMLElement) {
        nameDevices()
        if version.hasPrefix("1"), names.values.contains(where: { $0.kind == .gpu }) {
            warning(
                root,
                "hwloc \(version) files carry no NVLink information (NVLinkBandwidth appeared in hwloc 2.0): no NVLink or NVSwitch link is imported; GPUs are joined by PCIe only"
            )
        }
        let machine = machineName ?? file.split(separator: "/").last.map(String.init) ?? "hwloc"
        var name = String(
            machine.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
        if name.hasSuffix(".xml") { name.removeLast(4) }
        if name.isEmpty { name = "hwloc" }
        lines.append(
            "<topology name=\"\(TopologyText.escape(name))\" version=\"1\" description=\"\(TopologyText.escape(machine)), imported from hwloc \(TopologyText.escape(version)) XML\">"
        )
        let socketCount = max(packages.count, 1)
        // By socket, then root bus: the bus range's, else the lowest bus of the host's functions.
        func rootBus(_ host: IONode) -> (Int, Int) {
            if let range = host.busRange { return (range.domain, range.secondary) }
            let first = host.children.compactMap(\.busID).min()
            return (first?.domain ?? 0, first?.bus ?? 0)
        }
        let complexes = hostBridges.sorted { lhs, rhs in
            (lhs.socket, rootBus(lhs).0, rootBus(lhs).1, lhs.serial) < (rhs.socket, rootBus(rhs).0, rootBus(rhs).1, rhs.serial)
        }
        var complexIndex = 0
        for socket in 0..<socketCount {
            emitSocket(socket)
            for host in complexes where host.socket == socket {
                emitRootComplex(host, id: "rc\(complexIndex)")
                complexIndex += 1
            }
            lines.append("  </socket>")
        }
        emitSocketLinks(socketCount)
        emitVendorLinks()
        lines += planeLines
        lines += vendorLinkLines
        lines.append("</topology>")
    }

    /// Gives every PCI device its p2psim id: per kind, in PCI bus order.
    private mutating func nameDevices() {
        var all: [IONode] = []
        func collect(_ node: IONode) {
            if node.kind == .device { all.append(node) }
            node.children.forEach(collect)
        }
        hostBridges.forEach(collect)
        var byKind: [EndpointKind: [IONode]] = [:]
        for node in all { byKind[classify(node), default: []].append(node) }
        let prefixes: [EndpointKind: String] = [
            .gpu: "gpu", .nic: "nic", .nvme: "nvme", .nvswitch: "nvswitch", .accelerator: "acc",
        ]
        for (kind, nodes) in byKind {
            var sorted = nodes.sorted(by: IONode.busOrder)
            if kind == .gpu, options.gpuOrder == .vendor {
                sorted = vendorOrder(sorted)
            }
            for (index, node) in sorted.enumerated() {
                if let prefix = prefixes[kind] {
                    names[node.serial] = ("\(prefix)\(index)", kind)
                } else {
                    let bus = node.busID.map { "pci" + $0.description.replacingColons() } ?? "dev\(node.serial)"
                    names[node.serial] = (bus, kind)
                }
            }
        }
        if byKind[.gpu] != nil {
            switch options.gpuOrder {
            case .pciBus:
                note(
                    "GPUs are numbered gpu0... in PCI bus order, as CUDA does with CUDA_DEVICE_ORDER=PCI_BUS_ID and nvidia-smi and rocm-smi do.")
            case .vendor:
                note(
                    "GPUs are numbered gpu0... by the index of their cuda, rsmi or nvml OS device in the hwloc file (CUDA's own order, CUDA_DEVICE_ORDER as it was when lstopo ran; FASTEST_FIRST by default), then in PCI bus order.")
            }
        }
    }

    /// GPUs ordered by the number in their `cudaN`, then `rsmiN`, then `nvmlN` OS device name;
    /// those without one after, in the given order.
    private func vendorOrder(_ gpus: [IONode]) -> [IONode] {
        func index(_ node: IONode) -> (Int, Int)? {
            for (rank, prefix) in ["cuda", "rsmi", "nvml"].enumerated() {
                for device in node.osDevices where device.name.hasPrefix(prefix) {
                    if let number = Int(device.name.dropFirst(prefix.count)) { return (rank, number) }
                }
            }
            return nil
        }
        let position = Dictionary(uniqueKeysWithValues: gpus.enumerated().map { ($1.serial, $0) })
        return gpus.sorted { lhs, rhs in
            switch (index(lhs), index(rhs)) {
            case (let l?, let r?): return l != r ? l < r : position[lhs.serial, default: 0] < position[rhs.serial, default: 0]
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return position[lhs.serial, default: 0] < position[rhs.serial, default: 0]
            }
        }
    }

    /// The kind of a PCI device, from its OS devices, class and vendor:device.
    private mutating func classify(_ node: IONode) -> EndpointKind {
        let pciId = node.pciType?.pciId ?? "0000:0000"
        let classCode = node.pciType?.classCode ?? 0
        let osClasses = node.osDevices.reduce(OSDeviceClass()) { $0.union($1.classes) }
        if node.element.attribute("subtype") == "NVSwitch" { return .nvswitch }
        let kind = TopologyText.kind(
            classCode: classCode << 8, pciId: pciId,
            gpuByOSDevice: osClasses.contains(.gpu) || osClasses.contains(.coprocessor),
            networkByOSDevice: osClasses.contains(.openFabrics))
        if kind == .other && classCode >> 8 == 0x03 {
            note(
                "Display devices of vendor \(pciId.prefix(4)) without GPU OS devices (BMC graphics such as ASPEED 1a03 or Matrox 102b) are imported as kind 'other'."
            )
        }
        if kind == .accelerator {
            note(
                "Processing accelerators and co-processors (class 0x12 and 0x0b: Intel QAT 8086:4940, DLB 8086:2710, DSA...) are imported as kind 'accelerator', not as GPUs."
            )
        }
        return kind
    }

    private mutating func emitSocket(_ socket: Int) {
        guard socket < packages.count else {
            lines.append("  <socket id=\"cpu\(socket)\" vendor=\"other\" family=\"0\">")
            lines.append(defaultMemoryLine(bytes: 0))
            return
        }
        let package = packages[socket]
        var family = package.family ?? 0
        if package.family == nil {
            switch package.vendor {
            case .ibm, .arm, .other: break
            default:
                note("cpu\(socket): hwloc gives no CPUFamilyNumber; family 0 is assumed.")
            }
            family = 0
        }
        var attributes =
            "id=\"cpu\(socket)\" vendor=\"\(package.vendor.rawValue)\" family=\"0x\(String(family, radix: 16))\""
        if let model = package.model { attributes += " model=\"0x\(String(model, radix: 16))\"" }
        if let label = package.modelName { attributes += " label=\"\(TopologyText.escape(label))\"" }
        lines.append("  <socket \(attributes)>")
        lines.append(defaultMemoryLine(bytes: package.memoryBytes))
    }

    private mutating func defaultMemoryLine(bytes: UInt64) -> String {
        note(TopologyText.socketMemoryNote)
        return TopologyText.socketMemoryLine(bytes: bytes, source: "from hwloc NUMANode local_memory")
    }

    private mutating func emitSocketLinks(_ count: Int) {
        let links = TopologyText.socketLinks(
            count: count, vendor: packages.first?.vendor ?? .other, model: packages.first?.model)
        if let linkNote = links.note { note(linkNote) }
        lines += links.lines
    }

    private mutating func emitRootComplex(_ host: IONode, id: String) {
        let rootPortId = host.bridgeChildren.compactMap { $0.pciType?.pciId }.first
        var hostBridge = rootPortId.flatMap(DeviceKnowledge.hostBridge(forRootPort:))
        // Linux takes the function at devfn 00.0 of the root bus as the host bridge device
        // (pci_host_bridge_dev() in drivers/pci/p2pdma.c): when hwloc lists one, it is that.
        if let first = host.children.first(where: { $0.busID?.device == 0 && $0.busID?.function == 0 }),
            let pciId = first.pciType?.pciId
        {
            hostBridge = pciId
            note(
                "Where hwloc lists a function at devfn 00.0 of a root bus (a root port, or an integrated device such as QAT), it is the host bridge device Linux's p2pdma allowlist looks at.")
        } else if hostBridge == nil {
            let vendor = rootPortId.map { String($0.prefix(4)) } ?? "0000"
            hostBridge = "\(vendor):0000"
            note(
                "\(id): hwloc does not record the host bridge function; hostBridge \(vendor):0000 (unknown device) is written, which is not on Linux's p2pdma allowlist."
            )
        } else {
            note(
                "Host bridge ids are inferred from the root ports' ids (Intel Skylake-SP root ports 8086:2030-2033 -> host bridge 8086:2020, and so on)."
            )
        }
        var attributes = "id=\"\(id)\" hostBridge=\"\(hostBridge ?? "0000:0000")\""
        if let range = host.busRange {
            attributes += " segment=\"\(range.domain)\" bus=\"0x\(String(range.secondary, radix: 16))\""
        } else if let first = host.children.compactMap(\.busID).min() {
            // No bus range (a synthesized or hwloc 1.x host bridge): the root bus is the bus its
            // functions sit on.
            attributes += " segment=\"\(first.domain)\" bus=\"0x\(String(first.bus, radix: 16))\""
        }
        attributes += " p2p=\"readwrite\""
        note(
            "Root complexes are assumed to forward peer-to-peer reads and writes between root ports (p2p=\"readwrite\", as server Xeon, EPYC and POWER do)."
        )
        lines.append("    <rootComplex \(attributes)>")
        if let mode = options.iommu {
            lines.append("      <iommu mode=\"\(mode.rawValue)\"/>")
            note("IOMMU mode '\(mode.rawValue)' on every root complex, as requested.")
        } else {
            note(
                "hwloc does not record the IOMMU: it is left off (the iommu option of p2psim import hwloc overrides it)."
            )
        }
        // Root ports, then integrated endpoints.
        for child in host.children.sorted(by: IONode.busOrder) {
            if child.kind == .bridge {
                emitRootPort(child, complex: id, indent: 6)
            }
        }
        for child in host.children.sorted(by: IONode.busOrder)
        where child.kind == .device {
            emitEndpoint(child, indent: 6, integrated: true)
        }
        lines.append("    </rootComplex>")
    }

    private mutating func emitRootPort(_ bridge: IONode, complex: String, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        let bus = bridge.busID
        let device = bus?.device ?? 0
        let function = bus?.function ?? 0
        let id = "\(complex).rp\(String(device, radix: 16))" + (function == 0 ? "" : ".\(function)")
        let link = linkSpec(bridge, inherited: nil)
        var attributes = "id=\"\(id)\" device=\"\(device)\" function=\"\(function)\""
        if let pciId = bridge.pciType?.pciId { attributes += " pciId=\"\(pciId)\"" }
        attributes += " gen=\"\(link.generation)\" width=\"\(link.width)\""
        lines.append("\(pad)<rootPort \(attributes)>")
        emitBelowPort(bridge.children, portLink: link, portId: id, indent: indent + 2)
        lines.append("\(pad)</rootPort>")
    }

    /// What a port's link leads to: one switch, or the functions of one device; anything else
    /// is wrapped in a synthesized switch.
    private mutating func emitBelowPort(_ children: [IONode], portLink: PCIeLinkSpec, portId: String, indent: Int) {
        let sorted = children.sorted(by: IONode.busOrder)
        let bridges = sorted.filter { $0.kind == .bridge }
        let devices = sorted.filter { $0.kind == .device }
        let deviceNumbers = Set(devices.compactMap { $0.busID?.device })
        if bridges.count == 1 && devices.isEmpty {
            emitSwitch(bridges[0], parentLink: portLink, indent: indent)
        } else if bridges.isEmpty && deviceNumbers.count <= 1
            && Set(devices.compactMap { $0.busID?.function }).count == devices.count
        {
            for device in devices { emitEndpoint(device, indent: indent, integrated: false) }
        } else {
            // Several devices on one secondary bus (a conventional PCI bus or a hand-edited file).
            // The synthesized switch has no bus of its own: what is below it is renumbered.
            func markRenumbered(_ node: IONode) {
                renumbered.insert(node.serial)
                node.children.forEach(markRenumbered)
            }
            sorted.forEach(markRenumbered)
            let id = "sw\(switchCount)"
            switchCount += 1
            warning(
                sorted[0].element,
                "several devices on the secondary bus of '\(portId)'; modelled as a synthesized switch '\(id)' with one port each"
            )
            let pad = String(repeating: " ", count: indent)
            lines.append(
                "\(pad)<switch id=\"\(id)\" gen=\"\(portLink.generation)\" width=\"\(portLink.width)\" latency=\"0 ns\" label=\"synthesized: several devices below \(portId)\">"
            )
            var port = 0
            for bridge in bridges {
                lines.append("\(pad)  <downstreamPort id=\"\(id).dp\(port)\"\(acsAttributes)>")
                emitSwitch(bridge, parentLink: portLink, indent: indent + 4)
                lines.append("\(pad)  </downstreamPort>")
                port += 1
            }
            for device in devices {
                let number = device.busID?.device ?? 0
                lines.append("\(pad)  <downstreamPort id=\"\(id).dp\(port)\" device=\"\(number)\"\(acsAttributes)>")
                emitEndpoint(device, indent: indent + 4, integrated: false)
                lines.append("\(pad)  </downstreamPort>")
                port += 1
            }
            lines.append("\(pad)</switch>")
        }
    }

    private var acsAttributes: String {
        options.acsRedirect ? " acsCap=\"SV RR CR UF\" acsCtrl=\"SV RR CR UF\"" : ""
    }

    /// A bridge below a port: a switch's upstream port, with its downstream bridges as ports.
    private mutating func emitSwitch(_ bridge: IONode, parentLink: PCIeLinkSpec, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        let id = "sw\(switchCount)"
        switchCount += 1
        let link = linkSpec(bridge, inherited: parentLink)
        let latency = DeviceKnowledge.switchLatencyNanoseconds(generation: link.generation)
        note(
            "Switch latency is not in hwloc: 140 ns Gen1-2 (PLX Gen2), 150 ns Gen3 (PEX9700), 105 ns Gen4 (PEX88000), 115 ns Gen5 (PEX89000), from Broadcom/PLX product briefs."
        )
        var attributes = "id=\"\(id)\""
        if let pciId = bridge.pciType?.pciId { attributes += " pciId=\"\(pciId)\"" }
        if let busID = bridge.busID {
            attributes += " bus=\"0x\(String(busID.bus, radix: 16))\" device=\"\(busID.device)\""
        }
        attributes += " gen=\"\(link.generation)\" width=\"\(link.width)\" latency=\"\(latency) ns\""
        attributes += " label=\"\(bridge.busID?.description ?? "")\""
        lines.append("\(pad)<switch \(attributes)>")
        let sorted = bridge.children.sorted(by: IONode.busOrder)
        let downstream = sorted.filter { $0.kind == .bridge }
        let devices = sorted.filter { $0.kind == .device }
        if options.acsRedirect {
            note("ACS P2P Request/Completion Redirect is enabled on every switch downstream port, as requested.")
        } else {
            note(
                "hwloc does not record ACS: no ACS capability or control is written (the acs-redirect option of p2psim import hwloc overrides it)."
            )
        }
        for port in downstream {
            let bus = port.busID
            let portId =
                "\(id).dp\(String(bus?.device ?? 0, radix: 16))"
                + ((bus?.function ?? 0) == 0 ? "" : ".\(bus?.function ?? 0)")
            let portLink = linkSpec(port, inherited: link)
            let fixed = bus.map { " bus=\"0x\(String($0.bus, radix: 16))\" function=\"\($0.function)\"" } ?? ""
            lines.append(
                "\(pad)  <downstreamPort id=\"\(portId)\"\(fixed) device=\"\(bus?.device ?? 0)\" gen=\"\(portLink.generation)\" width=\"\(portLink.width)\"\(acsAttributes)>"
            )
            emitBelowPort(port.children, portLink: portLink, portId: portId, indent: indent + 4)
            lines.append("\(pad)  </downstreamPort>")
        }
        if !devices.isEmpty {
            // Functions on the bridge's own secondary bus with no downstream bridge: a PCIe-to-PCI
            // bridge, or a switch's internal endpoint. One port per device.
            if !downstream.isEmpty {
                warning(
                    devices[0].element,
                    "devices beside downstream bridges below \(bridge.busID?.description ?? "a bridge"); each gets a port of its own"
                )
            }
            for number in Set(devices.compactMap { $0.busID?.device }).sorted() {
                lines.append(
                    "\(pad)  <downstreamPort id=\"\(id).dev\(String(number, radix: 16))\" device=\"\(number)\"\(acsAttributes)>"
                )
                for device in devices where device.busID?.device == number {
                    // A port the importer adds takes a bus of its own: the device is renumbered.
                    renumbered.insert(device.serial)
                    emitEndpoint(device, indent: indent + 4, integrated: false)
                }
                lines.append("\(pad)  </downstreamPort>")
            }
        }
        if downstream.isEmpty && devices.isEmpty {
            lines.append("\(pad)  <downstreamPort id=\"\(id).dp0\"\(acsAttributes)/>")
        }
        lines.append("\(pad)</switch>")
    }

    private mutating func emitEndpoint(_ node: IONode, indent: Int, integrated: Bool) {
        let pad = String(repeating: " ", count: indent)
        guard let name = names[node.serial] else { return }
        var pciId = node.pciType?.pciId ?? "0000:0000"
        if name.kind == .nvswitch && pciId == "0000:0000" {
            pciId = "10de:1ac2"
            note(
                "An NVSwitch with an empty pci_type (hwloc read no config space) is given 10de:1ac2, the NVSwitch of its peers."
            )
        }
        let known = DeviceKnowledge.devices[pciId]
        let link = linkSpec(node, inherited: nil, known: known?.generation, kind: name.kind)
        var labelParts = node.osDevices.map(\.name).filter { !$0.isEmpty }
        if let busID = node.busID { labelParts.append(busID.description) }
        if let model = gpuModel(node) ?? known?.name { labelParts.append(model) }
        var attributes = "id=\"\(name.id)\" kind=\"\(name.kind.rawValue)\" pciId=\"\(pciId)\""
        attributes += " function=\"\(node.busID?.function ?? 0)\""
        if integrated { attributes += " device=\"\(node.busID?.device ?? 0)\"" }
        if let busID = node.busID, !renumbered.contains(node.serial) {
            attributes += " bus=\"0x\(String(busID.bus, radix: 16))\""
        }
        attributes +=
            " gen=\"\(link.generation)\" width=\"\(link.width)\" label=\"\(TopologyText.escape(labelParts.joined(separator: " ")))\""
        if let driver = Self.driver(osDevices: node.osDevices.map(\.name), pciId: pciId) {
            attributes += " driver=\"\(driver)\""
            note(
                "Bound drivers are inferred from hwloc's OS devices: cudaN/nvmlN on NVIDIA -> nvidia, rsmiN on AMD -> amdgpu, mlx5_N -> mlx5_core, nvmeN -> nvme (hwloc names the devices, not the drivers).")
        }
        if name.kind == .gpu, pciId.hasPrefix("10de"), DeviceKnowledge.isGeForce(name: gpuModel(node) ?? known?.name) {
            attributes += " driverP2P=\"cuda-geforce\""
            note(
                "NVIDIA GeForce/TITAN GPUs get driverP2P=\"cuda-geforce\": CUDA offers them no PCIe peer access (driver 525.105.17 and later).")
        }
        var body: [String] = []
        if name.kind == .gpu, let known = TopologyText.knownGPUBody(pciId: pciId) {
            body += known
            note(TopologyText.knownGPUNote)
        } else if name.kind == .gpu {
            warning(
                node.element,
                "\(name.id) (\(pciId)\(gpuModel(node).map { ", " + $0 } ?? "")) is an unknown GPU: it is not in p2psim's device table, so no BARs or memory are written for it and peers cannot reach its memory")
            note("\(name.id) (\(pciId)) is an unknown GPU (not in p2psim's device table): no BARs or memory are written for it.")
        }
        if body.isEmpty {
            lines.append("\(pad)<endpoint \(attributes)/>")
        } else {
            lines.append("\(pad)<endpoint \(attributes)>")
            for line in body { lines.append("\(pad)  \(line)") }
            lines.append("\(pad)</endpoint>")
        }
    }

    /// The kernel driver an OS device name implies: only the CUDA/NVML devices that NVIDIA's
    /// driver creates, ROCm SMI devices of amdgpu, mlx5 RDMA devices and NVMe block devices.
    static func driver(osDevices: [String], pciId: String) -> String? {
        func has(_ prefix: String) -> Bool {
            osDevices.contains { $0.hasPrefix(prefix) && $0.dropFirst(prefix.count).first?.isNumber == true }
        }
        if pciId.hasPrefix("10de"), has("cuda") || has("nvml") { return "nvidia" }
        if pciId.hasPrefix("1002"), has("rsmi") { return "amdgpu" }
        if has("mlx5_") { return "mlx5_core" }
        if has("nvme") { return "nvme" }
        return nil
    }

    private func gpuModel(_ node: IONode) -> String? {
        for osDevice in node.osDevices {
            for info in osDevice.element.children where info.name == "info" {
                if info.attribute("name") == "GPUModel" { return info.attribute("value") }
            }
        }
        return nil
    }

    /// The link generation and width from hwloc's `pci_link_speed`.
    private mutating func linkSpec(
        _ node: IONode, inherited: PCIeLinkSpec?, known: Int? = nil, kind: EndpointKind? = nil
    ) -> PCIeLinkSpec {
        guard let speed = node.linkSpeed, speed > 0 else {
            let fallback = inherited ?? PCIeLinkSpec(generation: known ?? 3, width: kind == .nvme ? 4 : 16)
            note(
                "Devices with no link speed in hwloc (0 or absent, as in virtual machines and integrated devices) take their parent's link, else Gen\(known ?? 3) x16 (x4 for NVMe)."
            )
            return fallback
        }
        let candidates = DeviceKnowledge.linkCandidates(speed: speed)
        guard !candidates.isEmpty else {
            let nearest = DeviceKnowledge.nearestLink(speed: speed)
            warning(
                node.element,
                "pci_link_speed \(speed) GB/s matches no PCIe generation and width exactly; the nearest, \(nearest), is assumed"
            )
            return nearest
        }
        if candidates.count == 1 { return candidates[0] }
        var chosen: PCIeLinkSpec?
        var reason = ""
        if let known, let match = candidates.first(where: { $0.generation == known }) {
            chosen = match
            reason = "the device's known generation"
        } else if let kind {
            let width: Int? =
                switch kind {
                case .gpu, .accelerator: 16
                case .nvme: 4
                default: nil
                }
            if let width, let match = candidates.first(where: { $0.width == width }) {
                chosen = match
                reason = "the usual width of a \(kind.rawValue)"
            }
        }
        if chosen == nil {
            chosen = candidates.filter { $0.width <= 16 }.max { $0.width < $1.width } ?? candidates[0]
            reason = "the widest link"
        }
        let result = chosen ?? candidates[0]
        let others = candidates.filter { $0 != result }.map(\.description).joined(separator: ", ")
        note(
            "pci_link_speed \(speed) GB/s is read as \(result) (\(reason)) wherever it appears; it could also be \(others)."
        )
        return result
    }

    // MARK: Vendor links

    private mutating func emitVendorLinks() {
        var nvswitchGeneration = 1
        for matrix in matrices {
            let count = matrix.ends.count
            var pairs: [(a: End, b: End, bandwidth: UInt64)] = []
            for i in 0..<count {
                for j in (i + 1)..<count {
                    let forward = matrix.values[i * count + j]
                    let backward = matrix.values[j * count + i]
                    if forward != backward {
                        warning(
                            matrix.element,
                            "\(matrix.name) is not symmetric between entries \(i) and \(j) (\(forward) vs \(backward) MB/s); the larger is used"
                        )
                    }
                    let bandwidth = max(forward, backward)
                    if bandwidth > 0 { pairs.append((matrix.ends[i], matrix.ends[j], bandwidth)) }
                }
            }
            if matrix.name == "XGMIBandwidth" {
                emitXGMI(pairs, matrix: matrix)
                continue
            }
            // hwloc's NVLinkBandwidth transitive closure (hwloc-annotate --nvlink-closure, or
            // lstopo's) adds GPU-to-GPU entries summing the bandwidth through the NVSwitches; where
            // GPUs reach NVSwitches, those entries are not direct links and are dropped.
            let kindOf: (End) -> EndpointKind? = { [names] end in
                if case .device(let serial) = end { return names[serial]?.kind }
                return nil
            }
            let switched = pairs.contains { pair in
                let kinds = [kindOf(pair.a), kindOf(pair.b)]
                return kinds.contains(.nvswitch) && kinds.contains(.gpu)
            }
            if switched {
                let before = pairs.count
                pairs.removeAll { kindOf($0.a) == .gpu && kindOf($0.b) == .gpu }
                if pairs.count < before {
                    note(
                        "\(matrix.name) has GPU-to-GPU entries besides GPU-to-NVSwitch links (hwloc's transitive closure sums the bandwidth through the NVSwitches): \(before - pairs.count) GPU-to-GPU entries are not imported as direct links; the GPUs reach each other through the NVSwitches."
                    )
                }
            }
            // NVLink: switch-to-switch trunks join NVSwitches into planes.
            var planeOf: [Int: Int] = [:]  // switch serial -> representative serial
            func find(_ x: Int) -> Int {
                var x = x
                while let parent = planeOf[x], parent != x { x = parent }
                return x
            }
            var trunks = false
            for pair in pairs {
                if case .device(let a) = pair.a, case .device(let b) = pair.b, names[a]?.kind == .nvswitch,
                    names[b]?.kind == .nvswitch
                {
                    if planeOf[a] == nil { planeOf[a] = a }
                    if planeOf[b] == nil { planeOf[b] = b }
                    let ra = find(a)
                    let rb = find(b)
                    if ra != rb { planeOf[max(ra, rb)] = min(ra, rb) }
                    trunks = true
                }
            }
            if !trunks, let inferred = inferredDGX2Trunks(pairs) {
                for (a, b) in inferred {
                    planeOf[a] = a
                    planeOf[b] = a
                }
                trunks = true
                note(
                    "hwloc's NVLinkBandwidth shows no NVSwitch-to-NVSwitch links, but the NVSwitches (10de:1ac2, first generation) form two baseboards of 6 serving disjoint GPUs, as in a DGX-2/HGX-2: the baseboards are assumed joined switch to switch (NVIDIA DGX-2 architecture: each NVSwitch has 8 links to its peer on the other baseboard), pairing the k-th switches of each baseboard in bus order."
                )
            }
            var planeIds: [Int: String] = [:]
            if trunks {
                let representatives = Set(planeOf.keys.map { find($0) }).sorted { lhs, rhs in
                    (names[lhs]?.id ?? "").localizedNumericLess(names[rhs]?.id ?? "")
                }
                for (index, representative) in representatives.enumerated() {
                    let members = planeOf.keys.filter { find($0) == representative }.compactMap { names[$0]?.id }
                        .sorted { $0.localizedNumericLess($1) }
                    planeIds[representative] = "nvplane\(index)"
                    planeLines.append(
                        "  <nvswitch id=\"nvplane\(index)\" generation=\"GEN\" label=\"NVSwitch plane: \(members.joined(separator: " + ")) joined by NVLink trunks\"/>"
                    )
                }
                note(
                    "NVSwitch-to-NVSwitch NVLink trunks (two baseboards) cannot be written in p2psim, which models one switch plane between devices: each set of trunked NVSwitches becomes one <nvswitch> plane 'nvplaneN' and GPU links attach to it; the NVSwitch PCI functions stay as PCIe endpoints."
                )
            }
            var linkGeneration: Int?
            for pair in pairs {
                guard case .device(let a) = pair.a, case .device(let b) = pair.b, let nameA = names[a],
                    let nameB = names[b]
                else {
                    let knownNames = names
                    let describe: (End) -> String = { end in
                        switch end {
                        case .device(let serial): return knownNames[serial]?.id ?? "?"
                        case .package(let socket): return "cpu\(socket)"
                        case .unknown(let text): return text
                        }
                    }
                    note(
                        "NVLink between \(describe(pair.a)) and \(describe(pair.b)) (\(pair.bandwidth) MB/s) is not modelled: p2psim NVLinks join GPUs and NVSwitches only (links to a CPU Package, as on POWER, are reported here)."
                    )
                    continue
                }
                if nameA.kind == .nvswitch && nameB.kind == .nvswitch { continue }
                guard nameA.kind.canHaveVendorLinks, nameB.kind.canHaveVendorLinks else {
                    note("NVLink between \(nameA.id) and \(nameB.id) is skipped: not GPUs or NVSwitches.")
                    continue
                }
                let gpuNode = nameA.kind == .gpu ? a : b
                let pciId = findNode(gpuNode)?.pciType?.pciId ?? ""
                var generation = DeviceKnowledge.nvlinkGeneration(pciId: pciId)
                if generation == nil {
                    generation = pair.bandwidth % 25000 == 0 ? 2 : (pair.bandwidth % 20000 == 0 ? 1 : 2)
                    note(
                        "NVLink generation of \(pciId) is unknown: \(generation ?? 2) assumed from the per-link bandwidth."
                    )
                }
                let gen = generation ?? 2
                /// The largest bandwidth read as links: 1000 links of NVLink 5 (50 GB/s each) is
                /// far beyond any machine (a GB200 NVL72 GPU has 18 links).
                let plausible: UInt64 = 50_000_000
                guard pair.bandwidth <= plausible else {
                    error(
                        matrix.element,
                        "\(matrix.name) \(nameA.id)-\(nameB.id): \(pair.bandwidth) MB/s is not a plausible NVLink bandwidth (more than \(plausible) MB/s)"
                    )
                    continue
                }
                linkGeneration = gen
                let perLink = UInt64(DeviceKnowledge.nvlinkBandwidthPerLink(generation: gen))
                let links = max(1, Int((pair.bandwidth + perLink / 2) / perLink))
                if pair.bandwidth % perLink != 0 {
                    warning(
                        matrix.element,
                        "NVLink \(nameA.id)-\(nameB.id): \(pair.bandwidth) MB/s is not a whole number of \(perLink) MB/s links; \(links) assumed"
                    )
                }
                var endA = nameA.id
                var endB = nameB.id
                if nameA.kind == .nvswitch, let plane = planeIds[find(a)] { endA = plane }
                if nameB.kind == .nvswitch, let plane = planeIds[find(b)] { endB = plane }
                vendorLinkLines.append(
                    "  <nvlink a=\"\(endA)\" b=\"\(endB)\" generation=\"\(gen)\" links=\"\(links)\"/>")
            }
            if let linkGeneration {
                nvswitchGeneration = max(1, linkGeneration - 1)
                note(
                    "NVLink counts are hwloc's NVLinkBandwidth (MB/s per direction, summed over links) divided by the per-link bandwidth of the GPU's NVLink generation (from its PCI device id): 20000 MB/s NVLink 1, 25000 NVLink 2-4, 50000 NVLink 5."
                )
            }
        }
        planeLines = planeLines.map { $0.replacingOccurrences(of: "GEN", with: "\(nvswitchGeneration)") }
    }

    /// DGX-2 style baseboards: first-generation NVSwitches in two groups of equal size whose GPU
    /// sets are disjoint; the k-th switch of one group paired with the k-th of the other.
    private func inferredDGX2Trunks(_ pairs: [(a: End, b: End, bandwidth: UInt64)]) -> [(Int, Int)]? {
        var gpusOf: [Int: Set<Int>] = [:]
        for pair in pairs {
            guard case .device(let a) = pair.a, case .device(let b) = pair.b else { continue }
            for (mine, other) in [(a, b), (b, a)] where names[mine]?.kind == .nvswitch && names[other]?.kind == .gpu {
                gpusOf[mine, default: []].insert(other)
            }
        }
        guard gpusOf.count >= 2,
            gpusOf.keys.allSatisfy({
                findNode($0).map { ["10de:1ac2", "0000:0000"].contains($0.pciType?.pciId ?? "") } ?? false
            })
        else { return nil }
        var groups: [Set<Int>: [Int]] = [:]
        for (nvswitch, gpus) in gpusOf { groups[gpus, default: []].append(nvswitch) }
        guard groups.count == 2 else { return nil }
        let sets = Array(groups.keys)
        guard sets[0].isDisjoint(with: sets[1]) else { return nil }
        let order: (Int, Int) -> Bool = { lhs, rhs in
            (names[lhs]?.id ?? "").localizedNumericLess(names[rhs]?.id ?? "")
        }
        var sides = sets.map { (groups[$0] ?? []).sorted(by: order) }
        sides.sort { order($0[0], $1[0]) }
        guard sides[0].count == sides[1].count else { return nil }
        return Array(zip(sides[0], sides[1]))
    }

    private func findNode(_ serial: Int) -> IONode? {
        func search(_ node: IONode) -> IONode? {
            if node.serial == serial { return node }
            for child in node.children { if let found = search(child) { return found } }
            return nil
        }
        for host in hostBridges { if let found = search(host) { return found } }
        return nil
    }

    private mutating func emitXGMI(_ pairs: [(a: End, b: End, bandwidth: UInt64)], matrix: Matrix) {
        for pair in pairs {
            guard case .device(let a) = pair.a, case .device(let b) = pair.b, let nameA = names[a],
                let nameB = names[b],
                nameA.kind == .gpu || nameA.kind == .accelerator, nameB.kind == .gpu || nameB.kind == .accelerator
            else {
                note("An XGMIBandwidth entry between non-GPU objects is skipped.")
                continue
            }
            vendorLinkLines.append(
                "  <xgmi a=\"\(nameA.id)\" b=\"\(nameB.id)\" lanes=\"16\" rate=\"\(pair.bandwidth) MB/s\" links=\"1\"/>"
            )
        }
        note(
            "XGMIBandwidth entries are written as one x16 XGMI link per pair with the pair's whole bandwidth (hwloc gives no link count)."
        )
    }

    // MARK: Output

    func output() -> String {
        TopologyText.document(
            heading: [
                "Imported by `p2psim import hwloc` from \(file) (hwloc \(version) XML).",
                "Assumptions (hwloc does not record these; override them with an overlay or by editing this file):",
            ], notes: notes, lines: lines)
    }
}

extension String {
    fileprivate func replacingColons() -> String {
        String(map { $0 == ":" ? "_" : $0 })
    }

    /// Compares with embedded numbers read as numbers (`nvswitch2` < `nvswitch10`).
    fileprivate func localizedNumericLess(_ other: String) -> Bool {
        let lhs = (prefix { !$0.isNumber }, Int(drop { !$0.isNumber }) ?? 0)
        let rhs = (other.prefix { !$0.isNumber }, Int(other.drop { !$0.isNumber }) ?? 0)
        return lhs.0 != rhs.0 ? lhs.0 < rhs.0 : lhs.1 < rhs.1
    }
}
