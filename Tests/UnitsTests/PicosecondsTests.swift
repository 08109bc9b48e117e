import Testing
import Units

@Suite("Picoseconds")
struct PicosecondsTests {
    @Test(arguments: [
        ("100 ps", UInt64(100)), ("150 ns", 150_000), ("1.5 us", 1_500_000), ("2 µs", 2_000_000),
        ("2 ms", 2_000_000_000), ("1 s", 1_000_000_000_000), ("0.1 ns", 100), ("105ns", 105_000),
    ])
    func parsesEveryUnit(text: String, picoseconds: UInt64) throws {
        #expect(try Picoseconds.parse(text).rawValue == picoseconds)
    }

    @Test func rejectsMalformedDurations() {
        #expect(throws: UnitParseError.self) { try Picoseconds.parse("150") }
        #expect(throws: UnitParseError.self) { try Picoseconds.parse("150 nsec") }
        #expect(throws: UnitParseError.self) { try Picoseconds.parse("150 min") }
        #expect(throws: UnitParseError(.notWhole(smallestUnit: "picoseconds"), text: "0.5 ps", offset: 0)) {
            try Picoseconds.parse("0.5 ps")
        }
        #expect(throws: UnitParseError(.negative, text: "-3 ns", offset: 0)) { try Picoseconds.parse("-3 ns") }
        #expect(
            throws: UnitParseError(.outOfRange(allowed: "a duration from 0 ps to 86400 s"), text: "1e9 s", offset: 0)
        ) { try Picoseconds.parse("1e9 s") }
    }

    @Test func printsInTheLargestUnit() {
        #expect(Picoseconds(100).description == "100 ps")
        #expect(Picoseconds.ns(150).description == "150 ns")
        #expect(Picoseconds(1_500_000).description == "1.5 us")
        #expect(Picoseconds(16_777_316_000).description == "16.777 ms")
    }

    @Test func transmissionTimeRoundsUp() {
        // 256 bytes at 16 GB/s is exactly 16 ns.
        #expect(Picoseconds.transmission(of: 256, at: .gigabytesPerSecond(16)) == .ns(16))
        // 1 byte at 3 B/s is 333,333,333,333.33 ps: rounded up.
        #expect(Picoseconds.transmission(of: 1, at: DataRate(bytesPerSecond: 3)).rawValue == 333_333_333_334)
    }
}
