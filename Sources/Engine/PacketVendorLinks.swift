// PacketVendorLinks.swift — NVLink, NVSwitch, XGMI and CPU socket links in the packet model:
// the mapping from a planned transfer onto `PacketStageKind.vendorLink` stages.
//
// Sources: link formats, rates and credits from `LinkProtocols` (each constant sourced there);
// latencies from `ModelParameters` (`nvlinkLatency`, `xgmiLatency`) and the topology's socket
// links; NVSwitch port-to-port latency from `NVSwitchProfile` (an assumption named there).

import LinkProtocols
import PCIeProtocol
import PacketModel
import Topology
import Units

extension PacketEngine {
    /// The machine's topology (`PacketEngine`'s own accessor is private to its file).
    private var linkTopology: Topology { planner.machine.topology }

    /// The packet transfer of a transfer that goes by NVLink, NVSwitch or XGMI, with its stages
    /// added to `fabric` (each once, tracked in `added`); `nil` for any other mechanism.
    ///
    /// The source's copy engine writes into the destination's memory in requests of the link's
    /// copy-engine size (`NVLinkProtocol.copyEngineRequestBytes`, `XGMIProtocol`'s): over a
    /// direct link, `a->b.<kind>` (all bonded links as lanes) then `b.memory`; through NVSwitch,
    /// the source's links to every plane as lanes, the switch crossing, the destination's links,
    /// then its memory. Each link direction costs half the one-way latency, less the switch's.
    public func vendorLinkTransfer(
        _ transfer: ScheduledTransfer, start: Picoseconds, tag: String, fabric: inout PacketFabric,
        added: inout Set<StageID>
    ) -> PacketTransfer? {
        let plan = transfer.plan
        guard [.nvlink, .nvswitch, .xgmi].contains(plan.mechanism), plan.hops.count >= 2,
            let a = linkTopology.nodeIndex(of: plan.hops[0]),
            let b = linkTopology.nodeIndex(of: plan.hops[plan.hops.count - 1])
        else { return nil }
        let nameA = linkTopology.nodes[a].id
        let nameB = linkTopology.nodes[b].id
        var route: [StageID]
        var requestBytes = NVLinkProtocol.copyEngineRequestBytes
        switch plan.mechanism {
        case .xgmi:
            guard let (profile, _) = directLinkProfile(a, b) else { return nil }
            requestBytes = XGMIProtocol.copyEngineRequestBytes
            route = [addVendorLinkPair(nameA, nameB, profile, planner.parameters.xgmiLatency, &fabric, &added)]
        case .nvlink:
            guard let (profile, _) = directLinkProfile(a, b) else { return nil }
            route = [addVendorLinkPair(nameA, nameB, profile, planner.parameters.nvlinkLatency, &fabric, &added)]
        default:
            guard let generation = switchLinkGeneration(a) else { return nil }
            let switchChip = NVSwitchProfile.serving(generation)
            let total = planner.parameters.nvlinkLatency
            let perLink =
                total > Picoseconds(switchChip.latencyPicoseconds)
                ? Picoseconds((total.rawValue - switchChip.latencyPicoseconds) / 2) : .zero
            let tx = addSwitchLinks(a, generation, perLink, &fabric, &added).tx
            let rx = addSwitchLinks(b, generation, perLink, &fabric, &added).rx
            let crossing = StageID("nvswitch.planes")
            if !added.contains(crossing) {
                fabric.add(
                    PacketStage(
                        id: crossing,
                        kind: .switchCrossing(latency: Picoseconds(switchChip.latencyPicoseconds), bandwidth: nil)))
                added.insert(crossing)
            }
            route = [tx, crossing, rx]
        }
        route.append(addDeviceMemory(b, &fabric, &added))
        let size = TransactionSizeLimit(rawValue: requestBytes) ?? .bytes256
        return PacketTransfer(
            kind: .write, bytes: transfer.bytes, startAddress: Self.bufferAddress, start: start,
            requester: RequesterParameters(maxPayloadSize: size, maxReadRequestSize: size), requestRoute: route,
            tag: tag)
    }

    /// Adds both directions of the socket link between sockets `from` and `to` as vendor links
    /// (UPI or AMD Infinity Fabric at flit level), under the ids PCIe paths already use for
    /// them; returns whether it did (other kinds of socket link stay crossings).
    public func addVendorSocketLink(
        from: Int, to: Int, fabric: inout PacketFabric, added: inout Set<StageID>
    ) -> Bool {
        guard
            let link = linkTopology.socketLinks.first(where: {
                ($0.a == from && $0.b == to) || ($0.a == to && $0.b == from)
            }
            ),
            let profile = Self.socketLinkProfile(link)
        else { return false }
        let forward = StageID("\(linkTopology.sockets[from].id)->\(linkTopology.sockets[to].id).socket-link")
        let backward = StageID("\(linkTopology.sockets[to].id)->\(linkTopology.sockets[from].id).socket-link")
        if !added.contains(forward) {
            fabric.addVendorLink(forward: forward, backward: backward, profile: profile, latency: link.latency)
            added.insert(forward)
            added.insert(backward)
        }
        return true
    }

