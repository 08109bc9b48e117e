/// A structured change that would alter the kernel's decision.
public enum SuggestedAction: Sendable, Hashable {
    /// Clear ACS RR/CR/EC on these functions (boot with the given `pci=disable_acs_redir=` parameter).
    case clearACSRedirect(functions: [Int], kernelParameter: String)
    /// Run on an AMD Zen (family >= 0x17) CPU, which `cpu_supports_p2pdma()` trusts.
    case useAMDZenCPU
    /// Use a host bridge whose 00.0 device (or first root port) is in `pci_p2pdma_whitelist[]`.
    case useAllowlistedHostBridge(hostBridges: [Int])
    /// The matching entry has `REQ_SAME_HOST_BRIDGE`: put both devices under one host bridge.
    case placeUnderSameHostBridge(entry: HostBridgeAllowlistEntry)
    /// Put provider and client below one PCIe switch (a common upstream bridge) for `BUS_ADDR`.
    case placeUnderCommonSwitch(provider: Int, client: Int)
    /// The client has no PCI device above it; use a PCI client.
    case usePCIClient(DeviceRef)
    /// The provider has no p2pdma state (`pci_p2pdma_add_resource()` never ran).
    case registerProviderMemory(provider: Int)
    /// Enable Resizable BAR so the whole VRAM is CPU-visible (large BAR).
    case enableResizableBAR(gpu: Int, vramSize: UInt64, visibleVRAMSize: UInt64)
    /// Put both GPUs in one XGMI hive.
    case joinSameXGMIHive(exporter: Int, importer: Int)
    /// Allocate the buffer inside the CPU-visible VRAM window.
    case placeBufferInVisibleVRAM(windowSize: UInt64)
}

/// A suggestion: a structured action plus a sentence for humans.
public struct Suggestion: Sendable, Hashable, CustomStringConvertible {
    /// The structured action.
    public var action: SuggestedAction
    /// The explanation.
    public var text: String

    /// Creates a suggestion.
    public init(action: SuggestedAction, text: String) {
        self.action = action
        self.text = text
    }

    /// Same as ``text``.
    public var description: String { text }
}
