/// Decoding a file's bytes for messages and column lookups, as libxml2 decodes them for parsing:
/// a UTF-16 byte-order mark, or an ISO-8859-1 (Latin-1) declaration, or else UTF-8.
///
/// libxml2 itself always parses the bytes (it honours the declared encoding); this text only
/// serves to find the column of an element or attribute that a diagnostic names.
enum SourceDecoding {
    /// The text of `bytes`.
    static func text(of bytes: [UInt8]) -> String {
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return utf16(bytes.dropFirst(2), bigEndian: false) }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return utf16(bytes.dropFirst(2), bigEndian: true) }
        if let encoding = declaredEncoding(bytes)?.lowercased(),
            ["iso-8859-1", "latin1", "iso_8859-1", "latin-1", "iso8859-1"].contains(encoding)
        {
            var text = ""
            text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
            return text
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The `encoding` pseudo-attribute of an XML declaration at the start of `bytes` (ASCII
    /// compatible encodings only).
    static func declaredEncoding(_ bytes: [UInt8]) -> String? {
        guard bytes.starts(with: Array("<?xml".utf8)) else { return nil }
        let head = bytes.prefix(200).prefix { $0 != UInt8(ascii: ">") }
        let text = String(decoding: head, as: UTF8.self)
        guard let key = text.range(of: "encoding") else { return nil }
        let rest = text[key.upperBound...].drop { $0 == " " || $0 == "=" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        let value = rest.dropFirst().prefix { $0 != quote }
        return String(value)
    }

    private static func utf16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            let a = UInt16(bytes[index])
            let b = UInt16(bytes[index + 1])
            units.append(bigEndian ? (a << 8 | b) : (b << 8 | a))
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}

/// Refuses entity declarations before libxml2 parses a file.
///
/// p2psim's formats need no entities, and libxml2 2.9 builds an attribute that uses an entity
/// thousands of times in quadratic time (issue 18: a 40 KB file took over 100 s to probe).
/// With no declared entity, only the five predefined ones and character references remain.
enum EntityGuard {
    /// A diagnostic at the first `<!ENTITY` of `bytes`, or nil when there is none.
    static func problem(in bytes: [UInt8], file: String) -> Diagnostic? {
        // UTF-16 or UTF-32 text (with or without a byte-order mark, which libxml2 detects
        // either way): look at its ASCII projection, without the zero bytes.
        let scanned = bytes.contains(0) ? bytes.filter { $0 != 0 } : bytes
        let needle = Array("<!ENTITY".utf8)
        guard scanned.count >= needle.count else { return nil }
        var line = 1
        var column = 1
        var index = 0
        while index + needle.count <= scanned.count {
            if scanned[index] == needle[0], scanned[index..<index + needle.count].elementsEqual(needle) {
                return Diagnostic(
                    .error, at: SourceLocation(file: file, line: line, column: column),
                    "entity declarations are not supported (entity expansion is disabled: p2psim files need none; write the text itself)"
                )
            }
            if scanned[index] == 0x0A {
                line += 1
                column = 1
            } else if scanned[index] & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return nil
    }
}
