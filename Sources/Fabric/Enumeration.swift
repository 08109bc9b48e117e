import Topology
import Units

/// A PCI address: segment (domain), bus, device and function, printed as `lspci -D` does.
public struct BusAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The PCI segment (domain).
    public var segment: Int
    /// The bus number, 0 to 255.
    public var bus: Int
    /// The device number, 0 to 31.
    public var device: Int
    /// The function number, 0 to 7.
    public var function: Int

    /// Creates an address.
    public init(segment: Int, bus: Int, device: Int, function: Int) {
        self.segment = segment
        self.bus = bus
        self.device = device
        self.function = function
    }

    /// `ssss:bb:dd.f` in hexadecimal.
    public var description: String {
        hexadecimal(segment, digits: 4) + ":" + hexadecimal(bus, digits: 2) + ":" + hexadecimal(device, digits: 2) + "."
            + String(function)
    }

    public static func < (lhs: BusAddress, rhs: BusAddress) -> Bool {
        (lhs.segment, lhs.bus, lhs.device, lhs.function) < (rhs.segment, rhs.bus, rhs.device, rhs.function)
    }
}

/// An address range in the host physical address space (inclusive base, exclusive end).
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    /// The first address.
    public var base: UInt64
    /// The number of bytes.
    public var size: UInt64

    /// The address after the last one.
    public var end: UInt64 { base + size }

    /// Whether `address` lies in the range.
    public func contains(_ address: UInt64) -> Bool { address >= base && address - base < size }

    public var description: String {
        size == 0 ? "[none]" : "[0x\(String(base, radix: 16))-0x\(String(end - 1, radix: 16))]"
    }
}

/// What enumeration gave one PCI node: its address, its buses if it is a bridge, its BARs'
/// addresses and its memory windows.
public struct EnumeratedNode: Sendable {
    /// Where the node sits.
    public var address: BusAddress
    /// For bridges: the secondary bus number.
    public var secondaryBus: Int?
    /// For bridges: the highest bus number below.
    public var subordinateBus: Int?
    /// For endpoints: the address range of each BAR, in the order of `EndpointDetails.bars`.
    public var barRanges: [AddressRange] = []
    /// For bridges: the non-prefetchable memory window (32-bit).
    public var memoryWindow = AddressRange(base: 0, size: 0)
    /// For bridges: the prefetchable memory window (64-bit).
    public var prefetchableWindow = AddressRange(base: 0, size: 0)
}

/// Why enumeration failed.
public struct EnumerationError: Error, Sendable, CustomStringConvertible {
    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong.
    public var message: String
    public var description: String { "\(location): error: \(message)" }
}

/// A topology enumerated as firmware and Linux do it: bus numbers assigned depth first,
/// BARs placed in the host physical address space, bridge windows around them.
///
/// Bus numbering: each root complex's root bus is the one the file gives or the next free one
/// in its segment; every bridge takes for its secondary bus the bus its children give (`bus`,
/// as imports of real machines write it) or else the next free bus number, depth first,
/// and its subordinate bus is the highest number used below it (PCI-to-PCI Bridge Architecture
/// Specification 1.2, section 3.2.5.3; what Linux's `pci_scan_bridge` reproduces).
/// Memory: non-prefetchable BARs go below 4 GiB from 0x8000_0000 (the usual x86 MMIO hole), and
/// prefetchable BARs above 4 GiB from 0x200_0000_0000 (2 TiB); each bridge window is aligned to
/// 1 MiB (the granularity of the Memory Base/Limit registers, PCI-to-PCI Bridge Specification
/// 3.2.5.8) and every BAR to its own size, children largest alignment first (as Linux's
/// `pbus_size_mem` does).
public struct EnumeratedMachine: Sendable {
    /// The topology.
    public let topology: Topology
    /// One entry per `topology.nodes` element.
    public private(set) var nodes: [EnumeratedNode]
    /// The root bus of each root complex.
    public private(set) var rootBuses: [Int]

    /// The start of the non-prefetchable (32-bit) MMIO region.
    public static let memoryBase: UInt64 = 0x8000_0000
    /// The end of the 32-bit MMIO region (the local APIC and firmware sit above).
    public static let memoryLimit: UInt64 = 0xFC00_0000
    /// The start of the prefetchable (64-bit) MMIO region.
    public static let prefetchableBase: UInt64 = 0x200_0000_0000
    /// Bridge window granularity: 1 MiB.
    public static let windowAlignment: UInt64 = 1 << 20

