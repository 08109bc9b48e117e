import Fabric
import Topology
import Units

extension BusAddress {
    /// Reads `dddd:bb:dd.f` (or `bb:dd.f`, domain 0) in hexadecimal, as `lspci -D` and sysfs
    /// print it.
    public init?(_ text: String) {
        var parts = text.split(separator: ":").map(String.init)
        if parts.count == 2 { parts.insert("0000", at: 0) }
        guard parts.count == 3, let segment = Int(parts[0], radix: 16), let bus = Int(parts[1], radix: 16) else {
            return nil
        }
        let devfn = parts[2].split(separator: ".")
        guard devfn.count == 2, let device = Int(devfn[0], radix: 16), let function = Int(devfn[1], radix: 16),
            (0...0xffff).contains(segment), (0...255).contains(bus), (0...31).contains(device),
            (0...7).contains(function)
        else { return nil }
        self.init(segment: segment, bus: bus, device: device, function: function)
    }
}

/// The PCI Express Device/Port Type of a function (PCI Express Base Specification 6.0,
/// section 7.5.3.2, PCI Express Capabilities Register bits 7:4).
public enum PCIePortType: Int, Sendable {
    case endpoint = 0
    case legacyEndpoint = 1
    case rootPort = 4
    case upstreamPort = 5
    case downstreamPort = 6
    case pcieToPCIBridge = 7
    case pciToPCIeBridge = 8
    case integratedEndpoint = 9
    case eventCollector = 10
}

/// A link's speed and width; speed as the PCIe generation (1 = 2.5 GT/s ... 6 = 64 GT/s).
public struct LinkState: Hashable, Sendable, CustomStringConvertible {
    /// The generation, 1 to 6.
    public var generation: Int
    /// The number of lanes.
    public var width: Int

    /// Creates a link state.
    public init(generation: Int, width: Int) {
        self.generation = generation
        self.width = width
    }

    /// The generation of a transfer rate in GT/s (PCIe Base Specification: 2.5, 5, 8, 16, 32,
    /// 64 GT/s for generations 1 to 6).
    public static func generation(gigatransfers: Double) -> Int? {
        let rates: [(Double, Int)] = [(2.5, 1), (5, 2), (8, 3), (16, 4), (32, 5), (64, 6)]
        return rates.first { abs($0.0 - gigatransfers) < 0.01 }?.1
    }

    /// The transfer rate of `generation` as sysfs and lspci print it ("16GT/s").
    public static func rateText(_ generation: Int) -> String {
        ["?", "2.5", "5", "8", "16", "32", "64"][max(0, min(6, generation))] + " GT/s"
    }

    public var description: String { "\(Self.rateText(generation)) x\(width)" }
}

/// A memory BAR as the kernel assigned it.
public struct BARRecord: Hashable, Sendable {
    /// The BAR index, 0 to 5.
    public var index: Int
    /// Its size in bytes.
    public var size: UInt64
    /// Whether it is a 64-bit BAR.
    public var is64Bit: Bool
    /// Whether it is prefetchable.
    public var prefetchable: Bool
}

/// What could be read of a function's ACS capability.
public enum ACSReading: Hashable, Sendable {
    /// The capability was read: its capability and control registers.
    case present(capability: ACSBits, control: ACSBits)
    /// Extended configuration space was read and holds no ACS capability.
    case absent
    /// Extended configuration space could not be read (not root, or lspci showed no capabilities).
    case unreadable
}

