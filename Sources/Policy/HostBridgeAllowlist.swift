/// One row of the kernel's `pci_p2pdma_whitelist[]` (drivers/pci/p2pdma.c).
public struct HostBridgeAllowlistEntry: Sendable, Hashable, CustomStringConvertible {
    /// PCI vendor id the host-bridge device must have.
    public var vendorID: UInt16
    /// PCI device id, or `nil` for `PCI_ANY_ID`.
    public var deviceID: UInt16?
    /// The `REQ_SAME_HOST_BRIDGE` flag: only trusted when both devices sit under one host bridge.
    public var requiresSameHostBridge: Bool
    /// The kernel comment above the entry (its source), for example `"Intel Skylake-E"`.
    public var comment: String

    /// Creates an entry.
    public init(vendorID: UInt16, deviceID: UInt16?, requiresSameHostBridge: Bool, comment: String) {
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.requiresSameHostBridge = requiresSameHostBridge
        self.comment = comment
    }

    /// `vvvv:dddd` (or `vvvv:*`) followed by the flag and the kernel comment.
    public var description: String {
        let device = deviceID.map { PCIAddress.hex(UInt64($0), width: 4) } ?? "*"
        let flag = requiresSameHostBridge ? " REQ_SAME_HOST_BRIDGE" : ""
        return "\(PCIAddress.hex(UInt64(vendorID), width: 4)):\(device)\(flag) (\(comment))"
    }

    /// Whether `vendor:device` matches this entry, as the loop in `__host_bridge_whitelist()` tests it.
    public func matches(vendor: UInt16, device: UInt16) -> Bool {
        vendor == vendorID && (deviceID == nil || deviceID == device)
    }
}

/// The kernel's host-bridge allowlist and its vendor ids.
public enum HostBridgeAllowlist {
    /// `PCI_VENDOR_ID_INTEL`.
    public static let intel: UInt16 = 0x8086
    /// `PCI_VENDOR_ID_GOOGLE`.
    public static let google: UInt16 = 0x1ae0
    /// `PCI_VENDOR_ID_NVIDIA`.
    public static let nvidia: UInt16 = 0x10de
    /// `PCI_VENDOR_ID_ZHAOXIN`.
    public static let zhaoxin: UInt16 = 0x1d17
    /// `PCI_VENDOR_ID_AMD` (not in the allowlist; AMD hosts are trusted through `cpu_supports_p2pdma()`).
    public static let amd: UInt16 = 0x1022

    /// `pci_p2pdma_whitelist[]` in table order, copied from drivers/pci/p2pdma.c
    /// (pci/pci.git, commit cd2698d76c314209662455f419754a5bb7900ad2).
    ///
    /// First match wins.
    public static let kernel: [HostBridgeAllowlistEntry] = {
        func e(_ v: UInt16, _ d: UInt16?, _ same: Bool, _ c: String) -> HostBridgeAllowlistEntry {
            HostBridgeAllowlistEntry(vendorID: v, deviceID: d, requiresSameHostBridge: same, comment: c)
        }
        let e5 = "Intel Xeon E5/Core i7"
        let e7v3 = "Intel Xeon E7 v3/Xeon E5 v3/Core i7"
        let skx = "Intel Skylake-E"
        let zx = "Zhaoxin KX-6000/KH-40000/KX-6000G/KX-7000/KH-50000"
        return [
            e(intel, 0x3c00, true, e5),
            e(intel, 0x3c01, true, e5),
            e(intel, 0x2f00, true, e7v3),
            e(intel, 0x2f01, true, e7v3),
            e(intel, 0x2030, false, skx),
            e(intel, 0x2031, false, skx),
            e(intel, 0x2032, false, skx),
            e(intel, 0x2033, false, skx),
            e(intel, 0x2020, false, skx),
            e(intel, 0x09a2, false, skx),
            e(intel, 0x0b25, false, skx + " (PCI_DEVICE_ID_INTEL_DSA_SPR0)"),
            e(intel, 0x0cfe, false, skx + " (PCI_DEVICE_ID_INTEL_IAX_SPR0)"),
            e(intel, 0x11fb, false, skx + " (PCI_DEVICE_ID_INTEL_DSA_GNRD)"),
            e(intel, 0x1212, false, skx + " (PCI_DEVICE_ID_INTEL_DSA_DMR)"),
            e(intel, 0x1216, false, skx + " (PCI_DEVICE_ID_INTEL_IAA_DMR)"),
            e(intel, 0x4940, false, skx + " (PCI_DEVICE_ID_INTEL_QAT_4XXX)"),
            e(intel, 0x4942, false, skx + " (PCI_DEVICE_ID_INTEL_QAT_401XX)"),
            e(intel, 0x4944, false, skx + " (PCI_DEVICE_ID_INTEL_QAT_402XX)"),
            e(intel, 0x4946, false, skx + " (PCI_DEVICE_ID_INTEL_QAT_420XX)"),
            e(intel, 0x4948, false, skx + " (PCI_DEVICE_ID_INTEL_QAT_6XXX)"),
            e(google, nil, false, "Google SoCs."),
            e(nvidia, 0x2f95, false, "Nvidia CPUs"),
            e(nvidia, 0x2f96, false, "Nvidia CPUs"),
            e(nvidia, 0x2f97, false, "Nvidia CPUs"),
            e(nvidia, 0x2f98, false, "Nvidia CPUs"),
            e(zhaoxin, 0x1003, true, zx),
            e(zhaoxin, 0x1005, true, zx),
            e(zhaoxin, 0x1006, true, zx),
            e(zhaoxin, 0x1007, true, zx),
            e(zhaoxin, 0x1008, false, zx),
        ]
    }()
}

