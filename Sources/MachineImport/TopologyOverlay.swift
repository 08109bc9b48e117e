import CLibXML2
import Fabric
import Topology
import Units

/// An overlay: a small XML file (schema `OverlaySchema`) that sets what an import cannot know
/// — ACS, IOMMU mode, host bridge, drivers, link speeds — on named devices of a topology.
///
/// Devices are named by `id` (`gpu0`, `rc0`, a port id) or by `address` (`0000:4e:00.0`; a root
/// complex by `0000:48`, its segment and root bus), as enumeration gives them.
public enum TopologyOverlay {
    /// One change: the element with `targetId`, the attributes to set, and for root complexes
    /// an IOMMU mode.
    struct Edit {
        var targetId: String?
        var allRootComplexes = false
        var attributes: [(String, String)] = []
        var iommu: String?
    }

    /// Applies the overlay `overlayText` (the content of `overlayFile`) to the topology
    /// `topologyText` (the content of `topologyFile`), returning the new topology text.
    ///
    /// - Throws: `TopologyLoadError` for an overlay that does not validate, names no device of
    ///   the topology, or a topology that does not load; each with file:line:column.
    public static func apply(
        overlayText: String, overlayFile: String, to topologyText: String, topologyFile: String
    ) throws(TopologyLoadError) -> String {
        let overlay = XMLReader.read(text: overlayText, file: overlayFile, schema: OverlaySchema.xsd, sources: SourceTexts())
        guard let root = overlay.root else { throw TopologyLoadError(diagnostics: overlay.diagnostics) }
        let topology = try TopologyLoader.load(text: topologyText, file: topologyFile)
        let machine: EnumeratedMachine
        do {
            machine = try EnumeratedMachine(topology)
        } catch {
            throw TopologyLoadError(diagnostics: [Diagnostic(.error, at: error.location, error.message)])
        }
        var byAddress: [String: String] = [:]
        for (index, node) in topology.nodes.enumerated() {
            byAddress[machine.nodes[index].address.description] = node.id
        }
        for (index, complex) in topology.rootComplexes.enumerated() {
            byAddress[hexadecimal(complex.segment, digits: 4) + ":" + hexadecimal(machine.rootBuses[index], digits: 2)] =
                complex.id
        }
        var edits: [Edit] = []
        var diagnostics: [Diagnostic] = []
        for element in root.children {
            var edit = Edit()
            if element.name == "iommu" {
                edit.allRootComplexes = true
                edit.iommu = element.attribute("mode")
                edits.append(edit)
                continue
            }
            let kinds: [PCINodeKind]
            switch element.name {
            case "port": kinds = [.rootPort, .switchDownstreamPort]
            case "endpoint": kinds = [.endpoint]
            default: kinds = []
            }
            var target: String?
            if let id = element.attribute("id") {
                target = id
            } else if let address = element.attribute("address") {
                target = byAddress[address.lowercased()]
                if target == nil {
                    diagnostics.append(
                        Diagnostic(.error, at: element.location, "no device of the topology is at \(address)"))
                    continue
                }
            } else {
                diagnostics.append(Diagnostic(.error, at: element.location, "<\(element.name)> needs an 'id' or an 'address'"))
                continue
            }
            guard let target else { continue }
            let isComplex = element.name == "rootComplex"
            let found =
                isComplex
                ? topology.rootComplexes.contains { $0.id == target }
                : topology.nodes.contains { $0.id == target && kinds.contains($0.kind) }
            guard found else {
                let what = isComplex ? "root complex" : (element.name == "port" ? "root or downstream port" : "endpoint")
                diagnostics.append(Diagnostic(.error, at: element.location, "the topology has no \(what) '\(target)'"))
                continue
            }
            edit.targetId = target
            for (name, value) in element.attributes where !["id", "address", "iommu"].contains(name) {
                edit.attributes.append((name, value))
            }
            edit.iommu = element.attribute("iommu")
            edits.append(edit)
        }
        if !diagnostics.isEmpty { throw TopologyLoadError(diagnostics: diagnostics) }
        var output: String?
        let result = XMLReader.read(text: topologyText, file: topologyFile, schema: nil, sources: SourceTexts()) {
            node, _, _ in
            apply(edits, below: node)
            output = serialize(node)
        }
        guard let output, result.root != nil else { throw TopologyLoadError(diagnostics: result.diagnostics) }
        return output
    }

    private static func name(_ node: UnsafeMutablePointer<xmlNode>) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    private static func attribute(_ node: UnsafeMutablePointer<xmlNode>, _ key: String) -> String? {
        guard let value = xmlGetProp(node, key) else { return nil }
        defer { p2psim_xmlFree(value) }
        return String(cString: value)
    }

    /// Sets the edits' attributes on the elements with their ids, depth first.
    private static func apply(_ edits: [Edit], below node: UnsafeMutablePointer<xmlNode>) {
        var child = node.pointee.children
        if node.pointee.type == XML_ELEMENT_NODE {
            let id = attribute(node, "id")
            for edit in edits {
                let isComplex = name(node) == "rootComplex"
                guard (edit.allRootComplexes && isComplex) || (edit.targetId != nil && edit.targetId == id) else {
                    continue
                }
                for (key, value) in edit.attributes { xmlSetProp(node, key, value) }
                if let mode = edit.iommu, isComplex { setIOMMU(mode, on: node) }
            }
        }
        while let current = child {
            child = current.pointee.next
            if current.pointee.type == XML_ELEMENT_NODE { apply(edits, below: current) }
        }
    }

    /// Sets the mode of a root complex's `<iommu>`, adding one as its first child if it has none.
    private static func setIOMMU(_ mode: String, on complex: UnsafeMutablePointer<xmlNode>) {
        var child = complex.pointee.children
        var firstElement: UnsafeMutablePointer<xmlNode>?
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                if name(current) == "iommu" {
                    xmlSetProp(current, "mode", mode)
                    return
                }
                if firstElement == nil { firstElement = current }
            }
            child = current.pointee.next
        }
        guard let iommu = xmlNewNode(nil, "iommu") else { return }
        xmlSetProp(iommu, "mode", mode)
        if let firstElement {
            xmlAddPrevSibling(firstElement, iommu)
        } else {
            xmlAddChild(complex, iommu)
        }
    }

    /// The whole document of `node` as text.
    private static func serialize(_ node: UnsafeMutablePointer<xmlNode>) -> String? {
        guard let document = node.pointee.doc else { return nil }
        var buffer: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        xmlDocDumpMemory(document, &buffer, &size)
        guard let buffer else { return nil }
        defer { p2psim_xmlFree(buffer) }
        return String(cString: buffer)
    }
}
