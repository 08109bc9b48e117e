import CLibXML2
import Foundation

/// The bounds on what one file may make the loader build, so that a small hostile file (an
/// XInclude fan-out, a huge `<repeat>`, an entity used ten thousand times) is refused in
/// moments with a message naming the limit instead of exhausting memory or time.
public struct LoadLimits: Sendable, Equatable {
    /// The most elements the expanded document may hold: the file's own, every included file's
    /// copies and every `<repeat>` copy together.
    ///
    /// Default 250,000: a 20,000-GPU fabric with its switch ports fits (the largest bundled
    /// topology has under 200 elements). Measured on the development machine, each expanded
    /// element costs about 1.2 KiB and 12 µs through expansion, validation and the model, so
    /// the bound keeps a load under about 300 MiB and 3 s.
    public var maxElements: Int
    /// The deepest chain of XIncludes (a file including a file ...).
    ///
    /// Default 64: a rack of nodes of boards is 3 or 4 deep; libxml2's own bound is 40, which
    /// it reported as a recursion even without a cycle.
    public var maxIncludeDepth: Int
    /// The most `xi:include` elements processed in one load (each copy of an included file
    /// counts its own includes again).
    ///
    /// Default 10,000: one include per node of a 10,000-node machine.
    public var maxIncludes: Int
    /// The largest file read, main or included, in bytes.
    ///
    /// Default 64 MiB: the largest hwloc export of a 2-socket 8-GPU server is under 1 MiB.
    public var maxFileBytes: Int

    /// Limits with the given values (defaults as documented on each property).
    public init(
        maxElements: Int = 250_000, maxIncludeDepth: Int = 64, maxIncludes: Int = 10_000,
        maxFileBytes: Int = 64 << 20
    ) {
        self.maxElements = maxElements
        self.maxIncludeDepth = maxIncludeDepth
        self.maxIncludes = maxIncludes
        self.maxFileBytes = maxFileBytes
    }

    /// The environment variable that raises (or lowers) `maxElements` for every load in the
    /// process (a command-line `--max-elements` option can set it).
    public static let maxElementsVariable = "P2PSIM_MAX_ELEMENTS"

    /// The limits in force: the defaults, with `maxElements` from `P2PSIM_MAX_ELEMENTS` when
    /// that is set to a positive integer.
    public static var current: LoadLimits {
        var limits = LoadLimits()
        if let text = ProcessInfo.processInfo.environment[maxElementsVariable], let value = Int(text), value > 0 {
            limits.maxElements = value
        }
        return limits
    }

    /// How to raise the element limit, for messages.
    var raiseElementsHint: String {
        "the limit is \(maxElements) elements; raise it with --max-elements N or the environment variable \(Self.maxElementsVariable)=N"
    }
}

/// The running count of elements in the document being expanded, shared by XInclude and
/// `<repeat>` so that the limit holds for both together.
final class ElementBudget {
    /// The limit.
    let limit: Int
    /// Elements counted so far.
    private(set) var used = 0

    init(limit: Int) { self.limit = limit }

    /// A separate budget with the same limit and count so far (for an attempt that may be
    /// abandoned without charging this one).
    func copy() -> ElementBudget {
        let copy = ElementBudget(limit: limit)
        copy.used = used
        return copy
    }

    /// Counts `count` more elements; false (and nothing counted) when that would pass the limit.
    func charge(_ count: Int) -> Bool {
        let (total, overflow) = used.addingReportingOverflow(count)
        guard !overflow, total <= limit else { return false }
        used = total
        return true
    }

    /// The number of elements in the subtree rooted at `node` (itself included), counted with an
    /// explicit stack, stopping early once it passes `cap`.
    static func elements(in node: UnsafeMutablePointer<xmlNode>, cap: Int = .max) -> Int {
        var count = 0
        var stack: [UnsafeMutablePointer<xmlNode>] = [node]
        while let current = stack.popLast() {
            guard current.pointee.type == XML_ELEMENT_NODE else { continue }
            count += 1
            if count > cap { return count }
            var child = current.pointee.children
            while let c = child {
                stack.append(c)
                child = c.pointee.next
            }
        }
        return count
    }
}
