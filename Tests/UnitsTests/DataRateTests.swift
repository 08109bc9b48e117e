import Testing
import Units

@Suite("DataRate")
struct DataRateTests {
    @Test(arguments: [
        ("1 B/s", 1.0), ("2 kB/s", 2e3), ("2 KB/s", 2e3), ("25 GB/s", 25e9), ("500 MB/s", 500e6), ("1 TB/s", 1e12),
        ("1 KiB/s", 1_024), ("1 MiB/s", 1_048_576), ("2 GiB/s", 2_147_483_648), ("1 TiB/s", 1_099_511_627_776),
        ("8 b/s", 1), ("8 kb/s", 1e3), ("8 Kb/s", 1e3), ("8 Mb/s", 1e6), ("100 Gb/s", 12.5e9), ("1 Tb/s", 125e9),
        ("12.5GB/s", 12.5e9),
    ])
    func parsesEveryUnit(text: String, bytesPerSecond: Double) throws {
        #expect(try DataRate.parse(text).bytesPerSecond == bytesPerSecond)
    }

    @Test func transfersPerSecondNeedLanes() throws {
        // Gen3: 8 GT/s per lane; 16 lanes carry 16 x 8e9 bits = 16e9 bytes of symbols per second.
        #expect(try DataRate.parse("8 GT/s", lanes: 16).bytesPerSecond == 16e9)
        #expect(try DataRate.parse("2500 MT/s", lanes: 1).bytesPerSecond == 312.5e6)
        #expect(throws: UnitParseError(.transfersNeedLanes, text: "8 GT/s", offset: 2)) {
            try DataRate.parse("8 GT/s")
        }
    }

    @Test func rejectsMalformedRates() {
        #expect(throws: UnitParseError.self) { try DataRate.parse("25") }
        #expect(throws: UnitParseError.self) { try DataRate.parse("25 GB") }
        #expect(throws: UnitParseError.self) { try DataRate.parse("25 gbps") }
        #expect(throws: UnitParseError(.negative, text: "-1 GB/s", offset: 0)) { try DataRate.parse("-1 GB/s") }
        #expect(throws: UnitParseError.self) { try DataRate.parse("GB/s") }
        #expect(
            throws: UnitParseError(
                .outOfRange(allowed: "a rate from 0 B/s to 1000 TB/s"), text: "1e400 GB/s", offset: 0)
        ) { try DataRate.parse("1e400 GB/s") }
    }

    @Test func prints() {
        #expect(DataRate(bytesPerSecond: 25e9).description == "25 GB/s")
        #expect(DataRate(bytesPerSecond: 15.753846e9).description == "15.7538 GB/s")
        #expect(DataRate(bytesPerSecond: 500e6).description == "500 MB/s")
        #expect(DataRate(bytesPerSecond: 12).description == "12 B/s")
    }
}
