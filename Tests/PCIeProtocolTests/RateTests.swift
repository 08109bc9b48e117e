import Testing

@testable import PCIeProtocol

@Suite("Rates and training")
struct RateTests {
    @Test("per-lane line rates and encodings per generation")
    func lineRates() {
        let expected: [(PCIeGeneration, Double, LineEncoding)] = [
            (.gen1, 2.5, .eightBTenB), (.gen2, 5, .eightBTenB), (.gen3, 8, .oneTwentyEightB130B),
            (.gen4, 16, .oneTwentyEightB130B), (.gen5, 32, .oneTwentyEightB130B), (.gen6, 64, .flit1b1b),
        ]
        for (gen, gts, enc) in expected {
            #expect(gen.gigatransfersPerSecond == gts)
            #expect(gen.encoding == enc)
            #expect(gen.usesFlitMode == (gen == .gen6))
        }
        #expect(PCIeGeneration.gen1.symbolsPerSecondPerLane == 250e6)
        #expect(PCIeGeneration.gen2.bytesPerSecondPerLane == 500e6)
        #expect(PCIeGeneration.gen6.bytesPerSecondPerLane == 8e9)
    }

    @Test("encoded rates match hwloc's pci_link_speed figures")
    func hwlocFigures() {
        func gbps(_ g: PCIeGeneration, _ w: LinkWidth) -> Double {
            roundedTo(PCIeLinkConfiguration(generation: g, width: w).encodedBytesPerSecond / 1e9, 6)
        }
        #expect(gbps(.gen3, .x16) == 15.753846)
        #expect(gbps(.gen4, .x16) == 31.507692)
        #expect(gbps(.gen5, .x16) == 63.015385)
        #expect(gbps(.gen3, .x8) == 7.876923)
        #expect(gbps(.gen4, .x4) == 7.876923)
        #expect(gbps(.gen1, .x1) == 0.25)
        #expect(gbps(.gen2, .x16) == 8)
        #expect(gbps(.gen6, .x16) == 128)
    }

    @Test("rates scale linearly with width", arguments: LinkWidth.allCases)
    func widthScaling(width: LinkWidth) {
        for gen in PCIeGeneration.allCases {
            let one = PCIeLinkConfiguration(generation: gen, width: .x1).encodedBytesPerSecond
            let many = PCIeLinkConfiguration(generation: gen, width: width).encodedBytesPerSecond
            #expect(abs(many - one * Double(width.lanes)) < 1e-3)
        }
    }

    @Test("SKP and flit capacities")
    func capacities() {
        let g2 = PCIeLinkConfiguration(generation: .gen2, width: .x4)
        #expect(g2.dataLinkBytesPerSecond == g2.encodedBytesPerSecond * (1 - 4.0 / 1538.0))
        let g4 = PCIeLinkConfiguration(generation: .gen4, width: .x16)
        #expect(g4.dataLinkBytesPerSecond == g4.encodedBytesPerSecond * (1 - 1.0 / 376.0))
        #expect(g4.tlpBytesPerSecond == g4.dataLinkBytesPerSecond)
        let g6 = PCIeLinkConfiguration(generation: .gen6, width: .x16)
        #expect(g6.isFlitMode)
        #expect(abs(g6.tlpBytesPerSecond - 128e9 * (375.0 / 376.0) * 236.0 / 256.0) < 1)
        #expect(
            FlitLayout.tlpBytes + FlitLayout.dlpBytes + FlitLayout.crcBytes + FlitLayout.fecBytes
                == FlitLayout.flitBytes)
    }

    @Test("a link trains to the lower generation and width of its ends")
    func training() {
        let a = PCIeLinkConfiguration(generation: .gen5, width: .x16, maxPayloadSize: .bytes512, ecrcEnabled: true)
        let b = PCIeLinkConfiguration(generation: .gen4, width: .x8, maxPayloadSize: .bytes256, ecrcEnabled: false)
        let t = a.trained(with: b)
        #expect(t.generation == .gen4)
        #expect(t.width == .x8)
        #expect(t.maxPayloadSize == .bytes256)
        #expect(t.ecrcEnabled == false)
        #expect(t.maxReadRequestSize == a.maxReadRequestSize)
        let u = b.trained(with: a)
        #expect(u.generation == t.generation && u.width == t.width && u.maxPayloadSize == t.maxPayloadSize)
        let g6 = PCIeLinkConfiguration(generation: .gen6, width: .x4)
        let down = g6.trained(with: PCIeLinkConfiguration(generation: .gen5, width: .x16))
        #expect(down.generation == .gen5 && down.width == .x4 && !down.isFlitMode)
    }

    @Test("TLP overhead sizes")
    func overheads() {
        let c64 = PCIeLinkConfiguration(generation: .gen3, width: .x8)
        #expect(c64.tlpOverheadBytes(.memoryWrite) == 24)
        #expect(c64.tlpOverheadBytes(.memoryRead) == 24)
        #expect(c64.tlpOverheadBytes(.completionWithData) == 20)
        var c32 = c64
        c32.uses64BitAddressing = false
        c32.ecrcEnabled = true
        #expect(c32.tlpOverheadBytes(.memoryWrite) == 24)
        #expect(c32.tlpOverheadBytes(.completionWithData) == 24)
        let g1 = PCIeLinkConfiguration(generation: .gen1, width: .x1)
        #expect(g1.tlpOverheadBytes(.memoryWrite) == 24)
        let g6 = PCIeLinkConfiguration(generation: .gen6, width: .x16)
        #expect(g6.tlpOverheadBytes(.memoryWrite) == 16)
        #expect(g6.tlpOverheadBytes(.completionWithData) == 12)
    }

    @Test("DLLP latency tables: spec formula spot checks and corrected pcie-bench entries")
    func dllpTables() {
        // ((MPS + 28) * AckFactor / width) + InternalDelay, rev 5.0 §3.6.3.1
        #expect(
            DLLPLatencyTables.ackLatencySymbolTimes(generation: .gen1, width: .x1, maxPayloadSize: .bytes128) == 237)
        #expect(
            DLLPLatencyTables.ackLatencySymbolTimes(generation: .gen3, width: .x8, maxPayloadSize: .bytes256) == 203)
        #expect(
            DLLPLatencyTables.ackLatencySymbolTimes(generation: .gen5, width: .x16, maxPayloadSize: .bytes256) == 168)
        #expect(
            DLLPLatencyTables.ackLatencySymbolTimes(generation: .gen2, width: .x32, maxPayloadSize: .bytes4096) == 327)
        #expect(
            DLLPLatencyTables.updateFCLatencySymbolTimes(generation: .gen1, width: .x32, maxPayloadSize: .bytes2048)
                == 148)
        #expect(
            DLLPLatencyTables.ackLatencySymbolTimes(generation: .gen4, width: .x12, maxPayloadSize: .bytes256)
                == DLLPLatencyTables.ackLatencySymbolTimes(generation: .gen4, width: .x16, maxPayloadSize: .bytes256))
        let bench = PCIeBenchModel(configuration: .init(generation: .gen2, width: .x32, maxPayloadSize: .bytes4096))
        #expect(bench.ackLimit == 237)
        #expect(bench.fcLimit == 327)
    }
}
