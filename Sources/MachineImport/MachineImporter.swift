import Fabric
import HwlocImport
import Topology

/// Choices an import cannot make from the machine: what the user tells the importer.
public struct MachineImportOptions: Sendable, Hashable {
    /// The IOMMU mode to write on every root complex; nil takes the kernel's.
    public var iommu: IOMMUSpec.Mode?

    /// Creates options; by default everything comes from the machine.
    public init(iommu: IOMMUSpec.Mode? = nil) {
        self.iommu = iommu
    }
}

/// An import that could not be done: every problem with where it is.
public struct MachineImportError: Error, Sendable, CustomStringConvertible {
    /// The problems.
    public var diagnostics: [Diagnostic]

    /// One problem at `location`.
    public init(location: SourceLocation, message: String) {
        diagnostics = [Diagnostic(.error, at: location, message)]
    }

    /// Several problems.
    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// The result of an import: the topology text, the assumptions made, what could not be read.
public struct MachineImportResult: Sendable {
    /// The p2psim topology XML, deterministic for a given input.
    public var xml: String
    /// Every assumption, one sentence each (also in the comment atop `xml`).
    public var notes: [String]
    /// What could not be read, one sentence each (also in the comment atop `xml`).
    public var unreadable: [String]
    /// Oddities of the machine, with where they are.
    public var warnings: [Diagnostic]
}

/// Imports a real machine from sysfs or from `lspci -vvvnn -D` output, keeping its bus addresses.
public enum MachineImporter {
    /// Imports the machine whose sysfs is below `root` (`/` for this machine).
    ///
    /// - Throws: `MachineImportError` when there is no PCI device directory or no PCI function.
    public static func importSysfs(root: String, options: MachineImportOptions = MachineImportOptions())
        throws(MachineImportError) -> MachineImportResult
    {
        var reader = SysfsReader(root: root)
        try reader.read()
        guard !reader.records.isEmpty else {
            throw MachineImportError(
                location: SourceLocation(file: root, line: 0),
                message: "no PCI devices under \(root == "/" ? "" : root)/sys/bus/pci/devices: nothing to import")
        }
        let name = root == "/" ? "this-machine" : (root.split(separator: "/").last.map(String.init) ?? "sysfs")
        return convert(
            reader.records, facts: reader.facts, unreadable: summarized(reader.unreadable), warnings: [],
            origin: "imported by p2psim import sysfs from \(root)", name: name, options: options)
    }

    /// Imports `lspci -vvvnn -D` output (`text`, from `file`), with `lspci -tv` output
    /// (`tree`) for bridges whose bus range is not printed.
    ///
    /// - Throws: `MachineImportError` with file:line for lines that cannot be read.
    public static func importLspci(
        text: String, file: String, tree: String? = nil, options: MachineImportOptions = MachineImportOptions()
    ) throws(MachineImportError) -> MachineImportResult {
        var parser = LspciParser(file: file)
        parser.parse(text)
        if parser.diagnostics.contains(where: { $0.severity == .error }) {
            throw MachineImportError(diagnostics: parser.diagnostics)
        }
        var records = parser.records
        guard !records.isEmpty else {
            throw MachineImportError(
                location: SourceLocation(file: file, line: 1), message: "no PCI function in the file (is it lspci -vvvnn -D output?)")
        }
        var unreadable: [String] = []
        if let tree {
            var treeParser = LspciTreeParser()
            treeParser.parse(tree)
            for index in records.indices where records[index].isBridge && records[index].secondaryBus == nil {
                if let range = treeParser.bridges[records[index].address] {
                    records[index].secondaryBus = range.secondary
                    records[index].subordinateBus = range.subordinate
                }
            }
        }
        for record in records where record.isBridge && record.secondaryBus == nil {
            unreadable.append("\(record.address): a bridge without a 'Bus:' line; what is below it cannot be placed (give --tree).")
        }
        if !parser.accessDenied.isEmpty {
            unreadable.append(
                "Capabilities of \(parser.accessDenied.count) function(s) were '<access denied>' (lspci run without root): their port type, MPS/MRRS, link capabilities and ACS are not read.")
        }
        var facts = KernelFacts()
        inferCPU(from: records, into: &facts, unreadable: &unreadable)
        if records.contains(where: { $0.iommuGroup != nil }) {
            facts.iommuUnits = ["(IOMMU groups listed by lspci)"]
        }
        unreadable.append(
            "lspci output does not show the kernel command line or the IOMMU mode: the IOMMU is assumed \(facts.iommuUnits.isEmpty ? "off (no IOMMU group listed)" : "translated (IOMMU groups listed)").")
        let name = file.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? "lspci"
        return convert(
            records, facts: facts, unreadable: unreadable, warnings: parser.diagnostics,
            origin: "imported by p2psim import lspci from \(file)", name: name, options: options)
    }

