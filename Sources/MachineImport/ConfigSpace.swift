import Topology

/// A function's configuration space as the sysfs `config` file gives it: 64 bytes to an
/// unprivileged reader, 256 bytes (conventional) or 4096 bytes (extended) to root.
///
/// Offsets are those of the PCI Local Bus Specification 3.0 (type 0/1 headers) and the PCI
/// Express Base Specification 6.0 (capability structures, section 7.5.3; ACS 7.7.11; SR-IOV
/// 9.3.3), as Linux names them in include/uapi/linux/pci_regs.h.
struct ConfigSpace {
    let bytes: [UInt8]

    /// The first 64 bytes are the header; capabilities start at 0x40; extended capabilities at 0x100.
    static let headerSize = 64
    static let conventionalSize = 256
    static let extendedStart = 0x100

    func byte(_ offset: Int) -> Int? { offset < bytes.count ? Int(bytes[offset]) : nil }

    func word(_ offset: Int) -> Int? {
        guard offset + 1 < bytes.count else { return nil }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    func dword(_ offset: Int) -> Int? {
        guard let low = word(offset), let high = word(offset + 2) else { return nil }
        return low | high << 16
    }

    var vendor: Int? { word(0x00) }
    var device: Int? { word(0x02) }
    /// Class code (24 bits): class, subclass, programming interface (offsets 0x0b, 0x0a, 0x09).
    var classCode: Int? { dword(0x08).map { $0 >> 8 } }
    /// Header type 1 is a PCI-to-PCI bridge (bit 7 is the multi-function flag).
    var isBridge: Bool { (byte(0x0e) ?? 0) & 0x7f == 1 }
    var secondaryBus: Int? { isBridge ? byte(0x19) : nil }
    var subordinateBus: Int? { isBridge ? byte(0x1a) : nil }

    /// Whether the conventional capabilities (0x40-0xff) were readable.
    var hasConventionalCapabilities: Bool { bytes.count >= Self.conventionalSize }
    /// Whether extended configuration space (0x100-0xfff) was readable.
    var hasExtendedSpace: Bool { bytes.count > Self.extendedStart }

    /// The offset of the capability `id` in the capability list (Status bit 4 says the list
    /// exists; its head is at 0x34). Loops and short reads end the walk.
    func capability(_ id: Int) -> Int? {
        guard let status = word(0x06), status & 0x10 != 0, var pointer = byte(0x34) else { return nil }
        var visited = Set<Int>()
        while pointer >= 0x40, pointer & 3 == 0, visited.insert(pointer).inserted {
            guard let capabilityID = byte(pointer), let next = byte(pointer + 1) else { return nil }
            if capabilityID == id { return pointer }
            pointer = next
        }
        return nil
    }

    /// The offset of the extended capability `id` (headers at 0x100 on: id 15:0, version 19:16,
    /// next 31:20).
    func extendedCapability(_ id: Int) -> Int? {
        guard hasExtendedSpace else { return nil }
        var offset = Self.extendedStart
        var visited = Set<Int>()
        while offset >= Self.extendedStart, visited.insert(offset).inserted {
            guard let header = dword(offset), header != 0, header != 0xffff_ffff else { return nil }
            if header & 0xffff == id { return offset }
            offset = (header >> 20) & 0xffc
        }
        return nil
    }

    /// The PCI Express capability (id 0x10).
    var pcieCapability: Int? { capability(0x10) }

    /// Device/port type (PCI Express Capabilities Register bits 7:4).
    var portType: PCIePortType? {
        guard let cap = pcieCapability, let flags = word(cap + 2) else { return nil }
        return PCIePortType(rawValue: (flags >> 4) & 0xf)
    }

    /// Link Capabilities (cap + 0x0c): Max Link Speed 3:0, Maximum Link Width 9:4.
    var linkCapability: LinkState? {
        guard let cap = pcieCapability, let value = dword(cap + 0x0c) else { return nil }
        return Self.link(speed: value & 0xf, width: (value >> 4) & 0x3f)
    }

    /// Link Status (cap + 0x12): Current Link Speed 3:0, Negotiated Link Width 9:4.
    var linkStatus: LinkState? {
        guard let cap = pcieCapability, let value = word(cap + 0x12) else { return nil }
        return Self.link(speed: value & 0xf, width: (value >> 4) & 0x3f)
    }

    /// Device Control (cap + 0x08): Max_Payload_Size 7:5 and Max_Read_Request_Size 14:12, each
    /// 128 << value bytes.
    var payloadAndReadRequest: (mps: Int, mrrs: Int)? {
        guard let cap = pcieCapability, let value = word(cap + 0x08) else { return nil }
        return (128 << ((value >> 5) & 7), 128 << ((value >> 12) & 7))
    }

    /// The ACS extended capability (id 0x000d): capability at +4, control at +6.
    var acs: ACSReading {
        guard hasExtendedSpace else { return .unreadable }
        guard let offset = extendedCapability(0x000d), let capability = word(offset + 4),
            let control = word(offset + 6)
        else { return .absent }
        return .present(
            capability: ACSBits(rawValue: UInt16(capability & 0x7f)), control: ACSBits(rawValue: UInt16(control & 0x7f)))
    }

    /// The SR-IOV extended capability (id 0x0010): TotalVFs at +0x0e, NumVFs at +0x10.
    var sriov: (total: Int, enabled: Int)? {
        guard let offset = extendedCapability(0x0010), let total = word(offset + 0x0e), let enabled = word(offset + 0x10)
        else { return nil }
        return (total, enabled)
    }

    /// A link from Link Capabilities/Status fields: speed codes 1-6 are 2.5-64 GT/s (the
    /// Supported Link Speeds vector positions); width 0 means the link is down.
    static func link(speed: Int, width: Int) -> LinkState? {
        guard (1...6).contains(speed), width > 0 else { return nil }
        return LinkState(generation: speed, width: width)
    }
}
