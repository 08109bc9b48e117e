import Testing
import Units

@testable import DynamicBuffers

/// The run's own invariants catch what they are meant to.
@Suite struct InvariantTests {
    func dma(_ chunks: [(UInt64, UInt64, UInt64)], requested: UInt64) -> DMAResult {
        DMAResult(
            id: "d", buffer: "b", requested: requested, start: .zero, end: .ms(1), segments: [],
            chunks: chunks.map { DeliveredChunk(offset: $0.0, length: $0.1, time: Picoseconds($0.2), path: "p2p") })
    }

    @Test func inOrderDeliveryPasses() {
        #expect(
            TimelineInvariants.check(dmas: [dma([(0, 4, 1), (4, 4, 2)], requested: 8)], records: [], ranges: []).isEmpty
        )
    }

    @Test func reorderedLostOrDuplicatedChunksAreCaught() {
        let reordered = TimelineInvariants.check(
            dmas: [dma([(4, 4, 1), (0, 4, 2)], requested: 8)], records: [], ranges: [])
        #expect(reordered.first?.contains("offset 4 was delivered where offset 0 was due") == true)
        let lost = TimelineInvariants.check(dmas: [dma([(0, 4, 1)], requested: 8)], records: [], ranges: [])
        #expect(lost.first?.contains("4 B delivered of 8 B") == true)
        let duplicated = TimelineInvariants.check(
            dmas: [dma([(0, 4, 1), (0, 4, 2)], requested: 8)], records: [], ranges: [])
        #expect(!duplicated.isEmpty)
    }

    @Test func aChunkLandingDuringAMoveIsCaught() {
        let migration = TimelineRecord(
            start: Picoseconds(10), end: Picoseconds(20), kind: .migration, subject: "b", device: "gpu0", bytes: 8,
            message: "")
        let found = TimelineInvariants.check(
            dmas: [dma([(0, 4, 5), (4, 4, 15)], requested: 8)], records: [migration], ranges: [])
        #expect(found.first?.contains("while b was being copied") == true)
    }
}
