/// A generated machine with 16 GPUs, the upper end the drawing must keep readable: two sockets,
/// two root complexes each, a two-level PCIe switch tree per root complex (two GPUs and a NIC on
/// each leaf switch), and two NVSwitch fabrics of six chips, each serving eight GPUs with one
/// NVLink to every chip (the shape of a DGX-2's two baseboards).
///
/// Figures are placeholders of the right order (V100-SXM3, PEX9797, Skylake-SP); the fixture
/// tests layout, not timing.
enum SixteenGPUFixture {
    /// The fixture's name in test arguments.
    static let name = "generated-16-gpu"

    /// The topology XML.
    static var text: String {
        var lines = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<topology name=\"\(name)\" version=\"1\" description=\"16 GPUs, 12 NVSwitches in two fabrics\">",
        ]
        var gpu = 0
        var nic = 0
        for socket in 0..<2 {
            lines.append(
                "<socket id=\"cpu\(socket)\" vendor=\"intel\" family=\"6\" model=\"0x55\" label=\"Xeon Platinum 8168\">"
            )
            lines.append("<memory capacity=\"768 GiB\" bandwidth=\"128 GB/s\" latency=\"110 ns\" kind=\"DDR4\"/>")
            for complex in 0..<2 {
                let id = "\(socket)\(complex)"
                lines.append("<rootComplex id=\"rc\(socket).\(complex)\" hostBridge=\"8086:2020\" p2p=\"readwrite\">")
                lines.append("<rootPort id=\"rc\(socket).\(complex).rp0\" device=\"1\" gen=\"3\" width=\"16\">")
                lines.append(
                    "<switch id=\"plx\(id)\" pciId=\"10b5:9797\" gen=\"3\" width=\"16\" latency=\"110 ns\" label=\"PEX9797\">"
                )
                for leaf in 0..<2 {
                    lines.append("<downstreamPort id=\"plx\(id).dp\(leaf)\">")
                    lines.append(
                        "<switch id=\"plx\(id).\(leaf)\" pciId=\"10b5:9797\" gen=\"3\" width=\"16\" latency=\"110 ns\" label=\"PEX9797 leaf\">"
                    )
                    for port in 0..<2 {
                        lines.append("<downstreamPort id=\"plx\(id).\(leaf).dp\(port)\">")
                        lines.append(
                            "<endpoint id=\"gpu\(gpu)\" kind=\"gpu\" pciId=\"10de:1db8\" gen=\"3\" width=\"16\" label=\"Tesla V100-SXM3-32GB\">"
                                + "<bar index=\"1\" size=\"32 GiB\" bits=\"64\" prefetchable=\"true\" exposes=\"memory\"/>"
                                + "<memory capacity=\"32 GiB\" bandwidth=\"900 GB/s\" latency=\"500 ns\"/>"
                                + "<dma engines=\"6\" rate=\"25 GB/s\"/></endpoint>")
                        lines.append("</downstreamPort>")
                        gpu += 1
                    }
                    lines.append(
                        "<downstreamPort id=\"plx\(id).\(leaf).dp2\"><endpoint id=\"nic\(nic)\" kind=\"nic\" pciId=\"15b3:1017\" gen=\"3\" width=\"16\" label=\"ConnectX-5 EDR\"/></downstreamPort>"
                    )
                    nic += 1
                    lines.append("</switch></downstreamPort>")
                }
                lines.append("</switch></rootPort></rootComplex>")
            }
            lines.append("</socket>")
        }
        lines.append(
            "<socketLink a=\"cpu0\" b=\"cpu1\" kind=\"upi\" links=\"3\" bandwidth=\"20.8 GB/s\" latency=\"100 ns\"/>")
        for chip in 0..<12 { lines.append("<nvswitch id=\"nvswitch\(chip)\" generation=\"1\"/>") }
        for gpu in 0..<16 {
            for chip in 0..<6 {
                lines.append(
                    "<nvlink a=\"gpu\(gpu)\" b=\"nvswitch\(gpu < 8 ? chip : chip + 6)\" generation=\"2\" links=\"1\"/>")
            }
        }
        lines.append("</topology>")
        return lines.joined(separator: "\n") + "\n"
    }
}
