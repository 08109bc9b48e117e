// EngineStorage.swift — arrays for the engine's hot loops without copy-on-write checks.

/// A buffer whose elements are read and written in place through a pointer, growing by
/// `append` only: no copy-on-write check on each access, as a Swift array's mutation makes.
///
/// It has reference semantics: copies of an engine share their buffers, which are freed with
/// the last of them. The engine is built, run and read by one `PacketSimulation` at a time.
final class EngineBuffer<Element> {
    /// The elements' storage (`capacity` slots, the first `count` initialised).
    private(set) var base: UnsafeMutablePointer<Element>
    /// The number of elements.
    private(set) var count: Int
    private var capacity: Int

    /// A buffer holding `elements`.
    init(_ elements: [Element]) {
        capacity = max(elements.count, 16)
        base = .allocate(capacity: capacity)
        count = elements.count
        elements.withUnsafeBufferPointer { source in
            if let address = source.baseAddress { base.initialize(from: address, count: source.count) }
        }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    /// The element at `index` (unchecked beyond a debug assertion).
    @inline(__always) subscript(index: Int) -> Element {
        unsafeAddress {
            assert(index >= 0 && index < count)
            return UnsafePointer(base + index)
        }
        unsafeMutableAddress {
            assert(index >= 0 && index < count)
            return base + index
        }
    }

    /// The address of the element at `index`, for reading and writing a large element's fields in
    /// place (valid until the next `append`).
    @inline(__always) func pointer(_ index: Int) -> UnsafeMutablePointer<Element> {
        assert(index >= 0 && index < count)
        return base + index
    }

    /// Adds `element` at the end, doubling the storage when full.
    ///
    /// - Complexity: O(1) amortised.
    @inline(__always) func append(_ element: Element) {
        if count == capacity {
            let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            larger.moveInitialize(from: base, count: count)
            base.deallocate()
            base = larger
            capacity *= 2
        }
        (base + count).initialize(to: element)
        count += 1
    }
}
