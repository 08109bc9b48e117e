import Testing

@testable import PCIeProtocol

@Suite("Wire accounting")
struct WireAccountingTests {
    let g3x8 = PCIeLinkConfiguration(
        generation: .gen3, width: .x8, maxPayloadSize: .bytes256,
        maxReadRequestSize: .bytes512)

    @Test("write of 512 B: two 280-byte MWr TLPs, DLLPs only on the reverse direction")
    func write512() {
        let a = g3x8.wireAccount(for: TransferPattern(operation: .write, length: 512))
        #expect(a.dataDirection.tlpCount == 2)
        #expect(a.dataDirection.tlpBytes == 560)
        #expect(a.dataDirection.dllpCount == 0)
        #expect(a.reverseDirection.tlpCount == 0)
        // 560 B over 8 lanes = 70 Symbol Times of TLPs, stretched by SKP (1 block in 376) to
        // 70 * 376/375 elapsed Symbol Times; Ack and UpdateFC-P limits are 203 Symbol Times.
        let expectedDLLPs = 2 * (70.0 * 376.0 / 375.0) / 203.0
        #expect(abs(a.reverseDirection.dllpCount - expectedDLLPs) < 1e-12)
        #expect(abs(a.transferSeconds - 560.0 / g3x8.dataLinkBytesPerSecond) < 1e-18)
    }

    @Test("write crossing 4 KiB and unaligned write")
    func writeEdges() {
        let crossing = g3x8.wireAccount(for: TransferPattern(operation: .write, length: 100, startAddress: 0xFF0))
        #expect(crossing.dataDirection.tlpCount == 2)
        #expect(crossing.dataDirection.tlpBytes == 24 + 16 + 24 + 84)
        let tiny = g3x8.wireAccount(for: TransferPattern(operation: .write, length: 5, startAddress: 3))
        #expect(tiny.dataDirection.tlpBytes == 24 + 8)
        #expect(tiny.dataDirection.payloadBytes == 5)
    }

    @Test("read of 1024 B: 2 MRd one way, 4 CplD the other, DLLPs for the MRds ride with the data")
    func read1024() {
        let a = g3x8.wireAccount(for: TransferPattern(operation: .read, length: 1024))
        #expect(a.reverseDirection.tlpCount == 2)
        #expect(a.reverseDirection.tlpBytes == 48)
        #expect(a.dataDirection.tlpCount == 4)
        #expect(a.dataDirection.tlpBytes == 4 * 276)
        let symbolTimes = 1104.0 / 8.0 * 376.0 / 375.0  // elapsed, including SKP
        // Ack + UpdateFC-NP for the 2 MRds (each capped at one per TLP).
        #expect(abs(a.dataDirection.dllpCount - 2 * min(2.0, symbolTimes / 203.0)) < 1e-12)
        // Acks for the 4 CplDs; no UpdateFC-Cpl (infinite completion credits).
        #expect(abs(a.reverseDirection.dllpCount - symbolTimes / 203.0) < 1e-12)
    }

    @Test("page-periodic fast path equals brute-force enumeration")
    func fastPathMatchesBruteForce() {
        var rng = SplitMix64(seed: 0x5EED_0003)
        for _ in 0..<300 {
            var c = g3x8
            c.maxPayloadSize = TransactionSizeLimit.settings[Int.random(in: 0..<6, using: &rng)]
            c.maxReadRequestSize = TransactionSizeLimit.settings[Int.random(in: 0..<6, using: &rng)]
            c.completionSplitting = CompletionSplitPolicy.allCases[Int.random(in: 0..<3, using: &rng)]
            c.requestSplitting = RequestSplitPolicy.allCases[Int.random(in: 0..<2, using: &rng)]
            let address = UInt64.random(in: 0..<(1 << 36), using: &rng)
            let length = Int.random(in: 0...70_000, using: &rng)
            // Brute force over the whole transfer.
            var writeBytes = 0
            for s in c.memoryWrites(address: address, length: length) { writeBytes += 24 + s.paddedBytes }
            var mrdBytes = 0
            var cplBytes = 0
            for r in c.readRequests(address: address, length: length) {
                mrdBytes += 24
                for s in c.completions(for: r) { cplBytes += 20 + s.paddedBytes }
            }
            let w = c.tlpLoads(TransferPattern(operation: .write, length: length, startAddress: address))
            let r = c.tlpLoads(TransferPattern(operation: .read, length: length, startAddress: address))
            #expect(w.data.tlpBytes == writeBytes)
            #expect(r.reverse.tlpBytes == mrdBytes)
            #expect(r.data.tlpBytes == cplBytes)
            #expect(w.data.payloadBytes == length && r.data.payloadBytes == length)
        }
    }

    @Test("Xilinx WP350 cross-check: 32-bit write efficiency is MPS / (MPS + 20)")
    func wp350() {
        for (mps, percent) in [(TransactionSizeLimit.bytes128, 86), (.bytes256, 92)] {
            let c = PCIeLinkConfiguration(
                generation: .gen3, width: .x8, maxPayloadSize: mps, uses64BitAddressing: false)
            let a = c.wireAccount(for: TransferPattern(operation: .write, length: 4096))
            let efficiency = a.effectiveBytesPerSecond / c.dataLinkBytesPerSecond
            #expect(abs(efficiency - Double(mps.bytes) / Double(mps.bytes + 20)) < 1e-12)
            #expect(Int(efficiency * 100) == percent)
        }
    }

    @Test("Gen6 flit mode: no framing/LCRC, no DLLP bytes, 236/256 of the flit for TLPs")
    func flitMode() {
        let c = PCIeLinkConfiguration(generation: .gen6, width: .x16)
        let a = c.wireAccount(for: TransferPattern(operation: .write, length: 4096))
        #expect(a.dataDirection.tlpBytes == 16 * (16 + 256))
        #expect(a.reverseDirection.dllpCount == 0)
        let expected = 256.0 / 272.0 * 128e9 * (375.0 / 376.0) * 236.0 / 256.0
        #expect(abs(c.effectiveBandwidth(for: a.pattern) - expected) < 1)
        let read = c.wireAccount(for: TransferPattern(operation: .read, length: 4096))
        #expect(read.dataDirection.tlpBytes == 16 * (12 + 256))
        #expect(read.dataDirection.dllpCount == 0)
    }

    @Test("efficiency is effective bandwidth over the encoded (hwloc) rate and below 1")
    func efficiencyBounds() {
        for gen in PCIeGeneration.allCases {
            for op in DMAOperation.allCases {
                let c = PCIeLinkConfiguration(generation: gen, width: .x16)
                let p = TransferPattern(operation: op, length: 1 << 20)
                let e = c.efficiency(for: p)
                #expect(e > 0.8 && e < 1)
                #expect(abs(e * c.encodedBytesPerSecond - c.effectiveBandwidth(for: p)) < 1e-3)
            }
        }
    }

    @Test("a request-limited read becomes bottlenecked on the request direction")
    func reverseBottleneck() {
        // 4-byte reads: data direction 20+4 = 24 B, request direction 24 B (+ DLLPs for the CplDs).
        let a = g3x8.wireAccount(for: TransferPattern(operation: .read, length: 4))
        #expect(a.dataDirection.tlpBytes == 24 && a.reverseDirection.tlpBytes == 24)
        #expect(a.transferSeconds * a.capacityBytesPerSecond >= a.reverseDirection.totalBytes)
    }
}
