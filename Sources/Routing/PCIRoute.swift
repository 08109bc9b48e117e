import Topology

extension Topology {
    /// The hops of a PCIe route between two nodes, by id: up from `source` to the lowest common
    /// node and down to `destination`; when `throughHostBridge` is set (ACS redirect, or no
    /// common bridge), up to the root complex, across sockets if needed, and down.
    public func pcieRoute(from source: Int, to destination: Int, throughHostBridge: Bool) -> [String] {
        let up = upstreamChain(of: source)
        let down = upstreamChain(of: destination)
        let downSet = Set(down)
        if !throughHostBridge, let common = up.first(where: { downSet.contains($0) }) {
            let upPart = up.prefix { $0 != common } + [common]
            let downPart = down.prefix { $0 != common }.reversed()
            return (upPart + downPart).map { nodes[$0].id }
        }
        var hops = up.map { nodes[$0].id }
        let sourceComplex = nodes[source].rootComplex
        let destinationComplex = nodes[destination].rootComplex
        hops.append(rootComplexes[sourceComplex].id)
        if sourceComplex != destinationComplex {
            let a = rootComplexes[sourceComplex].socket
            let b = rootComplexes[destinationComplex].socket
            if a != b { hops += [sockets[a].id, sockets[b].id] }
            hops.append(rootComplexes[destinationComplex].id)
        }
        return hops + down.reversed().map { nodes[$0].id }
    }

    /// The hops of a bounce through system memory on `socket`: source up to its root complex,
    /// into that socket's memory, then out to the destination.
    public func bounceRoute(from source: Int, to destination: Int, stagingSocket socket: Int) -> [String] {
        let up = upstreamChain(of: source).map { nodes[$0].id }
        let down = upstreamChain(of: destination).reversed().map { nodes[$0].id }
        var hops = up + [rootComplexes[nodes[source].rootComplex].id]
        let sourceSocket = rootComplexes[nodes[source].rootComplex].socket
        let destinationSocket = rootComplexes[nodes[destination].rootComplex].socket
        if sourceSocket != socket { hops.append(sockets[sourceSocket].id) }
        hops.append(sockets[socket].id + ".memory")
        if destinationSocket != socket { hops.append(sockets[destinationSocket].id) }
        return hops + [rootComplexes[nodes[destination].rootComplex].id] + down
    }

    /// The BAR through which peers reach a device's memory, with the memory it fronts.
    public func memoryAperture(of node: Int) -> (bar: BARSpec, memory: MemorySpec)? {
        guard let details = nodes[node].endpoint, let memory = details.memory,
            let bar = details.bars.first(where: \.exposesMemory)
        else { return nil }
        return (bar, memory)
    }
}
