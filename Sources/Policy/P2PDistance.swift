/// Emulates the PCI peer-to-peer DMA policy of drivers/pci/p2pdma.c on a modelled machine.
///
/// Source read: pci/pci.git mirror, commit cd2698d76c314209662455f419754a5bb7900ad2 (post-v6.19 p2pdma.c with
/// `pcim_p2pdma_provider()`), functions `calc_map_type_and_dist()`, `pci_p2pdma_distance_many()`,
/// `pci_p2pdma_map_type()`, `host_bridge_whitelist()`, `__host_bridge_whitelist()`, `pci_host_bridge_dev()`,
/// `cpu_supports_p2pdma()`, `pci_bridge_has_acs_redir()`, `find_parent_pci_dev()`.
public struct P2PPolicy: Sendable {
    /// The machine's PCI tree and non-PCI devices.
    public var topology: PCITopology
    /// CPU facts for `cpu_supports_p2pdma()`.
    public var platform: PlatformFacts
    /// The host-bridge allowlist (defaults to the kernel's table).
    public var allowlist: [HostBridgeAllowlistEntry]

    /// Creates a policy for a machine.
    public init(
        topology: PCITopology, platform: PlatformFacts,
        allowlist: [HostBridgeAllowlistEntry] = HostBridgeAllowlist.kernel
    ) {
        self.topology = topology
        self.platform = platform
        self.allowlist = allowlist
    }

    /// Mirrors `pci_bridge_has_acs_redir()`: no ACS capability → 0; else `ctrl & (RR | CR | EC)`.
    public func hasACSRedirect(_ id: Int) -> Bool {
        topology.function(id)?.acs?.redirectsPeerToPeer ?? false
    }

    /// Mirrors `find_parent_pci_dev()`: walk `dev->parent` until a PCI device is found, or return `nil`.
    public func findParentPCIDevice(_ ref: DeviceRef) -> Int? {
        var current: DeviceRef? = ref
        var steps = 0
        while let node = current, steps <= topology.platformDevices.count + 1 {
            switch node {
            case .pci(let id):
                return topology.function(id) == nil ? nil : id
            case .platform(let id):
                current = topology.platformDevice(id)?.parent
            }
            steps += 1
        }
        return nil
    }

