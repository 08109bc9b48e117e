import PCIeProtocol
import SimKernel
import Testing
import Units

@testable import PacketModel

/// `PacketRunCache`: a run equal to an earlier one up to names gets the earlier result under its
/// own names, identical to simulating it.
@Suite("Packet model: runs equal up to names are simulated once")
struct RunCacheTests {
    /// The tree scenario with a read, a write and a late start (several stage kinds, reads and
    /// writes, a bottleneck named by stage), with every stage id and tag prefixed.
    static func scenario(prefix: String) -> (PacketFabric, [PacketTransfer]) {
        let (fabric, transfers) = PinnedResultTests.scenario("tree with a read, a write and a late start")
        var renamedFabric = fabric
        for i in renamedFabric.stages.indices {
            renamedFabric.stages[i].id = StageID(prefix + renamedFabric.stages[i].id.name)
            if let reverse = renamedFabric.stages[i].reverseDirection {
                renamedFabric.stages[i].reverseDirection = StageID(prefix + reverse.name)
            }
        }
        let renamedTransfers = transfers.map { transfer in
            var renamed = transfer
            renamed.tag = prefix + transfer.tag
            renamed.requestRoute = transfer.requestRoute.map { StageID(prefix + $0.name) }
            renamed.completionRoute = transfer.completionRoute.map { StageID(prefix + $0.name) }
            return renamed
        }
        return (renamedFabric, renamedTransfers)
    }

    @Test("A renamed run is answered from the cache, byte-identical to simulating it")
    func renamedRunIsAHitAndIdentical() throws {
        let cache = PacketRunCache(capacity: 4)
        let (fabric, transfers) = Self.scenario(prefix: "")
        let first = try cache.run(fabric: fabric, transfers: transfers)
        #expect(first == (try PacketSimulation.run(fabric: fabric, transfers: transfers)))
        let (renamedFabric, renamedTransfers) = Self.scenario(prefix: "other.")
        let cached = try cache.run(fabric: renamedFabric, transfers: renamedTransfers)
        let simulated = try PacketSimulation.run(fabric: renamedFabric, transfers: renamedTransfers)
        #expect(cache.counts.hits == 1 && cache.counts.misses == 1)
        #expect(cached == simulated)
        #expect(cached.description == simulated.description)
        #expect(cached.transfers.map(\.tag) == renamedTransfers.map(\.tag))
        #expect(cached.description.contains("other.") && !first.description.contains("other."))
    }

    @Test("Inputs that differ in anything but names are simulated again")
    func differentInputsMiss() throws {
        let cache = PacketRunCache(capacity: 4)
        var (fabric, transfers) = Self.scenario(prefix: "")
        _ = try cache.run(fabric: fabric, transfers: transfers)
        transfers[0].bytes += 4096
        let longer = try cache.run(fabric: fabric, transfers: transfers)
        #expect(cache.counts.misses == 2 && cache.counts.hits == 0)
        #expect(longer == (try PacketSimulation.run(fabric: fabric, transfers: transfers)))
        // Swapping two stages' positions changes the report order: another run.
        fabric.stages.swapAt(0, 1)
        _ = try cache.run(fabric: fabric, transfers: transfers)
        #expect(cache.counts.misses == 3)
    }

    @Test("An issue control is part of the inputs")
    func issueControlIsPartOfTheKey() throws {
        let cache = PacketRunCache(capacity: 4)
        let (fabric, transfers) = Self.scenario(prefix: "")
        let jobs = transfers.indices.map { IssueControl.Job(earliest: UInt64($0) * 1_000_000) }
        let control = IssueControl(jobs: jobs, poolCapacities: [], serverCount: 0)
        let controlled = try cache.run(fabric: fabric, transfers: transfers, issueControl: control)
        let free = try cache.run(fabric: fabric, transfers: transfers)
        #expect(cache.counts.misses == 2)
        #expect(controlled == (try PacketSimulation.run(fabric: fabric, transfers: transfers, issueControl: control)))
        #expect(controlled != free)
    }

    @Test("Bad inputs are reported on every call and never kept")
    func errorsAreNotKept() {
        let cache = PacketRunCache(capacity: 4)
        var (fabric, transfers) = Self.scenario(prefix: "")
        transfers[0].requestRoute[0] = "nowhere"
        for _ in 0..<2 {
            #expect(throws: PacketModelError.self) { try cache.run(fabric: fabric, transfers: transfers) }
        }
        fabric = PacketFabric(stages: fabric.stages + [fabric.stages[0]])
        #expect(throws: PacketModelError.self) { try cache.run(fabric: fabric, transfers: transfers) }
        #expect(cache.counts.hits == 0)
    }

    @Test("The oldest result goes first when the cache is full")
    func capacityBoundsTheResultsKept() throws {
        let cache = PacketRunCache(capacity: 1)
        var (fabric, transfers) = Self.scenario(prefix: "")
        _ = try cache.run(fabric: fabric, transfers: transfers)
        let original = transfers
        transfers[0].bytes += 4096
        _ = try cache.run(fabric: fabric, transfers: transfers)
        _ = try cache.run(fabric: fabric, transfers: original)
        #expect(cache.counts.misses == 3 && cache.counts.hits == 0)
        _ = try cache.run(fabric: fabric, transfers: original)
        #expect(cache.counts.hits == 1)
    }
}
