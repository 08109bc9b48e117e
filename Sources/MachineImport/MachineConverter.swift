import Fabric
import HwlocImport
import Topology
import Units

/// Turns the PCI functions and kernel facts of a real machine into topology XML, keeping every
/// function's domain:bus:device.function (`bus`, `device`, `function` attributes).
struct MachineConverter {
    let origin: String
    let facts: KernelFacts
    let options: MachineImportOptions
    private(set) var notes: [String] = []
    private var noteSet: Set<String> = []
    private(set) var warnings: [Diagnostic] = []
    private var lines: [String] = []
    private var byAddress: [BusAddress: PCIFunctionRecord] = [:]
    /// Functions on each (domain, bus).
    private var onBus: [BusKey: [PCIFunctionRecord]] = [:]
    private var names: [BusAddress: (id: String, kind: EndpointKind)] = [:]
    private var switchCount = 0
    /// Platform register functions left out.
    private var leftOut: [BusAddress] = []

    struct BusKey: Hashable, Comparable {
        var domain: Int
        var bus: Int
        static func < (lhs: BusKey, rhs: BusKey) -> Bool { (lhs.domain, lhs.bus) < (rhs.domain, rhs.bus) }
    }

    init(origin: String, facts: KernelFacts, options: MachineImportOptions) {
        self.origin = origin
        self.facts = facts
        self.options = options
    }

    private mutating func note(_ text: String) {
        if noteSet.insert(text).inserted { notes.append(text) }
    }

    private mutating func warn(_ record: PCIFunctionRecord, _ message: String) {
        warnings.append(Diagnostic(.warning, at: record.source, "\(record.address): \(message)"))
    }

    private static func hex(_ value: Int) -> String { "0x" + String(value, radix: 16) }

    // MARK: Structure

    /// Converts `records`; the output is `lines`.
    mutating func convert(_ all: [PCIFunctionRecord], name: String) -> String {
        let virtualFunctions = all.filter(\.isVirtualFunction)
        if !virtualFunctions.isEmpty {
            note(
                "\(virtualFunctions.count) SR-IOV virtual function(s) are not imported as endpoints: each physical function's <sriov numVFs> stands for them.")
        }
        let records = all.filter { !$0.isVirtualFunction }
        for record in records {
            byAddress[record.address] = record
            onBus[BusKey(domain: record.address.segment, bus: record.address.bus), default: []].append(record)
        }
        // A bus is a root bus when no bridge leads to it.
        var bridged = Set<BusKey>()
        for record in records where record.isBridge {
            if let secondary = record.secondaryBus, secondary > record.address.bus {
                bridged.insert(BusKey(domain: record.address.segment, bus: secondary))
            }
        }
        let rootBuses = onBus.keys.filter { !bridged.contains($0) }.sorted()
        nameDevices(records)
        // Sockets: NUMA nodes (or CPU packages), at least one.
        let numaNodes = Set(records.compactMap(\.numaNode))
        let socketCount = max(facts.packages ?? 1, (numaNodes.max() ?? -1) + 1, facts.nodeMemory.count, 1)
        if socketCount > 1 {
            note(
                "Sockets are the NUMA nodes: cpuN is NUMA node N (with sub-NUMA clustering, a socket appears as several); a root complex goes to the NUMA node of its devices (numa_node), else cpu0.")
        }
        lines.append(
            "<topology name=\"\(TopologyText.escape(name))\" version=\"1\" description=\"\(TopologyText.escape(origin))\">")
        let vendor = TopologyText.cpuVendor(facts.cpuVendor, model: facts.cpuModelName)
        var socketOf: [BusKey: Int] = [:]
        for root in rootBuses {
            let nodes = devicesBelow(root).compactMap(\.numaNode)
            socketOf[root] = nodes.isEmpty ? 0 : min(socketCount - 1, mostCommon(nodes))
        }
        var complexIndex = 0
        for socket in 0..<socketCount {
            var attributes = "id=\"cpu\(socket)\" vendor=\"\(vendor.rawValue)\" family=\"\(Self.hex(facts.cpuFamily ?? 0))\""
            if let model = facts.cpuModel { attributes += " model=\"\(Self.hex(model))\"" }
            if let label = facts.cpuModelName { attributes += " label=\"\(TopologyText.escape(label))\"" }
            if facts.cpuFamily == nil { note("The CPU family is unknown (no /proc/cpuinfo): family 0 is written.") }
            lines.append("  <socket \(attributes)>")
            note(TopologyText.socketMemoryNote)
            lines.append(TopologyText.socketMemoryLine(bytes: facts.nodeMemory[socket] ?? 0, source: "NUMA node MemTotal"))
            for root in rootBuses where socketOf[root] == socket {
                emitRootComplex(root, id: "rc\(complexIndex)")
                complexIndex += 1
            }
            lines.append("  </socket>")
        }
        if !leftOut.isEmpty {
            note(
                "Platform register functions on root buses (classes 0x06xx host bridges, 0x08xx system peripherals, 0x11xx performance counters) are not imported as endpoints; the one at devfn 00.0 names the host bridge. Left out: \(leftOut.map(\.description).joined(separator: ", ")).")
        }
        let links = TopologyText.socketLinks(count: socketCount, vendor: vendor, model: facts.cpuModel)
        if let linkNote = links.note { note(linkNote) }
        lines += links.lines
        lines.append("</topology>")
        return lines.joined(separator: "\n")
    }

