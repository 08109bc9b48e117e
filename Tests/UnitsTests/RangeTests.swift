import Testing

@testable import Units

@Suite("Ranges and checked time")
struct RangeTests {
    @Test(arguments: ["5e17 B", "18446744073709551615 B", "2 PiB"])
    func sizesBeyondOnePebibyteAreRefused(text: String) {
        #expect(throws: UnitParseError.self) { try ByteCount.parse(text) }
        do { _ = try ByteCount.parse(text) } catch {
            #expect(error.description.contains("out of range: expected a size from 0 B to 1 PiB"))
        }
    }

    @Test func onePebibyteIsTheLargestSize() throws {
        #expect(try ByteCount.parse("1 PiB").bytes == 1 << 50)
    }

    @Test func negativeSizesSaySo() {
        do {
            _ = try ByteCount.parse("-1 GB")
            Issue.record("accepted")
        } catch {
            #expect(error.description == "'-1 GB' must not be negative")
        }
    }

    @Test(arguments: ["1e-308 GB/s", "0 GB/s", "10 B/s", "2000 TB/s"])
    func bandwidthsOutsideThePhysicalRangeAreRefused(text: String) {
        do {
            _ = try DataRate.parse(text, within: .bandwidth)
            Issue.record("'\(text)' was accepted")
        } catch {
            guard case .outOfRange(let allowed) = error.reason else {
                Issue.record("expected outOfRange, got \(error.reason)")
                return
            }
            #expect(allowed.hasPrefix("a bandwidth from 1 MB/s"))
        }
    }

    @Test func latenciesAreBoundedByOneSecond() throws {
        #expect(try Picoseconds.parse("1 s", within: .latency) == Picoseconds(1_000_000_000_000))
        #expect(throws: UnitParseError.self) { try Picoseconds.parse("18446744073709551615 ps", within: .latency) }
        #expect(throws: UnitParseError.self) { try Picoseconds.parse("2 d") }
        #expect(try Picoseconds.parse("0") == .zero)
    }

    @Test func secondsConvertOnlyWhenTheyFit() throws {
        #expect(try Picoseconds(seconds: 1.5) == Picoseconds(1_500_000_000_000))
        #expect(throws: TimeRangeError.self) { try Picoseconds(seconds: .infinity) }
        #expect(throws: TimeRangeError.self) { try Picoseconds(seconds: .nan) }
        #expect(throws: TimeRangeError.self) { try Picoseconds(seconds: -1) }
        #expect(throws: TimeRangeError.self) { try Picoseconds(seconds: 1e8) }
        #expect(Picoseconds(saturatingSeconds: 1e8) == .max)
        #expect(Picoseconds(saturatingSeconds: .nan) == .zero)
    }

    @Test func transmissionTimesSaturateOrAreReported() throws {
        let slow = DataRate(bytesPerSecond: 1e6)
        #expect(Picoseconds.transmission(of: 1 << 50, at: slow) == .max)
        #expect(Picoseconds.transmission(of: 1, at: DataRate(bytesPerSecond: 0)) == .max)
        #expect(throws: TimeRangeError.self) { try Picoseconds.checkedTransmission(of: 1 << 50, at: slow) }
        #expect(try Picoseconds.checkedTransmission(of: 16, at: DataRate(bytesPerSecond: 16e9)) == Picoseconds(1_000))
    }

    @Test func sumsSaturateInsteadOfTrapping() {
        #expect(Picoseconds.max + Picoseconds(1) == .max)
        #expect(Picoseconds.max.adding(Picoseconds(1)) == nil)
        #expect(Picoseconds(1).adding(Picoseconds(2)) == Picoseconds(3))
        #expect(Picoseconds.max.description == "over 18446744 s (saturated)")
    }
}
