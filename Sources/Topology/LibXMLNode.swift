import CLibXML2

/// Small readings of a libxml2 node that the loader's passes over the raw tree share
/// (XInclude, `<repeat>` expansion).
enum LibXMLNode {
    /// The element children of `node`, in document order.
    static func elementChildren(of node: UnsafeMutablePointer<xmlNode>) -> [UnsafeMutablePointer<xmlNode>] {
        var result: [UnsafeMutablePointer<xmlNode>] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    /// The value of attribute `name` without a namespace, or nil when it is absent.
    static func attribute(_ node: UnsafeMutablePointer<xmlNode>, _ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { p2psim_xmlFree(value) }
        return String(cString: value)
    }
}