    /// Enumerates `topology`.
    ///
    /// - Throws: `EnumerationError` when a segment runs out of bus numbers or the 32-bit MMIO
    ///   region cannot hold the non-prefetchable BARs.
    public init(_ topology: Topology) throws(EnumerationError) {
        self.topology = topology
        self.nodes = topology.nodes.map { _ in
            EnumeratedNode(address: BusAddress(segment: 0, bus: 0, device: 0, function: 0))
        }
        self.rootBuses = []
        var nextBus: [Int: Int] = [:]
        var usedBuses: [Int: Set<Int>] = [:]
        for complex in topology.rootComplexes {
            let segment = complex.segment
            var used = usedBuses[segment, default: []]
            let root: Int
            if let fixed = complex.bus {
                if used.contains(fixed) {
                    throw EnumerationError(
                        location: complex.location,
                        message:
                            "root bus \(fixed) of '\(complex.id)' lies within the buses segment \(segment) already gave to the root complexes before it; give it another segment or a higher bus"
                    )
                }
                root = fixed
            } else {
                root = Self.firstFree(from: nextBus[segment, default: 0], used: used)
            }
            used.insert(root)
            rootBuses.append(root)
            var next = root + 1
            // Integrated endpoints take device numbers after the root ports' (or the file's).
            var usedDevices = Set(complex.children.compactMap { topology.nodes[$0].deviceNumber })
            for child in complex.children {
                if let fixed = topology.nodes[child].bus, fixed != root {
                    throw EnumerationError(
                        location: topology.nodes[child].location,
                        message:
                            "'\(topology.nodes[child].id)' gives bus \(fixed), but it sits on the root bus \(root) of '\(complex.id)'"
                    )
                }
                var device = topology.nodes[child].deviceNumber
                if device == nil {
                    var candidate = 0
                    while usedDevices.contains(candidate) { candidate += 1 }
                    usedDevices.insert(candidate)
                    device = candidate
                }
                try assign(child, segment: segment, bus: root, device: device ?? 0, next: &next, used: &used)
            }
            usedBuses[segment] = used
            nextBus[segment] = max(nextBus[segment, default: 0], next)
        }
        var memoryCursor = Self.memoryBase
        var prefetchCursor = Self.prefetchableBase
        for complex in topology.rootComplexes {
            for child in complex.children {
                try place(child, memory: &memoryCursor, prefetchable: &prefetchCursor)
            }
        }
    }

    /// The lowest bus number from `start` on that is not in `used`.
    private static func firstFree(from start: Int, used: Set<Int>) -> Int {
        var bus = start
        while used.contains(bus) { bus += 1 }
        return bus
    }

    /// Gives `index` its address and, for a bridge, its secondary and subordinate buses: the bus
    /// its children fix with `bus` (as imports of a real machine write them), else the next free
    /// one. Returns the highest bus number used at or below the node.
    @discardableResult
    private mutating func assign(
        _ index: Int, segment: Int, bus: Int, device: Int, next: inout Int, used: inout Set<Int>
    ) throws(EnumerationError) -> Int {
        let node = topology.nodes[index]
        nodes[index].address = BusAddress(segment: segment, bus: bus, device: device, function: node.function)
        guard node.kind != .endpoint else { return bus }
        let fixed = Set(node.children.compactMap { topology.nodes[$0].bus })
        let secondary: Int
        if let first = fixed.first {
            guard fixed.count == 1 else {
                throw EnumerationError(
                    location: node.location,
                    message:
                        "the nodes below '\(node.id)' share its secondary bus but give different buses: \(fixed.sorted().map(String.init).joined(separator: ", "))"
                )
            }
            guard first > bus, !used.contains(first) else {
                throw EnumerationError(
                    location: node.location,
                    message:
                        "bus \(first) given below '\(node.id)' (on bus \(bus)) is \(first <= bus ? "not above its bus" : "already used in segment \(segment)")"
                )
            }
            secondary = first
        } else {
            secondary = Self.firstFree(from: next, used: used)
        }
        guard secondary <= 255 else {
            throw EnumerationError(
                location: node.location,
                message: "segment \(segment) has run out of bus numbers at '\(node.id)' (at most 256 buses per segment)"
            )
        }
        used.insert(secondary)
        next = max(next, secondary + 1)
        nodes[index].secondaryBus = secondary
        var subordinate = secondary
        for (position, child) in node.children.enumerated() {
            let childNode = topology.nodes[child]
            let childDevice: Int
            switch childNode.kind {
            case .switchDownstreamPort: childDevice = childNode.deviceNumber ?? position
            default: childDevice = childNode.deviceNumber ?? 0
            }
            let highest = try assign(
                child, segment: segment, bus: secondary, device: childDevice, next: &next, used: &used)
            subordinate = max(subordinate, highest)
        }
        nodes[index].subordinateBus = subordinate
        return subordinate
    }

