/// Where a new PCI function is attached.
public enum PCIAttachment: Sendable, Hashable {
    /// Directly on the root bus of a host bridge (no upstream bridge).
    case rootBus(hostBridge: Int)
    /// On the secondary bus of a bridge function.
    case bridge(Int)
}

/// Incrementally builds a ``PCITopology`` with consistent ids, segments and host bridges.
public struct PCITopologyBuilder: Sendable {
    private var hostBridges: [HostBridgeDescription] = []
    private var functions: [PCIFunctionDescription] = []
    private var platformDevices: [PlatformDeviceDescription] = []

    /// Creates an empty builder.
    public init() {}

    /// Adds a host bridge; when `vendorID`/`deviceID` are given, also adds its host-bridge function at 00.0 of the root bus.
    @discardableResult
    public mutating func addHostBridge(
        name: String, segment: UInt16 = 0, rootBus: UInt8 = 0, vendorID: UInt16? = nil, deviceID: UInt16? = nil
    ) -> Int {
        let id = hostBridges.count
        hostBridges.append(HostBridgeDescription(id: id, name: name, segment: segment, rootBus: rootBus))
        if let vendorID, let deviceID {
            addFunction(
                .hostBridge, on: .rootBus(hostBridge: id), bus: rootBus, device: 0, function: 0,
                vendorID: vendorID, deviceID: deviceID)
        }
        return id
    }

    /// Adds a PCI function and returns its id; segment and host bridge are inherited from `on`.
    @discardableResult
    public mutating func addFunction(
        _ kind: PCIFunctionKind, on attachment: PCIAttachment, bus: UInt8, device: UInt8, function: UInt8 = 0,
        vendorID: UInt16, deviceID: UInt16, acs: ACSControl? = nil, physicalFunction: Int? = nil,
        isMultiFunction: Bool = false, driverName: String? = nil, hasP2PDMA: Bool = true
    ) -> Int {
        let id = functions.count
        let hostBridgeID: Int
        let parent: Int?
        switch attachment {
        case .rootBus(let hb):
            hostBridgeID = hb
            parent = nil
        case .bridge(let b):
            hostBridgeID = functions.indices.contains(b) ? functions[b].hostBridge : -1
            parent = b
        }
        let segment = hostBridges.indices.contains(hostBridgeID) ? hostBridges[hostBridgeID].segment : 0
        functions.append(
            PCIFunctionDescription(
                id: id, address: PCIAddress(segment: segment, bus: bus, device: device, function: function),
                vendorID: vendorID, deviceID: deviceID, kind: kind, parentBridge: parent, hostBridge: hostBridgeID,
                acs: acs, physicalFunction: physicalFunction, isMultiFunction: isMultiFunction,
                driverName: driverName, hasP2PDMA: hasP2PDMA))
        return id
    }

    /// Adds an SR-IOV virtual function of `physicalFunction` at the given bus/device/function.
    @discardableResult
    public mutating func addVirtualFunction(
        of physicalFunction: Int, bus: UInt8, device: UInt8, function: UInt8, deviceID: UInt16,
        acs: ACSControl? = nil, driverName: String? = nil
    ) -> Int {
        guard functions.indices.contains(physicalFunction) else {
            return addFunction(
                .endpoint, on: .rootBus(hostBridge: -1), bus: bus, device: device, function: function,
                vendorID: 0xffff, deviceID: deviceID, physicalFunction: physicalFunction)
        }
        let pf = functions[physicalFunction]
        let attachment: PCIAttachment = pf.parentBridge.map { .bridge($0) } ?? .rootBus(hostBridge: pf.hostBridge)
        return addFunction(
            pf.kind, on: attachment, bus: bus, device: device, function: function, vendorID: pf.vendorID,
            deviceID: deviceID, acs: acs, physicalFunction: physicalFunction, driverName: driverName)
    }

    /// Adds a non-PCI device and returns its id.
    @discardableResult
    public mutating func addPlatformDevice(
        name: String, driverName: String? = nil, busName: String = "platform", parent: DeviceRef? = nil
    ) -> Int {
        let id = platformDevices.count
        platformDevices.append(
            PlatformDeviceDescription(id: id, name: name, driverName: driverName, busName: busName, parent: parent))
        return id
    }

    /// Returns the topology built so far.
    public func build() -> PCITopology {
        PCITopology(hostBridges: hostBridges, functions: functions, platformDevices: platformDevices)
    }
}
