import Fabric
import Topology

/// What `p2psim list` prints: every endpoint with its kind, PCI address, bound driver, memory
/// and name.
public struct DeviceList: Codable, Sendable, Equatable {
    /// One device.
    public struct Device: Codable, Sendable, Equatable {
        /// The user's id.
        public var id: String
        /// gpu, nic, nvme, accelerator, nvswitch or other.
        public var kind: String
        /// `ssss:bb:dd.f`.
        public var address: String
        /// vendor:device, when known.
        public var pciId: String?
        /// The trained link, when it has one.
        public var link: String?
        /// The bound kernel driver, when the file names one.
        public var driver: String?
        /// The peer-to-peer rule in force (cuda, cuda-geforce, amdgpu, p2pdma, none).
        public var driverP2P: String
        /// Device memory capacity in bytes, when it has memory.
        public var memoryBytes: UInt64?
        /// Device memory with its unit and kind.
        public var memory: String?
        /// The readable name.
        public var label: String?
    }

    /// The topology's name.
    public var topology: String
    /// The devices, in file order.
    public var devices: [Device]

    /// The devices of `machine`.
    public init(machine: EnumeratedMachine) {
        let topology = machine.topology
        let report = TopologyReport(machine: machine)
        self.topology = topology.name
        devices = topology.endpointIndices.map { index in
            let node = topology.nodes[index]
            let details = node.endpoint
            return Device(
                id: node.id, kind: details?.kind.rawValue ?? "endpoint",
                address: machine.nodes[index].address.description, pciId: node.pciIdentity?.description,
                link: report.trainedLink(of: index)?.description, driver: details?.driver,
                driverP2P: details?.effectiveDriverP2P.rawValue ?? DriverP2PPolicy.p2pdma.rawValue,
                memoryBytes: details?.memory?.capacity.bytes,
                memory: details?.memory.map {
                    [$0.capacity.description, $0.kind].compactMap { $0 }.joined(separator: " ")
                },
                label: details?.label)
        }
    }

    /// A table: id, kind, address, PCI id, link, driver, memory, name.
    public func text() -> String {
        var rows = [["device", "kind", "address", "pci id", "link", "driver", "memory", "name"]]
        for device in devices {
            rows.append([
                device.id, device.kind, device.address, device.pciId ?? "-", device.link ?? "-",
                (device.driver ?? "-") + " (\(device.driverP2P))", device.memory ?? "-", device.label ?? "-",
            ])
        }
        return "devices of '\(topology)'\n\n" + TextTable(rows: rows, alignNumbersRight: false).render()
    }

    /// JSON with sorted keys.
    public func json() throws -> String { try sortedJSON(self) }
}
