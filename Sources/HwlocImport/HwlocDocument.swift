import Topology
import Units

/// A PCI bus address: domain, bus, device, function (`0000:03:00.0`).
struct BusID: Hashable, Comparable, CustomStringConvertible {
    var domain: Int
    var bus: Int
    var device: Int
    var function: Int

    /// Reads `dddd:bb:dd.f` in hexadecimal.
    init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 3, let domain = Int(parts[0], radix: 16), let bus = Int(parts[1], radix: 16)
        else { return nil }
        let devfn = parts[2].split(separator: ".")
        guard devfn.count == 2, let device = Int(devfn[0], radix: 16), let function = Int(devfn[1], radix: 16),
            domain >= 0, (0...255).contains(bus), (0...31).contains(device), (0...7).contains(function)
        else { return nil }
        self.domain = domain
        self.bus = bus
        self.device = device
        self.function = function
    }

    static func < (lhs: BusID, rhs: BusID) -> Bool {
        (lhs.domain, lhs.bus, lhs.device, lhs.function) < (rhs.domain, rhs.bus, rhs.device, rhs.function)
    }

    var description: String {
        "\(hexadecimal(domain, digits: 4)):\(hexadecimal(bus, digits: 2)):\(hexadecimal(device, digits: 2)).\(function)"
    }
}

/// A bus range `0000:[2b-3b]` of a bridge: the secondary and subordinate bus numbers.
struct BusRange {
    var domain: Int
    var secondary: Int
    var subordinate: Int

    /// Reads `dddd:[ss-ee]` in hexadecimal.
    init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let domain = Int(parts[0], radix: 16) else { return nil }
        let range = parts[1].trimming("[]").split(separator: "-")
        guard range.count == 2, let low = Int(range[0], radix: 16), let high = Int(range[1], radix: 16),
            domain >= 0, (0...255).contains(low), (0...255).contains(high)
        else {
            return nil
        }
        self.domain = domain
        self.secondary = low
        self.subordinate = high
    }

    func contains(_ id: BusID) -> Bool { id.domain == domain && id.bus >= secondary && id.bus <= subordinate }
}

/// hwloc's `pci_type`: "class [vendor:device] [subvendor:subdevice] rev" (hwloc 3 adds a
/// prog-if byte).
struct PCIType {
    var classCode: Int
    var pciId: String

    init?(_ text: String) {
        let parts = text.split(separator: " ")
        guard parts.count >= 2, parts[0].count == 4, let classCode = Int(parts[0], radix: 16) else { return nil }
        let id = parts[1].trimming("[]").lowercased()
        guard PCIIdentity(id) != nil else { return nil }
        self.classCode = classCode
        self.pciId = id
    }
}

/// What an OS device is, from `osdev_type` (an enum in hwloc 1.x/2.x, a bitmask in 3.0) and
/// its name.
struct OSDeviceClass: OptionSet, Hashable {
    var rawValue: Int
    static let storage = OSDeviceClass(rawValue: 1 << 0)
    static let memory = OSDeviceClass(rawValue: 1 << 1)
    static let gpu = OSDeviceClass(rawValue: 1 << 2)
    static let coprocessor = OSDeviceClass(rawValue: 1 << 3)
    static let network = OSDeviceClass(rawValue: 1 << 4)
    static let openFabrics = OSDeviceClass(rawValue: 1 << 5)
    static let dma = OSDeviceClass(rawValue: 1 << 6)

    /// Decodes `osdev_type`.
    ///
    /// hwloc 1.x/2.x (include/hwloc.h `hwloc_obj_osdev_type_e`): BLOCK 0,
    /// GPU 1, NETWORK 2, OPENFABRICS 3, DMA 4, COPROC 5, MEMORY 6. hwloc 3.0: a bitmask,
    /// STORAGE 1<<0, MEMORY 1<<1, GPU 1<<2, COPROC 1<<3, NETWORK 1<<4, OPENFABRICS 1<<5,
    /// DMA 1<<6 (bit values are this type's).
    init(osdevType value: Int, bitmask: Bool) {
        if bitmask {
            self.init(rawValue: value & 0x7f)
            return
        }
        switch value {
        case 0: self = .storage
        case 1: self = .gpu
        case 2: self = .network
        case 3: self = .openFabrics
        case 4: self = .dma
        case 5: self = .coprocessor
        case 6: self = .memory
        default: self = []
        }
    }

