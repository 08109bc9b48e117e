import Topology

/// Where a memory request ends when routed by its address.
public enum MemoryRequestOutcome: Hashable, Sendable {
    /// A BAR of an endpoint claims the address.
    case bar(node: Int, bar: Int)
    /// The root complex sends it to system memory.
    case systemMemory(rootComplex: Int)
    /// Nothing claims it: the completer (a switch port or the root complex) answers
    /// Unsupported Request, and a read completes with all-ones data and an error status.
    case unsupportedRequest
    /// The root complex would have to forward it between root ports, and does not for this
    /// kind of request (`p2p="none"`, or a read through `p2p="writes"`): Unsupported Request.
    case refusedByRootComplex(rootComplex: Int)
}

/// The path of a memory request routed by address, hop by hop.
public struct MemoryRequestRoute: Hashable, Sendable {
    /// The PCI nodes and root complexes crossed, by id.
    public var hops: [String]
    /// Where it ended.
    public var outcome: MemoryRequestOutcome
}

extension EnumeratedMachine {
    /// Whether `node`'s memory windows (a bridge's) or BARs (an endpoint's) claim `address`.
    func claims(_ node: Int, _ address: UInt64) -> Bool {
        let enumerated = nodes[node]
        if topology.nodes[node].kind == .endpoint { return enumerated.barRanges.contains { $0.contains(address) } }
        return enumerated.memoryWindow.contains(address) || enumerated.prefetchableWindow.contains(address)
    }

    /// Whether `address` is system memory: below the 32-bit MMIO region, or between 4 GiB and
    /// the 64-bit MMIO region (the layout this enumeration uses).
    public func isSystemMemory(_ address: UInt64) -> Bool {
        address < Self.memoryBase || (address >= 1 << 32 && address < Self.prefetchableBase)
    }

    /// Routes a memory request from `source` by address, as switches and root complexes do: a
    /// switch forwards down the port whose window holds the address, otherwise upstream; the
    /// root complex sends it to memory, to another root port (when it forwards peer-to-peer) or
    /// answers Unsupported Request (PCI Express Base Specification 6.0, 2.2.4.1 address routing;
    /// PCI-to-PCI Bridge Architecture Specification 1.2, 4.3 memory windows).
    ///
    /// - Complexity: O(depth x fan-out).
    public func routeMemoryRequest(from source: Int, address: UInt64, isRead: Bool) -> MemoryRequestRoute {
        var hops = [topology.nodes[source].id]
        // Upstream: at each bridge above, a sibling below the same switch may claim it.
        var current = source
        while let parent = topology.nodes[current].parent {
            hops.append(topology.nodes[parent].id)
            if topology.nodes[parent].kind == .switchUpstreamPort || topology.nodes[parent].kind == .rootPort
                || topology.nodes[parent].kind == .switchDownstreamPort
            {
                for sibling in topology.nodes[parent].children where sibling != current && claims(sibling, address) {
                    return descend(into: sibling, address: address, hops: hops)
                }
            }
            current = parent
        }
        // At the root complex.
        let complex = topology.nodes[current].rootComplex
        hops.append(topology.rootComplexes[complex].id)
        if isSystemMemory(address) {
            return MemoryRequestRoute(hops: hops, outcome: .systemMemory(rootComplex: complex))
        }
        for (index, other) in topology.rootComplexes.enumerated() {
            for port in other.children where port != current && claims(port, address) {
                let forwarding = topology.rootComplexes[complex].p2p
                if forwarding == .none || (forwarding == .writes && isRead) {
                    return MemoryRequestRoute(hops: hops, outcome: .refusedByRootComplex(rootComplex: complex))
                }
                if index != complex { hops.append(other.id) }
                return descend(into: port, address: address, hops: hops)
            }
        }
        return MemoryRequestRoute(hops: hops, outcome: .unsupportedRequest)
    }

    private func descend(into start: Int, address: UInt64, hops: [String]) -> MemoryRequestRoute {
        var hops = hops
        var node = start
        while true {
            hops.append(topology.nodes[node].id)
            if topology.nodes[node].kind == .endpoint {
                guard let bar = nodes[node].barRanges.firstIndex(where: { $0.contains(address) }) else {
                    return MemoryRequestRoute(hops: hops, outcome: .unsupportedRequest)
                }
                return MemoryRequestRoute(hops: hops, outcome: .bar(node: node, bar: bar))
            }
            guard let next = topology.nodes[node].children.first(where: { claims($0, address) }) else {
                return MemoryRequestRoute(hops: hops, outcome: .unsupportedRequest)
            }
            node = next
        }
    }
}
