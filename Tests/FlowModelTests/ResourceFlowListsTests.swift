import Testing

@testable import FlowModel

/// The solver's per-resource flow lists (segments of one pool) against an array per resource.
@Suite("FlowModel: per-resource flow lists")
struct ResourceFlowListsTests {
    /// The entries of resource `r`, in list order.
    private func entries(_ lists: ResourceFlowLists, _ r: Int) -> [Int32] {
        lists.range(r).map { lists.pool[$0].slot }
    }

    @Test("Appends and swap-removals give the order of an array per resource, through segment moves")
    func matchesArraysWithSwapRemoval() {
        var state: UInt64 = 14
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let resources = 40
        var lists = ResourceFlowLists()
        for _ in 0..<resources { lists.addResource() }
        var reference = [[Int32]](repeating: [], count: resources)
        var nextSlot: Int32 = 0
        for step in 0..<40_000 {
            let r = Int(next() % UInt64(resources))
            // Grow for the first half, then shrink: segments move while growing.
            let grow = next() % 4 < (step < 20_000 ? 3 : 1)
            if grow || reference[r].isEmpty {
                let position = lists.append(ResourceFlowLists.Entry(flow: nextSlot / 3, slot: nextSlot), to: r)
                #expect(Int(position) == reference[r].count)
                reference[r].append(nextSlot)
                nextSlot += 1
            } else {
                let position = Int(next() % UInt64(reference[r].count))
                let moved = lists.remove(at: Int32(position), from: r)
                let last = reference[r].removeLast()
                if position < reference[r].count {
                    reference[r][position] = last
                    #expect(moved == last)
                } else {
                    #expect(moved == nil)
                }
            }
        }
        for r in 0..<resources {
            #expect(entries(lists, r) == reference[r])
            #expect(lists.count(r) == reference[r].count)
            #expect(lists.range(r).allSatisfy { lists.pool[$0].flow == lists.pool[$0].slot / 3 })
        }
    }

    @Test("A segment that fills up grows at once to the number of slots added on its resource")
    func growsToTheSlotsAdded() {
        var lists = ResourceFlowLists()
        lists.addResource()
        lists.addResource()
        for _ in 0..<100 { lists.addSlot(on: 1) }
        _ = lists.append(ResourceFlowLists.Entry(flow: 0, slot: 0), to: 0)
        _ = lists.append(ResourceFlowLists.Entry(flow: 0, slot: 1), to: 1)
        // Resource 0: 4 entries (the smallest segment); resource 1: room for its 100 slots.
        #expect(lists.pool.count == 104)
        for slot in 2..<101 { _ = lists.append(ResourceFlowLists.Entry(flow: 0, slot: Int32(slot)), to: 1) }
        #expect(lists.pool.count == 104)
        #expect(entries(lists, 1) == Array(1..<101))
    }
}
