import CLibXML2

/// Validates a `PendingElement` tree against a parsed schema by handing libxml2's schema
/// validator the SAX events of the tree (`xmlSchemaSAXPlug`), without building a libxml2 tree.
///
/// It only answers whether the tree is valid: any error or warning makes it say no, and the
/// loader then validates the libxml2 tree, whose messages carry the nodes' locations.
enum StreamValidation {
    /// Whether `root` is valid against `schema`, with no error or warning at all.
    static func isValid(_ root: PendingElement, against schema: xmlSchemaPtr) -> Bool {
        guard let context = xmlSchemaNewValidCtxt(schema) else { return false }
        defer { xmlSchemaFreeValidCtxt(context) }
        let problems = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        problems.initialize(to: 0)
        defer { problems.deallocate() }
        xmlSchemaSetValidStructuredErrors(
            context, { counter, _ in counter?.assumingMemoryBound(to: Int.self).pointee += 1 }, problems)
        var handler: UnsafeMutablePointer<xmlSAXHandler>?
        var userData: UnsafeMutableRawPointer?
        guard let plug = xmlSchemaSAXPlug(context, &handler, &userData) else { return false }
        guard let handler, let start = handler.pointee.startElementNs, let end = handler.pointee.endElementNs,
            let characters = handler.pointee.characters, let cdata = handler.pointee.cdataBlock
        else {
            xmlSchemaSAXUnplug(plug)
            return false
        }
        var feeder = Feeder(
            userData: userData, start: start, end: end, characters: characters, cdata: cdata)
        feeder.feed(root)
        xmlSchemaSAXUnplug(plug)
        return problems.pointee == 0 && xmlSchemaIsValid(context) == 1
    }

    /// Walks a tree and sends its events; names are libxml2's own, which outlive the walk (the
    /// validator keeps pointers to element names until their end).
    private struct Feeder {
        let userData: UnsafeMutableRawPointer?
        let start: startElementNsSAX2Func
        let end: endElementNsSAX2Func
        let characters: charactersSAXFunc
        let cdata: cdataBlockSAXFunc
        /// The attribute array handed to `start` (five pointers per attribute) and the values'
        /// bytes it points into, reused from element to element.
        var pointers: [UnsafePointer<xmlChar>?] = []
        var values: [UInt8] = []
        var ranges: [(name: UnsafePointer<xmlChar>, start: Int, end: Int)] = []

        mutating func feed(_ element: PendingElement) {
            let name = element.cName
            values.removeAll(keepingCapacity: true)
            ranges.removeAll(keepingCapacity: true)
            for (attribute, attributeName) in zip(element.attributes, element.cAttributeNames) {
                let begin = values.count
                let utf8 = attribute.value.utf8
                if utf8.contains(UInt8(ascii: "&")) {
                    // The plugged handler turns "&#38;" back into "&", as libxml2's parser
                    // escapes ampersands in the values it hands to SAX.
                    for byte in utf8 {
                        if byte == UInt8(ascii: "&") {
                            values.append(contentsOf: "&#38;".utf8)
                        } else {
                            values.append(byte)
                        }
                    }
                } else {
                    values.append(contentsOf: utf8)
                }
                ranges.append((attributeName, begin, values.count))
            }
            values.append(0)
            values.withUnsafeBufferPointer { bytes in
                guard let base = bytes.baseAddress else { return }
                pointers.removeAll(keepingCapacity: true)
                for range in ranges {
                    pointers.append(range.name)
                    pointers.append(nil)
                    pointers.append(nil)
                    pointers.append(base + range.start)
                    pointers.append(base + range.end)
                }
                pointers.withUnsafeMutableBufferPointer { array in
                    start(userData, name, nil, nil, 0, nil, Int32(ranges.count), 0, array.baseAddress)
                }
            }
            for item in element.content {
                switch item {
                case .element(let child):
                    feed(child)
                case .text(let text, let isCDATA):
                    var text = text
                    text.withUTF8 { bytes in
                        guard let base = bytes.baseAddress else { return }
                        if isCDATA {
                            cdata(userData, base, Int32(bytes.count))
                        } else {
                            characters(userData, base, Int32(bytes.count))
                        }
                    }
                }
            }
            end(userData, name, nil, nil)
        }
    }
}
