/// A binary min-heap over a value type, stored in one reusable array.
///
/// Used by the flow model's progressive filling with keys that are lower bounds (a stale entry
/// reaching the top is re-keyed in place with ``replaceTop(_:)``), and by `IssueControl` for the
/// jobs waiting to be issued. Every method is inlinable, so each use is specialised for its
/// element type.
public struct MinHeap<Element: Comparable & Sendable>: Sendable {
    /// The heap-ordered storage; `storage[0]` is the minimum.
    @usableFromInline var storage: [Element] = []

    /// An empty heap.
    @inlinable public init() {}

    /// Whether the heap has no elements.
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    /// The number of elements (including stale ones the caller has not discarded yet).
    @inlinable public var count: Int { storage.count }

    /// The minimum element, if any.
    @inlinable public var top: Element? { storage.first }

    /// The elements in heap order (the first is the minimum; the rest in no useful order).
    @inlinable public var elements: [Element] { storage }

    /// Inserts an element.
    /// - Complexity: O(log n).
    @inlinable public mutating func push(_ element: Element) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            if element < storage[parent] {
                storage[child] = storage[parent]
                child = parent
            } else {
                break
            }
        }
        storage[child] = element
    }

    /// Removes and returns the minimum element.
    /// - Complexity: O(log n).
    @inlinable public mutating func pop() -> Element? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        let result = storage[0]
        siftDown(last)
        return result
    }

    /// Replaces the minimum element by `element` (which may be larger) and restores heap order.
    ///
    /// The heap must not be empty.
    /// - Complexity: O(log n).
    @inlinable public mutating func replaceTop(_ element: Element) {
        siftDown(element)
    }

    /// Places `element` at the root hole and sifts it down.
    @inlinable mutating func siftDown(_ element: Element) {
        let n = storage.count
        var hole = 0
        while true {
            var child = 2 * hole + 1
            if child >= n { break }
            if child + 1 < n && storage[child + 1] < storage[child] { child += 1 }
            if storage[child] < element {
                storage[hole] = storage[child]
                hole = child
            } else {
                break
            }
        }
        storage[hole] = element
    }

    /// Removes all elements, keeping the allocated capacity.
    @inlinable public mutating func removeAll() { storage.removeAll(keepingCapacity: true) }
}
