/// What decided whether the path through the host bridge may be used (the `map_through_host_bridge:` label).
public enum HostBridgePathCheck: Sendable, Hashable {
    /// The devices share an upstream bridge with no ACS redirect: the host bridge is not involved.
    case notNeeded
    /// The function returned before reaching the host-bridge check (non-PCI client, no p2pdma, bad id).
    case notEvaluated
    /// `cpu_supports_p2pdma()` returned true (AMD family >= 0x17); the allowlist was not consulted.
    case allowedByCPU(PlatformFacts)
    /// `host_bridge_whitelist()` returned true; the lookups show which entries matched.
    case allowedByAllowlist([HostBridgeLookup])
    /// Neither the CPU rule nor `host_bridge_whitelist()` allowed it; the lookups show why.
    case refused(PlatformFacts, [HostBridgeLookup])

    /// The lookups performed, if any.
    public var lookups: [HostBridgeLookup] {
        switch self {
        case .allowedByAllowlist(let l), .refused(_, let l): return l
        case .notNeeded, .notEvaluated, .allowedByCPU: return []
        }
    }
}

/// The kernel's decision for one provider/client pair, with everything needed to explain it.
public struct P2PDecision: Sendable, Hashable {
    /// The provider (the device exposing memory), a PCI function id.
    public var provider: Int
    /// The client as asked for.
    public var client: DeviceRef
    /// The PCI function used for the client (`find_parent_pci_dev()`), or `nil` if there is none.
    public var resolvedClient: Int?
    /// The mapping type.
    public var mapType: P2PMapType
    /// The distance as `pci_p2pdma_distance()` would report it alone: the path length, or -1 when not supported.
    public var distance: Int
    /// `dist_a + dist_b` as computed by the walk (set even when refused), `nil` if the walk did not run.
    public var pathLength: Int?
    /// `dist_a`: hops from the provider up to the common bridge (or the whole provider chain length when none).
    public var providerHops: Int
    /// `dist_b`: hops from the client up to the common bridge (or the whole client chain length when none).
    public var clientHops: Int
    /// `provider, pci_upstream_bridge(provider), …` up to the root bus.
    public var providerChain: [Int]
    /// `client, pci_upstream_bridge(client), …` up to the root bus.
    public var clientChain: [Int]
    /// The first node of the provider chain that is also in the client chain, if any.
    public var commonUpstreamBridge: Int?
    /// Nodes whose ACS RR/CR/EC bits forced the host-bridge path, in the kernel's `acs_list` order.
    public var acsRedirectingBridges: [Int]
    /// `pci=disable_acs_redir=…` exactly as the kernel would suggest it, when ACS redirect is in the path.
    public var disableACSRedirectParameter: String?
    /// Which rule allowed or refused the path through the host bridge.
    public var hostBridgePath: HostBridgePathCheck
    /// The kernel log lines the code path prints (depends on `verbose`).
    public var messages: [KernelMessage]
    /// A human-readable explanation.
    public var reason: String
    /// What would change the outcome.
    public var suggestions: [Suggestion]
}

/// Result of `pci_p2pdma_distance_many()` over several clients.
public struct DistanceManyResult: Sendable, Hashable {
    /// The kernel's return value: the sum of distances, or -1 if any client was refused (or none given).
    public var distance: Int
    /// Per-client decisions, for the clients the kernel evaluated, in order.
    public var decisions: [P2PDecision]
    /// Clients the kernel refused.
    public var refusedClients: [DeviceRef]
    /// Clients never evaluated because the kernel returned or broke out of the loop early.
    public var unevaluatedClients: [DeviceRef]
    /// All kernel log lines, in print order.
    public var messages: [KernelMessage]
    /// A human-readable explanation.
    public var reason: String

    /// Whether every client may use the provider.
    public var isSupported: Bool { distance >= 0 }
}
