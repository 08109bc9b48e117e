import Testing

@testable import Policy

/// The 128-byte seq_buf behind the pci=disable_acs_redir= hint.
@Suite struct ACSListTests {
    @Test func truncatesAfter127Characters() {
        var list = ACSRedirectList()
        let names = (0..<10).map { PCIAddress(bus: UInt8(1 + $0), device: 0, function: 0).name }
        for name in names { list.append(name) }
        // Each "SSSS:BB:DD.F;" is 13 bytes: nine fit (117 < 128). The tenth needs 117 + 13 = 130 >= 128, so
        // vsnprintf writes 128 - 117 - 1 = 10 bytes ("0000:0a:00") and the buffer overflows; no ';' is dropped.
        #expect(list.printed == names[0..<9].map { $0 + ";" }.joined() + "0000:0a:00")
        #expect(list.printed.utf8.count == 127)
    }

    @Test func dropsFinalSemicolon() {
        var list = ACSRedirectList()
        list.append("0000:02:00.0")
        list.append("0000:02:01.0")
        #expect(list.printed == "0000:02:00.0;0000:02:01.0")
    }
}

/// Model helpers.
@Suite struct ModelTests {
    @Test(arguments: [
        (ACSControl.sourceValidation, UInt16(0x01)), (.translationBlocking, 0x02), (.requestRedirect, 0x04),
        (.completionRedirect, 0x08), (.upstreamForwarding, 0x10), (.egressControl, 0x20), (.directTranslated, 0x40),
    ])
    func acsBitValues(bit: ACSControl, raw: UInt16) {
        #expect(bit.rawValue == raw)
    }

    @Test func redirectMaskIsRRCREC() {
        #expect(ACSControl.redirectBits.rawValue == 0x2c)
        #expect(ACSControl(rawValue: 0x1d).bitNames == ["SV", "RR", "CR", "UF"])
    }

    @Test func pciNameFormat() {
        #expect(PCIAddress(segment: 0x10, bus: 0xaf, device: 0x1f, function: 7).name == "0010:af:1f.7")
        #expect(PCIAddress(bus: 0, device: 2, function: 1).devfn == 0x11)
    }

    @Test func mapTypeNames() {
        #expect(P2PMapType.allCases.map(\.kernelName) == ["BUS_ADDR", "THRU_HOST_BRIDGE", "NOT_SUPPORTED"])
        #expect(P2PMapType.throughHostBridge.kernelEnumerator == "PCI_P2PDMA_MAP_THRU_HOST_BRIDGE")
    }

    @Test func allowlistHasKernelShape() {
        // 30 entries in pci_p2pdma_whitelist[] (excluding the {} terminator); 8 carry REQ_SAME_HOST_BRIDGE (4 Intel, 4 Zhaoxin).
        #expect(HostBridgeAllowlist.kernel.count == 30)
        #expect(HostBridgeAllowlist.kernel.filter(\.requiresSameHostBridge).count == 8)
    }

    @Test func validateFindsBadParent() {
        var m = Fixtures.oneSwitch()
        m.topology.functions[m.nic].parentBridge = m.nvme
        #expect(m.topology.validate().map(\.message) == ["0000:04:00.0: parent 0000:03:00.0 is not a bridge"])
    }
}
