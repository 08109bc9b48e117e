import Testing

@testable import PCIeProtocol

@Suite("TLP splitting")
struct SplittingTests {
    static let sizes = TransactionSizeLimit.settings

    /// Random address, biased to land near 4 KiB boundaries half of the time.
    static func randomAddress(_ rng: inout SplitMix64) -> UInt64 {
        let base = UInt64.random(in: 0..<(1 << 40), using: &rng)
        if Bool.random(using: &rng) {
            let page = base / 4096 * 4096
            return page + 4096 - UInt64.random(in: 1...300, using: &rng)
        }
        return base
    }

    @Test("requests never cross 4 KiB, never exceed the limit, and cover the transfer exactly")
    func requestProperty() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        for _ in 0..<20_000 {
            let address = Self.randomAddress(&rng)
            let length = Int.random(in: 0...20_000, using: &rng)
            let limit = Self.sizes[Int.random(in: 0..<Self.sizes.count, using: &rng)].bytes
            for policy in RequestSplitPolicy.allCases {
                var cursor = address
                var count = 0
                for segment in RequestSplitter(address: address, length: length, maxSize: limit, policy: policy) {
                    #expect(segment.address == cursor)
                    #expect(segment.length > 0 && segment.length <= limit)
                    #expect(segment.address / 4096 == (segment.endAddress - 1) / 4096)
                    if policy == .naturallyAligned {
                        #expect(segment.address / UInt64(limit) == (segment.endAddress - 1) / UInt64(limit))
                    }
                    cursor = segment.endAddress
                    count += 1
                }
                #expect(cursor == address + UInt64(length))
                if length == 0 { #expect(count == 0) }
            }
        }
    }

    @Test("completions cover each request, respect MPS and end on RCB boundaries except the last")
    func completionProperty() {
        var rng = SplitMix64(seed: 0x5EED_0002)
        for _ in 0..<5_000 {
            let address = Self.randomAddress(&rng)
            let length = Int.random(in: 1...9_000, using: &rng)
            var config = PCIeLinkConfiguration(generation: .gen4, width: .x16)
            config.maxPayloadSize = Self.sizes[Int.random(in: 0..<Self.sizes.count, using: &rng)]
            config.maxReadRequestSize = Self.sizes[Int.random(in: 0..<Self.sizes.count, using: &rng)]
            config.readCompletionBoundary = Bool.random(using: &rng) ? .bytes64 : .bytes128
            for policy in CompletionSplitPolicy.allCases {
                config.completionSplitting = policy
                let rcb = UInt64(config.readCompletionBoundary.bytes)
                for request in config.readRequests(address: address, length: length) {
                    #expect(request.length <= config.maxReadRequestSize.bytes)
                    var cursor = request.address
                    var pieces: [TLPSegment] = []
                    for completion in config.completions(for: request) {
                        #expect(completion.address == cursor)
                        #expect(completion.length > 0 && completion.length <= config.maxPayloadSize.bytes)
                        if policy == .boundarySized { #expect(completion.length <= Int(rcb)) }
                        cursor = completion.endAddress
                        pieces.append(completion)
                    }
                    #expect(cursor == request.endAddress)
                    for piece in pieces.dropLast() { #expect(piece.endAddress % rcb == 0) }
                }
            }
        }
    }

    @Test("hand-computed write splits")
    func writeExamples() {
        let c = PCIeLinkConfiguration(generation: .gen3, width: .x8, maxPayloadSize: .bytes256)
        #expect(Array(c.memoryWrites(address: 0, length: 600)).map(\.length) == [256, 256, 88])
        #expect(
            Array(c.memoryWrites(address: 0xFF0, length: 100)) == [
                TLPSegment(address: 0xFF0, length: 16), TLPSegment(address: 0x1000, length: 84),
            ])
        #expect(Array(c.memoryWrites(address: 0x10, length: 600)).map(\.length) == [256, 256, 88])
        var aligned = c
        aligned.requestSplitting = .naturallyAligned
        #expect(Array(aligned.memoryWrites(address: 0x10, length: 600)).map(\.length) == [240, 256, 104])
    }

    @Test("hand-computed read and completion splits")
    func readExamples() {
        var c = PCIeLinkConfiguration(
            generation: .gen3, width: .x8, maxPayloadSize: .bytes256,
            maxReadRequestSize: .bytes512, readCompletionBoundary: .bytes64)
        #expect(Array(c.readRequests(address: 0, length: 1500)).map(\.length) == [512, 512, 476])
        #expect(Array(c.readRequests(address: 0xF00, length: 1024)).map(\.length) == [256, 512, 256])
        let request = TLPSegment(address: 0x20, length: 512)
        #expect(Array(c.completions(for: request)).map(\.length) == [224, 256, 32])
        c.completionSplitting = .firstToBoundary
        #expect(Array(c.completions(for: request)).map(\.length) == [32, 256, 224])
        c.completionSplitting = .boundarySized
        #expect(Array(c.completions(for: request)).map(\.length) == [32, 64, 64, 64, 64, 64, 64, 64, 32])
        c.completionSplitting = .largest
        #expect(Array(c.completions(for: TLPSegment(address: 0x20, length: 256))).map(\.length) == [256])
        #expect(Array(c.completions(for: TLPSegment(address: 0, length: 512))).map(\.length) == [256, 256])
    }

    @Test("DW padding of unaligned segments")
    func dwordPadding() {
        #expect(TLPSegment(address: 3, length: 5).dwordCount == 2)
        #expect(TLPSegment(address: 3, length: 5).paddedBytes == 8)
        #expect(TLPSegment(address: 4, length: 4).paddedBytes == 4)
        #expect(TLPSegment(address: 1, length: 1).paddedBytes == 4)
        #expect(TLPSegment(address: 0, length: 0).paddedBytes == 0)
    }
}
