/// A binary min-heap over a value type, stored in one reusable array.
///
/// Used by progressive filling with keys that are lower bounds: a stale entry reaching the top
/// is re-keyed in place with ``replaceTop(_:)``.
struct MinHeap<Element: Comparable & Sendable>: Sendable {
    /// The heap-ordered storage; `storage[0]` is the minimum.
    private(set) var storage: [Element] = []

    /// Whether the heap has no elements.
    var isEmpty: Bool { storage.isEmpty }

    /// The number of elements (including stale ones the caller has not discarded yet).
    var count: Int { storage.count }

    /// The minimum element, if any.
    var top: Element? { storage.first }

    /// Inserts an element.
    /// - Complexity: O(log n).
    mutating func push(_ element: Element) {
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
    mutating func pop() -> Element? {
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
    mutating func replaceTop(_ element: Element) {
        siftDown(element)
    }

    /// Places `element` at the root hole and sifts it down.
    private mutating func siftDown(_ element: Element) {
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
    mutating func removeAll() { storage.removeAll(keepingCapacity: true) }
}
