import Fabric
import Policy
import Topology

/// The machine as the Linux kernel's P2P DMA code sees it: `struct pci_dev`s with bus
/// addresses, upstream bridges, ACS control registers and host bridges.
///
/// Built from an enumerated topology: one host bridge per root complex (its function at
/// devfn 00.0 of the root bus unless a root port occupies it), every PCI node a function,
/// enabled SR-IOV VFs as functions named `<pf>.vf<k>`, platform devices as non-PCI clients.
public struct KernelView: Sendable {
    /// The kernel's view of the PCI tree.
    public let pci: PCITopology
    /// The kernel's P2P decision procedure over it.
    public let policy: P2PPolicy
    /// The function id of each topology node.
    public let functionOfNode: [Int]
    /// The function ids of VFs by name (`nic0.vf1`).
    public let virtualFunctions: [String: Int]
    /// The platform device ids by name.
    public let platformDevices: [String: Int]
    /// The machine.
    public let machine: EnumeratedMachine

    /// Builds the view of `machine`.
    public init(machine: EnumeratedMachine) {
        let topology = machine.topology
        var builder = PCITopologyBuilder()
        var functionOfNode = [Int](repeating: -1, count: topology.nodes.count)
        var virtualFunctions: [String: Int] = [:]
        for (index, complex) in topology.rootComplexes.enumerated() {
            let rootBus = machine.rootBuses[index]
            let occupiesDevfn0 = complex.children.contains {
                machine.nodes[$0].address.device == 0 && machine.nodes[$0].address.function == 0
            }
            builder.addHostBridge(
                name: complex.id, segment: UInt16(complex.segment), rootBus: UInt8(rootBus),
                vendorID: occupiesDevfn0 ? nil : complex.hostBridge.vendor,
                deviceID: occupiesDevfn0 ? nil : complex.hostBridge.device)
            var stack = complex.children.reversed().map { ($0, PCIAttachment.rootBus(hostBridge: index)) }
            while let (node, attachment) = stack.popLast() {
                let spec = topology.nodes[node]
                let address = machine.nodes[node].address
                let kind: PCIFunctionKind
                switch spec.kind {
                case .rootPort: kind = .rootPort
                case .switchUpstreamPort: kind = .switchUpstreamPort
                case .switchDownstreamPort: kind = .switchDownstreamPort
                case .endpoint: kind = spec.parent == nil ? .rootComplexIntegratedEndpoint : .endpoint
                }
                let hasACS = !(spec.acsCapability.isEmpty && spec.acsControl.isEmpty)
                let siblings = spec.parent.map { topology.nodes[$0].children } ?? complex.children
                let multiFunction =
                    spec.kind == .endpoint
                    && siblings.filter {
                        machine.nodes[$0].address.device == address.device && topology.nodes[$0].kind == .endpoint
                    }.count > 1
                let identity = spec.pciIdentity ?? PCIIdentity(vendor: 0xffff, device: 0xffff)
                let function = builder.addFunction(
                    kind, on: attachment, bus: UInt8(address.bus), device: UInt8(address.device),
                    function: UInt8(address.function), vendorID: identity.vendor, deviceID: identity.device,
                    acs: hasACS ? ACSControl(rawValue: spec.acsControl.rawValue) : nil, isMultiFunction: multiFunction,
                    driverName: Self.driverName(of: spec))
                functionOfNode[node] = function
                if let sriov = spec.endpoint?.sriov, sriov.numVFs > 0 {
                    // VFs follow the PF at routing-ID offset 1, stride 1 (a common First VF Offset
                    // and VF Stride; PCIe Base Specification 6.0, section 9.3.3.10-11), with ARI.
                    let pfRoutingID = address.device << 3 | address.function
                    for k in 0..<sriov.numVFs {
                        let routingID = pfRoutingID + 1 + k
                        virtualFunctions["\(spec.id).vf\(k)"] = builder.addVirtualFunction(
                            of: function, bus: UInt8(truncatingIfNeeded: address.bus + routingID / 256),
                            device: UInt8((routingID % 256) >> 3), function: UInt8(routingID & 7),
                            deviceID: identity.device)
                    }
                }
                for child in spec.children.reversed() { stack.append((child, .bridge(function))) }
            }
        }
        var platformDevices: [String: Int] = [:]
        for device in topology.platformDevices {
            platformDevices[device.id] = builder.addPlatformDevice(name: device.id, driverName: device.kind.rawValue)
        }
        let pci = builder.build()
        let socket = topology.sockets.first
        let vendor: X86Vendor
        switch socket?.vendor {
        case .intel: vendor = .intel
        case .amd: vendor = .amd
        default: vendor = .other
        }
        let isX86 = socket?.vendor == .intel || socket?.vendor == .amd
        self.pci = pci
        self.policy = P2PPolicy(
            topology: pci, platform: PlatformFacts(cpuVendor: vendor, x86Family: isX86 ? socket?.family : nil))
        self.functionOfNode = functionOfNode
        self.virtualFunctions = virtualFunctions
        self.platformDevices = platformDevices
        self.machine = machine
    }

    /// The kernel device a user's id names: a PCI node, a VF (`nic0.vf1`) or a platform device.
    public func device(named id: String) -> DeviceRef? {
        if let node = machine.topology.nodeIndex(of: id) { return .pci(functionOfNode[node]) }
        if let vf = virtualFunctions[id] { return .pci(vf) }
        if let platform = platformDevices[id] { return .platform(platform) }
        return nil
    }

    /// The user's id of a function.
    public func name(ofFunction function: Int) -> String {
        if let node = functionOfNode.firstIndex(of: function) { return machine.topology.nodes[node].id }
        if let vf = virtualFunctions.first(where: { $0.value == function }) { return vf.key }
        return pci.function(function)?.name ?? "function \(function)"
    }

    /// The kernel's decision for `provider` (whose memory is exposed) and `client` (which DMAs).
    public func decide(provider: String, client: String) -> P2PDecision? {
        guard case .pci(let providerFunction) = device(named: provider), let clientDevice = device(named: client) else {
            return nil
        }
        return policy.mapType(provider: providerFunction, client: clientDevice)
    }

    /// The name `dev_driver_string()` prints for a function: the bound driver of an endpoint
    /// (the file's `driver`), `pcieport` for root and switch ports (the port service driver
    /// binds them), nil (the bus name, `pci`) for an endpoint with no driver.
    static func driverName(of node: PCINode) -> String? {
        switch node.kind {
        case .rootPort, .switchUpstreamPort, .switchDownstreamPort: return "pcieport"
        case .endpoint: return node.endpoint?.driver
        }
    }
}