    /// Mirrors `calc_map_type_and_dist()` for two PCI functions.
    ///
    /// The walk (quirks kept): the provider side checks ACS on every node from the provider itself up to and
    /// including the common upstream bridge; the client side (`check_b_path_acs`) checks ACS from the client up to
    /// but excluding the common bridge. Distance is `dist_a + dist_b` in hops (same function 0, two functions or
    /// VFs behind one port 2, two devices on one switch 4). Without a common bridge the distance is the sum of both
    /// chain lengths and ACS bits found on the way are ignored. The `Host bridge not in P2PDMA whitelist` warning
    /// is printed whenever ACS redirect was found, even when `verbose` is false (it is keyed on `acs_redirects`).
    public func calcMapTypeAndDistance(provider: Int, client: Int, verbose: Bool = true) -> P2PDecision {
        guard let providerFn = topology.function(provider), let clientFn = topology.function(client) else {
            return earlyRefusal(
                provider: provider, client: .pci(client), resolved: nil,
                reason: "unknown PCI function id (provider \(provider), client \(client))", messages: [])
        }
        let chainA = topology.upstreamChain(from: provider)
        let chainB = topology.upstreamChain(from: client)
        var acsList = ACSRedirectList()
        var acsNodes: [Int] = []
        var distA = 0
        var distB = 0
        var common: Int?

        // calc_map_type_and_dist(): outer loop over a = provider chain, inner loop over bb = client chain.
        outer: for a in chainA {
            distB = 0
            if hasACSRedirect(a) {
                acsList.append(topology.functions[a].name)
                acsNodes.append(a)
            }
            for bb in chainB {
                if a == bb {
                    common = a
                    break outer  // goto check_b_path_acs (dist_a not incremented)
                }
                distB += 1
            }
            distA += 1
        }
        let path = distA + distB
        var messages: [KernelMessage] = []
        var acsRedirects = false

        if let common {
            // check_b_path_acs: client side, up to but excluding the common bridge.
            for bb in chainB {
                if bb == common { break }
                if hasACSRedirect(bb) {
                    acsList.append(topology.functions[bb].name)
                    acsNodes.append(bb)
                }
            }
            if acsNodes.isEmpty {
                return P2PDecision(
                    provider: provider, client: .pci(client), resolvedClient: client, mapType: .busAddress,
                    distance: path, pathLength: path, providerHops: distA, clientHops: distB,
                    providerChain: chainA, clientChain: chainB, commonUpstreamBridge: common,
                    acsRedirectingBridges: [], disableACSRedirectParameter: nil, hostBridgePath: .notNeeded,
                    messages: [],
                    reason: "\(providerFn.name) and \(clientFn.name) share upstream bridge "
                        + "\(topology.functions[common].name) with no ACS redirect on the path: "
                        + "PCI_P2PDMA_MAP_BUS_ADDR, distance \(distA) + \(distB) = \(path)",
                    suggestions: [])
            }
            if verbose {
                messages.append(
                    warn(clientFn, "ACS redirect is set between the client and provider (\(providerFn.name))"))
                messages.append(
                    warn(
                        clientFn,
                        "to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir="
                            + acsList.printed))
            }
            acsRedirects = true
        } else {
            acsNodes = []  // the walk filled acs_list, but without a common bridge it is never used
        }

        // map_through_host_bridge:
        var hostCheck: HostBridgePathCheck
        var mapType = P2PMapType.throughHostBridge
        if platform.cpuSupportsP2PDMA {
            hostCheck = .allowedByCPU(platform)
        } else {
            let result = hostBridgeWhitelist(
                provider: provider, client: client, warn: acsRedirects, topology: topology, allowlist: allowlist)
            messages += result.messages
            if result.allowed {
                hostCheck = .allowedByAllowlist(result.lookups)
            } else {
                hostCheck = .refused(platform, result.lookups)
                mapType = .notSupported
                if verbose {
                    messages.append(
                        warn(
                            clientFn,
                            "cannot be used for peer-to-peer DMA as the client and provider (\(providerFn.name)) "
                                + "do not share an upstream bridge or whitelisted host bridge"))
                }
            }
        }
        let parameter = acsRedirects ? "pci=disable_acs_redir=" + acsList.printed : nil
        var decision = P2PDecision(
            provider: provider, client: .pci(client), resolvedClient: client, mapType: mapType,
            distance: mapType == .notSupported ? -1 : path, pathLength: path, providerHops: distA,
            clientHops: distB, providerChain: chainA, clientChain: chainB, commonUpstreamBridge: common,
            acsRedirectingBridges: acsNodes, disableACSRedirectParameter: parameter, hostBridgePath: hostCheck,
            messages: messages, reason: "", suggestions: [])
        decision.reason = explain(decision)
        decision.suggestions = suggest(for: decision)
        return decision
    }

    /// Mirrors `pci_p2pdma_map_type()`: refuses a provider without p2pdma state and any client that is not itself
    /// a PCI device (`dev_is_pci()` false, no parent walk here), else `calc_map_type_and_dist(…, verbose=true)`.
    ///
    /// The kernel caches the type per client in `p2pdma->map_types`; a cached result (e.g. from an earlier
    /// non-verbose `pci_p2pdma_distance_many()`) is returned without printing. This emulation always recomputes.
    public func mapType(provider: Int, client: DeviceRef) -> P2PDecision {
        guard let providerFn = topology.function(provider), providerFn.hasP2PDMA else {
            var d = earlyRefusal(
                provider: provider, client: client, resolved: nil,
                reason: "provider has no p2pdma state (pdev->p2pdma is NULL): PCI_P2PDMA_MAP_NOT_SUPPORTED",
                messages: [])
            d.suggestions = [
                Suggestion(
                    action: .registerProviderMemory(provider: provider),
                    text: "register the provider's BAR with pci_p2pdma_add_resource() / pcim_p2pdma_init()")
            ]
            return d
        }
        guard case .pci(let clientID) = client, topology.function(clientID) != nil else {
            var d = earlyRefusal(
                provider: provider, client: client, resolved: nil,
                reason: "client is not a PCI device (dev_is_pci() is false): PCI_P2PDMA_MAP_NOT_SUPPORTED",
                messages: [])
            d.suggestions = [
                Suggestion(action: .usePCIClient(client), text: "DMA from a PCI function instead of a non-PCI device")
            ]
            return d
        }
        return calcMapTypeAndDistance(provider: provider, client: clientID, verbose: true)
    }

