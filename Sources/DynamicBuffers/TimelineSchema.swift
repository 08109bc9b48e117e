/// The XML Schema of p2psim's timeline scenarios (root `<timeline>`), embedded so that the
/// binary validates them wherever it is installed.
///
/// Quantities are `xs:token`s whose units the loader checks (file:line:column on a bad one).
/// Declarations (buffers, attachments, regions, providers, ranges, pipelines) come before the
/// timed events, and expectations last; every `<expect>` names its source.
public enum TimelineSchema {
    /// The schema text (XML Schema 1.0).
    public static let xsd = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
          <xs:annotation><xs:documentation>
            p2psim timeline format, version 1. See docs/dynamic-buffers.md.
          </xs:documentation></xs:annotation>

          <xs:simpleType name="id">
            <xs:restriction base="xs:token"><xs:pattern value="[A-Za-z_][A-Za-z0-9_.\-]*"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="idList"><xs:list itemType="id"/></xs:simpleType>
          <xs:simpleType name="quantity"><xs:restriction base="xs:token"/></xs:simpleType>
          <xs:simpleType name="yesNo">
            <xs:restriction base="xs:token"><xs:enumeration value="yes"/><xs:enumeration value="no"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="source">
            <xs:restriction base="xs:string"><xs:minLength value="1"/></xs:restriction>
          </xs:simpleType>

