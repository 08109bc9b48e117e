import Topology

/// Choices an hwloc file cannot make: what the user tells the importer.
public struct HwlocImportOptions: Sendable, Hashable {
    /// The IOMMU mode to write on every root complex; nil leaves the IOMMU off (hwloc does not
    /// record it).
    public var iommu: IOMMUSpec.Mode?
    /// Whether to enable ACS P2P Request and Completion Redirect on every switch downstream port.
    public var acsRedirect: Bool

    /// How GPUs are numbered.
    public var gpuOrder: GPUOrder

    /// Creates options; the defaults are IOMMU off, no ACS redirect, GPUs in PCI bus order.
    public init(iommu: IOMMUSpec.Mode? = nil, acsRedirect: Bool = false, gpuOrder: GPUOrder = .pciBus) {
        self.iommu = iommu
        self.acsRedirect = acsRedirect
        self.gpuOrder = gpuOrder
    }
}

/// How an import numbers GPUs `gpu0`, `gpu1`...
public enum GPUOrder: String, Sendable, Hashable, CaseIterable {
    /// PCI bus order (domain, bus, device, function): nvidia-smi, rocm-smi, and CUDA with
    /// CUDA_DEVICE_ORDER=PCI_BUS_ID.
    case pciBus = "pci"
    /// The vendor tool's order as hwloc recorded it: the index of each GPU's `cudaN` OS device
    /// (CUDA's enumeration when lstopo ran, FASTEST_FIRST unless CUDA_DEVICE_ORDER said
    /// otherwise), else `rsmiN` (ROCm SMI), else `nvmlN`.
    case vendor
}

/// The result of an import: the p2psim topology text, the assumptions made, the oddities seen.
public struct HwlocImportResult: Sendable {
    /// The p2psim topology XML, deterministic for a given input and options.
    public var xml: String
    /// Every assumption the import made, one sentence each (also in a comment atop `xml`).
    public var notes: [String]
    /// Oddities of the hwloc file, with where they are.
    public var warnings: [Diagnostic]
}

/// Imports hwloc topologies (`lstopo --of xml`, hwloc 1.x, 2.x and 3.0) into p2psim's format.
public enum HwlocImporter {
    /// Whether `text` is an hwloc XML file: a `<topology>` root whose children are `<object>`
    /// elements, or that carries hwloc's `version` "2.0" or "3.0".
    public static func isHwloc(text: String, file: String) -> Bool {
        let result = XMLReader.read(text: text, file: file, schema: nil, sources: SourceTexts())
        guard let root = result.root, root.name == "topology" else { return false }
        if let version = root.attribute("version"), version == "2.0" || version == "3.0" { return true }
        return root.children.contains { $0.name == "object" }
    }

    /// Converts the hwloc XML `text` (the content of `file`) to p2psim topology XML.
    ///
    /// - Throws: `TopologyLoadError` when the file is not XML or lacks what an hwloc file must
    ///   have; each diagnostic names file:line:column.
    public static func importTopology(
        text: String, file: String, options: HwlocImportOptions = HwlocImportOptions()
    ) throws(TopologyLoadError) -> HwlocImportResult {
        let result = XMLReader.read(text: text, file: file, schema: nil, sources: SourceTexts())
        guard let root = result.root else { throw TopologyLoadError(diagnostics: result.diagnostics) }
        guard root.name == "topology" else {
            throw TopologyLoadError(diagnostics: [
                Diagnostic(.error, at: root.location, "the root element is <\(root.name)>, not hwloc's <topology>")
            ])
        }
        var converter = HwlocConverter(file: file, options: options)
        converter.distanceTexts = scanDistanceTexts(text)
        converter.convert(root)
        let diagnostics = result.diagnostics + converter.diagnostics
        if diagnostics.contains(where: { $0.severity == .error }) {
            throw TopologyLoadError(diagnostics: diagnostics)
        }
        return HwlocImportResult(xml: converter.output(), notes: converter.notes, warnings: diagnostics)
    }

    /// Imports the hwloc file and loads the result with the normal loader, so that the same
    /// schema and checks apply.
    ///
    /// The import's warnings and a summary of its assumptions are added to the topology's
    /// warnings.
    ///
    /// - Throws: `TopologyLoadError` from the import or from loading its output.
    public static func load(
        text: String, file: String, options: HwlocImportOptions = HwlocImportOptions()
    ) throws(TopologyLoadError) -> Topology {
        let imported = try importTopology(text: text, file: file, options: options)
        var topology = try TopologyLoader.load(text: imported.xml, file: file + " (imported from hwloc)")
        topology.sourceFile = file
        var warnings = imported.warnings
        warnings.append(
            Diagnostic(
                .warning, at: SourceLocation(file: file, line: 1),
                "imported from hwloc with \(imported.notes.count) assumption(s); `p2psim import hwloc \(file)` lists them"
            ))
        topology.warnings = warnings + topology.warnings
        return topology
    }
}
