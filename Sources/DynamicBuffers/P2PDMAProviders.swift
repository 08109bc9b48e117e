import Policy
import Routing
import SimKernel

/// A provider's published pool: BAR memory added with `pci_p2pdma_add_resource()`, backed by
/// ZONE_DEVICE pages (`devm_memremap_pages()`), handed out by a `gen_pool`.
struct ProviderPool: Sendable {
    /// The providing device (topology node index).
    var device: Int
    /// Bytes published.
    var size: UInt64
    /// Bytes allocated.
    var used: UInt64 = 0

    /// Bytes `gen_pool_alloc()` can still hand out.
    var free: UInt64 { size - used }
}

/// The orchestrator's choice among providers.
struct ProviderChoice: Sendable {
    /// The pool chosen (index into the pools), nil when none serves every client.
    var pool: Int?
    /// Every provider's `pci_p2pdma_distance_many()` over the clients, in the kernel's order.
    var distances: [(pool: Int, distance: Int)]
    /// The providers tied at the closest distance.
    var tied: [Int]
}

/// The in-tree P2PDMA orchestrator: `pci_p2pmem_find_many()` (drivers/pci/p2pdma.c).
///
/// For every device with published p2pmem, in `for_each_pci_dev()` order, the distance is
/// `pci_p2pdma_distance_many(provider, clients, num_clients, false)`; refused providers
/// (distance < 0) and farther ones are skipped; a closer one resets the candidates; a tie is
/// kept. One candidate is returned at random: `closest_pdevs[get_random_u32_below(dev_cnt)]`,
/// here from a seeded generator so that runs are reproducible.
enum P2PMemOrchestrator {
    static func findMany(
        pools: [ProviderPool], clients: [Int], view: KernelView, random: inout SplitMix64
    ) -> ProviderChoice {
        let refs = clients.map { DeviceRef.pci(view.functionOfNode[$0]) }
        let order = pools.indices.sorted {
            (view.functionOfNode[pools[$0].device], $0) < (view.functionOfNode[pools[$1].device], $1)
        }
        var closest = Int.max
        var candidates: [Int] = []
        var distances: [(pool: Int, distance: Int)] = []
        for index in order {
            let distance = view.policy.distanceMany(
                provider: view.functionOfNode[pools[index].device], clients: refs, verbose: false
            ).distance
            distances.append((index, distance))
            if distance < 0 || distance > closest { continue }
            if distance < closest {
                candidates = []
                closest = distance
            }
            candidates.append(index)
        }
        guard !candidates.isEmpty else { return ProviderChoice(pool: nil, distances: distances, tied: []) }
        let pick = candidates[Int(random.next(below: UInt64(candidates.count)))]
        return ProviderChoice(pool: pick, distances: distances, tied: candidates)
    }

    /// How `client` maps memory of `provider`: `pci_p2pdma_map_type()`, then
    /// `pci_p2pdma_map_sg()` with bus addresses or `dma_map_sg()` through the host bridge.
    static func mapping(provider: Int, client: Int, view: KernelView) -> (mapType: P2PMapType, text: String) {
        let decision = view.policy.mapType(
            provider: view.functionOfNode[provider], client: .pci(view.functionOfNode[client]))
        switch decision.mapType {
        case .busAddress:
            return (
                decision.mapType,
                "PCI_P2PDMA_MAP_BUS_ADDR: pci_p2pdma_map_sg() hands out PCI bus addresses, the IOMMU is bypassed"
            )
        case .throughHostBridge:
            return (
                decision.mapType,
                "PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: dma_map_sg() maps the BAR through the host bridge (IOMMU)"
            )
        case .notSupported:
            return (decision.mapType, "PCI_P2PDMA_MAP_NOT_SUPPORTED: " + decision.reason)
        }
    }
}
