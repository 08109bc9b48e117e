import Testing
import Units

@Suite("ByteCount")
struct ByteCountTests {
    @Test(arguments: [
        ("64 B", UInt64(64)),
        ("1 kB", 1_000), ("1 KB", 1_000), ("2 MB", 2_000_000), ("1.5 GB", 1_500_000_000),
        ("3 TB", 3_000_000_000_000), ("1 PB", 1_000_000_000_000_000),
        ("4KiB", 4_096), ("256 MiB", 268_435_456), ("1 GiB", 1_073_741_824), ("2 TiB", 2_199_023_255_552),
        ("1 PiB", 1_125_899_906_842_624), ("0.5 KiB", 512), ("  12 B  ", 12), ("1e3 B", 1_000), ("0 B", 0),
    ])
    func parsesEveryUnit(text: String, bytes: UInt64) throws {
        #expect(try ByteCount.parse(text).bytes == bytes)
    }

    @Test func aBareNumberIsBytes() throws {
        #expect(try ByteCount.parse("4096").bytes == 4_096)
        #expect(try ByteCount.parse("1073741824").bytes == 1_073_741_824)
        #expect(try ByteCount.parse("0").bytes == 0)
    }

    @Test(arguments: [("4 kiB", 4_096), ("4 MIB", 4 << 20), ("1 gib", 1 << 30)] as [(String, UInt64)])
    func binaryUnitsReadInAnyCase(text: String, bytes: UInt64) throws {
        #expect(try ByteCount.parse(text).bytes == bytes)
    }

    @Test(arguments: ["1G", "1 g", "4 mb", "4 Mb", "2T", "1k"])
    func ambiguousPrefixesAreRefusedWithSuggestions(text: String) {
        do {
            _ = try ByteCount.parse(text)
            Issue.record("'\(text)' was accepted")
        } catch {
            guard case .ambiguousUnit(_, let suggestions) = error.reason else {
                Issue.record("expected ambiguousUnit, got \(error.reason)")
                return
            }
            #expect(suggestions.count == 2)
            #expect(error.description.contains("iB'"))
        }
    }

    @Test(arguments: ["4 bytes", "4 GT/s", "4 ns"])
    func rejectsUnknownUnit(text: String) {
        do {
            _ = try ByteCount.parse(text)
            Issue.record("'\(text)' was accepted")
        } catch {
            guard case .unknownUnit(let unit, _) = error.reason else {
                Issue.record("expected unknownUnit, got \(error.reason)")
                return
            }
            #expect(text.hasSuffix(unit))
            #expect(error.offset == 2)
        }
    }

    @Test func rejectsMalformedNumbers() throws {
        #expect(throws: UnitParseError(.empty, text: "", offset: 0)) { try ByteCount.parse("") }
        #expect(throws: UnitParseError(.empty, text: "   ", offset: 0)) { try ByteCount.parse("   ") }
        #expect(throws: UnitParseError(.missingNumber, text: "MiB", offset: 0)) { try ByteCount.parse("MiB") }
        #expect(throws: UnitParseError(.missingNumber, text: ".KiB", offset: 0)) { try ByteCount.parse(".KiB") }
        #expect(throws: UnitParseError(.negative, text: "-1 B", offset: 0)) { try ByteCount.parse("-1 B") }
        #expect(throws: UnitParseError(.notWhole(smallestUnit: "bytes"), text: "1.5 B", offset: 0)) {
            try ByteCount.parse("1.5 B")
        }
        #expect(
            throws: UnitParseError(
                .outOfRange(allowed: "a size from 0 B to 1 PiB"), text: "99999999999999999999 B", offset: 0)
        ) {
            try ByteCount.parse("99999999999999999999 B")
        }
        #expect(throws: UnitParseError.self) { try ByteCount.parse("16 PiB 2") }
        #expect(throws: UnitParseError.self) { try ByteCount.parse("1e30 B") }
    }

    @Test(arguments: [
        (UInt64(0), "0 B"), (64, "64 B"), (4_096, "4 KiB"), (268_435_456, "256 MiB"), (1_000_000_000, "1 GB"),
        (1_500, "1500 B"), (1_073_741_824, "1 GiB"), (3_000, "3 kB"),
    ])
    func printsExactly(bytes: UInt64, text: String) throws {
        #expect(ByteCount(bytes).description == text)
        #expect(try ByteCount.parse(text).bytes == bytes)
    }
}
