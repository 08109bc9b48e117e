import Fabric
import Topology

extension MatrixReport {
    /// The lines p2pBandwidthLatencyTest prints before its matrices: one per device (name, PCI
    /// bus, device and domain numbers in hexadecimal, as the sample's printf does), then whether
    /// each device can access each other peer-to-peer.
    ///
    /// Source: cuda-samples, Samples/5_Domain_Specific/p2pBandwidthLatencyTest (the `Device: %d,
    /// %s, pciBusID: %x, pciDeviceID: %x, pciDomainID:%x` and `Device=%d %s Access Peer
    /// Device=%d` lines and the note that follows them).
    public static func preamble(machine: EnumeratedMachine, devices: [String], connectivity: [[Int]]) -> String {
        let topology = machine.topology
        var out = "[P2P (Peer-to-Peer) GPU Bandwidth Latency Test]\n"
        for (index, id) in devices.enumerated() {
            guard let node = topology.nodeIndex(of: id) else { continue }
            let address = machine.nodes[node].address
            let name = topology.nodes[node].endpoint?.label ?? id
            out +=
                "Device: \(index), \(name) (\(id)), pciBusID: \(String(address.bus, radix: 16)), pciDeviceID: \(String(address.device, radix: 16)), pciDomainID:\(String(address.segment, radix: 16))\n"
        }
        for i in devices.indices {
            for j in devices.indices where i != j && i < connectivity.count && j < connectivity[i].count {
                out += "Device=\(i) \(connectivity[i][j] == 1 ? "CAN" : "CANNOT") Access Peer Device=\(j)\n"
            }
        }
        out +=
            "\n***NOTE: In case a device doesn't have P2P access to other one, it falls back to normal memcopy procedure.\n"
        out += "So you can see lesser Bandwidth (GB/s) and unstable Latency (us) in those cases.\n"
        return out
    }

    /// The four bandwidth matrices as heat maps: P2P and bounce, one way and both ways; titles
    /// start with `prefix`.
    public func heatMaps(prefix: String = "") -> [SVGHeatMap] {
        let reads = p2pReads == true
        // One colour scale for the four, so that the bounce looks as slow as it is beside P2P.
        let all = [
            unidirectional.p2pEnabled, unidirectional.p2pDisabled, bidirectional.p2pEnabled, bidirectional.p2pDisabled,
        ]
        let scale = all.map(SVGHeatMap.largestOffDiagonal).max()
        return [
            SVGHeatMap.numeric(
                title: prefix + "One way, P2P enabled (\(reads ? "P2P reads" : "P2P writes")), GB/s",
                id: "bandwidth-p2p-one-way", devices: devices, values: unidirectional.p2pEnabled, unit: "GB/s",
                scale: scale),
            SVGHeatMap.numeric(
                title: prefix + "One way, P2P disabled (bounce), GB/s", id: "bandwidth-bounce-one-way",
                devices: devices, values: unidirectional.p2pDisabled, unit: "GB/s", scale: scale),
            SVGHeatMap.numeric(
                title: prefix + "Both ways, P2P enabled (sum), GB/s", id: "bandwidth-p2p-both-ways", devices: devices,
                values: bidirectional.p2pEnabled, unit: "GB/s", scale: scale),
            SVGHeatMap.numeric(
                title: prefix + "Both ways, P2P disabled (bounce, sum), GB/s", id: "bandwidth-bounce-both-ways",
                devices: devices, values: bidirectional.p2pDisabled, unit: "GB/s", scale: scale),
        ]
    }

    /// The four heat maps in one SVG, one below the other (`p2psim matrix --format svg`).
    public func svg() -> String { SVGHeatMap.stacked(heatMaps(prefix: topology + ": "), id: "matrix") }
}