    /// The link profile of a topology's socket link: UPI (or QPI) over 20 lanes, Infinity
    /// Fabric over x16, at the lane rate that gives the file's bandwidth per link.
    static func socketLinkProfile(_ link: SocketLink) -> LinkProfile? {
        let bytesPerSecond = link.bandwidthPerLink.bytesPerSecond
        switch link.kind {
        case .upi, .qpi:
            // The file's figure is Intel's: flit payload per direction (2 B per transfer).
            let rate = bytesPerSecond * 8 / Double(SocketLinkProtocol.upiLanes) / SocketLinkProtocol.upiCodingEfficiency
            return SocketLinkProtocol.profile(.upi(gigatransfersPerSecond: rate / 1e9), bonded: link.links)
        case .infinityFabric:
            let rate = bytesPerSecond * 8 / Double(XGMIProtocol.lanes)
            return SocketLinkProtocol.profile(.infinityFabric(gigatransfersPerSecond: rate / 1e9), bonded: link.links)
        case .xbus, .other:
            return nil
        }
    }

    /// The profile of the direct NVLinks or XGMI links between two devices (all bonded), and
    /// their number.
    private func directLinkProfile(_ a: Int, _ b: Int) -> (LinkProfile, Int)? {
        var count = 0
        var kind: VendorLinkKind?
        for link in linkTopology.vendorLinks
        where (link.a == .node(a) && link.b == .node(b)) || (link.a == .node(b) && link.b == .node(a)) {
            count += link.links
            switch link.kind {
            case .nvlink(let generation):
                kind = .nvlink(NVLinkGeneration(number: generation) ?? .nvlink2)
            case .xgmi(let lanes, let linkRate):
                let gigatransfers = linkRate.bytesPerSecond * 8 / Double(max(lanes, 1)) / 1e9
                kind = .xgmi(XGMIGeneration(gigatransfersPerSecond: gigatransfers))
            }
        }
        guard let kind, count > 0 else { return nil }
        return (kind.profile(bonded: count), count)
    }

    /// The NVLink generation of a device's links to NVSwitch planes.
    private func switchLinkGeneration(_ device: Int) -> NVLinkGeneration? {
        for link in linkTopology.vendorLinks {
            guard case .nvlink(let generation) = link.kind else { continue }
            if (link.a == .node(device) && linkTopology.isSwitchEnd(link.b))
                || (link.b == .node(device) && linkTopology.isSwitchEnd(link.a))
            {
                return NVLinkGeneration(number: generation) ?? .nvlink4
            }
        }
        return nil
    }

    /// Adds a device's NVLinks to every NVSwitch plane (both directions, all links as lanes).
    private func addSwitchLinks(
        _ device: Int, _ generation: NVLinkGeneration, _ latency: Picoseconds, _ fabric: inout PacketFabric,
        _ added: inout Set<StageID>
    ) -> (tx: StageID, rx: StageID) {
        let id = linkTopology.nodes[device].id
        let tx = StageID("\(id).nvlink.tx")
        let rx = StageID("\(id).nvlink.rx")
        if !added.contains(tx) {
            // All of the device's links to every plane, as lanes (the planes' asymmetry is the
            // flow model's; here the switch spreads the traffic over every link).
            let links = max(1, planner.resources.nvswitchPlanes[device]?.reduce(0) { $0 + $1.links } ?? 1)
            fabric.addVendorLink(
                forward: tx, backward: rx, profile: NVLinkProtocol.profile(generation, bonded: links), latency: latency)
            added.insert(tx)
            added.insert(rx)
        }
        return (tx, rx)
    }

    /// Adds both directions of a direct vendor link between devices named `a` and `b`; returns
    /// the `a->b` direction.
    private func addVendorLinkPair(
        _ a: String, _ b: String, _ profile: LinkProfile, _ latency: Picoseconds, _ fabric: inout PacketFabric,
        _ added: inout Set<StageID>
    ) -> StageID {
        let suffix = profile.name.hasPrefix("XGMI") ? "xgmi" : "nvlink"
        let forward = StageID("\(a)->\(b).\(suffix)")
        if !added.contains(forward) {
            fabric.addVendorLink(
                forward: forward, backward: StageID("\(b)->\(a).\(suffix)"), profile: profile, latency: latency)
            added.insert(forward)
            added.insert(StageID("\(b)->\(a).\(suffix)"))
        }
        return forward
    }

    /// Adds a device's memory stage (the id PCIe paths use for it) once.
    private func addDeviceMemory(_ node: Int, _ fabric: inout PacketFabric, _ added: inout Set<StageID>) -> StageID {
        let id = StageID("\(linkTopology.nodes[node].id).memory")
        if !added.contains(id) {
            let memory = linkTopology.nodes[node].endpoint?.memory
            fabric.add(
                PacketStage(id: id, kind: .memory(latency: memory?.latency ?? .zero, bandwidth: memory?.bandwidth)))
            added.insert(id)
        }
        return id
    }
}
