import Testing

@testable import FlowModel

/// The flow simulation's indexed event queue against a plain reference.
@Suite("FlowModel: event queue order")
struct EventQueueTests {
    @Test("Schedules, moves, removals and pops keep the order of (time, flow id)")
    func matchesAReference() {
        var state: UInt64 = 14
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let flows = 3_000
        var queue = EventQueue()
        queue.grow(to: flows)
        var reference: [Int: Double] = [:]
        for _ in 0..<60_000 {
            let f = Int(next() % UInt64(flows))
            switch next() % 4 {
            case 0, 1:
                // Coarse times: many ties, broken by flow id.
                let t = Double(next() % 64)
                queue.schedule(f, at: t)
                reference[f] = t
            case 2:
                queue.remove(f)
                reference[f] = nil
            default:
                let first = reference.min { ($0.value, $0.key) < ($1.value, $1.key) }
                #expect(queue.nextTime == first?.value)
                // Nothing is delivered before its time.
                if let first { #expect(queue.popTop(notAfter: first.value - 0.5) == nil) }
                let top = queue.popTop(notAfter: first?.value ?? 0)
                #expect(top == first?.key)
                if let first { reference[first.key] = nil }
            }
        }
        var order: [Int] = []
        while let f = queue.popTop() { order.append(f) }
        #expect(order == reference.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key))
        #expect(queue.isEmpty)
    }
}