/// One PCI function of a real machine as sysfs or lspci shows it.
public struct PCIFunctionRecord: Sendable {
    /// Where it is.
    public var address: BusAddress
    /// Vendor and device ids.
    public var identity: PCIIdentity
    /// The 24-bit class code (class, subclass, programming interface).
    public var classCode: Int
    /// A readable name (lspci's), if known.
    public var name: String?
    /// Whether it is a bridge (header type 1).
    public var isBridge: Bool
    /// The bridge's secondary and subordinate bus numbers.
    public var secondaryBus: Int?
    public var subordinateBus: Int?
    /// The PCI Express port type, when the PCIe capability was read.
    public var portType: PCIePortType?
    /// What the link supports (Link Capabilities; sysfs `max_link_*`).
    public var maxLink: LinkState?
    /// What the link runs at now (Link Status; sysfs `current_link_*`).
    public var currentLink: LinkState?
    /// Max Payload Size and Max Read Request Size in use (Device Control), in bytes.
    public var maxPayload: Int?
    public var maxReadRequest: Int?
    /// The ACS capability.
    public var acs: ACSReading = .unreadable
    /// SR-IOV: total and enabled VFs.
    public var sriov: (total: Int, enabled: Int)?
    /// Memory BARs.
    public var bars: [BARRecord] = []
    /// The NUMA node (sysfs `numa_node`; -1 or nil when unknown).
    public var numaNode: Int?
    /// The bound driver's name.
    public var driver: String?
    /// The IOMMU group number and the group's type (`identity`, `DMA`, `DMA-FQ`).
    public var iommuGroup: Int?
    public var iommuGroupType: String?
    /// Whether it is an SR-IOV virtual function.
    public var isVirtualFunction = false
    /// Where the record came from (file:line), for diagnostics.
    public var source: SourceLocation

    /// Creates a record with what every source gives.
    public init(
        address: BusAddress, identity: PCIIdentity, classCode: Int, isBridge: Bool, source: SourceLocation
    ) {
        self.address = address
        self.identity = identity
        self.classCode = classCode
        self.isBridge = isBridge
        self.source = source
    }
}

/// What the kernel and the CPUs say, besides the PCI functions.
public struct KernelFacts: Sendable {
    /// The kernel command line, if read.
    public var commandLine: String?
    /// Ports named in `pci=disable_acs_redir=` (addresses, or `pci:vvvv:dddd` ids).
    public var disableACSRedirect: [String] = []
    /// Whether `iommu=pt` (or `intel_iommu=`/`amd_iommu=` passthrough) is on the command line.
    public var iommuPassthrough = false
    /// Whether the IOMMU was switched off on the command line (`intel_iommu=off`, `amd_iommu=off`, `iommu=off`).
    public var iommuOff = false
    /// The IOMMU units under /sys/class/iommu (dmar0, ivhd0...).
    public var iommuUnits: [String] = []
    /// CPU vendor text (`GenuineIntel`), family, model and model name, from /proc/cpuinfo.
    public var cpuVendor: String?
    public var cpuFamily: Int?
    public var cpuModel: Int?
    public var cpuModelName: String?
    /// The number of CPU packages (distinct `physical id`), when known.
    public var packages: Int?
    /// Memory per NUMA node in bytes.
    public var nodeMemory: [Int: UInt64] = [:]

    /// Creates empty facts.
    public init() {}

    /// Reads `iommu=`, `intel_iommu=`, `amd_iommu=` and `pci=disable_acs_redir=` from a kernel
    /// command line (Documentation/admin-guide/kernel-parameters.txt).
    public mutating func readCommandLine(_ text: String) {
        commandLine = String(text.trimming(" \n\t"))
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let value = parts[1]
            switch parts[0] {
            case "iommu":
                if value.split(separator: ",").contains("pt") { iommuPassthrough = true }
                if value.split(separator: ",").contains("off") { iommuOff = true }
            case "intel_iommu", "amd_iommu":
                let options = value.split(separator: ",")
                if options.contains("off") { iommuOff = true }
                if options.contains("pt") { iommuPassthrough = true }
            case "pci":
                // pci=opt1,opt2; disable_acs_redir=a;b;c
                for option in value.split(separator: ",") where option.hasPrefix("disable_acs_redir=") {
                    let list = option.dropFirst("disable_acs_redir=".count)
                    disableACSRedirect += list.split(separator: ";").map(String.init)
                }
            default: break
            }
        }
    }

    /// Whether `pci=disable_acs_redir=` names the function (by address, with or without `@`
    /// and domain, or by `pci:vendor:device`).
    public func disablesACSRedirect(_ record: PCIFunctionRecord) -> Bool {
        disableACSRedirect.contains { entry in
            var text = entry
            if text.hasPrefix("@") { text.removeFirst() }
            if let address = BusAddress(text) { return address == record.address }
            if text.lowercased().hasPrefix("pci:") {
                let id = text.dropFirst(4).split(separator: ":").prefix(2).joined(separator: ":").lowercased()
                return id == record.identity.description
            }
            return false
        }
    }
}
