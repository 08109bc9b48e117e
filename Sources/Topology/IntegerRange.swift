/// The values an integer attribute of a topology file may take, with what it is, for messages
/// ("a PCI device number from 0 to 31"). The schema (`TopologySchema`) carries the same ranges,
/// so `p2psim validate` and every command refuse the same files.
struct IntegerRange: CustomStringConvertible {
    /// What the number is.
    var name: String
    /// The values accepted.
    var values: ClosedRange<Int>

    var description: String { "\(name) from \(values.lowerBound) to \(values.upperBound)" }

    /// A device number: 5 bits (PCI Local Bus Specification 3.0, section 3.2.2.3.1).
    static let pciDevice = IntegerRange(name: "a PCI device number", values: 0...31)
    /// A function number: 3 bits (same section; ARI's 8-bit functions are not modelled).
    static let pciFunction = IntegerRange(name: "a PCI function number", values: 0...7)
    /// A bus number: 8 bits (same section).
    static let pciBus = IntegerRange(name: "a PCI bus number", values: 0...255)
    /// A segment (domain): 16 bits (PCI Firmware Specification 3.2, MCFG table).
    static let pciSegment = IntegerRange(name: "a PCI segment", values: 0...65_535)
    /// A CPU family or model: 16 bits, wider than x86's CPUID family (at most 0xF + 0xFF = 270,
    /// Intel SDM vol. 2A, CPUID leaf 1) so that other vendors' numbers fit.
    static let cpuFamily = IntegerRange(name: "a CPU family", values: 0...65_535)
    /// See `cpuFamily`.
    static let cpuModel = IntegerRange(name: "a CPU model", values: 0...65_535)
    /// IOTLB entries: 1 to 2^20; real IOTLBs hold tens to thousands (Intel VT-d 4.1, section
    /// 6.2; pcie-bench measured 64 on Xeon E5), so 2^20 only keeps the table allocable.
    static let iotlbEntries = IntegerRange(name: "an IOTLB entry count", values: 1...1_048_576)
    /// PCIe generations 1 to 6 (PCIe Base Specification 6.0).
    static let pcieGeneration = IntegerRange(name: "a PCIe generation", values: 1...6)
    /// Link widths up to x32 (PCIe Base Specification 6.0, section 4.2.4.11).
    static let linkWidth = IntegerRange(name: "a link width", values: 1...32)
    /// DMA copy engines: 1 to 256; an H100 has 7 copy engines (NVIDIA H100 whitepaper), the
    /// bundled files use at most 6.
    static let dmaEngines = IntegerRange(name: "a DMA engine count", values: 1...256)
    /// SR-IOV virtual functions: the 16-bit TotalVFs register (PCIe Base Specification 6.0,
    /// section 9.3.3.6).
    static let virtualFunctions = IntegerRange(name: "a virtual function count", values: 0...65_535)
    /// Outstanding read tags: up to 14-bit tags, 16,384 (PCIe Base Specification 6.0, section
    /// 2.2.6.2).
    static let tags = IntegerRange(name: "a tag count", values: 1...16_384)
    /// BAR registers 0 to 5 (PCIe Base Specification 6.0, section 7.5.1.2.1).
    static let barIndex = IntegerRange(name: "a BAR index", values: 0...5)
    /// NVSwitch generations 1 (DGX-2) to 5; the schema's NVLink generations run 1 to 5.
    static let nvswitchGeneration = IntegerRange(name: "an NVSwitch generation", values: 1...5)
    /// NVLink generations 1 (P100) to 5 (B200).
    static let nvlinkGeneration = IntegerRange(name: "an NVLink generation", values: 1...5)
    /// Links in one bundle: 1 to 64; an NVLink 5 GPU has 18 (B200 datasheet), a socket pair
    /// at most 4 UPI links.
    static let links = IntegerRange(name: "a link count", values: 1...64)
    /// XGMI lanes: 1 to 16 (AMD Infinity Fabric links are x16).
    static let xgmiLanes = IntegerRange(name: "an XGMI lane count", values: 1...16)
}

extension IntegerRange {
    /// The range the schema's pattern for `attribute` of `element` encodes, when it encodes one.
    static func patterned(attribute: String, element: String) -> IntegerRange? {
        switch (element, attribute) {
        case (_, "device"): return .pciDevice
        case (_, "function"): return .pciFunction
        case (_, "bus"): return .pciBus
        case ("rootComplex", "segment"): return .pciSegment
        case ("socket", "family"): return .cpuFamily
        case ("socket", "model"): return .cpuModel
        default: return nil
        }
    }

    /// libxml2's "[facet 'pattern'] The value 'X' is not accepted by the pattern '...'" for an
    /// attribute whose pattern encodes a range, rewritten to name the range; other messages
    /// unchanged.
    static func explainPattern(_ message: String, attribute: String, element: String) -> String {
        guard message.contains("[facet 'pattern']"), let range = patterned(attribute: attribute, element: element),
            let start = message.range(of: "The value '")
        else { return message }
        let value = message[start.upperBound...].prefix { $0 != "'" }
        return
            "<\(element)> attribute '\(attribute)': '\(value)' is out of range or not an integer: expected \(range), decimal or 0x-prefixed"
    }
}
