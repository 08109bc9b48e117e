/// A kernel log line the emulated code path would print.
public struct KernelMessage: Sendable, Hashable, CustomStringConvertible {
    /// printk level of a message.
    public enum Level: String, Sendable, Hashable {
        /// `KERN_WARNING` (`pci_warn()` / `dev_warn()`).
        case warning
        /// `KERN_INFO` (`dev_info()`).
        case info
    }

    /// The printk level.
    public var level: Level
    /// The `dev_name()` of the device the message is about, for example `0000:03:00.0`.
    public var device: String
    /// The `dev_driver_string()` prefix: the bound driver's name, or the bus name (`pci`, `platform`).
    public var prefix: String
    /// The message body without the trailing newline.
    public var text: String

    /// Creates a message.
    public init(level: Level, device: String, prefix: String, text: String) {
        self.level = level
        self.device = device
        self.prefix = prefix
        self.text = text
    }

    /// The line as `dev_printk()` formats it: `"<driver-or-bus> <dev_name>: <text>"`.
    public var line: String { "\(prefix) \(device): \(text)" }

    /// Same as ``line``.
    public var description: String { line }
}