/// Result of looking one host bridge up in the allowlist (one `__host_bridge_whitelist()` call).
public struct HostBridgeLookup: Sendable, Hashable {
    /// Outcome of one lookup.
    public enum Outcome: Sendable, Hashable {
        /// An entry matched and was accepted.
        case allowed(HostBridgeAllowlistEntry)
        /// An entry matched but has `REQ_SAME_HOST_BRIDGE` and the devices are under different host bridges.
        case refusedRequiresSameHostBridge(HostBridgeAllowlistEntry)
        /// No entry matched the host-bridge device's vendor:device.
        case notInAllowlist
        /// `pci_host_bridge_dev()` returned NULL: the first root-bus device is neither devfn 00.0 nor a root port.
        case noHostBridgeDevice
    }

    /// The host bridge looked up.
    public var hostBridge: Int
    /// The function `pci_host_bridge_dev()` picked, if any.
    public var hostBridgeDevice: Int?
    /// Vendor id read from that function (0 when none).
    public var vendorID: UInt16
    /// Device id read from that function (0 when none).
    public var deviceID: UInt16
    /// What the lookup concluded.
    public var outcome: Outcome

    /// Whether this lookup returned true.
    public var allowed: Bool {
        if case .allowed = outcome { return true }
        return false
    }
}

extension PCITopology {
    /// Mirrors `pci_host_bridge_dev()`: the first device on the host's root bus if it is devfn 00.0 or a root port.
    ///
    /// Kernel comment: "If the first device on host's root bus is either devfn 00.0 or a PCIe Root Port,
    /// return it. Otherwise return NULL."
    public func hostBridgeDevice(of hostBridge: Int) -> Int? {
        guard let first = rootBusFunctions(of: hostBridge).first, let fn = function(first) else { return nil }
        if fn.address.devfn == 0 || fn.kind == .rootPort { return first }
        return nil
    }
}

/// Mirrors `__host_bridge_whitelist()`: scans the allowlist for the host-bridge device's ids; first match wins.
///
/// Also returns the `"Host bridge not in P2PDMA whitelist: %04x:%04x"` warning when `warn` is set and nothing matched
/// (no warning when `pci_host_bridge_dev()` found no device).
func lookUpHostBridge(
    _ hostBridge: Int, sameHostBridge: Bool, warn: Bool, topology: PCITopology,
    allowlist: [HostBridgeAllowlistEntry]
) -> (HostBridgeLookup, KernelMessage?) {
    guard let rootID = topology.hostBridgeDevice(of: hostBridge), let root = topology.function(rootID) else {
        return (
            HostBridgeLookup(
                hostBridge: hostBridge, hostBridgeDevice: nil, vendorID: 0, deviceID: 0,
                outcome: .noHostBridgeDevice), nil
        )
    }
    for entry in allowlist where entry.matches(vendor: root.vendorID, device: root.deviceID) {
        let outcome: HostBridgeLookup.Outcome =
            entry.requiresSameHostBridge && !sameHostBridge
            ? .refusedRequiresSameHostBridge(entry) : .allowed(entry)
        return (
            HostBridgeLookup(
                hostBridge: hostBridge, hostBridgeDevice: rootID, vendorID: root.vendorID,
                deviceID: root.deviceID, outcome: outcome), nil
        )
    }
    let message: KernelMessage? =
        warn
        ? KernelMessage(
            level: .warning, device: root.name, prefix: root.driverName ?? "pci",
            text: "Host bridge not in P2PDMA whitelist: \(PCIAddress.hex(UInt64(root.vendorID), width: 4)):"
                + "\(PCIAddress.hex(UInt64(root.deviceID), width: 4))")
        : nil
    return (
        HostBridgeLookup(
            hostBridge: hostBridge, hostBridgeDevice: rootID, vendorID: root.vendorID, deviceID: root.deviceID,
            outcome: .notInAllowlist), message
    )
}

/// Mirrors `host_bridge_whitelist()`: same host bridge → one lookup with `same_host_bridge = true`;
/// otherwise both must pass with `same_host_bridge = false` (short-circuit: B is not looked up if A fails).
func hostBridgeWhitelist(
    provider: Int, client: Int, warn: Bool, topology: PCITopology, allowlist: [HostBridgeAllowlistEntry]
) -> (allowed: Bool, lookups: [HostBridgeLookup], messages: [KernelMessage]) {
    let hostA = topology.function(provider)?.hostBridge ?? -1
    let hostB = topology.function(client)?.hostBridge ?? -1
    if hostA == hostB {
        let (lookup, message) = lookUpHostBridge(
            hostA, sameHostBridge: true, warn: warn, topology: topology, allowlist: allowlist)
        return (lookup.allowed, [lookup], message.map { [$0] } ?? [])
    }
    var messages: [KernelMessage] = []
    let (lookupA, messageA) = lookUpHostBridge(
        hostA, sameHostBridge: false, warn: warn, topology: topology, allowlist: allowlist)
    if let messageA { messages.append(messageA) }
    guard lookupA.allowed else { return (false, [lookupA], messages) }
    let (lookupB, messageB) = lookUpHostBridge(
        hostB, sameHostBridge: false, warn: warn, topology: topology, allowlist: allowlist)
    if let messageB { messages.append(messageB) }
    return (lookupB.allowed, [lookupA, lookupB], messages)
}
