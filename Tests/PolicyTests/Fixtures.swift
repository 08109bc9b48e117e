import Policy

/// Small machines built in code.
///
/// Vendor/device ids are realistic but only the host-bridge ones matter.
enum Fixtures {
    static let intelClientHostBridge: (UInt16, UInt16) = (0x8086, 0x9b33)  // Comet Lake host bridge, not allowlisted
    static let skylakeEHostBridge: (UInt16, UInt16) = (0x8086, 0x2020)  // Intel Skylake-E, allowlisted
    static let xeonE5HostBridge: (UInt16, UInt16) = (0x8086, 0x3c00)  // Intel Xeon E5, REQ_SAME_HOST_BRIDGE
    static let amdHostBridge: (UInt16, UInt16) = (0x1022, 0x1480)  // AMD Starship/Matisse root complex

    /// Ids of the one-switch machine.
    struct OneSwitch {
        var topology: PCITopology
        var rootPort: Int, upstream: Int, down0: Int, down1: Int, down2: Int
        var nvme: Int, nic: Int, gpu: Int
    }

    /// 00:01.0 RP → 01:00.0 USP → 02:00.0/02:01.0/02:02.0 DSPs → 03:00.0 nvme, 04:00.0 NIC, 05:00.0 GPU.
    static func oneSwitch(
        host: (UInt16, UInt16) = intelClientHostBridge, acsDown0: ACSControl? = nil,
        acsDown1: ACSControl? = nil, acsUpstream: ACSControl? = nil, acsRootPort: ACSControl? = nil
    ) -> OneSwitch {
        var b = PCITopologyBuilder()
        let hb = b.addHostBridge(name: "pci0000:00", vendorID: host.0, deviceID: host.1)
        let rp = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb), bus: 0, device: 1, vendorID: host.0, deviceID: 0x1901,
            acs: acsRootPort, driverName: "pcieport")
        let usp = b.addFunction(
            .switchUpstreamPort, on: .bridge(rp), bus: 1, device: 0, vendorID: 0x10b5, deviceID: 0x8747,
            acs: acsUpstream, driverName: "pcieport")
        let d0 = b.addFunction(
            .switchDownstreamPort, on: .bridge(usp), bus: 2, device: 0, vendorID: 0x10b5, deviceID: 0x8747,
            acs: acsDown0, driverName: "pcieport")
        let d1 = b.addFunction(
            .switchDownstreamPort, on: .bridge(usp), bus: 2, device: 1, vendorID: 0x10b5, deviceID: 0x8747,
            acs: acsDown1, driverName: "pcieport")
        let d2 = b.addFunction(
            .switchDownstreamPort, on: .bridge(usp), bus: 2, device: 2, vendorID: 0x10b5, deviceID: 0x8747,
            driverName: "pcieport")
        let nvme = b.addFunction(
            .endpoint, on: .bridge(d0), bus: 3, device: 0, vendorID: 0x144d, deviceID: 0xa80a, driverName: "nvme")
        let nic = b.addFunction(
            .endpoint, on: .bridge(d1), bus: 4, device: 0, vendorID: 0x15b3, deviceID: 0x1017,
            driverName: "mlx5_core")
        let gpu = b.addFunction(
            .endpoint, on: .bridge(d2), bus: 5, device: 0, vendorID: 0x1002, deviceID: 0x744c, driverName: "amdgpu")
        return OneSwitch(
            topology: b.build(), rootPort: rp, upstream: usp, down0: d0, down1: d1, down2: d2, nvme: nvme, nic: nic,
            gpu: gpu)
    }

    /// Ids of the two-root-port machine.
    struct TwoRootPorts {
        var topology: PCITopology
        var rootPort1: Int, rootPort2: Int, a: Int, b: Int
    }

    /// 00:01.1 RP → 01:00.0 A and 00:01.2 RP → 02:00.0 B, both root ports with Linux's default ACS (SV|RR|CR|UF).
    static func twoRootPorts(host: (UInt16, UInt16), rootPortDevice: UInt16 = 0x1483) -> TwoRootPorts {
        var b = PCITopologyBuilder()
        let hb = b.addHostBridge(name: "pci0000:00", vendorID: host.0, deviceID: host.1)
        let rp1 = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb), bus: 0, device: 1, function: 1, vendorID: host.0,
            deviceID: rootPortDevice, acs: .linuxDefaultEnabled)
        let rp2 = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb), bus: 0, device: 1, function: 2, vendorID: host.0,
            deviceID: rootPortDevice, acs: .linuxDefaultEnabled)
        let a = b.addFunction(
            .endpoint, on: .bridge(rp1), bus: 1, device: 0, vendorID: 0x1002, deviceID: 0x744c, driverName: "amdgpu")
        let c = b.addFunction(
            .endpoint, on: .bridge(rp2), bus: 2, device: 0, vendorID: 0x1002, deviceID: 0x744c, driverName: "amdgpu")
        return TwoRootPorts(topology: b.build(), rootPort1: rp1, rootPort2: rp2, a: a, b: c)
    }

    /// Ids of the two-host-bridge machine.
    struct TwoHostBridges {
        var topology: PCITopology
        var hostBridge0: Int, hostBridge1: Int, a: Int, b: Int
    }

    /// Host bridge 0 (root bus 00) and 1 (root bus 80), each: host-bridge device at 00.0, root port 00:03.0, one NVMe.
    static func twoHostBridges(host0: (UInt16, UInt16)?, host1: (UInt16, UInt16)?, rootBus1: UInt8 = 0x80)
        -> TwoHostBridges
    {
        var b = PCITopologyBuilder()
        let hb0 = b.addHostBridge(name: "pci0000:00", rootBus: 0, vendorID: host0?.0, deviceID: host0?.1)
        let hb1 = b.addHostBridge(name: "pci0000:80", rootBus: rootBus1, vendorID: host1?.0, deviceID: host1?.1)
        let rp0 = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb0), bus: 0, device: 3, vendorID: 0x8086, deviceID: 0x3c08,
            acs: .linuxDefaultEnabled)
        let rp1 = b.addFunction(
            .rootPort, on: .rootBus(hostBridge: hb1), bus: rootBus1, device: 3, vendorID: 0x8086, deviceID: 0x3c08,
            acs: .linuxDefaultEnabled)
        let a = b.addFunction(
            .endpoint, on: .bridge(rp0), bus: 1, device: 0, vendorID: 0x144d, deviceID: 0xa80a, driverName: "nvme")
        let c = b.addFunction(
            .endpoint, on: .bridge(rp1), bus: rootBus1 &+ 1, device: 0, vendorID: 0x144d, deviceID: 0xa80a,
            driverName: "nvme")
        return TwoHostBridges(topology: b.build(), hostBridge0: hb0, hostBridge1: hb1, a: a, b: c)
    }
}
