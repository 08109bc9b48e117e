/// The XML Schema of p2psim's native topology format, embedded so that the binary validates
/// files wherever it is installed.
///
/// `p2psim schema` prints it for editors.
///
/// Quantities are `xs:token`s here on purpose: their units are checked by the loader, which
/// reports a missing or unknown unit with its file, line and column and the units accepted.
/// `<repeat>` elements are expanded before validation, so the schema never sees them.
public enum TopologySchema {
    /// The schema text (XML Schema 1.0).
    public static let xsd = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
          <xs:annotation><xs:documentation>
            p2psim topology format, version 1. See docs/topology-format.md.
          </xs:documentation></xs:annotation>

          <!-- Simple types -->
          <xs:simpleType name="id">
            <xs:restriction base="xs:token"><xs:pattern value="[A-Za-z_][A-Za-z0-9_.\-]*"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="size"><xs:annotation><xs:documentation>A size with its unit: B, kB, MB, GB, KiB, MiB, GiB... (or a bare number of bytes), from 0 B to 1 PiB.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"/></xs:simpleType>
          <xs:simpleType name="sizeList"><xs:annotation><xs:documentation>Sizes separated by commas.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"/></xs:simpleType>
          <xs:simpleType name="rate"><xs:annotation><xs:documentation>A rate with its unit: GB/s, GiB/s, Gb/s, MB/s..., from 1 MB/s to 1 PB/s.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"/></xs:simpleType>
          <xs:simpleType name="duration"><xs:annotation><xs:documentation>A duration with its unit: ps, ns, us, ms, s, from 0 ps to 1 s.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"/></xs:simpleType>
          <xs:simpleType name="pciId"><xs:annotation><xs:documentation>PCI vendor:device in hexadecimal, such as 10de:1db1.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"><xs:pattern value="[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="integerText"><xs:annotation><xs:documentation>An integer, decimal or 0x-prefixed hexadecimal.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"><xs:pattern value="(0[xX][0-9A-Fa-f]+)|([0-9]+)"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="pciDevice"><xs:annotation><xs:documentation>A PCI device number, 0 to 31, decimal or 0x-prefixed.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"><xs:pattern value="(0[xX]0*1?[0-9A-Fa-f])|(0*([0-9]|[12][0-9]|3[01]))"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="pciFunction"><xs:annotation><xs:documentation>A PCI function number, 0 to 7.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"><xs:pattern value="(0[xX]0*[0-7])|(0*[0-7])"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="pciBus"><xs:annotation><xs:documentation>A PCI bus number, 0 to 255.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"><xs:pattern value="(0[xX]0*[0-9A-Fa-f]{1,2})|(0*([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5]))"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="integer16"><xs:annotation><xs:documentation>An integer of at most 16 bits (segment, CPU family, CPU model); the loader checks 0 to 65535.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:token"><xs:pattern value="(0[xX]0*[0-9A-Fa-f]{1,4})|(0*[0-9]{1,5})"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="count16"><xs:annotation><xs:documentation>0 to 65535 (SR-IOV virtual functions).</xs:documentation></xs:annotation>
            <xs:restriction base="xs:nonNegativeInteger"><xs:maxInclusive value="65535"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="linkCount"><xs:annotation><xs:documentation>Links in one bundle, 1 to 64.</xs:documentation></xs:annotation>
            <xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="64"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="generation">
            <xs:restriction base="xs:integer"><xs:minInclusive value="1"/><xs:maxInclusive value="6"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="width">
            <xs:restriction base="xs:integer">
              <xs:enumeration value="1"/><xs:enumeration value="2"/><xs:enumeration value="4"/>
              <xs:enumeration value="8"/><xs:enumeration value="12"/><xs:enumeration value="16"/><xs:enumeration value="32"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="acsBits"><xs:annotation><xs:documentation>ACS bits separated by spaces: SV TB RR CR UF EC DT.</xs:documentation></xs:annotation>
            <xs:list><xs:simpleType><xs:restriction base="xs:token">
              <xs:enumeration value="SV"/><xs:enumeration value="TB"/><xs:enumeration value="RR"/><xs:enumeration value="CR"/>
              <xs:enumeration value="UF"/><xs:enumeration value="EC"/><xs:enumeration value="DT"/>
            </xs:restriction></xs:simpleType></xs:list>
          </xs:simpleType>
          <xs:simpleType name="cpuVendor">
            <xs:restriction base="xs:token">
              <xs:enumeration value="intel"/><xs:enumeration value="amd"/><xs:enumeration value="ibm"/>
              <xs:enumeration value="arm"/><xs:enumeration value="other"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="rootComplexP2P">
            <xs:restriction base="xs:token">
              <xs:enumeration value="none"/><xs:enumeration value="writes"/><xs:enumeration value="readwrite"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="iommuMode">
            <xs:restriction base="xs:token">
              <xs:enumeration value="off"/><xs:enumeration value="passthrough"/><xs:enumeration value="translated"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="endpointKind">
            <xs:restriction base="xs:token">
              <xs:enumeration value="gpu"/><xs:enumeration value="nic"/><xs:enumeration value="nvme"/>
              <xs:enumeration value="accelerator"/><xs:enumeration value="nvswitch"/><xs:enumeration value="other"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="driverP2P">
            <xs:restriction base="xs:token">
              <xs:enumeration value="cuda"/><xs:enumeration value="cuda-geforce"/><xs:enumeration value="amdgpu"/>
              <xs:enumeration value="p2pdma"/><xs:enumeration value="none"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="driverName">
            <xs:restriction base="xs:token"><xs:pattern value="[A-Za-z0-9_.\-]{1,64}"/></xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="socketLinkKind">
            <xs:restriction base="xs:token">
              <xs:enumeration value="qpi"/><xs:enumeration value="upi"/><xs:enumeration value="infinity-fabric"/>
              <xs:enumeration value="xbus"/><xs:enumeration value="other"/>
            </xs:restriction>
          </xs:simpleType>

          <!-- Shared pieces -->
          <xs:complexType name="memory">
            <xs:attribute name="capacity" type="size" use="required"/>
            <xs:attribute name="bandwidth" type="rate" use="required"/>
            <xs:attribute name="latency" type="duration" use="required"/>
            <xs:attribute name="kind" type="xs:token"/>
          </xs:complexType>
          <xs:attributeGroup name="pcieLink">
            <xs:attribute name="gen" type="generation" use="required"/>
            <xs:attribute name="width" type="width" use="required"/>
          </xs:attributeGroup>
          <xs:attributeGroup name="acs">
            <xs:attribute name="acsCap" type="acsBits"/>
            <xs:attribute name="acsCtrl" type="acsBits"/>
          </xs:attributeGroup>

          <!-- The root -->
          <xs:element name="topology">
            <xs:complexType>
              <xs:choice maxOccurs="unbounded">
                <xs:element name="socket" type="socket"/>
                <xs:element name="socketLink" type="socketLink"/>
                <xs:element name="nvswitch" type="nvswitch"/>
                <xs:element name="nvlink" type="nvlink"/>
                <xs:element name="xgmi" type="xgmi"/>
                <xs:element name="software" type="software"/>
              </xs:choice>
              <xs:attribute name="name" type="xs:token" use="required"/>
              <xs:attribute name="version" type="xs:integer" use="required"/>
              <xs:attribute name="description" type="xs:string"/>
            </xs:complexType>
          </xs:element>

          <xs:complexType name="socket">
            <xs:sequence>
              <xs:element name="memory" type="memory" minOccurs="0"/>
              <xs:choice minOccurs="0" maxOccurs="unbounded">
                <xs:element name="rootComplex" type="rootComplex"/>
                <xs:element name="platformDevice" type="platformDevice"/>
              </xs:choice>
            </xs:sequence>
            <xs:attribute name="id" type="id" use="required"/>
            <xs:attribute name="vendor" type="cpuVendor" use="required"/>
            <xs:attribute name="family" type="integer16" use="required"/>
            <xs:attribute name="model" type="integer16"/>
            <xs:attribute name="label" type="xs:string"/>
          </xs:complexType>

          <xs:complexType name="rootComplex">
            <xs:sequence>
              <xs:element name="iommu" type="iommu" minOccurs="0"/>
              <xs:choice minOccurs="0" maxOccurs="unbounded">
                <xs:element name="rootPort" type="rootPort"/>
                <xs:element name="endpoint" type="endpoint"/>
              </xs:choice>
            </xs:sequence>
            <xs:attribute name="id" type="id" use="required"/>
            <xs:attribute name="hostBridge" type="pciId" use="required"/>
            <xs:attribute name="segment" type="integer16"/>
            <xs:attribute name="bus" type="pciBus"/>
            <xs:attribute name="p2p" type="rootComplexP2P" use="required"/>
            <xs:attribute name="p2pBandwidth" type="rate"/>
            <xs:attribute name="p2pLatency" type="duration"/>
            <xs:attribute name="memoryLatency" type="duration"/>
            <xs:attribute name="p2pMaxPayload" type="size"/>
          </xs:complexType>

          <xs:complexType name="iommu">
            <xs:attribute name="mode" type="iommuMode" use="required"/>
            <xs:attribute name="pageSize" type="size"/>
            <xs:attribute name="iotlbEntries">
              <xs:simpleType><xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="1048576"/></xs:restriction></xs:simpleType>
            </xs:attribute>
            <xs:attribute name="walkLatency" type="duration"/>
            <xs:attribute name="ats" type="xs:boolean"/>
          </xs:complexType>

          <xs:complexType name="rootPort">
            <xs:choice minOccurs="0" maxOccurs="unbounded">
              <xs:element name="switch" type="switch"/>
              <xs:element name="endpoint" type="endpoint"/>
            </xs:choice>
            <xs:attribute name="id" type="id" use="required"/>
            <xs:attribute name="device" type="pciDevice" use="required"/>
            <xs:attribute name="function" type="pciFunction"/>
            <xs:attribute name="pciId" type="pciId"/>
            <xs:attributeGroup ref="pcieLink"/>
            <xs:attributeGroup ref="acs"/>
          </xs:complexType>

          <xs:complexType name="switch">
            <xs:sequence>
              <xs:element name="downstreamPort" type="downstreamPort" maxOccurs="unbounded"/>
            </xs:sequence>
            <xs:attribute name="id" type="id" use="required"/>
            <xs:attribute name="pciId" type="pciId"/>
            <xs:attribute name="bus" type="pciBus"/>
            <xs:attribute name="device" type="pciDevice"/>
            <xs:attributeGroup ref="pcieLink"/>
            <xs:attribute name="latency" type="duration" use="required"/>
            <xs:attribute name="bandwidth" type="rate"/>
            <xs:attribute name="label" type="xs:string"/>
            <xs:attributeGroup ref="acs"/>
          </xs:complexType>

          <xs:complexType name="downstreamPort">
            <xs:choice minOccurs="0" maxOccurs="unbounded">
              <xs:element name="switch" type="switch"/>
              <xs:element name="endpoint" type="endpoint"/>
            </xs:choice>
            <xs:attribute name="id" type="id" use="required"/>
            <xs:attribute name="bus" type="pciBus"/>
            <xs:attribute name="device" type="pciDevice"/>
            <xs:attribute name="function" type="pciFunction"/>
            <xs:attribute name="gen" type="generation"/>
            <xs:attribute name="width" type="width"/>
            <xs:attributeGroup ref="acs"/>
          </xs:complexType>

          <xs:complexType name="endpoint">
            <xs:sequence>
              <xs:element name="bar" type="bar" minOccurs="0" maxOccurs="6"/>
              <xs:element name="memory" type="memory" minOccurs="0"/>
              <xs:element name="dma" type="dma" minOccurs="0"/>
              <xs:element name="sriov" type="sriov" minOccurs="0"/>
            </xs:sequence>
            <xs:attribute name="id" type="id" use="required"/>
            <xs:attribute name="kind" type="endpointKind" use="required"/>
            <xs:attribute name="pciId" type="pciId" use="required"/>
            <xs:attribute name="function" type="pciFunction"/>
            <xs:attribute name="device" type="pciDevice"/>
            <xs:attribute name="bus" type="pciBus"/>
            <xs:attributeGroup ref="pcieLink"/>
            <xs:attribute name="mps" type="size"/>
            <xs:attribute name="mrrs" type="size"/>
            <xs:attribute name="rcb" type="size"/>
            <xs:attribute name="tags">
              <xs:simpleType><xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="16384"/></xs:restriction></xs:simpleType>
            </xs:attribute>
            <xs:attribute name="ats" type="xs:boolean"/>
            <xs:attribute name="label" type="xs:string"/>
            <xs:attribute name="driver" type="driverName"/>
            <xs:attribute name="driverP2P" type="driverP2P"/>
            <xs:attribute name="lineRate" type="rate"/>
          </xs:complexType>

          <xs:complexType name="bar">
            <xs:attribute name="index" use="required">
              <xs:simpleType><xs:restriction base="xs:nonNegativeInteger"><xs:maxInclusive value="5"/></xs:restriction></xs:simpleType>
            </xs:attribute>
            <xs:attribute name="size" type="size" use="required"/>
            <xs:attribute name="bits" use="required">
              <xs:simpleType><xs:restriction base="xs:integer"><xs:enumeration value="32"/><xs:enumeration value="64"/></xs:restriction></xs:simpleType>
            </xs:attribute>
            <xs:attribute name="prefetchable" type="xs:boolean" use="required"/>
            <xs:attribute name="resizable" type="sizeList"/>
            <xs:attribute name="exposes" type="xs:token"/>
          </xs:complexType>

          <xs:complexType name="dma">
            <xs:attribute name="engines" use="required">
              <xs:simpleType><xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="256"/></xs:restriction></xs:simpleType>
            </xs:attribute>
            <xs:attribute name="rate" type="rate" use="required"/>
            <xs:attribute name="outstandingReads">
              <xs:simpleType><xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="16384"/></xs:restriction></xs:simpleType>
            </xs:attribute>
            <xs:attribute name="issueCost" type="duration"/>
            <xs:attribute name="writePayload" type="size"/>
          </xs:complexType>

          <xs:complexType name="sriov">
            <xs:attribute name="totalVFs" type="count16" use="required"/>
            <xs:attribute name="numVFs" type="count16" use="required"/>
          </xs:complexType>

          <xs:complexType name="platformDevice">
            <xs:attribute name="id" type="id" use="required"/>
            <xs:attribute name="kind" type="endpointKind" use="required"/>
            <xs:attribute name="label" type="xs:string"/>
          </xs:complexType>

          <xs:complexType name="socketLink">
            <xs:attribute name="a" type="id" use="required"/>
            <xs:attribute name="b" type="id" use="required"/>
            <xs:attribute name="kind" type="socketLinkKind" use="required"/>
            <xs:attribute name="links" type="linkCount" use="required"/>
            <xs:attribute name="bandwidth" type="rate" use="required"/>
            <xs:attribute name="latency" type="duration" use="required"/>
            <xs:attribute name="p2pBandwidth" type="rate"/>
          </xs:complexType>

          <xs:complexType name="nvswitch">
            <xs:attribute name="id" type="id" use="required"/>
            <xs:attribute name="generation" use="required">
              <xs:simpleType><xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="5"/></xs:restriction></xs:simpleType>
            </xs:attribute>
            <xs:attribute name="label" type="xs:string"/>
          </xs:complexType>

          <xs:complexType name="nvlink">
            <xs:attribute name="a" type="id" use="required"/>
            <xs:attribute name="b" type="id" use="required"/>
            <xs:attribute name="generation" use="required">
              <xs:simpleType><xs:restriction base="xs:integer"><xs:minInclusive value="1"/><xs:maxInclusive value="5"/></xs:restriction></xs:simpleType>
            </xs:attribute>
            <xs:attribute name="links" type="linkCount" use="required"/>
          </xs:complexType>

          <xs:complexType name="xgmi">
            <xs:attribute name="a" type="id" use="required"/>
            <xs:attribute name="b" type="id" use="required"/>
            <xs:attribute name="lanes" use="required">
              <xs:simpleType><xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="16"/></xs:restriction></xs:simpleType>
            </xs:attribute>
            <xs:attribute name="rate" type="rate" use="required"/>
            <xs:attribute name="links" type="linkCount" use="required"/>
          </xs:complexType>

          <xs:complexType name="software">
            <xs:attribute name="launch" type="duration" use="required"/>
            <xs:attribute name="completion" type="duration" use="required"/>
          </xs:complexType>
        </xs:schema>
        """#
}