          <xs:element name="timeline">
            <xs:complexType>
              <xs:sequence>
                <xs:element name="topology">
                  <xs:complexType><xs:attribute name="href" type="xs:anyURI" use="required"/></xs:complexType>
                </xs:element>
                <xs:element name="parameter" minOccurs="0" maxOccurs="unbounded">
                  <xs:complexType>
                    <xs:attribute name="name" type="id" use="required"/>
                    <xs:attribute name="value" type="xs:token" use="required"/>
                  </xs:complexType>
                </xs:element>
                <xs:element name="settings" minOccurs="0">
                  <xs:complexType>
                    <xs:attribute name="chunk" type="quantity"/>
                    <xs:attribute name="remapLatency" type="quantity"/>
                    <xs:attribute name="gpuFaultLatency" type="quantity"/>
                    <xs:attribute name="cpuFaultLatency" type="quantity"/>
                    <xs:attribute name="hmmGranule" type="quantity"/>
                    <xs:attribute name="odpFaultLatency" type="quantity"/>
                    <xs:attribute name="odpPageSize" type="quantity"/>
                    <xs:attribute name="odpPagesPerFault" type="xs:positiveInteger"/>
                    <xs:attribute name="pinCostPerPage" type="quantity"/>
                    <xs:attribute name="cpuSynchronisation" type="quantity"/>
                    <xs:attribute name="pinVRAMOnLargeBAR" type="yesNo"/>
                    <xs:attribute name="seed" type="xs:nonNegativeInteger"/>
                  </xs:complexType>
                </xs:element>
                <xs:choice minOccurs="0" maxOccurs="unbounded">
                  <xs:element name="buffer">
                    <xs:complexType>
                      <xs:attribute name="id" type="id" use="required"/>
                      <xs:attribute name="device" type="id" use="required"/>
                      <xs:attribute name="size" type="quantity" use="required"/>
                      <xs:attribute name="placement" default="vram">
                        <xs:simpleType><xs:restriction base="xs:token">
                          <xs:enumeration value="vram"/><xs:enumeration value="system"/>
                        </xs:restriction></xs:simpleType>
                      </xs:attribute>
                      <xs:attribute name="pinned" type="yesNo" default="no"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="attach">
                    <xs:complexType>
                      <xs:attribute name="id" type="id" use="required"/>
                      <xs:attribute name="buffer" type="id" use="required"/>
                      <xs:attribute name="importer" type="id" use="required"/>
                      <xs:attribute name="mode" default="dynamic">
                        <xs:simpleType><xs:restriction base="xs:token">
                          <xs:enumeration value="dynamic"/><xs:enumeration value="pinned"/>
                        </xs:restriction></xs:simpleType>
                      </xs:attribute>
                      <xs:attribute name="peer2peer" type="yesNo" default="yes"/>
                      <xs:attribute name="fences" type="yesNo"/>
                      <xs:attribute name="lineRate" type="quantity"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="region">
                    <xs:complexType>
                      <xs:attribute name="id" type="id" use="required"/>
                      <xs:attribute name="nic" type="id" use="required"/>
                      <xs:attribute name="buffer" type="id"/>
                      <xs:attribute name="size" type="quantity"/>
                      <xs:attribute name="odp" type="yesNo" default="no"/>
                      <xs:attribute name="lineRate" type="quantity"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="provider">
                    <xs:complexType>
                      <xs:attribute name="device" type="id" use="required"/>
                      <xs:attribute name="size" type="quantity"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="range">
                    <xs:complexType>
                      <xs:attribute name="id" type="id" use="required"/>
                      <xs:attribute name="device" type="id" use="required"/>
                      <xs:attribute name="size" type="quantity" use="required"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="pipeline">
                    <xs:complexType>
                      <xs:attribute name="id" type="id" use="required"/>
                      <xs:attribute name="stages" type="idList" use="required"/>
                      <xs:attribute name="size" type="quantity" use="required"/>
                      <xs:attribute name="chunk" type="quantity" use="required"/>
                      <xs:attribute name="lineRate" type="quantity"/>
                    </xs:complexType>
                  </xs:element>
                </xs:choice>
                <xs:choice minOccurs="0" maxOccurs="unbounded">
                  <xs:element name="dma">
                    <xs:complexType>
                      <xs:attribute name="at" type="quantity" use="required"/>
                      <xs:attribute name="id" type="id" use="required"/>
                      <xs:attribute name="via" type="id" use="required"/>
                      <xs:attribute name="client" type="id"/>
                      <xs:attribute name="size" type="quantity" use="required"/>
                      <xs:attribute name="access" default="read">
                        <xs:simpleType><xs:restriction base="xs:token">
                          <xs:enumeration value="read"/><xs:enumeration value="write"/>
                        </xs:restriction></xs:simpleType>
                      </xs:attribute>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="evict">
                    <xs:complexType>
                      <xs:attribute name="at" type="quantity" use="required"/>
                      <xs:attribute name="device" type="id" use="required"/>
                      <xs:attribute name="size" type="quantity" use="required"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="restore">
                    <xs:complexType>
                      <xs:attribute name="at" type="quantity" use="required"/>
                      <xs:attribute name="buffer" type="id" use="required"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="touch">
                    <xs:complexType>
                      <xs:attribute name="at" type="quantity" use="required"/>
                      <xs:attribute name="range" type="id" use="required"/>
                      <xs:attribute name="by" type="id" use="required"/>
                      <xs:attribute name="offset" type="quantity"/>
                      <xs:attribute name="size" type="quantity"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="allocate">
                    <xs:complexType>
                      <xs:attribute name="at" type="quantity" use="required"/>
                      <xs:attribute name="id" type="id" use="required"/>
                      <xs:attribute name="clients" type="idList" use="required"/>
                      <xs:attribute name="size" type="quantity" use="required"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="free">
                    <xs:complexType>
                      <xs:attribute name="at" type="quantity" use="required"/>
                      <xs:attribute name="allocation" type="id" use="required"/>
                    </xs:complexType>
                  </xs:element>
                  <xs:element name="invalidate">
                    <xs:complexType>
                      <xs:attribute name="at" type="quantity" use="required"/>
                      <xs:attribute name="region" type="id" use="required"/>
                    </xs:complexType>
                  </xs:element>
                </xs:choice>
                <xs:element name="expect" minOccurs="0" maxOccurs="unbounded">
                  <xs:complexType>
                    <xs:attribute name="check" use="required">
                      <xs:simpleType><xs:restriction base="xs:token">
                        <xs:enumeration value="count"/><xs:enumeration value="paths"/>
                        <xs:enumeration value="placement"/><xs:enumeration value="provider"/>
                        <xs:enumeration value="bandwidth"/><xs:enumeration value="faster"/>
                        <xs:enumeration value="cpu-syncs"/><xs:enumeration value="message"/>
                      </xs:restriction></xs:simpleType>
                    </xs:attribute>
                    <xs:attribute name="subject" type="id"/>
                    <xs:attribute name="kind" type="xs:token"/>
                    <xs:attribute name="value" type="xs:string" use="required"/>
                    <xs:attribute name="segment" type="xs:positiveInteger"/>
                    <xs:attribute name="tolerance" type="quantity"/>
                    <xs:attribute name="source" type="source" use="required"/>
                  </xs:complexType>
                </xs:element>
              </xs:sequence>
              <xs:attribute name="name" type="id" use="required"/>
              <xs:attribute name="version" use="required">
                <xs:simpleType><xs:restriction base="xs:integer"><xs:enumeration value="1"/></xs:restriction></xs:simpleType>
              </xs:attribute>
              <xs:attribute name="description" type="xs:string"/>
            </xs:complexType>
          </xs:element>
        </xs:schema>
        """#
}
