// PacketInvariants.swift — checks the packet engine keeps on in every run (issue 18): credits
// never negative nor above what the receiver advertised, and a link's busy time never above the
// time elapsed. A violation stops the run with a message naming the stage and the simulated time.

/// A broken invariant of the packet engine: which stage, when, and what.
struct PacketInvariantViolation: Sendable, Hashable {
    /// The stage (index into the fabric's stages).
    var stage: Int
    /// The simulated time of the violation, in picoseconds.
    var time: UInt64
    /// What was wrong, with the figures.
    var what: String
}

/// Ways a test breaks an invariant on purpose, to show the check catches it (never set outside
/// tests).
enum PacketInvariantSabotage: Sendable, Hashable {
    /// The first UpdateFC batch returned to this link gives back a whole advertisement of posted
    /// header credits too many.
    case returnExtraCredit(link: Int)
    /// The first TLP committed on this link takes one data credit more than the receiver has.
    case overdrawCredits(link: Int)
    /// The first TLP committed on this link is charged a microsecond of extra busy time.
    case overchargeBusyTime(link: Int)
}

/// The names of the three credit classes, for messages.
let creditClassNames = ["posted", "non-posted", "completion"]

extension PacketEngine {
    /// Checks a link's credits after it took some for a TLP: none may go below zero.
    @inline(__always) mutating func checkCreditsTaken(_ link: Int, creditClass c: Int, now: UInt64) {
        let credits = stages[link].credits
        if credits.header(c) < 0 || credits.data(c) < 0 {
            violate(
                link, at: now,
                "\(creditClassNames[c]) credits went negative (header \(credits.header(c)), data \(credits.data(c)))")
        }
    }

    /// Checks a link's credits after an UpdateFC returned some: none above the advertisement.
    @inline(__always) mutating func checkCreditsReturned(_ link: Int, now: UInt64) {
        let credits = stages[link].credits
        let limit = stages[link].advertised
        for c in 0..<3 where !stages[link].isInfinite(c) {
            if credits.header(c) > limit.header(c) || credits.data(c) > limit.data(c) {
                violate(
                    link, at: now,
                    "\(creditClassNames[c]) credits above the advertised \(limit.header(c))/\(limit.data(c)) "
                        + "(header \(credits.header(c)), data \(credits.data(c)))")
            }
        }
    }

    /// Checks that a link has not been busy longer than the time up to the end of its latest
    /// transmission (transmissions never overlap, so the busy time is at most that).
    ///
    /// A vendor link's bonded lanes count each: `lanes` x the latest end.
    @inline(__always) mutating func checkBusyTime(_ link: Int, now: UInt64) {
        let elapsed = max(stages[link].busyUntil, stages[link].busyEnd) &* UInt64(stages[link].laneCount)
        if stages[link].busyTime > elapsed {
            violate(link, at: now, "busy \(stages[link].busyTime) ps, more than the \(elapsed) ps elapsed")
        }
    }

    /// Records the first violation; the engine ignores every later event, so the run stops.
    mutating func violate(_ stage: Int, at time: UInt64, _ what: String) {
        if violation == nil { violation = PacketInvariantViolation(stage: stage, time: time, what: what) }
    }

    /// Applies a test's sabotage, once, where it names this link and this step.
    @inline(__always) mutating func sabotaged(_ wanted: PacketInvariantSabotage) -> Bool {
        guard let sabotage, sabotage == wanted else { return false }
        self.sabotage = nil
        return true
    }
}
