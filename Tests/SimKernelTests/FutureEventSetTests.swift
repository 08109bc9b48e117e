import SimKernel
import Testing
import Units

/// The future-event set pops events in (time, insertion order), whatever its heap's shape.
@Suite("SimKernel: future-event set order")
struct FutureEventSetTests {
    @Test("Interleaved pushes and pops come out sorted by time, ties first in first out")
    func popsInTimeThenInsertionOrder() {
        var random = SplitMix64(seed: 14)
        var set = FutureEventSet<Int>()
        // (time, insertion number) of the pending events, kept sorted by hand as the reference.
        var pending: [(time: UInt64, number: Int)] = []
        var popped: [Int] = []
        var expected: [Int] = []
        var now: UInt64 = 0
        for number in 0..<20_000 {
            // Few distinct times, so that ties are frequent; never before the last pop.
            let time = now + random.next() % 50
            set.push(at: Picoseconds(time), to: ComponentID(0), port: PortID(0), number)
            pending.append((time, number))
            if random.next() % 3 == 0, let event = set.popEarliest() {
                let index = pending.indices.min { (pending[$0].time, pending[$0].number) < (pending[$1].time, pending[$1].number) }!
                expected.append(pending.remove(at: index).number)
                popped.append(event.message)
                now = event.time.rawValue
            }
        }
        while let event = set.popEarliest() { popped.append(event.message) }
        expected += pending.sorted { ($0.time, $0.number) < ($1.time, $1.number) }.map(\.number)
        #expect(popped == expected)
        #expect(set.isEmpty)
    }
}
