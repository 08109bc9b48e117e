/// A small, fast, seeded random number generator (SplitMix64, Steele, Lea and Flood, OOPSLA 2014).
///
/// Used wherever a run needs randomness, so that the same seed always gives the same run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline internal var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number uniform in `0..<bound` (Lemire's multiply-shift, with rejection so it is
    /// unbiased).
    ///
    /// - Complexity: O(1) expected.
    public mutating func next(below bound: UInt64) -> UInt64 {
        guard bound > 1 else { return 0 }
        let threshold = (0 &- bound) % bound
        while true {
            let product = next().multipliedFullWidth(by: bound)
            if product.low >= threshold { return product.high }
        }
    }
}