    private func mostCommon(_ values: [Int]) -> Int {
        var counts: [Int: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? 0
    }

    /// Every function at or below a bus.
    private func devicesBelow(_ key: BusKey) -> [PCIFunctionRecord] {
        var result: [PCIFunctionRecord] = []
        var visited = Set<BusKey>()
        var stack = [key]
        while let bus = stack.popLast() {
            guard visited.insert(bus).inserted else { continue }
            for record in onBus[bus] ?? [] {
                result.append(record)
                if record.isBridge, let secondary = record.secondaryBus, secondary > record.address.bus {
                    stack.append(BusKey(domain: bus.domain, bus: secondary))
                }
            }
        }
        return result
    }

    private func children(of bridge: PCIFunctionRecord) -> [PCIFunctionRecord] {
        guard let secondary = bridge.secondaryBus, secondary > bridge.address.bus else { return [] }
        return (onBus[BusKey(domain: bridge.address.segment, bus: secondary)] ?? []).sorted { $0.address < $1.address }
    }

    /// Root-bus functions that are platform registers (class 0x06 bridges other than PCI-to-PCI,
    /// 0x08 system peripherals, 0x11 signal processing / performance counters): the host
    /// bridge's own functions, not devices a transfer can involve.
    private func isPlatformRegister(_ record: PCIFunctionRecord) -> Bool {
        let base = record.classCode >> 16
        return !record.isBridge && (base == 0x06 || base == 0x08 || base == 0x11)
    }

    // MARK: Names

    private mutating func nameDevices(_ records: [PCIFunctionRecord]) {
        var byKind: [EndpointKind: [PCIFunctionRecord]] = [:]
        for record in records where !record.isBridge {
            byKind[kind(record), default: []].append(record)
        }
        let prefixes: [EndpointKind: String] = [
            .gpu: "gpu", .nic: "nic", .nvme: "nvme", .nvswitch: "nvswitch", .accelerator: "acc",
        ]
        for (kind, list) in byKind {
            for (index, record) in list.sorted(by: { $0.address < $1.address }).enumerated() {
                let id =
                    prefixes[kind].map { "\($0)\(index)" }
                    ?? "pci" + record.address.description.map { $0 == ":" ? "_" : $0 }.map(String.init).joined()
                names[record.address] = (id, kind)
            }
        }
        if byKind[.gpu] != nil {
            note(
                "GPUs are numbered gpu0... in PCI bus order (as nvidia-smi, rocm-smi, and CUDA with CUDA_DEVICE_ORDER=PCI_BUS_ID); other kinds likewise.")
        }
    }

    private func kind(_ record: PCIFunctionRecord) -> EndpointKind {
        TopologyText.kind(classCode: record.classCode, pciId: record.identity.description, gpuByOSDevice: false)
    }

    // MARK: Writing

    private mutating func emitRootComplex(_ root: BusKey, id: String) {
        let functions = (onBus[root] ?? []).sorted { $0.address < $1.address }
        // Linux: the host bridge device is the function at devfn 00.0 of the root bus
        // (pci_host_bridge_dev() in drivers/pci/p2pdma.c).
        let first = functions.first { $0.address.device == 0 && $0.address.function == 0 }
        var hostBridge: String
        if let first {
            hostBridge = first.identity.description
        } else {
            let rootPort = functions.first { $0.isBridge }
            hostBridge =
                rootPort.flatMap { DeviceKnowledge.hostBridge(forRootPort: $0.identity.description) } ?? "ffff:ffff"
            note(
                "\(id) (root bus \(hexadecimal(root.domain, digits: 4)):\(hexadecimal(root.bus, digits: 2))) has no function at devfn 00.0: Linux then finds no host bridge device and its p2pdma allowlist does not apply; hostBridge \(hostBridge) is written.")
        }
        var attributes = "id=\"\(id)\" hostBridge=\"\(hostBridge)\" segment=\"\(root.domain)\" bus=\"\(Self.hex(root.bus))\""
        attributes += " p2p=\"readwrite\""
        note(
            "Root complexes are assumed to forward peer-to-peer reads and writes between root ports (p2p=\"readwrite\", as server Xeon and EPYC do); neither sysfs nor lspci shows it.")
        lines.append("    <rootComplex \(attributes)>")
        if let mode = iommuMode(functions: devicesBelow(root)) { lines.append("      <iommu mode=\"\(mode)\"/>") }
        leftOut += functions.filter(isPlatformRegister).map(\.address)
        for record in functions where record.isBridge {
            emitPort(record, element: "rootPort", indent: 6, parentLink: nil)
        }
        for record in functions where !record.isBridge && !isPlatformRegister(record) {
            emitEndpoint(record, indent: 6, integrated: true, parentLink: nil)
        }
        lines.append("    </rootComplex>")
    }

    /// The IOMMU mode: the option's, else the kernel's (no IOMMU unit: off; `iommu=pt` or
    /// `identity` groups: passthrough; `DMA`/`DMA-FQ` groups: translated).
    private mutating func iommuMode(functions: [PCIFunctionRecord]) -> String? {
        if let mode = options.iommu { return mode.rawValue }
        let types = functions.compactMap(\.iommuGroupType)
        if facts.iommuOff {
            note("The IOMMU is off on the kernel command line.")
            return "off"
        }
        if types.contains(where: { $0.hasPrefix("DMA") }) {
            note("IOMMU mode from /sys/kernel/iommu_groups/N/type: DMA or DMA-FQ groups are 'translated'.")
            return "translated"
        }
        if types.contains("identity") || (facts.iommuPassthrough && !facts.iommuUnits.isEmpty) {
            note("IOMMU mode: identity groups or iommu=pt are 'passthrough'.")
            return "passthrough"
        }
        if facts.iommuUnits.isEmpty && types.isEmpty {
            if functions.contains(where: { $0.iommuGroup != nil }) { return nil }
            note("No IOMMU unit under /sys/class/iommu and no IOMMU group: the IOMMU is off.")
            return "off"
        }
        note(
            "IOMMU units are present (\(facts.iommuUnits.joined(separator: ", "))) but no group type was readable: 'translated' (the kernel's default DMA domain) is assumed.")
        return "translated"
    }

    /// The link a port or device declares: what it supports (Link Capabilities), with the width
    /// it trained to when that is narrower (a degraded link); a lower current speed is power
    /// management (GPUs drop to 2.5 GT/s when idle) and is reported, not written.
    private mutating func link(_ record: PCIFunctionRecord, parentLink: PCIeLinkSpec?) -> PCIeLinkSpec {
        guard let max = record.maxLink ?? record.currentLink else {
            note(
                "Functions with no readable link (integrated devices, virtual machines, capabilities not readable) take their parent's link, else Gen3 x16.")
            return parentLink ?? PCIeLinkSpec(generation: 3, width: 16)
        }
        var width = Self.formatWidth(max.width)
        if width != max.width {
            warn(record, "a link width of x\(max.width) is not a PCIe width; x\(width) is written")
        }
        if let current = record.currentLink {
            if current.width < max.width {
                width = Self.formatWidth(current.width)
                warn(record, "link trained to x\(current.width) of x\(max.width): the narrower width is written")
            }
            if current.generation < max.generation {
                note(
                    "Links running below their maximum speed (LnkSta below LnkCap, as GPUs do when idle) are written at their maximum; the current state is in the label.")
            }
        }
        return PCIeLinkSpec(generation: max.generation, width: width)
    }

    /// The widest link width the format accepts (PCIe widths: 1, 2, 4, 8, 12, 16, 32 lanes)
    /// that is not wider than `width`.
    static func formatWidth(_ width: Int) -> Int {
        [32, 16, 12, 8, 4, 2, 1].first { $0 <= width } ?? 1
    }

    private func linkLabel(_ record: PCIFunctionRecord) -> String {
        var parts = [record.address.description]
        if let current = record.currentLink {
            parts.append("LnkSta \(current)" + (record.maxLink.map { " of \($0)" } ?? ""))
        }
        return parts.joined(separator: ", ")
    }

    /// The ACS attributes of a port: what was read, else what the kernel is assumed to have set.
    private mutating func acsAttributes(_ record: PCIFunctionRecord) -> String {
        switch record.acs {
        case .present(let capability, let control):
            return capability.isEmpty ? "" : " acsCap=\"\(capability)\" acsCtrl=\"\(control)\""
        case .absent:
            return ""
        case .unreadable:
            guard record.portType == .downstreamPort || record.portType == .rootPort || record.portType == nil else {
                return ""
            }
            let iommuOn = !facts.iommuUnits.isEmpty && !facts.iommuOff
            if iommuOn && !facts.disablesACSRedirect(record) {
                warn(
                    record,
                    "ACS is not readable (extended configuration space needs root): the kernel's pci_std_enable_acs() with an IOMMU (SV RR CR UF) is assumed"
                )
                note(
                    "Where ACS could not be read, ports are assumed to have ACS with SV RR CR UF enabled when an IOMMU is active (pci_std_enable_acs() after pci_request_acs()), else no ACS; ports named in pci=disable_acs_redir= lose RR CR EC.")
                return " acsCap=\"SV RR CR UF\" acsCtrl=\"SV RR CR UF\""
            }
            if iommuOn {
                return " acsCap=\"SV RR CR UF\" acsCtrl=\"SV UF\""
            }
            warn(record, "ACS is not readable (extended configuration space needs root): no ACS is assumed (no IOMMU)")
            return ""
        }
    }

    private mutating func emitPort(_ record: PCIFunctionRecord, element: String, indent: Int, parentLink: PCIeLinkSpec?) {
        let pad = String(repeating: " ", count: indent)
        let id = portId(record)
        let link = link(record, parentLink: parentLink)
        var attributes = "id=\"\(id)\""
        if element == "downstreamPort" { attributes += " bus=\"\(Self.hex(record.address.bus))\"" }
        attributes += " device=\"\(record.address.device)\" function=\"\(record.address.function)\""
        if element == "rootPort" { attributes += " pciId=\"\(record.identity)\"" }
        attributes += " gen=\"\(link.generation)\" width=\"\(link.width)\"" + acsAttributes(record)
        lines.append("\(pad)<\(element) \(attributes)>")
        emitBelow(record, portLink: link, indent: indent + 2)
        lines.append("\(pad)</\(element)>")
    }

    private func portId(_ record: PCIFunctionRecord) -> String {
        let a = record.address
        return "p\(hexadecimal(a.segment, digits: 4))_\(hexadecimal(a.bus, digits: 2))_\(hexadecimal(a.device, digits: 2)).\(a.function)"
    }

    /// What a port's link leads to: one switch (its upstream port), or the functions of one device.
    private mutating func emitBelow(_ port: PCIFunctionRecord, portLink: PCIeLinkSpec, indent: Int) {
        let below = children(of: port)
        let bridges = below.filter(\.isBridge)
        let devices = below.filter { !$0.isBridge }
        if bridges.count == 1 && devices.isEmpty {
            emitSwitch(bridges[0], parentLink: portLink, indent: indent)
        } else if bridges.isEmpty && Set(devices.map(\.address.device)).count <= 1 {
            for device in devices { emitEndpoint(device, indent: indent, integrated: false, parentLink: portLink) }
        } else {
            // Several devices on one link: not PCIe; written as a switch with a port per device
            // (their bus numbers are then the importer's).
            let pad = String(repeating: " ", count: indent)
            let id = "sw\(switchCount)"
            switchCount += 1
            warn(port, "several devices below one port; modelled as a synthesized switch '\(id)' (their bus numbers are renumbered)")
            lines.append(
                "\(pad)<switch id=\"\(id)\" gen=\"\(portLink.generation)\" width=\"\(portLink.width)\" latency=\"0 ns\" label=\"synthesized below \(port.address)\">")
            for (index, record) in below.enumerated() {
                lines.append("\(pad)  <downstreamPort id=\"\(id).dp\(index)\">")
                if record.isBridge {
                    emitSwitch(record, parentLink: portLink, indent: indent + 4, keepBus: false)
                } else {
                    emitEndpoint(record, indent: indent + 4, integrated: false, parentLink: portLink, keepBus: false)
                }
                lines.append("\(pad)  </downstreamPort>")
            }
            lines.append("\(pad)</switch>")
        }
    }

    private mutating func emitSwitch(_ upstream: PCIFunctionRecord, parentLink: PCIeLinkSpec, indent: Int, keepBus: Bool = true) {
        let pad = String(repeating: " ", count: indent)
        let id = "sw\(switchCount)"
        switchCount += 1
        let link = link(upstream, parentLink: parentLink)
        let latency = DeviceKnowledge.switchLatencyNanoseconds(generation: link.generation)
        note(
            "Switch latency is not readable: 140 ns Gen1-2 (PLX Gen2), 150 ns Gen3 (PEX9700), 105 ns Gen4 (PEX88000), 115 ns Gen5 (PEX89000), from Broadcom/PLX product briefs.")
        var attributes = "id=\"\(id)\" pciId=\"\(upstream.identity)\""
        if keepBus { attributes += " bus=\"\(Self.hex(upstream.address.bus))\" device=\"\(upstream.address.device)\"" }
        attributes += " gen=\"\(link.generation)\" width=\"\(link.width)\" latency=\"\(latency) ns\""
        attributes += " label=\"\(TopologyText.escape(([upstream.name].compactMap { $0 } + [linkLabel(upstream)]).joined(separator: ", ")))\""
        lines.append("\(pad)<switch \(attributes)>")
        let below = children(of: upstream)
        var wrote = false
        for port in below where port.isBridge {
            emitPort(port, element: "downstreamPort", indent: indent + 2, parentLink: link)
            wrote = true
        }
        // Functions on the switch's internal bus (a management endpoint): a port of their own.
        for record in below where !record.isBridge {
            warn(record, "a function on a switch's internal bus; it gets a downstream port of its own and a new bus number")
            lines.append("\(pad)  <downstreamPort id=\"\(id).dev\(record.address.device).\(record.address.function)\">")
            emitEndpoint(record, indent: indent + 4, integrated: false, parentLink: link, keepBus: false)
            lines.append("\(pad)  </downstreamPort>")
            wrote = true
        }
        if !wrote { lines.append("\(pad)  <downstreamPort id=\"\(id).dp0\"/>") }
        lines.append("\(pad)</switch>")
    }

    private mutating func emitEndpoint(
        _ record: PCIFunctionRecord, indent: Int, integrated: Bool, parentLink: PCIeLinkSpec?, keepBus: Bool = true
    ) {
        let pad = String(repeating: " ", count: indent)
        guard let name = names[record.address] else { return }
        let pciId = record.identity.description
        let known = DeviceKnowledge.device(pciId)
        let link = link(record, parentLink: parentLink)
        var attributes = "id=\"\(name.id)\" kind=\"\(name.kind.rawValue)\" pciId=\"\(pciId)\""
        if keepBus { attributes += " bus=\"\(Self.hex(record.address.bus))\"" }
        attributes += " device=\"\(record.address.device)\" function=\"\(record.address.function)\""
        attributes += " gen=\"\(link.generation)\" width=\"\(link.width)\""
        if let mps = record.maxPayload, [128, 256, 512, 1024, 2048, 4096].contains(mps) {
            attributes += " mps=\"\(mps) B\""
        }
        if let mrrs = record.maxReadRequest, [128, 256, 512, 1024, 2048, 4096].contains(mrrs) {
            attributes += " mrrs=\"\(mrrs) B\""
        }
        if record.maxPayload == nil {
            note("Where Device Control is not readable, MPS 256 B and MRRS 512 B (the format's defaults) apply.")
        }
        let label = ([record.name ?? known?.displayName].compactMap { $0 } + [linkLabel(record)]).joined(separator: ", ")
        attributes += " label=\"\(TopologyText.escape(label))\""
        if let driver = record.driver {
            // The format's driverName: 1-64 letters, digits, '_', '.', '-' (Linux driver names).
            let allowed = driver.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
            if allowed && (1...64).contains(driver.count) {
                attributes += " driver=\"\(driver)\""
            } else {
                warn(record, "driver name '\(driver)' is not a kernel driver name the format accepts; it is left out")
            }
        }
        var driverP2P: DriverP2PPolicy?
        if record.identity.vendor == 0x10de, name.kind == .gpu,
            DeviceKnowledge.isGeForce(name: record.name ?? known?.displayName)
        {
            driverP2P = .cudaGeForce
            note("NVIDIA GeForce/TITAN GPUs get driverP2P=\"cuda-geforce\": CUDA offers them no PCIe peer access (driver 525.105.17 and later).")
        }
        if let driverP2P { attributes += " driverP2P=\"\(driverP2P.rawValue)\"" }
        var body: [String] = []
        let memory = name.kind == .gpu ? known?.memoryAttributes : nil
        let exposing = memory == nil ? nil : exposingBAR(record)
        var occupied = Set<Int>()
        for bar in record.bars.sorted(by: { $0.index < $1.index }) {
            guard bar.size >= 16, bar.size & (bar.size - 1) == 0, !(bar.is64Bit && bar.index == 5),
                bar.is64Bit || bar.size <= 1 << 31, !occupied.contains(bar.index),
                !(bar.is64Bit && occupied.contains(bar.index + 1))
            else {
                warn(record, "BAR \(bar.index) of \(bar.size) bytes is not a BAR the format can hold; left out")
                continue
            }
            occupied.insert(bar.index)
            if bar.is64Bit { occupied.insert(bar.index + 1) }
            var line =
                "<bar index=\"\(bar.index)\" size=\"\(ByteCount(bar.size))\" bits=\"\(bar.is64Bit ? 64 : 32)\" prefetchable=\"\(bar.prefetchable)\""
            if bar.index == exposing { line += " exposes=\"memory\"" }
            body.append(line + "/>")
        }
        if let memory, exposing != nil {
            body.append("<memory \(memory)/>")
            if let engines = DeviceKnowledge.copyEngines(pciId) { body.append(engines.element) }
            note(
                "GPU memories come from p2psim's device table (data sheets; 500 ns latency assumed); the largest prefetchable BAR is the one that maps it; copy engines of known NVIDIA families from the same table (count from deviceQuery, outstanding reads from docs/calibration.md).")
        } else if name.kind == .gpu {
            warn(
                record,
                known == nil
                    ? "\(name.id) (\(pciId)) is an unknown GPU: not in p2psim's device table, so no memory is written and peers cannot reach its memory"
                    : "\(name.id): no prefetchable BAR was read, so its memory is not written")
        }
        if let sriov = record.sriov, sriov.total > 0 {
            body.append("<sriov totalVFs=\"\(sriov.total)\" numVFs=\"\(min(sriov.enabled, sriov.total))\"/>")
        }
        if body.isEmpty {
            lines.append("\(pad)<endpoint \(attributes)/>")
        } else {
            lines.append("\(pad)<endpoint \(attributes)>")
            for line in body { lines.append("\(pad)  \(line)") }
            lines.append("\(pad)</endpoint>")
        }
    }

    /// The BAR that maps a GPU's memory: the largest prefetchable 64-bit one.
    private func exposingBAR(_ record: PCIFunctionRecord) -> Int? {
        record.bars.filter { $0.prefetchable && $0.is64Bit }.max { $0.size < $1.size }?.index
    }
}