    init(rawValue: Int) { self.rawValue = rawValue }

    /// The class its name suggests (cuda0, nvml0, rsmi0, opencl0d0: GPU; mlx5_0, ib0, hfi1_0:
    /// OpenFabrics/network; nvme0n1: storage).
    static func fromName(_ name: String) -> OSDeviceClass {
        if ["cuda", "nvml", "rsmi", "opencl", "card", "renderD", "ze"].contains(where: { name.hasPrefix($0) }) {
            return .gpu
        }
        if ["mlx", "ib", "hfi", "bxi", "qib", "cxi"].contains(where: { name.hasPrefix($0) }) { return .openFabrics }
        if ["eth", "en", "ib"].contains(where: { name.hasPrefix($0) }) { return .network }
        if ["nvme", "sd", "vd", "hd"].contains(where: { name.hasPrefix($0) }) { return .storage }
        return []
    }
}

/// A node of hwloc's I/O tree, as the importer needs it.
final class IONode {
    enum Kind { case hostBridge, bridge, device }
    let kind: Kind
    let element: XMLElement
    let serial: Int
    var busID: BusID?
    var busRange: BusRange?
    var pciType: PCIType?
    var linkSpeed: Double?
    var osDevices: [(name: String, classes: OSDeviceClass, element: XMLElement)] = []
    var children: [IONode] = []
    /// The socket (hwloc Package) the I/O hangs under.
    var socket: Int = 0

    init(kind: Kind, element: XMLElement, serial: Int) {
        self.kind = kind
        self.element = element
        self.serial = serial
    }

    /// PCI bus order (domain, bus, device, function), then document order.
    static func busOrder(_ lhs: IONode, _ rhs: IONode) -> Bool {
        let left = lhs.busID.map { ($0.domain, $0.bus, $0.device, $0.function) } ?? (-1, -1, -1, -1)
        let right = rhs.busID.map { ($0.domain, $0.bus, $0.device, $0.function) } ?? (-1, -1, -1, -1)
        return left != right ? left < right : lhs.serial < rhs.serial
    }

    var bridgeChildren: [IONode] { children.filter { $0.kind == .bridge } }
    var deviceChildren: [IONode] { children.filter { $0.kind == .device } }
}

/// A CPU package as hwloc describes it.
struct HwlocPackage {
    var element: XMLElement
    var vendor: CPUVendor
    var vendorText: String?
    var family: Int?
    var model: Int?
    var modelName: String?
    var memoryBytes: UInt64 = 0
    var gpIndex: Int?
}

/// Reads the `indexes` and `u64values` texts of hwloc's distance elements from the source, keyed
/// by the line of the `<distances2...>` start tag (the parsed tree keeps no text).
func scanDistanceTexts(_ text: String) -> [Int: (indexes: [String], values: [UInt64])] {
    var result: [Int: (indexes: [String], values: [UInt64])] = [:]
    var current: Int?
    var indexes: [String] = []
    var values: [UInt64] = []
    var remaining = ""
    for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
        let lineNumber = offset + 1
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.hasPrefix("<distances2") {
            current = lineNumber
            indexes = []
            values = []
            continue
        }
        guard let start = current else { continue }
        if trimmed.hasPrefix("</distances2") {
            result[start] = (indexes, values)
            current = nil
            continue
        }
        remaining = String(trimmed)
        for tag in ["indexes", "u64values"] where remaining.hasPrefix("<" + tag) {
            guard let open = remaining.firstIndex(of: ">") else { continue }
            let body = remaining[remaining.index(after: open)...]
            let content = body.prefix { $0 != "<" }
            let words = content.split(separator: " ").map(String.init)
            if tag == "indexes" { indexes += words } else { values += words.compactMap { UInt64($0) } }
        }
    }
    return result
}
