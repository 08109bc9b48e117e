import Units

/// A PCI vendor and device id pair, as `lspci -n` prints it (`10de:1db1`).
public struct PCIIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The vendor id (PCI-SIG assigned: 0x10de NVIDIA, 0x1002 AMD, 0x8086 Intel, 0x10b5 PLX...).
    public var vendor: UInt16
    /// The device id, assigned by the vendor.
    public var device: UInt16

    /// Creates the pair.
    public init(vendor: UInt16, device: UInt16) {
        self.vendor = vendor
        self.device = device
    }

    /// Reads `vvvv:dddd` in hexadecimal.
    public init?(_ text: String) {
        // The common spelling, exactly nine ASCII bytes, read without splitting (the loader reads
        // one per device).
        if let (vendor, device) = Self.plain(text) {
            self.init(vendor: vendor, device: device)
            return
        }
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 4,
            let vendor = UInt16(parts[0], radix: 16), let device = UInt16(parts[1], radix: 16)
        else { return nil }
        self.init(vendor: vendor, device: device)
    }

    /// `vvvv:dddd` with exactly four hexadecimal digits each side, or nil for any other text
    /// (which the general reading handles).
    private static func plain(_ text: String) -> (UInt16, UInt16)? {
        var text = text
        return text.withUTF8 { bytes -> (UInt16, UInt16)? in
            guard bytes.count == 9, bytes[4] == UInt8(ascii: ":") else { return nil }
            func hexadecimal(from start: Int) -> UInt16? {
                var value: UInt16 = 0
                for byte in bytes[start..<start + 4] {
                    let digit: UInt8
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                    default: return nil
                    }
                    value = value << 4 | UInt16(digit)
                }
                return value
            }
            guard let vendor = hexadecimal(from: 0), let device = hexadecimal(from: 5) else { return nil }
            return (vendor, device)
        }
    }

    public var description: String { hexadecimal(vendor, digits: 4) + ":" + hexadecimal(device, digits: 4) }
}

/// The Access Control Services bits of a port's ACS capability or control register.
///
/// Bit values are those of the ACS Capability and Control registers (PCI Express Base
/// Specification 6.0, section 7.7.11.2-3; Linux `PCI_ACS_*` in include/uapi/linux/pci_regs.h).
public struct ACSBits: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Source Validation.
    public static let sourceValidation = ACSBits(rawValue: 0x0001)
    /// Translation Blocking.
    public static let translationBlocking = ACSBits(rawValue: 0x0002)
    /// P2P Request Redirect.
    public static let requestRedirect = ACSBits(rawValue: 0x0004)
    /// P2P Completion Redirect.
    public static let completionRedirect = ACSBits(rawValue: 0x0008)
    /// Upstream Forwarding.
    public static let upstreamForwarding = ACSBits(rawValue: 0x0010)
    /// P2P Egress Control.
    public static let egressControl = ACSBits(rawValue: 0x0020)
    /// Direct Translated P2P.
    public static let directTranslated = ACSBits(rawValue: 0x0040)

    /// The bits with the mnemonics the topology format and `lspci -vv` use.
    public static let mnemonics: [(String, ACSBits)] = [
        ("SV", .sourceValidation), ("TB", .translationBlocking), ("RR", .requestRedirect),
        ("CR", .completionRedirect), ("UF", .upstreamForwarding), ("EC", .egressControl), ("DT", .directTranslated),
    ]

    /// Reads space-separated mnemonics ("SV RR CR UF"); nil if one is unknown.
    public init?(mnemonics text: String) {
        var bits = ACSBits()
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            guard let bit = ACSBits.mnemonics.first(where: { $0.0 == word }) else { return nil }
            bits.insert(bit.1)
        }
        self = bits
    }

    /// The set bits' mnemonics separated by spaces, in register order.
    public var description: String {
        ACSBits.mnemonics.filter { contains($0.1) }.map(\.0).joined(separator: " ")
    }
}