    /// Mirrors `pci_p2pdma_distance_many()`: sum of distances, or -1 if any client is refused.
    ///
    /// No clients → -1. A client with no PCI device above it → warning (if `verbose`) and an immediate -1 (later
    /// clients are not evaluated). A refused PCI client → -1; without `verbose` the loop stops there, with `verbose`
    /// it goes on so every client's warnings are printed.
    public func distanceMany(provider: Int, clients: [DeviceRef], verbose: Bool = true) -> DistanceManyResult {
        if clients.isEmpty {
            return DistanceManyResult(
                distance: -1, decisions: [], refusedClients: [], unevaluatedClients: [], messages: [],
                reason: "no clients given (num_clients == 0): -1")
        }
        var decisions: [P2PDecision] = []
        var refused: [DeviceRef] = []
        var messages: [KernelMessage] = []
        var total = 0
        var notSupported = false
        for (index, client) in clients.enumerated() {
            guard let pciClient = findParentPCIDevice(client) else {
                if verbose { messages.append(notPCIWarning(client)) }
                var d = earlyRefusal(
                    provider: provider, client: client, resolved: nil,
                    reason: "client has no PCI device above it (find_parent_pci_dev() returned NULL)",
                    messages: verbose ? [notPCIWarning(client)] : [])
                d.suggestions = [
                    Suggestion(action: .usePCIClient(client), text: "DMA from a PCI function, or a device below one")
                ]
                decisions.append(d)
                refused.append(client)
                return DistanceManyResult(
                    distance: -1, decisions: decisions, refusedClients: refused,
                    unevaluatedClients: Array(clients[(index + 1)...]), messages: messages,
                    reason: "\(describe(client)) is not a PCI device: the kernel returns -1 at once")
            }
            var decision = calcMapTypeAndDistance(provider: provider, client: pciClient, verbose: verbose)
            decision.client = client
            messages += decision.messages
            decisions.append(decision)
            if decision.mapType == .notSupported {
                notSupported = true
                refused.append(client)
            }
            if notSupported && !verbose {
                return DistanceManyResult(
                    distance: -1, decisions: decisions, refusedClients: refused,
                    unevaluatedClients: Array(clients[(index + 1)...]), messages: messages,
                    reason: "\(describe(client)) refused; non-verbose mode stops here: -1")
            }
            total += decision.pathLength ?? 0
        }
        if notSupported {
            let names = refused.map(describe).joined(separator: ", ")
            return DistanceManyResult(
                distance: -1, decisions: decisions, refusedClients: refused, unevaluatedClients: [],
                messages: messages, reason: "refused for \(names): -1")
        }
        let parts = decisions.map { String($0.distance) }.joined(separator: " + ")
        return DistanceManyResult(
            distance: total, decisions: decisions, refusedClients: [], unevaluatedClients: [], messages: messages,
            reason: "all clients supported: \(parts) = \(total)")
    }

    /// Mirrors `pci_p2pdma_distance()` (include/linux/pci-p2pdma.h): `distance_many()` with one client.
    public func distance(provider: Int, client: DeviceRef, verbose: Bool = false) -> DistanceManyResult {
        distanceMany(provider: provider, clients: [client], verbose: verbose)
    }

    // MARK: - Helpers

    func warn(_ fn: PCIFunctionDescription, _ text: String) -> KernelMessage {
        KernelMessage(level: .warning, device: fn.name, prefix: fn.driverName ?? "pci", text: text)
    }

    func notPCIWarning(_ ref: DeviceRef) -> KernelMessage {
        let text = "cannot be used for peer-to-peer DMA as it is not a PCI device"
        switch ref {
        case .pci(let id):
            return KernelMessage(level: .warning, device: "pci#\(id)", prefix: "pci", text: text)
        case .platform(let id):
            let dev = topology.platformDevice(id)
            return KernelMessage(
                level: .warning, device: dev?.name ?? "platform#\(id)",
                prefix: dev?.driverName ?? dev?.busName ?? "platform", text: text)
        }
    }

    func describe(_ ref: DeviceRef) -> String {
        switch ref {
        case .pci(let id): return topology.function(id)?.name ?? "pci#\(id)"
        case .platform(let id): return topology.platformDevice(id)?.name ?? "platform#\(id)"
        }
    }

    func earlyRefusal(
        provider: Int, client: DeviceRef, resolved: Int?, reason: String, messages: [KernelMessage]
    ) -> P2PDecision {
        P2PDecision(
            provider: provider, client: client, resolvedClient: resolved, mapType: .notSupported, distance: -1,
            pathLength: nil, providerHops: 0, clientHops: 0, providerChain: [], clientChain: [],
            commonUpstreamBridge: nil, acsRedirectingBridges: [], disableACSRedirectParameter: nil,
            hostBridgePath: .notEvaluated, messages: messages, reason: reason, suggestions: [])
    }
}
