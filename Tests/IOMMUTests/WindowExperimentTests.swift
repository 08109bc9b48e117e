import IOMMU
import SimKernel
import Testing
import Units

@Suite("IOTLB window experiment")
struct WindowExperimentTests {
    /// The reference parameters with fewer reads, to keep debug-build tests quick.
    static var parameters: IOTLBWindowExperiment.Parameters {
        var p = IOTLBWindowExperiment.Parameters.pcieBenchBroadwell
        p.reads = 40_000
        p.warmupReads = 2_000
        return p
    }

    func gbps(_ results: [IOTLBWindowExperiment.Result], _ window: ByteCount) -> Double {
        results.first { $0.window == window }?.gigabitsPerSecond ?? .nan
    }

    @Test func fourKiBPagesFallPastTheReachThenFlatten() throws {
        let results = try IOTLBWindowExperiment.curve(pageSize: .size4KiB, parameters: Self.parameters)
        #expect(results.count == 15)
        for (smaller, larger) in zip(results, results.dropFirst()) {
            #expect(larger.gigabitsPerSecond <= smaller.gigabitsPerSecond, "\(smaller.window) -> \(larger.window)")
        }
        let at256K = gbps(results, .kib(256))
        let at1M = gbps(results, .mib(1))
        #expect(at1M < 0.7 * at256K)
        // Flat while the window fits: 4 KiB and 256 KiB give the same.
        #expect(abs(gbps(results, .kib(4)) - at256K) / at256K < 0.01)
        let at16M = gbps(results, .mib(16))
        let at64M = gbps(results, .mib(64))
        #expect(abs(at16M - at64M) / at64M < 0.05)
        // Within 10 % of every measured point.
        for (window, measured) in IOMMUValidation.measured4KiB {
            #expect(abs(gbps(results, window) - measured) / measured < 0.10, "\(window)")
        }
    }

    @Test func twoMiBPagesDoNotDrop() throws {
        let results = try IOTLBWindowExperiment.curve(pageSize: .size2MiB, parameters: Self.parameters)
        let top = gbps(results, .kib(4))
        for result in results {
            #expect(abs(result.gigabitsPerSecond - top) / top < 0.01, "\(result.window)")
        }
    }

    @Test func sameSeedSameNumbers() throws {
        var p = Self.parameters
        p.reads = 5_000
        let a = try IOTLBWindowExperiment.run(window: .mib(1), pageSize: .size4KiB, parameters: p)
        let b = try IOTLBWindowExperiment.run(window: .mib(1), pageSize: .size4KiB, parameters: p)
        #expect(a == b)
        p.seed &+= 1
        let c = try IOTLBWindowExperiment.run(window: .mib(1), pageSize: .size4KiB, parameters: p)
        #expect(c.misses != a.misses)
        var r1 = SplitMix64(seed: 42)
        var r2 = SplitMix64(seed: 42)
        #expect((0..<8).map { _ in r1.next() } == (0..<8).map { _ in r2.next() })
        // The published first output of SplitMix64 for seed 0.
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test func reportHasEveryWindowAndTheMeasuredPoints() {
        var p = Self.parameters
        p.reads = 4_000
        let report = IOMMUValidation.markdownReport(parameters: p)
        #expect(report.hasPrefix("## IOMMU"))
        for window in IOTLBWindowExperiment.standardWindows { #expect(report.contains("| \(window) |")) }
        #expect(report.contains("| 28.1 |") && report.contains("| 9.8 |"))
        #expect(report == IOMMUValidation.markdownReport(parameters: p))
    }
}
