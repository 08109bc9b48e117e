/// CPU vendor as the kernel's `boot_cpu_data.x86_vendor` distinguishes it.
public enum X86Vendor: Sendable, Hashable {
    /// `X86_VENDOR_INTEL`.
    case intel
    /// `X86_VENDOR_AMD`.
    case amd
    /// `X86_VENDOR_HYGON` (a distinct vendor for the kernel, even though Dhyana is Zen-based).
    case hygon
    /// `X86_VENDOR_ZHAOXIN`.
    case zhaoxin
    /// Any other vendor or architecture.
    case other
}

/// Facts about the platform that the p2pdma policy reads besides the PCI tree.
public struct PlatformFacts: Sendable, Hashable {
    /// CPU vendor of CPU 0.
    public var cpuVendor: X86Vendor
    /// x86 family (`cpu_data(0).x86`), or `nil` when the kernel is not built for x86 (`CONFIG_X86` unset).
    public var x86Family: Int?

    /// Creates platform facts.
    public init(cpuVendor: X86Vendor, x86Family: Int?) {
        self.cpuVendor = cpuVendor
        self.x86Family = x86Family
    }

    /// An AMD Zen CPU (family 0x17, for example EPYC Rome / Ryzen 3000).
    public static let amdZen2 = PlatformFacts(cpuVendor: .amd, x86Family: 0x17)
    /// An AMD Zen 4 CPU (family 0x19).
    public static let amdZen4 = PlatformFacts(cpuVendor: .amd, x86Family: 0x19)
    /// An Intel x86 CPU (family 6).
    public static let intel = PlatformFacts(cpuVendor: .intel, x86Family: 6)
    /// A non-x86 machine (for example arm64): `cpu_supports_p2pdma()` is compiled to `false`.
    public static let nonX86 = PlatformFacts(cpuVendor: .other, x86Family: nil)

    /// Mirrors `cpu_supports_p2pdma()` (drivers/pci/p2pdma.c): on x86, AMD with family >= 0x17 (Zen) is trusted.
    ///
    /// Kernel comment: "Any AMD CPU whose family ID is Zen or newer supports p2pdma".
    /// Quirk kept: Hygon (`X86_VENDOR_HYGON`) is not `X86_VENDOR_AMD`, so it is not trusted.
    public var cpuSupportsP2PDMA: Bool {
        guard let family = x86Family else { return false }
        return cpuVendor == .amd && family >= 0x17
    }
}
