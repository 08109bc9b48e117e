import Testing
import Units

@testable import DynamicBuffers

/// HMM: migration to DEVICE_PRIVATE memory on first touch, back to system memory on CPU access.
@Suite struct HMMTests {
    @Test func migratesOnFirstTouchAndBackOnCPUAccess() throws {
        let run = try run(
            "mi300x-8",
            """
              <settings hmmGranule="2 MiB" gpuFaultLatency="20 us"/>
              <range id="h" device="gpu0" size="16 MiB"/>
              <touch at="0 ms" range="h" by="gpu0"/>
              <touch at="10 ms" range="h" by="gpu0"/>
              <touch at="20 ms" range="h" by="cpu0" offset="4 MiB" size="4 MiB"/>
              <touch at="30 ms" range="h" by="gpu0"/>
            """)
        let faults = run.records(.fault, subject: "h")
        let migrations = run.records(.migration, subject: "h")
        // 8 faults at first touch, none at the second, 2 CPU faults, 2 device faults again.
        #expect(faults.filter { $0.start < .ms(10) }.count == 8)
        #expect(faults.filter { $0.start >= .ms(10) && $0.start < .ms(20) }.isEmpty)
        #expect(faults.filter { $0.start >= .ms(20) && $0.start < .ms(30) && $0.device == nil }.count == 2)
        #expect(faults.filter { $0.start >= .ms(30) }.count == 2)
        #expect(migrations.count == 12)
        #expect(migrations.filter { $0.message.contains("DEVICE_PRIVATE -> system memory") }.count == 2)
        // A migration is the fault, then the copy: each copy starts when its fault ends.
        for fault in faults {
            #expect(migrations.contains { $0.start == fault.end })
            if fault.device != nil { #expect(fault.end - fault.start == .us(20)) }
        }
        #expect(run.records(.localAccess, subject: "h").count == 2)
    }

    @Test func evictionMigratesDevicePagesBack() throws {
        let run = try run(
            "mi300x-8",
            """
              <range id="h" device="gpu0" size="8 MiB"/>
              <touch at="0 ms" range="h" by="gpu0"/>
              <evict at="5 ms" device="gpu0" size="8 MiB"/>
            """)
        let back = run.records(.migration, subject: "h").filter { $0.message.contains("eviction") }
        #expect(back.count == 4)
        #expect(run.records(.evictionFailed).isEmpty)
    }

    @Test func aTouchWaitsForTheRangesMigrationsInFlight() throws {
        let run = try run(
            "mi300x-8",
            """
              <range id="h" device="gpu0" size="16 MiB"/>
              <touch at="0 ms" range="h" by="gpu0"/>
              <touch at="10 us" range="h" by="cpu0" size="2 MiB"/>
            """)
        let toDevice = run.records(.migration, subject: "h").filter { $0.message.contains("-> DEVICE_PRIVATE") }
        let cpuFault = try #require(run.records(.fault, subject: "h").first { $0.device == nil })
        #expect(toDevice.count == 8)
        #expect(cpuFault.start == toDevice.map(\.end).max())
    }

    @Test func migrationNeedsRoomInDeviceMemory() throws {
        let run = try run(
            "mi300x-8",
            """
              <settings hmmGranule="1 GiB"/>
              <buffer id="b" device="gpu0" size="100 GiB"/>
              <buffer id="c" device="gpu0" size="90 GiB"/>
              <range id="h" device="gpu0" size="4 GiB"/>
              <touch at="0 ms" range="h" by="gpu0"/>
              <evict at="1 s" device="gpu0" size="100 GiB"/>
              <touch at="2 s" range="h" by="gpu0"/>
              <restore at="3 s" buffer="b"/>
            """)
        // 2 GiB were free at first: two granules migrate, two stay in system memory.
        let refusal = try #require(run.records(.refused, subject: "h").first)
        #expect(refusal.start < .ms(1_000) && refusal.bytes == 2 << 30)
        #expect(refusal.message.contains("2 granule(s) (2 to 3)"))
        #expect(run.records(.migration, subject: "h").filter { $0.start >= .ms(2_000) }.count == 2)
        // After the eviction the range took 2 GiB more: b no longer fits back.
        #expect(run.records(.refused, subject: "b").first?.message.contains("does not fit") == true)
        #expect(run.placements["b"] == .system)
    }
}
