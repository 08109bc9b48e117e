/// The role a PCI function plays in the hierarchy.
public enum PCIFunctionKind: Sendable, Hashable, CaseIterable {
    /// An ordinary PCIe endpoint below a port.
    case endpoint
    /// A root-complex integrated endpoint (sits on a root bus, no upstream bridge).
    case rootComplexIntegratedEndpoint
    /// A PCIe root port (`PCI_EXP_TYPE_ROOT_PORT`).
    case rootPort
    /// A switch upstream port.
    case switchUpstreamPort
    /// A switch downstream port.
    case switchDownstreamPort
    /// A conventional PCI-to-PCI bridge (or PCIe-to-PCI bridge).
    case pciToPCIBridge
    /// The "host bridge" function (class 0x0600) that usually sits at devfn 00.0 of a root bus.
    case hostBridge

    /// Whether the function forwards to a secondary bus (may be some device's `bus->self`).
    public var isBridge: Bool {
        switch self {
        case .rootPort, .switchUpstreamPort, .switchDownstreamPort, .pciToPCIBridge: return true
        case .endpoint, .rootComplexIntegratedEndpoint, .hostBridge: return false
        }
    }
}

/// One PCI function of the emulated machine (the input model's `struct pci_dev`).
public struct PCIFunctionDescription: Sendable, Hashable {
    /// Index of this function in ``PCITopology/functions``.
    public var id: Int
    /// Segment/bus/device/function.
    public var address: PCIAddress
    /// PCI vendor id.
    public var vendorID: UInt16
    /// PCI device id.
    public var deviceID: UInt16
    /// The function's role (endpoint, port, bridge, host bridge…).
    public var kind: PCIFunctionKind
    /// The bridge whose secondary bus holds this function (`dev->bus->self`); `nil` on a root bus.
    ///
    /// Ignored for SR-IOV VFs: `pci_upstream_bridge()` first replaces a VF by its PF (`pci_physfn()`).
    public var parentBridge: Int?
    /// Index into ``PCITopology/hostBridges`` of the host bridge above this function (`pci_find_host_bridge()`).
    public var hostBridge: Int
    /// ACS Control register, or `nil` when the function has no ACS capability (`pdev->acs_cap == 0`).
    public var acs: ACSControl?
    /// For an SR-IOV virtual function, the id of its physical function (`pdev->physfn`); `nil` otherwise.
    public var physicalFunction: Int?
    /// Whether the function belongs to a multi-function device (informational; the kernel's walk does not test it).
    public var isMultiFunction: Bool
    /// Bound driver name used as the `dev_driver_string()` prefix of messages; `nil` prints the bus name `pci`.
    public var driverName: String?
    /// Whether the function registered p2pdma state (`pdev->p2pdma`, for example via `pci_p2pdma_add_resource()`).
    public var hasP2PDMA: Bool

    /// Creates a function description.
    public init(
        id: Int, address: PCIAddress, vendorID: UInt16, deviceID: UInt16, kind: PCIFunctionKind,
        parentBridge: Int?, hostBridge: Int, acs: ACSControl? = nil, physicalFunction: Int? = nil,
        isMultiFunction: Bool = false, driverName: String? = nil, hasP2PDMA: Bool = true
    ) {
        self.id = id
        self.address = address
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.kind = kind
        self.parentBridge = parentBridge
        self.hostBridge = hostBridge
        self.acs = acs
        self.physicalFunction = physicalFunction
        self.isMultiFunction = isMultiFunction
        self.driverName = driverName
        self.hasP2PDMA = hasP2PDMA
    }

    /// Whether this is an SR-IOV virtual function (`pdev->is_virtfn`).
    public var isVirtualFunction: Bool { physicalFunction != nil }

    /// The kernel's `pci_name()`.
    public var name: String { address.name }
}

/// A PCI host bridge (`struct pci_host_bridge`) owning one root bus.
public struct HostBridgeDescription: Sendable, Hashable {
    /// Index of this host bridge in ``PCITopology/hostBridges``.
    public var id: Int
    /// A human-readable label, for example `"PCI0"` or `"pci0000:00"`.
    public var name: String
    /// Segment (domain) of the root bus.
    public var segment: UInt16
    /// Number of the root bus.
    public var rootBus: UInt8

    /// Creates a host bridge description.
    public init(id: Int, name: String, segment: UInt16 = 0, rootBus: UInt8 = 0) {
        self.id = id
        self.name = name
        self.segment = segment
        self.rootBus = rootBus
    }
}

/// A reference to any device that can be a DMA client.
public enum DeviceRef: Sendable, Hashable {
    /// A PCI function, by index into ``PCITopology/functions``.
    case pci(Int)
    /// A non-PCI (platform) device, by index into ``PCITopology/platformDevices``.
    case platform(Int)
}

/// A device that is not a PCI function (`dev_is_pci()` is false), for example a platform device.
public struct PlatformDeviceDescription: Sendable, Hashable {
    /// Index of this device in ``PCITopology/platformDevices``.
    public var id: Int
    /// The `dev_name()`, for example `"dma-engine.0"`.
    public var name: String
    /// Driver name used as message prefix; `nil` prints the bus name ``busName``.
    public var driverName: String?
    /// Bus name printed when no driver is bound (`"platform"` for platform devices).
    public var busName: String
    /// The parent device (`dev->parent`), walked by `find_parent_pci_dev()`; `nil` at the top.
    public var parent: DeviceRef?

