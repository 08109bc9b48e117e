import Topology

/// Writing topology XML text: what the hwloc, sysfs and lspci importers share.
public enum TopologyText {
    /// Escapes text for an XML attribute value.
    public static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Text that may stand inside an XML comment (no `--`).
    public static func commentSafe(_ text: String) -> String {
        var result = text
        while result.contains("--") { result = result.replacingOccurrences(of: "--", with: "- -") }
        return result
    }

    /// The XML declaration, a comment with `heading` and one `- note` line per note, and `lines`.
    public static func document(heading: [String], notes: [String], lines: [String]) -> String {
        document(heading: heading, sections: [(nil, notes)], lines: lines)
    }

    /// The XML declaration, a comment with `heading` then each section's title and `- item`
    /// lines (empty sections are left out), and `lines`.
    public static func document(heading: [String], sections: [(title: String?, items: [String])], lines: [String])
        -> String
    {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--\n"
        for line in heading { text += "  \(commentSafe(line))\n" }
        for section in sections where !section.items.isEmpty {
            if let title = section.title { text += "  \(commentSafe(title))\n" }
            for item in section.items { text += "  - \(commentSafe(item))\n" }
        }
        text += "-->\n"
        text += lines.joined(separator: "\n") + "\n"
        return text
    }

    /// The kind of a PCI function from its class code (24 bits), vendor:device and whether an
    /// operating-system device says it is a GPU.
    ///
    /// Classes (PCI Code and ID Assignment Specification): 0x03 display (a GPU when NVIDIA, AMD
    /// or a GPU OS device says so; BMC graphics otherwise), 0x0108 NVM Express, 0x02 network and
    /// 0x0c06 InfiniBand, 0x12 processing accelerators and 0x0b processors (AMD Instinct parts
    /// are 0x12 too: GPUs), NVSwitch ids from `DeviceKnowledge.nvswitchGenerations`. Intel QAT
    /// (0x0b40) and DLB (0x0b40) are accelerators, never GPUs.
    public static func kind(classCode: Int, pciId: String, gpuByOSDevice: Bool, networkByOSDevice: Bool = false)
        -> EndpointKind
    {
        if DeviceKnowledge.nvswitchGenerations[pciId] != nil { return .nvswitch }
        let vendor = pciId.prefix(4)
        let baseClass = classCode >> 16
        let subclass = classCode >> 8
        if baseClass == 0x03 {
            if bmcGraphics.contains(pciId) { return .other }
            return vendor == "10de" || vendor == "1002" || gpuByOSDevice ? .gpu : .other
        }
        if baseClass == 0x12 && (vendor == "1002" || DeviceKnowledge.device(pciId) != nil) { return .gpu }
        if subclass == 0x0108 { return .nvme }
        if baseClass == 0x02 || subclass == 0x0c06 || networkByOSDevice { return .nic }
        if baseClass == 0x12 || baseClass == 0x0b { return .accelerator }
        return .other
    }

    /// AMD display functions that are server management graphics, not GPUs: ES1000 (1002:515e)
    /// and Rage XL / RN50 (1002:5159), the onboard VGA of many servers (pci.ids).
    static let bmcGraphics: Set<String> = ["1002:515e", "1002:5159"]

    /// The GPU body (BARs and memory) of a known device from `DeviceKnowledge`: NVIDIA BAR0
    /// 16 MiB registers, BAR1 the memory aperture, BAR3 32 MiB; AMD BAR0 the VRAM aperture, BAR2
    /// 2 MiB doorbells, BAR5 512 KiB registers (amdgpu's BAR layout). Nil when unknown.
    public static func knownGPUBody(pciId: String) -> [String]? {
        guard let known = DeviceKnowledge.device(pciId), let aperture = known.memoryBARText,
            let memory = known.memoryAttributes
        else { return nil }
        var body: [String] = []
        if pciId.hasPrefix("1002") {
            body.append("<bar index=\"0\" size=\"\(aperture)\" bits=\"64\" prefetchable=\"true\" exposes=\"memory\"/>")
            body.append("<bar index=\"2\" size=\"2 MiB\" bits=\"64\" prefetchable=\"true\"/>")
            body.append("<bar index=\"5\" size=\"512 KiB\" bits=\"32\" prefetchable=\"false\"/>")
        } else {
            body.append("<bar index=\"0\" size=\"16 MiB\" bits=\"32\" prefetchable=\"false\"/>")
            body.append("<bar index=\"1\" size=\"\(aperture)\" bits=\"64\" prefetchable=\"true\" exposes=\"memory\"/>")
            body.append("<bar index=\"3\" size=\"32 MiB\" bits=\"64\" prefetchable=\"true\"/>")
        }
        body.append("<memory \(memory)/>")
        if let engines = DeviceKnowledge.copyEngines(pciId) { body.append(engines.element) }
        return body
    }

