import Fabric
import Topology

/// Reads `lspci -vvvnn -D` output (pciutils' lspci.c print format) into function records.
///
/// What is read, per function: the header line (address, class `[cccc]`, name, `[vvvv:dddd]`,
/// prog-if), `Bus: primary= secondary= subordinate=`, `Region N: Memory at ... (64-bit,
/// prefetchable) [size=...]`, the Express capability line (port type), `LnkCap`/`LnkSta`
/// (speed and width), the DevCtl `MaxPayload`/`MaxReadReq` line, `ACSCap`/`ACSCtl`, the SR-IOV
/// `Total VFs`/`Number of VFs`, `Kernel driver in use`, `NUMA node` and `IOMMU group`.
struct LspciParser {
    let file: String
    private(set) var records: [PCIFunctionRecord] = []
    private(set) var diagnostics: [Diagnostic] = []
    /// Functions whose capabilities lspci could not read (`<access denied>`).
    private(set) var accessDenied: [BusAddress] = []

    init(file: String) { self.file = file }

    private mutating func error(_ line: Int, _ message: String) {
        diagnostics.append(Diagnostic(.error, at: SourceLocation(file: file, line: line, column: 1), message))
    }

    private mutating func warning(_ line: Int, _ message: String) {
        diagnostics.append(Diagnostic(.warning, at: SourceLocation(file: file, line: line, column: 1), message))
    }

