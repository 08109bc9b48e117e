// PacketRunCache.swift — the result of a packet run reused for a later run whose inputs are the
// same up to names.
//
// The engine never reads a stage's name or a transfer's tag: it compiles routes to stage indices
// and works on those alone (`EngineBuilder`), and the result lists stages in fabric order and
// transfers in input order. Two runs whose fabrics, transfers and issue controls are equal once
// every stage id is replaced by its index in the fabric and every tag is dropped therefore have
// the same result up to those names. A matrix of a symmetric machine asks for such runs again and
// again (every NVSwitch pair of an HGX board is the same simulation); the cache runs each once
// and gives the later ones the first result under their own names. Nothing is computed in place
// of a simulation: a result comes from a run of the packet engine on inputs equal to the ones
// asked for.

import Foundation
import SimKernel
import Units

/// Packet results kept by their inputs up to names, shared by concurrent callers.
public final class PacketRunCache: @unchecked Sendable {
    /// The cache the transfer engine's packet runs go through.
    public static let shared = PacketRunCache(capacity: 64)

    /// The inputs of a run with stage ids replaced by their fabric index and tags dropped.
    struct Key: Hashable {
        var fabric: PacketFabric
        var transfers: [PacketTransfer]
        var jobs: [IssueControl.Job]?
        var poolCapacities: [Int]
        var serverCount: Int
    }

    /// Guards everything below; waited on while another caller simulates the inputs asked for.
    private let condition = NSCondition()
    private let capacity: Int
    private var results: [Key: PacketResult] = [:]
    /// Keys in the order they were stored: the oldest goes first when the cache is full.
    private var order: [Key] = []
    /// Inputs being simulated by some caller now: a caller asking for the same waits for its
    /// result instead of simulating them a second time (a matrix's cells run in parallel, and
    /// neighbouring cells ask for the same runs at the same moment).
    private var running: Set<Key> = []
    private var hits = 0
    private var misses = 0

    /// Runs answered from the cache, and runs simulated, so far.
    public var counts: (hits: Int, misses: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (hits, misses)
    }

    /// A cache of at most `capacity` results (the oldest is dropped first).
    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// The result of `PacketSimulation.run(fabric:transfers:issueControl:)`: simulated, or taken
    /// from an earlier run of the same inputs up to names and given this run's names.
    ///
    /// - Throws: `PacketModelError` as the simulation does (errors are never kept).
    public func run(
        fabric: PacketFabric, transfers: [PacketTransfer], issueControl: IssueControl? = nil
    ) throws(PacketModelError) -> PacketResult {
        guard let key = Self.key(fabric: fabric, transfers: transfers, issueControl: issueControl) else {
            return try PacketSimulation.run(fabric: fabric, transfers: transfers, issueControl: issueControl)
        }
        condition.lock()
        while running.contains(key) { condition.wait() }
        if let kept = results[key] {
            hits += 1
            condition.unlock()
            return Self.named(kept, fabric: fabric, transfers: transfers)
        }
        running.insert(key)
        misses += 1
        condition.unlock()
        let outcome = Result { () throws(PacketModelError) -> PacketResult in
            try PacketSimulation.run(fabric: fabric, transfers: transfers, issueControl: issueControl)
        }
        condition.lock()
        running.remove(key)
        if case .success(let result) = outcome {
            results[key] = Self.named(result, fabric: key.fabric, transfers: key.transfers)
            order.append(key)
            if order.count > capacity { results[order.removeFirst()] = nil }
        }
        condition.broadcast()
        condition.unlock()
        return try outcome.get()
    }

    /// The inputs with names replaced, or nil when a route names a stage the fabric lacks or two
    /// stages share an id (the simulation reports those; they are not kept).
    static func key(fabric: PacketFabric, transfers: [PacketTransfer], issueControl: IssueControl?) -> Key? {
        var index: [StageID: StageID] = [:]
        for (i, stage) in fabric.stages.enumerated() {
            guard index.updateValue(StageID("\(i)"), forKey: stage.id) == nil else { return nil }
        }
        var anonymous = fabric
        for i in anonymous.stages.indices {
            anonymous.stages[i].id = StageID("\(i)")
            if let reverse = anonymous.stages[i].reverseDirection {
                guard let renamed = index[reverse] else { return nil }
                anonymous.stages[i].reverseDirection = renamed
            }
        }
        var renamedTransfers = transfers
        for t in renamedTransfers.indices {
            renamedTransfers[t].tag = ""
            for r in renamedTransfers[t].requestRoute.indices {
                guard let renamed = index[renamedTransfers[t].requestRoute[r]] else { return nil }
                renamedTransfers[t].requestRoute[r] = renamed
            }
            for r in renamedTransfers[t].completionRoute.indices {
                guard let renamed = index[renamedTransfers[t].completionRoute[r]] else { return nil }
                renamedTransfers[t].completionRoute[r] = renamed
            }
        }
        return Key(
            fabric: anonymous, transfers: renamedTransfers, jobs: issueControl?.jobs,
            poolCapacities: issueControl?.poolCapacities ?? [], serverCount: issueControl?.serverCount ?? 0)
    }

    /// `result` with the stage ids of `fabric` (by position) and the tags of `transfers`.
    static func named(_ result: PacketResult, fabric: PacketFabric, transfers: [PacketTransfer]) -> PacketResult {
        var position: [StageID: Int] = [:]
        for (i, stage) in result.stages.enumerated() { position[stage.id] = i }
        func renamed(_ bottleneck: PacketBottleneck) -> PacketBottleneck {
            guard case .stage(let id) = bottleneck.cause, let i = position[id] else { return bottleneck }
            return PacketBottleneck(cause: .stage(fabric.stages[i].id), reason: bottleneck.reason)
        }
        var out = result
        for i in out.stages.indices { out.stages[i].id = fabric.stages[i].id }
        for t in out.transfers.indices {
            out.transfers[t].tag = transfers[t].tag
            out.transfers[t].bottleneck = renamed(out.transfers[t].bottleneck)
        }
        out.bottleneck = renamed(out.bottleneck)
        return out
    }
}