    /// The note that goes with `knownGPUBody`.
    public static let knownGPUNote =
        "BARs and memories of known GPUs come from p2psim's device table (BAR1 as nvidia-smi -q reports it: V100 16/32 GiB, A100 64/128 GiB, H100 128 GiB, A40/L40/L40S 64 GiB, GeForce 256 MiB without Resizable BAR; AMD Instinct: all VRAM; memory from data sheets; HBM/GDDR latency 500 ns assumed); copy engines of known NVIDIA families (count from deviceQuery, outstanding reads from docs/calibration.md)."

    /// A socket's memory element: `bytes` (64 GiB when 0) with the assumed bandwidth and latency.
    public static func socketMemoryLine(bytes: UInt64, source: String) -> String {
        let capacity = bytes == 0 ? "64 GiB" : "\(bytes) B"
        return
            "    <memory capacity=\"\(capacity)\" bandwidth=\"100 GB/s\" latency=\"90 ns\" kind=\"DRAM (\(escape(source)))\"/>"
    }

    /// The note that goes with `socketMemoryLine`.
    public static let socketMemoryNote =
        "Socket memory bandwidth and latency are not recorded: 100 GB/s and 90 ns per socket are assumed (six DDR4-2133 channels; a typical idle DRAM latency); a socket with no memory size is given 64 GiB."

    /// Links between every pair of `count` sockets, by CPU vendor and model, with the note
    /// that explains them.
    public static func socketLinks(count: Int, vendor: CPUVendor, model: Int?) -> (lines: [String], note: String?) {
        guard count > 1 else { return ([], nil) }
        let kind: String
        let bandwidth: String
        switch vendor {
        case .intel:
            if (model ?? 0) >= 0x55 {
                kind = "upi"
                bandwidth = "20.8 GB/s"
            } else {
                kind = "qpi"
                bandwidth = "16 GB/s"
            }
        case .amd:
            kind = "infinity-fabric"
            bandwidth = "32 GB/s"
        case .ibm:
            kind = "xbus"
            bandwidth = "38.4 GB/s"
        default:
            kind = "other"
            bandwidth = "20 GB/s"
        }
        var lines: [String] = []
        for a in 0..<count {
            for b in (a + 1)..<count {
                lines.append(
                    "  <socketLink a=\"cpu\(a)\" b=\"cpu\(b)\" kind=\"\(kind)\" links=\"2\" bandwidth=\"\(bandwidth)\" latency=\"100 ns\"/>"
                )
            }
        }
        let note =
            "Socket links are not recorded: every pair of sockets is joined by 2 \(kind) links of \(bandwidth) per direction (UPI 10.4 GT/s, QPI 8 GT/s, Infinity Fabric, X-Bus nominal rates) with 100 ns latency."
        return (lines, note)
    }

    /// The CPU vendor from `/proc/cpuinfo`'s `vendor_id` or hwloc's `CPUVendor`, and the model name.
    public static func cpuVendor(_ text: String?, model: String?) -> CPUVendor {
        switch text {
        case "GenuineIntel": return .intel
        case "AuthenticAMD", "HygonGenuine": return .amd
        case "IBM": return .ibm
        default:
            if let model, model.uppercased().hasPrefix("POWER") { return .ibm }
            if let text, text.uppercased().contains("ARM") { return .arm }
            return .other
        }
    }
}
