import Testing

@testable import Topology

@Suite("PCI identities")
struct PCIIdentityTests {
    /// The nine-byte spelling is read without splitting; every other spelling by the general
    /// reading, with the same results as before.
    @Test func spellingsReadAsBefore() {
        #expect(PCIIdentity("10de:2330") == PCIIdentity(vendor: 0x10de, device: 0x2330))
        #expect(PCIIdentity("10DE:aBcF") == PCIIdentity(vendor: 0x10de, device: 0xabcf))
        #expect(PCIIdentity("10de:233g") == nil)
        #expect(PCIIdentity("10de-2330") == nil)
        #expect(PCIIdentity("10de:23301") == nil)
        #expect(PCIIdentity("10de:233") == nil)
        // The general reading's own leniencies are kept: a sign, an empty part dropped by split.
        #expect(PCIIdentity("+0de:2330") == PCIIdentity(vendor: 0x00de, device: 0x2330))
        #expect(PCIIdentity("10de::2330") == PCIIdentity(vendor: 0x10de, device: 0x2330))
    }
}
