/// A PCI function address: segment (domain), bus, device and function.
public struct PCIAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// PCI segment (domain) number.
    public var segment: UInt16
    /// Bus number.
    public var bus: UInt8
    /// Device (slot) number, 0...31.
    public var device: UInt8
    /// Function number, 0...7.
    public var function: UInt8

    /// Creates an address from its four parts.
    public init(segment: UInt16 = 0, bus: UInt8, device: UInt8, function: UInt8) {
        self.segment = segment
        self.bus = bus
        self.device = device
        self.function = function
    }

    /// The kernel's `devfn` byte: `PCI_DEVFN(slot, func) = ((slot & 0x1f) << 3) | (func & 0x07)`.
    public var devfn: UInt8 {
        ((device & 0x1f) << 3) | (function & 0x07)
    }

    /// The kernel's `pci_name()` text, `"%04x:%02x:%02x.%d"`, for example `0000:03:00.0`.
    public var name: String {
        "\(Self.hex(UInt64(segment), width: 4)):\(Self.hex(UInt64(bus), width: 2)):"
            + "\(Self.hex(UInt64(device), width: 2)).\(function)"
    }

    /// Same as ``name``.
    public var description: String { name }

    /// Orders addresses by segment, bus, then devfn (the kernel's scan order).
    public static func < (lhs: PCIAddress, rhs: PCIAddress) -> Bool {
        (lhs.segment, lhs.bus, lhs.devfn) < (rhs.segment, rhs.bus, rhs.devfn)
    }

    /// Lower-case hexadecimal with zero padding, like printf `%0Nx`.
    static func hex(_ value: UInt64, width: Int) -> String {
        let digits = String(value, radix: 16)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
