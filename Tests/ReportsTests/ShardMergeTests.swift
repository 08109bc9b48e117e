import Engine
import Reports
import Testing

@Suite("merge refuses incomplete, duplicated and mixed shard sets")
struct ShardMergeTests {
    private func sweepParts(count: Int, from: String = "gpu0", to: String = "gpu2") throws -> [SweepReport] {
        let p = try planner("default")
        return try (0..<count).map {
            try SweepReport.make(planner: p, from: from, to: to, shardIndex: $0, shardCount: count)
        }
    }

    private func refusal(_ parts: [SweepReport]) -> String? {
        do {
            _ = try SweepReport.merge(parts)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func partsCarryIndexCountAndInputsHash() throws {
        let parts = try sweepParts(count: 3)
        #expect(parts.map { $0.shard?.index } == [1, 2, 3])
        #expect(parts.allSatisfy { $0.shard?.count == 3 })
        #expect(Set(parts.compactMap { $0.shard?.inputsHash }).count == 1)
        #expect(try SweepReport.merge(parts).shard?.count == 1)
    }

    @Test func aMissingPartIsRefused() throws {
        let parts = try sweepParts(count: 4)
        #expect(refusal([parts[0], parts[1], parts[3]])?.contains("part(s) 3 of 4 are missing") == true)
    }

    @Test func aDuplicatedPartIsRefused() throws {
        let parts = try sweepParts(count: 2)
        #expect(refusal([parts[0], parts[0], parts[0]])?.contains("part 1 of 2 is given twice") == true)
    }

    @Test func partsOfDifferentSweepsAreRefused() throws {
        let a = try sweepParts(count: 2)
        let b = try sweepParts(count: 2, to: "gpu1")
        #expect(refusal([a[0], b[1]])?.contains("is not a part of the same sweep") == true)
        let c = try sweepParts(count: 3)
        #expect(refusal([a[0], c[1]])?.contains("is not a part of the same sweep") == true)
    }

    @Test func matrixPartsAreCheckedTheSameWay() throws {
        let p = try planner("dgx1-v100")
        let devices = (0..<4).map { "gpu\($0)" }
        let parts = try (0..<2).map {
            try MatrixReport.make(planner: p, devices: devices, shardIndex: $0, shardCount: 2)
        }
        #expect(throws: TransferPlanningError.self) { try MatrixReport.merge([parts[0]]) }
        #expect(throws: TransferPlanningError.self) { try MatrixReport.merge([parts[0], parts[0]]) }
        #expect(try MatrixReport.merge(parts).rowsComputed == [0, 1, 2, 3])
    }
}
