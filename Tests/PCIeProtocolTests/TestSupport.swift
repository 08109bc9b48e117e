// Deterministic pseudo-random numbers for property tests (no Foundation).

/// SplitMix64 (Steele, Lea, Flood 2014): small, deterministic, seedable.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Rounds to `decimals` places without libm.
func roundedTo(_ value: Double, _ decimals: Int) -> Double {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    return Double(Int64(value * scale + (value >= 0 ? 0.5 : -0.5))) / scale
}
