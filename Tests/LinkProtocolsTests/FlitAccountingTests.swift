import Testing

@testable import LinkProtocols

/// Flit accounting of every link kind against figures computed by hand from the formats in the
/// source files' headers.
@Suite("Link protocols: flit accounting by hand")
struct FlitAccountingTests {
    @Test("NVLink: a 256 B write is one header flit and 16 data flits, answered by one flit")
    func nvlinkWrite() {
        let write = NVLinkProtocol.format.transaction(.write, payload: 256)
        #expect(write.dataDirectionBytes == 17 * 16)  // 272 B
        #expect(write.oppositeDirectionBytes == 16)
        #expect(abs(write.efficiency - 256.0 / 272.0) < 1e-15)  // 94.12%
    }

    @Test("NVLink: a 100 B write rounds up to 7 data flits; 1 KiB read is 4 packets each way")
    func nvlinkPartialAndRead() {
        #expect(NVLinkProtocol.format.transaction(.write, payload: 100).dataDirectionBytes == 16 + 7 * 16)
        let read = NVLinkProtocol.format.transaction(.read, payload: 1024)
        #expect(read.dataDirectionBytes == 4 * (16 + 256))  // 1088 B of responses
        #expect(read.oppositeDirectionBytes == 4 * 16)  // 4 header-only requests
        #expect(NVLinkProtocol.format.transaction(.write, payload: 300).dataDirectionBytes == 272 + 16 + 3 * 16)
    }

    @Test("NVLink generations: 20, 25, 25, 25 and 50 GB/s per direction per link")
    func nvlinkRates() {
        let rates = NVLinkGeneration.allCases.map { NVLinkProtocol.profile($0).signallingBytesPerSecond }
        #expect(rates == [20e9, 25e9, 25e9, 25e9, 50e9])
        let h100 = NVLinkProtocol.profile(.nvlink4, bonded: 18)
        #expect(h100.bondedLinks == 18)
        // 256 B copy-engine writes: 94.12% of the signalling rate, no line coding deducted.
        #expect(abs(h100.payloadEfficiency(.write, payload: 256) - 256.0 / 272.0) < 1e-15)
        #expect(abs(payloadEfficiency(of: .nvlink(.nvlink2), .read, payload: 128) - 128.0 / 144.0) < 1e-15)
    }

    @Test("NVSwitch: 18, 36 and 64 ports; gen 3's crossbar moves 64 x 25 GB/s")
    func nvswitch() {
        #expect((1...3).compactMap { NVSwitchProfile.generation($0)?.ports } == [18, 36, 64])
        #expect(NVSwitchProfile.generation(4) == nil)
        #expect(NVSwitchProfile.serving(.nvlink4).crossbarBytesPerSecond == 1.6e12)
        #expect(NVSwitchProfile.serving(.nvlink2).generation == 1)
    }

    @Test("XGMI: a 256 B write is four 64 B packets of 80 B; 128b/130b on 16 lanes")
    func xgmi() {
        let write = XGMIProtocol.format.transaction(.write, payload: 256)
        #expect(write.dataDirectionBytes == 4 * (16 + 64))  // 320 B
        #expect(write.oppositeDirectionBytes == 0)  // posted
        let profile = XGMIProtocol.profile(.mi300)
        #expect(profile.signallingBytesPerSecond == 64e9)  // 16 x 32 Gbit/s / 8
        #expect(abs(profile.payloadEfficiency(.write, payload: 256) - 0.8 * 128 / 130) < 1e-15)  // 78.77%
        #expect(XGMIProtocol.profile(.mi200).signallingBytesPerSecond == 50e9)
        // 100 B: one full packet (80 B) and 36 B in 3 beats behind a header (64 B).
        #expect(XGMIProtocol.format.transaction(.write, payload: 100).dataDirectionBytes == 144)
        let read = XGMIProtocol.format.transaction(.read, payload: 256)
        #expect(read.oppositeDirectionBytes == 4 * 16)
        #expect(XGMIGeneration(gigatransfersPerSecond: 25) == .mi200)
    }

    @Test("UPI: a 64 B line is 9 flits of 80 bits; 10.4 GT/s gives Intel's 20.8 GB/s of flit payload")
    func upi() {
        let profile = SocketLinkProtocol.profile(.upi(gigatransfersPerSecond: 10.4))
        #expect(abs(profile.packetBytesPerSecond - 20.8e9) < 1)
        let line = SocketLinkProtocol.upiFormat.transaction(.write, payload: 64)
        #expect(line.dataDirectionBytes == 72)  // 9 flits x 8 B of flit payload = 9 x 80 bits on the wire
        #expect(abs(line.efficiency / 0.8 * profile.codingEfficiency - 64.0 / 72.0) < 1e-12)
        #expect(abs(profile.payloadEfficiency(.write, payload: 64) - 64.0 / 90.0) < 1e-15)  // 71.1%
        #expect(line.oppositeDirectionBytes == 8)
    }

    @Test("AMD socket links use XGMI's format at their own rate")
    func infinityFabric() {
        let profile = SocketLinkProtocol.profile(.infinityFabric(gigatransfersPerSecond: 32))
        #expect(profile.signallingBytesPerSecond == 64e9)
        #expect(profile.format == XGMIProtocol.format)
        #expect(profile.name == "Infinity Fabric 32.0 GT/s")
    }
}