    /// Creates a platform device description.
    public init(
        id: Int, name: String, driverName: String? = nil, busName: String = "platform", parent: DeviceRef? = nil
    ) {
        self.id = id
        self.name = name
        self.driverName = driverName
        self.busName = busName
        self.parent = parent
    }
}

/// A problem found by ``PCITopology/validate()``.
public struct TopologyIssue: Sendable, Hashable, CustomStringConvertible {
    /// Explanation of the problem.
    public var message: String

    /// Creates an issue with a message.
    public init(_ message: String) {
        self.message = message
    }

    /// Same as ``message``.
    public var description: String { message }
}

/// The whole PCI tree plus non-PCI devices; ids are indices into the arrays.
public struct PCITopology: Sendable, Hashable {
    /// Host bridges, indexed by their `id`.
    public var hostBridges: [HostBridgeDescription]
    /// PCI functions, indexed by their `id`.
    public var functions: [PCIFunctionDescription]
    /// Non-PCI devices, indexed by their `id`.
    public var platformDevices: [PlatformDeviceDescription]

    /// Creates a topology from its arrays.
    public init(
        hostBridges: [HostBridgeDescription], functions: [PCIFunctionDescription],
        platformDevices: [PlatformDeviceDescription] = []
    ) {
        self.hostBridges = hostBridges
        self.functions = functions
        self.platformDevices = platformDevices
    }

    /// The function with this id, or `nil` if out of range.
    public func function(_ id: Int) -> PCIFunctionDescription? {
        functions.indices.contains(id) ? functions[id] : nil
    }

    /// The platform device with this id, or `nil` if out of range.
    public func platformDevice(_ id: Int) -> PlatformDeviceDescription? {
        platformDevices.indices.contains(id) ? platformDevices[id] : nil
    }

    /// The host bridge with this id, or `nil` if out of range.
    public func hostBridge(_ id: Int) -> HostBridgeDescription? {
        hostBridges.indices.contains(id) ? hostBridges[id] : nil
    }

    /// Mirrors `pci_physfn()`: a VF's PF, any other function itself.
    public func physfn(_ id: Int) -> Int {
        function(id)?.physicalFunction ?? id
    }

    /// Mirrors `pci_upstream_bridge()`: `dev = pci_physfn(dev)`; `NULL` on a root bus, else `dev->bus->self`.
    public func upstreamBridge(_ id: Int) -> Int? {
        function(physfn(id))?.parentBridge
    }

    /// The chain `dev, pci_upstream_bridge(dev), …` up to the root bus (bounded to stay finite on bad input).
    public func upstreamChain(from id: Int) -> [Int] {
        var chain: [Int] = []
        var current: Int? = function(id) == nil ? nil : id
        while let node = current, chain.count <= functions.count {
            chain.append(node)
            current = upstreamBridge(node)
        }
        return chain
    }

    /// Functions on the root bus of `hostBridge`, in the kernel's scan order (ascending devfn).
    ///
    /// This is `host->bus->devices` as `pci_host_bridge_dev()` sees it.
    public func rootBusFunctions(of hostBridge: Int) -> [Int] {
        functions
            .filter { $0.hostBridge == hostBridge && $0.parentBridge == nil && !$0.isVirtualFunction }
            .sorted { $0.address < $1.address }
            .map(\.id)
    }

    /// Checks ids, parent links, PF links and cycles; an empty result means the model is consistent.
    public func validate() -> [TopologyIssue] {
        var issues: [TopologyIssue] = []
        for (index, bridge) in hostBridges.enumerated() where bridge.id != index {
            issues.append(TopologyIssue("host bridge at index \(index) has id \(bridge.id)"))
        }
        for (index, fn) in functions.enumerated() {
            if fn.id != index {
                issues.append(TopologyIssue("function at index \(index) has id \(fn.id)"))
            }
            if hostBridge(fn.hostBridge) == nil {
                issues.append(TopologyIssue("\(fn.name): unknown host bridge \(fn.hostBridge)"))
            }
            if let parent = fn.parentBridge {
                if let p = function(parent) {
                    if !p.kind.isBridge {
                        issues.append(TopologyIssue("\(fn.name): parent \(p.name) is not a bridge"))
                    }
                    if p.hostBridge != fn.hostBridge {
                        issues.append(TopologyIssue("\(fn.name): parent \(p.name) is under another host bridge"))
                    }
                } else {
                    issues.append(TopologyIssue("\(fn.name): unknown parent bridge \(parent)"))
                }
            }
            if let pf = fn.physicalFunction {
                if let p = function(pf) {
                    if p.isVirtualFunction {
                        issues.append(TopologyIssue("\(fn.name): PF \(p.name) is itself a VF"))
                    }
                } else {
                    issues.append(TopologyIssue("\(fn.name): unknown physical function \(pf)"))
                }
            }
            if upstreamChain(from: index).count > functions.count {
                issues.append(TopologyIssue("\(fn.name): upstream bridge chain has a cycle"))
            }
        }
        for (index, dev) in platformDevices.enumerated() {
            if dev.id != index {
                issues.append(TopologyIssue("platform device at index \(index) has id \(dev.id)"))
            }
            switch dev.parent {
            case .pci(let p) where function(p) == nil:
                issues.append(TopologyIssue("\(dev.name): unknown PCI parent \(p)"))
            case .platform(let p) where platformDevice(p) == nil:
                issues.append(TopologyIssue("\(dev.name): unknown platform parent \(p)"))
            default:
                break
            }
        }
        return issues
    }
}
