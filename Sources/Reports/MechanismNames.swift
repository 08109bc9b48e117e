import Engine

extension TransferMechanism {
    /// What a reader calls the mechanism: a column heading or a legend entry.
    public var displayName: String {
        switch self {
        case .local: return "local copy"
        case .nvlink: return "NVLink"
        case .nvswitch: return "NVSwitch"
        case .xgmi: return "XGMI"
        case .pcieP2PBusAddress: return "PCIe P2P (below a switch)"
        case .pcieP2PHostBridge: return "PCIe P2P (through the host bridge)"
        case .bounce: return "bounce through system memory"
        case .hostToDevice: return "host to device"
        case .deviceToHost: return "device to host"
        }
    }
}
