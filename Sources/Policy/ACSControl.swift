/// ACS Control register bits of a PCIe Access Control Services capability.
///
/// Raw values are the PCI spec / `include/uapi/linux/pci_regs.h` bit values
/// (`PCI_ACS_SV` 0x01 … `PCI_ACS_DT` 0x40).
public struct ACSControl: OptionSet, Sendable, Hashable {
    /// The raw 16-bit ACS Control register value.
    public let rawValue: UInt16

    /// Creates a control value from a raw ACS Control register value.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// ACS Source Validation (`PCI_ACS_SV`, 0x01).
    public static let sourceValidation = ACSControl(rawValue: 0x01)
    /// ACS Translation Blocking (`PCI_ACS_TB`, 0x02).
    public static let translationBlocking = ACSControl(rawValue: 0x02)
    /// ACS P2P Request Redirect (`PCI_ACS_RR`, 0x04).
    public static let requestRedirect = ACSControl(rawValue: 0x04)
    /// ACS P2P Completion Redirect (`PCI_ACS_CR`, 0x08).
    public static let completionRedirect = ACSControl(rawValue: 0x08)
    /// ACS Upstream Forwarding (`PCI_ACS_UF`, 0x10).
    public static let upstreamForwarding = ACSControl(rawValue: 0x10)
    /// ACS P2P Egress Control (`PCI_ACS_EC`, 0x20).
    // swift-format-ignore: DontRepeatTypeInStaticProperties
    public static let egressControl = ACSControl(rawValue: 0x20)
    /// ACS Direct Translated P2P (`PCI_ACS_DT`, 0x40).
    public static let directTranslated = ACSControl(rawValue: 0x40)

    /// The bits `pci_bridge_has_acs_redir()` tests: `PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC`.
    public static let redirectBits: ACSControl = [.requestRedirect, .completionRedirect, .egressControl]

    /// What Linux's `pci_std_enable_acs()` typically programs on a root or
    /// downstream port when an IOMMU is active: SV | RR | CR | UF.
    public static let linuxDefaultEnabled: ACSControl = [
        .sourceValidation, .requestRedirect, .completionRedirect, .upstreamForwarding,
    ]

    /// Whether any of RR, CR or EC is set, exactly as `pci_bridge_has_acs_redir()` decides.
    public var redirectsPeerToPeer: Bool {
        !intersection(.redirectBits).isEmpty
    }

    /// Short names of the set bits in spec order, for example `["SV", "RR", "CR", "UF"]`.
    public var bitNames: [String] {
        let names: [(ACSControl, String)] = [
            (.sourceValidation, "SV"), (.translationBlocking, "TB"), (.requestRedirect, "RR"),
            (.completionRedirect, "CR"), (.upstreamForwarding, "UF"), (.egressControl, "EC"),
            (.directTranslated, "DT"),
        ]
        return names.filter { contains($0.0) }.map(\.1)
    }
}
