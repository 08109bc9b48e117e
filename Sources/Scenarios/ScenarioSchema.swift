/// The XML Schema of p2psim's scenario format, embedded so that the binary validates scenario
/// files wherever it is installed.
///
/// Quantities are `xs:token`s: their units are checked by the loader, which reports a missing
/// or unknown unit with file, line and column. An `<expect>` must carry a `source`; the loader
/// fills it from the nearest preceding XML comment (only `<expect>` elements in between) before
/// validation, so a comment above a group of expectations names the source of all of them.
public enum ScenarioSchema {
    /// The schema text (XML Schema 1.0).
    public static let xsd = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
          <xs:annotation><xs:documentation>
            p2psim scenario format, version 1. See docs/scenarios.md.
          </xs:documentation></xs:annotation>

          <xs:simpleType name="id">
            <xs:restriction base="xs:token"><xs:pattern value="[A-Za-z_][A-Za-z0-9_.\-]*"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="idList">
            <xs:list itemType="id"/>
          </xs:simpleType>
          <xs:simpleType name="quantity"><xs:annotation><xs:documentation>A number with its unit.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"/></xs:simpleType>
          <xs:simpleType name="path">
            <xs:restriction base="xs:token">
              <xs:enumeration value="auto"/><xs:enumeration value="p2p"/>
              <xs:enumeration value="pcie"/><xs:enumeration value="bounce"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="direction">
            <xs:restriction base="xs:token"><xs:enumeration value="push"/><xs:enumeration value="pull"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="metric">
            <xs:restriction base="xs:token">
              <xs:enumeration value="bandwidth"/><xs:enumeration value="time"/><xs:enumeration value="latency"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="aggregate">
            <xs:restriction base="xs:token">
              <xs:enumeration value="sum"/><xs:enumeration value="min"/><xs:enumeration value="max"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="mechanism">
            <xs:restriction base="xs:token">
              <xs:enumeration value="local"/><xs:enumeration value="nvlink"/><xs:enumeration value="nvswitch"/>
              <xs:enumeration value="xgmi"/><xs:enumeration value="pcie-p2p-bus-addr"/>
              <xs:enumeration value="pcie-p2p-host-bridge"/><xs:enumeration value="bounce"/>
              <xs:enumeration value="host-to-device"/><xs:enumeration value="device-to-host"/>
              <xs:enumeration value="refused"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="mapType">
            <xs:restriction base="xs:token">
              <xs:enumeration value="BUS_ADDR"/><xs:enumeration value="THRU_HOST_BRIDGE"/>
              <xs:enumeration value="NOT_SUPPORTED"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="source">
            <xs:restriction base="xs:string"><xs:minLength value="1"/></xs:restriction>
          </xs:simpleType>

          <xs:element name="scenario">
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
                <xs:element name="transfer" maxOccurs="unbounded">
                  <xs:complexType>
                    <xs:attribute name="id" type="id" use="required"/>
                    <xs:attribute name="from" type="id" use="required"/>
                    <xs:attribute name="to" type="id" use="required"/>
                    <xs:attribute name="size" type="quantity" use="required"/>
                    <xs:attribute name="path" type="path" default="auto"/>
                    <xs:attribute name="direction" type="direction" default="push"/>
                    <xs:attribute name="start" type="quantity"/>
                    <xs:attribute name="after" type="idList"/>
                    <xs:attribute name="repeat" default="1">
                      <xs:simpleType><xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="100"/></xs:restriction></xs:simpleType>
                    </xs:attribute>
                    <xs:attribute name="stagingSocket" type="id"/>
                    <xs:attribute name="dmaSize" type="quantity"/>
                    <xs:attribute name="queueDepth">
                      <xs:simpleType><xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="1048576"/></xs:restriction></xs:simpleType>
                    </xs:attribute>
                  </xs:complexType>
                </xs:element>
                <xs:element name="expect" minOccurs="0" maxOccurs="unbounded">
                  <xs:complexType>
                    <xs:attribute name="transfer" type="id"/>
                    <xs:attribute name="aggregate" type="aggregate"/>
                    <xs:attribute name="transfers" type="idList"/>
                    <xs:attribute name="p2p" type="idList"/>
                    <xs:attribute name="metric" type="metric"/>
                    <xs:attribute name="value" type="quantity"/>
                    <xs:attribute name="tolerance" type="quantity"/>
                    <xs:attribute name="mechanism" type="mechanism"/>
                    <xs:attribute name="mapType" type="mapType"/>
                    <xs:attribute name="distance" type="xs:integer"/>
                    <xs:attribute name="reasonContains" type="xs:string"/>
                    <xs:attribute name="source" type="source" use="required"/>
                    <xs:attribute name="known" type="xs:string"/>
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
