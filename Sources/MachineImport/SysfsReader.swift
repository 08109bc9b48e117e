import Fabric
import Foundation
import Topology

/// Reads a machine from a sysfs tree: /sys/bus/pci/devices, /sys/kernel/iommu_groups,
/// /sys/class/iommu, /sys/devices/system/node, /proc/cmdline and /proc/cpuinfo below `root`
/// (`/` for the running machine, or a copied tree).
struct SysfsReader {
    let root: String
    private(set) var records: [PCIFunctionRecord] = []
    private(set) var facts = KernelFacts()
    /// What could not be read, and what was assumed instead (one sentence each).
    private(set) var unreadable: [String] = []
    private let files = FileManager.default

    init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    private func path(_ relative: String) -> String {
        root == "/" ? "/" + relative : root + "/" + relative
    }

    private func text(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private func bytes(_ path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return [UInt8](data)
    }

    private func trimmed(_ path: String) -> String? {
        text(path).map { String($0.trimming(" \n\t")) }
    }

    /// The number in a sysfs file: decimal, or hexadecimal with `0x`.
    private func number(_ path: String) -> Int? {
        guard let value = trimmed(path) else { return nil }
        return value.hasPrefix("0x") ? Int(value.dropFirst(2), radix: 16) : Int(value)
    }

    /// The last path component of a symbolic link's target (`driver` -> `nvidia`).
    private func linkName(_ path: String) -> String? {
        guard let target = try? files.destinationOfSymbolicLink(atPath: path) else { return nil }
        return target.split(separator: "/").last.map(String.init)
    }

    /// Reads everything; throws when there is no PCI device directory at all.
    mutating func read() throws(MachineImportError) {
        let devicesDirectory = path("sys/bus/pci/devices")
        guard let entries = try? files.contentsOfDirectory(atPath: devicesDirectory) else {
            throw MachineImportError(
                location: SourceLocation(file: devicesDirectory, line: 0),
                message: "no PCI devices: the directory cannot be read (is this a sysfs tree?)")
        }
        readKernel()
        for entry in entries.sorted() {
            guard let address = BusAddress(entry) else { continue }
            if let record = readFunction(address, directory: devicesDirectory + "/" + entry) {
                records.append(record)
            }
        }
        records.sort { $0.address < $1.address }
    }

    private mutating func readFunction(_ address: BusAddress, directory: String) -> PCIFunctionRecord? {
        let location = SourceLocation(file: directory, line: 0)
        let config = bytes(directory + "/config").map(ConfigSpace.init)
        let vendor = number(directory + "/vendor") ?? config?.vendor
        let device = number(directory + "/device") ?? config?.device
        guard let vendor, let device, vendor != 0xffff else {
            unreadable.append("\(address): no vendor/device could be read; the function is left out.")
            return nil
        }
        let classCode = number(directory + "/class") ?? config?.classCode ?? 0
        let isBridge = config?.isBridge ?? (classCode >> 8 == 0x0604)
        var record = PCIFunctionRecord(
            address: address, identity: PCIIdentity(vendor: UInt16(vendor), device: UInt16(device)),
            classCode: classCode, isBridge: isBridge, source: location)
        record.secondaryBus = config?.secondaryBus
        record.subordinateBus = config?.subordinateBus
        if let config {
            record.portType = config.portType
            record.maxLink = config.linkCapability
            record.currentLink = config.linkStatus
            if let pair = config.payloadAndReadRequest {
                record.maxPayload = pair.mps
                record.maxReadRequest = pair.mrrs
            }
            record.acs = config.acs
            record.sriov = config.sriov
            if !config.hasConventionalCapabilities {
                unreadable.append(
                    "\(address): only \(config.bytes.count) bytes of configuration space are readable (not root): the PCIe capability (MPS/MRRS, port type) is not read.")
            } else if config.pcieCapability == nil {
                // Conventional PCI: no extended configuration space, so no ACS or SR-IOV.
                record.acs = .absent
            } else if !config.hasExtendedSpace {
                unreadable.append(
                    "\(address): extended configuration space (from 0x100) is not readable: its ACS and SR-IOV capabilities are not read.")
            }
        } else {
            unreadable.append("\(address): its config file cannot be read.")
        }
        // sysfs link attributes (readable without root) take precedence for the link.
        if let speed = linkGeneration(directory + "/max_link_speed"), let width = number(directory + "/max_link_width"),
            width > 0
        {
            record.maxLink = LinkState(generation: speed, width: width)
        }
        if let speed = linkGeneration(directory + "/current_link_speed"),
            let width = number(directory + "/current_link_width"), width > 0
        {
            record.currentLink = LinkState(generation: speed, width: width)
        }
        if record.sriov == nil, let total = number(directory + "/sriov_totalvfs") {
            record.sriov = (total, number(directory + "/sriov_numvfs") ?? 0)
        }
        if let node = number(directory + "/numa_node"), node >= 0 { record.numaNode = node }
        record.driver = linkName(directory + "/driver")
        if let group = linkName(directory + "/iommu_group").flatMap({ Int($0) }) {
            record.iommuGroup = group
            record.iommuGroupType = trimmed(path("sys/kernel/iommu_groups/\(group)/type"))
        }
        record.isVirtualFunction = files.fileExists(atPath: directory + "/physfn")
        record.bars = readResources(directory + "/resource")
        return record
    }

    /// "16.0 GT/s PCIe" -> 4; "Unknown" -> nil.
    private func linkGeneration(_ path: String) -> Int? {
        guard let value = trimmed(path), let number = Double(value.split(separator: " ").first ?? "") else {
            return nil
        }
        return LinkState.generation(gigatransfers: number)
    }

    /// The memory BARs of the `resource` file: one line per resource, "start end flags" in
    /// hexadecimal; lines 0-5 are the BARs. Flags are Linux's IORESOURCE_* (include/linux/ioport.h):
    /// IO 0x100, MEM 0x200, PREFETCH 0x2000, MEM_64 0x100000.
    private func readResources(_ path: String) -> [BARRecord] {
        guard let content = text(path) else { return [] }
        var bars: [BARRecord] = []
        for (index, line) in content.split(separator: "\n").prefix(6).enumerated() {
            let fields = line.split(separator: " ").compactMap { UInt64($0.dropFirst(2), radix: 16) }
            guard fields.count == 3, fields[2] & 0x200 != 0, fields[1] > fields[0] else { continue }
            let (size, overflow) = (fields[1] - fields[0]).addingReportingOverflow(1)
            guard !overflow else { continue }
            bars.append(
                BARRecord(
                    index: index, size: size, is64Bit: fields[2] & 0x10_0000 != 0,
                    prefetchable: fields[2] & 0x2000 != 0))
        }
        return bars
    }

    private mutating func readKernel() {
        if let commandLine = text(path("proc/cmdline")) {
            facts.readCommandLine(commandLine)
        } else {
            unreadable.append("/proc/cmdline is not readable: no pci=disable_acs_redir= or iommu= option is assumed.")
        }
        facts.iommuUnits = ((try? files.contentsOfDirectory(atPath: path("sys/class/iommu"))) ?? []).sorted()
        if let cpuinfo = text(path("proc/cpuinfo")) {
            var physicalIDs = Set<String>()
            for line in cpuinfo.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { String($0.trimming(" \t")) }
                guard parts.count == 2 else { continue }
                switch parts[0] {
                case "vendor_id": facts.cpuVendor = facts.cpuVendor ?? parts[1]
                case "cpu family": facts.cpuFamily = facts.cpuFamily ?? Int(parts[1])
                case "model": facts.cpuModel = facts.cpuModel ?? Int(parts[1])
                case "model name": facts.cpuModelName = facts.cpuModelName ?? parts[1]
                case "physical id": physicalIDs.insert(parts[1])
                default: break
                }
            }
            if !physicalIDs.isEmpty { facts.packages = physicalIDs.count }
        } else {
            unreadable.append("/proc/cpuinfo is not readable: the CPU vendor and family are unknown ('other', 0).")
        }
        let nodeDirectory = path("sys/devices/system/node")
        for entry in ((try? files.contentsOfDirectory(atPath: nodeDirectory)) ?? []) where entry.hasPrefix("node") {
            guard let node = Int(entry.dropFirst(4)), let meminfo = text(nodeDirectory + "/" + entry + "/meminfo")
            else { continue }
            // "Node 0 MemTotal:       263782880 kB"
            for line in meminfo.split(separator: "\n") where line.contains("MemTotal:") {
                let words = line.split(separator: " ")
                if let index = words.firstIndex(of: "kB"), index > 0, let kilobytes = UInt64(words[index - 1]) {
                    let (bytes, overflow) = kilobytes.multipliedReportingOverflow(by: 1024)
                    if !overflow { facts.nodeMemory[node] = bytes }
                }
            }
        }
    }
}