    /// The CPU from the root buses' vendor: Intel host bridges and root ports (8086) come with
    /// CPUID family 6 (every Intel Core and Xeon with integrated PCIe); AMD ones (1022) with a
    /// Zen CPU, family 0x17 or later, which Linux's cpu_supports_p2pdma() treats alike.
    private static func inferCPU(
        from records: [PCIFunctionRecord], into facts: inout KernelFacts, unreadable: inout [String]
    ) {
        let rootBusVendors = records.filter { record in
            !records.contains { $0.isBridge && $0.secondaryBus == record.address.bus && $0.address.segment == record.address.segment }
        }.map(\.identity.vendor)
        if rootBusVendors.contains(0x8086) {
            facts.cpuVendor = "GenuineIntel"
            facts.cpuFamily = 6
            unreadable.append(
                "lspci does not show the CPU: Intel (family 6) is assumed from the Intel host bridge on the root bus.")
        } else if rootBusVendors.contains(0x1022) {
            facts.cpuVendor = "AuthenticAMD"
            facts.cpuFamily = 0x17
            unreadable.append(
                "lspci does not show the CPU: AMD Zen (family 0x17; later Zen families decide P2P alike) is assumed from the AMD host bridge on the root bus.")
        } else {
            unreadable.append("lspci does not show the CPU: vendor 'other', family 0 is assumed.")
        }
    }

    /// The same sentence for many functions, once with their count.
    private static func summarized(_ sentences: [String]) -> [String] {
        var groups: [String: [String]] = [:]
        var order: [String] = []
        for sentence in sentences {
            guard let colon = sentence.range(of: ": "), BusAddress(String(sentence[..<colon.lowerBound])) != nil
            else {
                if groups[sentence] == nil { order.append(sentence) }
                groups[sentence, default: []].append("")
                continue
            }
            let rest = String(sentence[colon.upperBound...])
            if groups[rest] == nil { order.append(rest) }
            groups[rest, default: []].append(String(sentence[..<colon.lowerBound]))
        }
        return order.map { key in
            let addresses = groups[key, default: []].filter { !$0.isEmpty }
            return addresses.isEmpty ? key : "\(addresses.joined(separator: ", ")): \(key)"
        }
    }

    private static func convert(
        _ records: [PCIFunctionRecord], facts: KernelFacts, unreadable: [String], warnings: [Diagnostic],
        origin: String, name: String, options: MachineImportOptions
    ) -> MachineImportResult {
        var converter = MachineConverter(origin: origin, facts: facts, options: options)
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
        let body = converter.convert(records, name: safeName.isEmpty ? "machine" : safeName)
        var heading = ["\(origin.prefix(1).uppercased())\(origin.dropFirst())."]
        if let commandLine = facts.commandLine { heading.append("Kernel command line: \(commandLine)") }
        let header = TopologyText.document(
            heading: heading,
            sections: [
                ("Not readable (what was assumed instead is said here or below):", unreadable),
                ("Assumptions (override them with an overlay file or by editing this file):", converter.notes),
            ], lines: [body])
        let notes = converter.notes
        return MachineImportResult(
            xml: header, notes: notes, unreadable: unreadable, warnings: warnings + converter.warnings)
    }
}