    /// The bytes and alignment a node needs in each region.
    private func requirement(_ index: Int) -> (
        memory: UInt64, memoryAlign: UInt64, prefetch: UInt64, prefetchAlign: UInt64
    ) {
        let node = topology.nodes[index]
        if let details = node.endpoint {
            var memory: UInt64 = 0
            var memoryAlign: UInt64 = 1
            var prefetch: UInt64 = 0
            var prefetchAlign: UInt64 = 1
            for bar in details.bars {
                if bar.prefetchable && bar.is64Bit {
                    prefetch += bar.size.bytes
                    prefetchAlign = max(prefetchAlign, bar.size.bytes)
                } else {
                    memory += bar.size.bytes
                    memoryAlign = max(memoryAlign, bar.size.bytes)
                }
            }
            return (memory, memoryAlign, prefetch, prefetchAlign)
        }
        var memory: UInt64 = 0
        var prefetch: UInt64 = 0
        var memoryAlign = Self.windowAlignment
        var prefetchAlign = Self.windowAlignment
        for child in node.children {
            let need = requirement(child)
            memory = alignUp(memory, need.memoryAlign) + need.memory
            prefetch = alignUp(prefetch, need.prefetchAlign) + need.prefetch
            memoryAlign = max(memoryAlign, need.memoryAlign)
            prefetchAlign = max(prefetchAlign, need.prefetchAlign)
        }
        return (
            alignUp(memory, Self.windowAlignment), memoryAlign, alignUp(prefetch, Self.windowAlignment), prefetchAlign
        )
    }

    private mutating func place(_ index: Int, memory: inout UInt64, prefetchable: inout UInt64) throws(EnumerationError)
    {
        let node = topology.nodes[index]
        if let details = node.endpoint {
            // Largest BARs first, each aligned to its size.
            let order = details.bars.indices.sorted { details.bars[$0].size.bytes > details.bars[$1].size.bytes }
            var ranges = [AddressRange](repeating: AddressRange(base: 0, size: 0), count: details.bars.count)
            for barIndex in order {
                let bar = details.bars[barIndex]
                if bar.prefetchable && bar.is64Bit {
                    prefetchable = alignUp(prefetchable, bar.size.bytes)
                    ranges[barIndex] = AddressRange(base: prefetchable, size: bar.size.bytes)
                    prefetchable += bar.size.bytes
                } else {
                    memory = alignUp(memory, bar.size.bytes)
                    ranges[barIndex] = AddressRange(base: memory, size: bar.size.bytes)
                    memory += bar.size.bytes
                }
            }
            if memory > Self.memoryLimit {
                throw EnumerationError(
                    location: node.location,
                    message:
                        "the 32-bit MMIO region (0x80000000-0xfbffffff) cannot hold the non-prefetchable BARs of '\(node.id)'"
                )
            }
            nodes[index].barRanges = ranges
            return
        }
        let need = requirement(index)
        memory = alignUp(memory, need.memoryAlign)
        prefetchable = alignUp(prefetchable, need.prefetchAlign)
        let memoryStart = memory
        let prefetchStart = prefetchable
        let children = node.children.sorted { requirement($0).prefetchAlign > requirement($1).prefetchAlign }
        for child in children {
            try place(child, memory: &memory, prefetchable: &prefetchable)
        }
        memory = alignUp(max(memory, memoryStart + need.memory), Self.windowAlignment)
        prefetchable = alignUp(max(prefetchable, prefetchStart + need.prefetch), Self.windowAlignment)
        if memory > Self.memoryLimit {
            throw EnumerationError(
                location: node.location,
                message: "the 32-bit MMIO region (0x80000000-0xfbffffff) cannot hold the windows below '\(node.id)'")
        }
        nodes[index].memoryWindow = AddressRange(base: memoryStart, size: memory - memoryStart)
        nodes[index].prefetchableWindow = AddressRange(base: prefetchStart, size: prefetchable - prefetchStart)
    }

    /// The node whose BAR holds `address`, with the BAR's position, if any.
    public func bar(containing address: UInt64) -> (node: Int, bar: Int)? {
        for (index, node) in nodes.enumerated() {
            if let bar = node.barRanges.firstIndex(where: { $0.contains(address) }) { return (index, bar) }
        }
        return nil
    }
}

/// `value` rounded up to a multiple of `alignment` (a power of two).
func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 {
    guard alignment > 1 else { return value }
    return (value + alignment - 1) & ~(alignment - 1)
}
