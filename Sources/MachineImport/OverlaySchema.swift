import Topology

/// The XML Schema of overlay files: what an import cannot know, set on named devices.
///
/// Its value types (ids, PCI ids, generations, widths, ACS bits, IOMMU modes, drivers) are the
/// topology schema's own definitions, copied from `TopologySchema.xsd` when the text is built.
public enum OverlaySchema {
    /// The simple types the overlay shares with the topology format.
    static let sharedTypeNames = [
        "id", "pciId", "generation", "width", "acsBits", "iommuMode", "driverP2P", "driverName", "rootComplexP2P",
    ]

    /// The `<xs:simpleType>` definitions of `sharedTypeNames`, from the topology schema (nested
    /// simple types, as in list types, are kept whole).
    static var sharedTypes: String {
        let schema = TopologySchema.xsd
        return sharedTypeNames.compactMap { name -> String? in
            guard let start = schema.range(of: "<xs:simpleType name=\"\(name)\">") else { return nil }
            var depth = 1
            var cursor = start.upperBound
            while depth > 0 {
                let open = schema.range(of: "<xs:simpleType", range: cursor..<schema.endIndex)
                guard let close = schema.range(of: "</xs:simpleType>", range: cursor..<schema.endIndex) else {
                    return nil
                }
                if let open, open.lowerBound < close.lowerBound {
                    depth += 1
                    cursor = open.upperBound
                } else {
                    depth -= 1
                    cursor = close.upperBound
                }
            }
            return "          " + String(schema[start.lowerBound..<cursor])
        }.joined(separator: "\n")
    }

    /// The schema text (XML Schema 1.0).
    public static let xsd = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
          <xs:annotation><xs:documentation>
            p2psim overlay format, version 1. See docs/topology-format.md, "Overlays".
          </xs:documentation></xs:annotation>
          <xs:simpleType name="address"><xs:annotation><xs:documentation>dddd:bb:dd.f, or dddd:bb for a root complex's root bus.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"><xs:pattern value="[0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}\.[0-7])?"/></xs:restriction>
          </xs:simpleType>
        """# + "\n" + sharedTypes + "\n" + #"""

          <xs:element name="overlay">
            <xs:complexType>
              <xs:choice minOccurs="0" maxOccurs="unbounded">
                <xs:element name="iommu">
                  <xs:complexType><xs:attribute name="mode" type="iommuMode" use="required"/></xs:complexType>
                </xs:element>
                <xs:element name="rootComplex">
                  <xs:complexType>
                    <xs:attribute name="id" type="id"/>
                    <xs:attribute name="address" type="address"/>
                    <xs:attribute name="hostBridge" type="pciId"/>
                    <xs:attribute name="iommu" type="iommuMode"/>
                    <xs:attribute name="p2p" type="rootComplexP2P"/>
                  </xs:complexType>
                </xs:element>
                <xs:element name="port">
                  <xs:complexType>
                    <xs:attribute name="id" type="id"/>
                    <xs:attribute name="address" type="address"/>
                    <xs:attribute name="acsCap" type="acsBits"/>
                    <xs:attribute name="acsCtrl" type="acsBits"/>
                    <xs:attribute name="gen" type="generation"/>
                    <xs:attribute name="width" type="width"/>
                  </xs:complexType>
                </xs:element>
                <xs:element name="endpoint">
                  <xs:complexType>
                    <xs:attribute name="id" type="id"/>
                    <xs:attribute name="address" type="address"/>
                    <xs:attribute name="driver" type="driverName"/>
                    <xs:attribute name="driverP2P" type="driverP2P"/>
                    <xs:attribute name="gen" type="generation"/>
                    <xs:attribute name="width" type="width"/>
                  </xs:complexType>
                </xs:element>
              </xs:choice>
              <xs:attribute name="version" type="xs:integer" use="required" fixed="1"/>
            </xs:complexType>
          </xs:element>
        </xs:schema>
        """#
}