    /// Parses the whole text.
    mutating func parse(_ text: String) {
        var current: PCIFunctionRecord?
        var capabilitiesSeen = false
        var capabilitiesDenied = false
        var acsSeen = false
        var acsCap: ACSBits?
        var inDevCtl = false
        func finish(_ record: inout PCIFunctionRecord?, into records: inout [PCIFunctionRecord]) {
            guard var done = record else { return }
            if let cap = acsCap {
                done.acs = .present(capability: cap, control: acsControl ?? [])
            } else if capabilitiesSeen && !capabilitiesDenied && !acsSeen {
                done.acs = .absent
            }
            records.append(done)
            record = nil
        }
        var acsControl: ACSBits?
        // Lines end with LF, or CR LF in outputs saved on Windows (one Character in Swift).
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let number = offset + 1
            let line = String(rawLine)
            if line.trimming(" \t").isEmpty { continue }
            if !line.hasPrefix(" ") && !line.hasPrefix("\t") {
                finish(&current, into: &records)
                capabilitiesSeen = false
                capabilitiesDenied = false
                acsSeen = false
                acsCap = nil
                acsControl = nil
                inDevCtl = false
                current = header(line, number: number)
                continue
            }
            guard var record = current else { continue }
            let body = String(line.trimming(" \t"))
            if body.hasPrefix("Bus: ") {
                let fields = keyValues(body.dropFirst(5))
                record.secondaryBus = fields["secondary"].flatMap { Int($0, radix: 16) }
                record.subordinateBus = fields["subordinate"].flatMap { Int($0, radix: 16) }
                record.isBridge = true
            } else if body.hasPrefix("Region "), let bar = region(body) {
                record.bars.append(bar)
            } else if body.hasPrefix("Capabilities:") {
                inDevCtl = false
                if body.contains("<access denied>") {
                    capabilitiesDenied = true
                    accessDenied.append(record.address)
                } else {
                    capabilitiesSeen = true
                }
                if body.contains("Access Control Services") { acsSeen = true }
                if let range = body.range(of: "Express (") ?? body.range(of: "Express ") {
                    record.portType = portType(String(body[range.upperBound...]))
                }
            } else if body.hasPrefix("DevCtl:") {
                inDevCtl = true
            } else if body.hasPrefix("DevSta:") || body.hasPrefix("DevCap") || body.hasPrefix("LnkCap") {
                inDevCtl = false
                if body.hasPrefix("LnkCap:") { record.maxLink = link(body) }
            } else if inDevCtl, body.contains("MaxReadReq") {
                record.maxPayload = bytes(after: "MaxPayload", in: body)
                record.maxReadRequest = bytes(after: "MaxReadReq", in: body)
            } else if body.hasPrefix("LnkSta:") {
                record.currentLink = link(body)
            } else if body.hasPrefix("ACSCap:") {
                acsCap = acsBits(body)
            } else if body.hasPrefix("ACSCtl:") {
                acsControl = acsBits(body)
            } else if body.contains("Total VFs:") {
                let fields = keyValues(body.replacingOccurrences(of: ": ", with: "=")[...])
                if let total = fields["Total VFs"].flatMap({ Int($0) }) {
                    record.sriov = (total, fields["Number of VFs"].flatMap { Int($0) } ?? 0)
                }
            } else if body.hasPrefix("Kernel driver in use:") {
                record.driver = String(body.dropFirst("Kernel driver in use:".count).trimming(" "))
            } else if body.hasPrefix("NUMA node:") {
                record.numaNode = Int(body.dropFirst("NUMA node:".count).trimming(" "))
            } else if body.hasPrefix("IOMMU group:") {
                record.iommuGroup = Int(body.dropFirst("IOMMU group:".count).trimming(" "))
            }
            current = record
        }
        finish(&current, into: &records)
    }

    /// "0000:65:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX
    /// 3090] [10de:2204] (rev a1) (prog-if 00 [VGA controller])".
    private mutating func header(_ line: String, number: Int) -> PCIFunctionRecord? {
        let location = SourceLocation(file: file, line: number, column: 1)
        guard let space = line.firstIndex(of: " "), let address = BusAddress(String(line[..<space])) else {
            error(number, "'\(line.prefix(40))' does not start with a PCI address (lspci -D prints dddd:bb:dd.f)")
            return nil
        }
        let rest = line[line.index(after: space)...]
        guard let classOpen = rest.range(of: " ["), let colon = rest.range(of: "]: "),
            classOpen.upperBound < colon.lowerBound,
            let classValue = Int(rest[classOpen.upperBound..<colon.lowerBound], radix: 16)
        else {
            error(number, "\(address): no class code [cccc] on the header line (run lspci with -nn)")
            return nil
        }
        let description = rest[colon.upperBound...]
        // The vendor:device id is the last "[xxxx:xxxx]" of the description.
        var identity: PCIIdentity?
        var nameEnd = description.endIndex
        var search = description.startIndex
        while let open = description[search...].firstIndex(of: "[") {
            if let close = description[open...].firstIndex(of: "]") {
                let inside = String(description[description.index(after: open)..<close])
                if inside.count == 9, let id = PCIIdentity(inside.lowercased()) {
                    identity = id
                    nameEnd = open
                }
                search = description.index(after: close)
            } else {
                break
            }
        }
        guard let identity else {
            error(number, "\(address): no [vendor:device] id on the header line (run lspci with -nn)")
            return nil
        }
        var programming = 0
        if let progIf = description.range(of: "(prog-if ") {
            programming = Int(description[progIf.upperBound...].prefix(2), radix: 16) ?? 0
        }
        var record = PCIFunctionRecord(
            address: address, identity: identity, classCode: classValue << 8 | programming,
            isBridge: classValue == 0x0604, source: location)
        let name = String(description[..<nameEnd].trimming(" "))
        record.name = name.isEmpty ? nil : name
        record.isVirtualFunction = name.contains("Virtual Function")
        return record
    }

    /// "primary=00, secondary=01" or "Total VFs=8, Number of VFs=0" as a dictionary.
    private func keyValues(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { String($0.trimming(" ")) }
            if pair.count == 2 { result[pair[0]] = pair[1] }
        }
        return result
    }

    /// "Region 1: Memory at 38000000000 (64-bit, prefetchable) [size=32G]".
    private func region(_ body: String) -> BARRecord? {
        let afterRegion = body.dropFirst("Region ".count)
        guard let colon = afterRegion.firstIndex(of: ":"), let index = Int(afterRegion[..<colon]), (0...5).contains(index),
            body.contains("Memory at"), let sizeRange = body.range(of: "[size=")
        else { return nil }
        let sizeText = body[sizeRange.upperBound...].prefix { $0 != "]" }
        guard let size = Self.size(String(sizeText)) else { return nil }
        return BARRecord(
            index: index, size: size, is64Bit: body.contains("64-bit"), prefetchable: body.contains(" prefetchable"))
    }

    /// lspci's sizes: a number with K, M, G or T (powers of 1024), or bytes.
    static func size(_ text: String) -> UInt64? {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        if let last = text.last, let unit = units[last] {
            guard let value = UInt64(text.dropLast()) else { return nil }
            let (bytes, overflow) = value.multipliedReportingOverflow(by: unit)
            return overflow ? nil : bytes
        }
        return UInt64(text)
    }

    /// "Express (v2) Root Port (Slot+), MSI 00" -> root port.
    private func portType(_ text: String) -> PCIePortType? {
        let names: [(String, PCIePortType)] = [
            ("Root Port", .rootPort), ("Upstream Port", .upstreamPort), ("Downstream Port", .downstreamPort),
            ("Legacy Endpoint", .legacyEndpoint), ("Root Complex Integrated Endpoint", .integratedEndpoint),
            ("Endpoint", .endpoint), ("PCI-Express to PCI", .pcieToPCIBridge), ("PCI/PCI-X to PCI-Express", .pciToPCIeBridge),
            ("Root Complex Event Collector", .eventCollector),
        ]
        return names.first { text.contains($0.0) }?.1
    }

    /// "LnkSta: Speed 8GT/s (ok), Width x16 (ok)".
    private func link(_ body: String) -> LinkState? {
        guard let speedRange = body.range(of: "Speed "), let widthRange = body.range(of: "Width x") else { return nil }
        let speedText = body[speedRange.upperBound...].prefix { $0.isNumber || $0 == "." }
        let widthText = body[widthRange.upperBound...].prefix { $0.isNumber }
        guard let speed = Double(speedText), let generation = LinkState.generation(gigatransfers: speed),
            let width = Int(widthText), width > 0
        else { return nil }
        return LinkState(generation: generation, width: width)
    }

    /// "MaxPayload 256 bytes" -> 256.
    private func bytes(after key: String, in body: String) -> Int? {
        guard let range = body.range(of: key + " ") else { return nil }
        return Int(body[range.upperBound...].prefix { $0.isNumber })
    }

    /// "ACSCap: SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-".
    private func acsBits(_ body: String) -> ACSBits {
        let names: [(String, ACSBits)] = [
            ("SrcValid", .sourceValidation), ("TransBlk", .translationBlocking), ("ReqRedir", .requestRedirect),
            ("CmpltRedir", .completionRedirect), ("UpstreamFwd", .upstreamForwarding), ("EgressCtrl", .egressControl),
            ("DirectTrans", .directTranslated),
        ]
        var bits = ACSBits()
        for word in body.split(whereSeparator: { $0 == " " || $0 == "\t" }) where word.hasSuffix("+") {
            if let bit = names.first(where: { $0.0 == word.dropLast() }) { bits.insert(bit.1) }
        }
        return bits
    }
}

