import Foundation
import Reports
import Testing

@Suite("Cross-validation: flow against packet fidelity")
struct CrossValidationTests {
    /// Cases whose links carry traffic one way: bandwidths within 3% and completion times within
    /// 5% at 1 MiB per transfer.
    @Test func oneWayCasesAgreeWithinTheTargets() throws {
        let cases = CrossValidation.cases.filter { !$0.bothWays }
        let rows = try CrossValidation.run(topologies: topologies, bytes: 1 << 20, cases: cases)
        #expect(rows.count >= 25)
        for row in rows {
            #expect(
                abs(row.bandwidthError) <= 0.03,
                "\(row.caseName) \(row.topology) \(row.transfer): \(row.flowGBps) vs \(row.packetGBps) GB/s")
            #expect(abs(row.timeError) <= 0.05, "\(row.caseName) \(row.topology) \(row.transfer)")
        }
    }

    /// Cases with traffic both ways on a link: the flow model charges reads' requests to the
    /// opposite direction but shares it fairly on rates, where the packet model arbitrates per
    /// packet (explained in docs/validation.md); at 4 MiB they stay within 5%.
    @Test func bothWaysCasesStayWithinTheExplainedDifference() throws {
        let cases = CrossValidation.cases.filter(\.bothWays)
        let rows = try CrossValidation.run(topologies: topologies, bytes: 4 << 20, cases: cases)
        #expect(!rows.isEmpty)
        for row in rows where row.knownDifference == nil {
            #expect(abs(row.bandwidthError) <= 0.05, "\(row.caseName) \(row.topology) \(row.transfer)")
        }
        // A known difference must still show, or its mark is stale.
        let known = rows.filter { $0.knownDifference != nil }
        #expect(!known.isEmpty)
        // Each known case separately, so that a stale mark on any of them shows.
        for name in Set(known.map(\.caseName)).sorted() {
            withKnownIssue("\(name): \(known.first { $0.caseName == name }?.knownDifference ?? "")") {
                for row in known where row.caseName == name {
                    #expect(abs(row.bandwidthError) <= 0.05, "\(row.caseName) \(row.topology) \(row.transfer)")
                }
            }
        }
    }
}
