extension P2PPolicy {
    /// Builds the human-readable reason for a decision that reached `map_through_host_bridge:`.
    func explain(_ d: P2PDecision) -> String {
        let names = { (ids: [Int]) in ids.compactMap { self.topology.function($0)?.name }.joined(separator: ", ") }
        var why: String
        if let common = d.commonUpstreamBridge {
            why =
                "common upstream bridge \(names([common])) but ACS redirect (RR/CR/EC) is set on "
                + "\(names(d.acsRedirectingBridges)), so TLPs are redirected to the host bridge"
        } else {
            why = "no common upstream bridge (different root ports or host bridges), so TLPs must cross the host bridge"
        }
        let hops = "distance \(d.providerHops) + \(d.clientHops) = \(d.pathLength ?? 0)"
        switch d.hostBridgePath {
        case .allowedByCPU(let p):
            return "\(why); cpu_supports_p2pdma(): AMD family 0x\(String(p.x86Family ?? 0, radix: 16)) >= 0x17 "
                + "is trusted: PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, \(hops)"
        case .allowedByAllowlist(let lookups):
            let entries = lookups.compactMap { l -> String? in
                if case .allowed(let e) = l.outcome { return e.description }
                return nil
            }
            return "\(why); host bridge allowlisted (\(entries.joined(separator: "; "))): "
                + "PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, \(hops)"
        case .refused(_, let lookups):
            let details = lookups.map { l -> String in
                let hb = topology.hostBridge(l.hostBridge)?.name ?? "host bridge \(l.hostBridge)"
                let ids =
                    "\(PCIAddress.hex(UInt64(l.vendorID), width: 4)):\(PCIAddress.hex(UInt64(l.deviceID), width: 4))"
                switch l.outcome {
                case .allowed(let e): return "\(hb) \(ids) allowed by \(e)"
                case .refusedRequiresSameHostBridge(let e):
                    return "\(hb) \(ids) matches \(e) but the devices are under different host bridges"
                case .notInAllowlist: return "\(hb) \(ids) is not in pci_p2pdma_whitelist[]"
                case .noHostBridgeDevice:
                    return
                        "\(hb) has no devfn 00.0 device or root port first on its root bus (pci_host_bridge_dev() is NULL)"
                }
            }
            return "\(why); CPU is not AMD Zen and \(details.joined(separator: "; ")): PCI_P2PDMA_MAP_NOT_SUPPORTED"
        case .notNeeded, .notEvaluated:
            return why
        }
    }

    /// Lists what would change the decision.
    func suggest(for d: P2PDecision) -> [Suggestion] {
        var out: [Suggestion] = []
        if let parameter = d.disableACSRedirectParameter, !d.acsRedirectingBridges.isEmpty {
            out.append(
                Suggestion(
                    action: .clearACSRedirect(functions: d.acsRedirectingBridges, kernelParameter: parameter),
                    text: "boot with \(parameter) (or clear ACS RR/CR/EC on those ports) to get "
                        + "PCI_P2PDMA_MAP_BUS_ADDR at distance \(d.pathLength ?? 0)"))
        }
        guard d.mapType == .notSupported else { return out }
        if d.commonUpstreamBridge == nil, let client = d.resolvedClient {
            out.append(
                Suggestion(
                    action: .placeUnderCommonSwitch(provider: d.provider, client: client),
                    text: "put both devices below one PCIe switch (a common upstream bridge) for BUS_ADDR mapping"))
        }
        out.append(
            Suggestion(
                action: .useAMDZenCPU,
                text: "an AMD Zen (family >= 0x17) CPU is trusted by cpu_supports_p2pdma() for THRU_HOST_BRIDGE"))
        var sameHostEntry: HostBridgeAllowlistEntry?
        for lookup in d.hostBridgePath.lookups {
            if case .refusedRequiresSameHostBridge(let entry) = lookup.outcome { sameHostEntry = entry }
        }
        if let entry = sameHostEntry {
            out.append(
                Suggestion(
                    action: .placeUnderSameHostBridge(entry: entry),
                    text: "\(entry) is REQ_SAME_HOST_BRIDGE: put both devices under one host bridge"))
        } else {
            let refusedHosts = d.hostBridgePath.lookups.filter { !$0.allowed }.map(\.hostBridge)
            out.append(
                Suggestion(
                    action: .useAllowlistedHostBridge(hostBridges: refusedHosts),
                    text: "use a host bridge listed in pci_p2pdma_whitelist[] (e.g. Intel Skylake-E 8086:2030)"))
        }
        return out
    }
}