/// Reads `lspci -tv` (or `-t`) output: the bus range of every bridge and the bus of every
/// device, from the columns of the tree drawing.
struct LspciTreeParser {
    /// Bus ranges of bridges by address.
    private(set) var bridges: [BusAddress: (secondary: Int, subordinate: Int)] = [:]
    /// Every function seen.
    private(set) var functions: Set<BusAddress> = []

    mutating func parse(_ text: String) {
        var domain = 0
        // (column where a level's devices start, bus of that level), outermost first.
        var levels: [(column: Int, bus: Int)] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = Array(rawLine)
            var index = 0
            while index < line.count {
                // "[dddd:bb]" starts a root bus; "dd.f" a device, optionally "-[ss-ee]" or "-[ss]".
                if line[index] == "[", let close = line[index...].firstIndex(of: "]") {
                    let inside = String(line[(index + 1)..<close])
                    let parts = inside.split(separator: ":")
                    if parts.count == 2, parts[0].count == 4, parts[1].count == 2,
                        let domainValue = Int(parts[0], radix: 16), let bus = Int(parts[1], radix: 16) {
                        domain = domainValue
                        levels.removeAll { $0.column >= index }
                        levels.append((index, bus))
                    } else if parts.count == 1, !inside.contains("-"), levels.isEmpty, let bus = Int(inside, radix: 16) {
                        levels.append((index, bus))  // "-[00]-+-..." without a domain
                    }
                    index = close + 1
                    continue
                }
                if index + 4 <= line.count, line[index + 2] == ".", isHex(line[index]), isHex(line[index + 1]),
                    line[index + 3].isNumber, index == 0 || line[index - 1] == "-",
                    let device = Int(String(line[index...(index + 1)]), radix: 16),
                    let function = Int(String(line[index + 3])),
                    let bus = levels.last(where: { $0.column < index })?.bus
                {
                    let address = BusAddress(segment: domain, bus: bus, device: device, function: function)
                    functions.insert(address)
                    var next = index + 4
                    if next + 1 < line.count, line[next] == "-", line[next + 1] == "[",
                        let close = line[next...].firstIndex(of: "]")
                    {
                        let range = String(line[(next + 2)..<close]).split(separator: "-").compactMap { Int($0, radix: 16) }
                        if let secondary = range.first {
                            bridges[address] = (secondary, range.last ?? secondary)
                            levels.removeAll { $0.column >= index }
                            levels.append((index, secondary))
                        }
                        next = close + 1
                    }
                    // Two spaces end the drawing: the device's name follows.
                    if next + 1 < line.count, line[next] == " ", line[next + 1] == " " { break }
                    index = next
                    continue
                }
                index += 1
            }
        }
    }

    private func isHex(_ character: Character) -> Bool { character.isHexDigit && !character.isUppercase }
}
