import Units

/// What every timeline run must satisfy, checked by the run itself.
///
/// - Bytes in order: each completed DMA delivered its chunks at offsets 0, c, 2c... in that
///   order, at non-decreasing times, and their lengths add up to the bytes requested: nothing
///   lost or duplicated across a move, a fault or a re-map.
/// - Fences: no chunk of a DMA through a buffer lands while that buffer is being copied (a
///   chunk landing inside a migration would have read or written pages being moved).
/// - HMM: each range's bytes in device memory equal the bytes migrated there minus those
///   migrated back, and never exceed the range.
enum TimelineInvariants {
    static func check(dmas: [DMAResult], records: [TimelineRecord], ranges: [RangeState]) -> [String] {
        var violations: [String] = []
        for dma in dmas where dma.end != nil {
            var expected: UInt64 = 0
            var previous = Picoseconds.zero
            for chunk in dma.chunks {
                if chunk.offset != expected {
                    violations.append(
                        "\(dma.id): a chunk at offset \(chunk.offset) was delivered where offset \(expected) was due")
                    break
                }
                if chunk.time < previous {
                    violations.append("\(dma.id): the chunk at offset \(chunk.offset) landed before the one before it")
                    break
                }
                expected += chunk.length
                previous = chunk.time
            }
            if expected != dma.requested {
                violations.append("\(dma.id): \(expected) B delivered of \(dma.requested) B requested")
            }
        }
        let migrations = records.filter { $0.kind == .migration && $0.end > $0.start }
        for migration in migrations {
            for dma in dmas where dma.buffer == migration.subject {
                if let chunk = dma.chunks.first(where: { $0.time > migration.start && $0.time < migration.end }) {
                    violations.append(
                        "\(dma.id): the chunk at offset \(chunk.offset) landed at \(chunk.time), while \(migration.subject) was being copied (\(migration.start) to \(migration.end))"
                    )
                }
            }
        }
        for range in ranges {
            let resident = range.onDevice.indices.filter { range.onDevice[$0] }.reduce(UInt64(0)) {
                $0 + min(range.granule, range.spec.size - UInt64($1) * range.granule)
            }
            if range.migratedToDevice < range.migratedToSystem
                || range.migratedToDevice - range.migratedToSystem != resident || resident > range.spec.size
            {
                violations.append(
                    "\(range.spec.id): \(resident) B in device memory, but \(range.migratedToDevice) B migrated there and \(range.migratedToSystem) B back"
                )
            }
        }
        return violations
    }
}
