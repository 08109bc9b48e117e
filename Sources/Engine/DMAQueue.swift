import PCIeProtocol
import Units

/// A direct copy made of many DMAs of one size from one queue (`ScheduledTransfer.dmaSize` and
/// `queueDepth`), as the flow model sees it.
///
/// The packet model issues every DMA on its own (`OperationSchedule` splits the transfer: each
/// DMA holds a slot of the queue, passes through its device's descriptor processing and moves
/// its own TLPs). The fluid model keeps the queue as one stream, bound by the same three
/// mechanisms as resources and caps:
/// - the queue's window: at most `queueDepth` DMAs in flight, each in flight for its leg's
///   latency (a write's way to its target, a read's round trip), so the stream moves at most
///   depth x size per latency (Little's law, as outstanding reads bound a read);
/// - the device's descriptor processing (`<dma issueCost>`), a resource whose capacity is DMAs
///   per second, shared by every queue of the device: the stream weighs 1/size on it;
/// - TLPs no larger than the DMA: a DMA below the link's Max_Payload_Size pays a whole TLP's
///   header and framing (24 bytes) for fewer payload bytes, so the stream weighs more on every
///   PCIe link than a stream of full TLPs, for which link capacities are computed.
enum DMAQueue {
    /// Header (4 DW) plus framing, sequence number and LCRC of one TLP, in bytes.
    static let tlpOverhead = Double(PCIeWireSizes.header4DW + PCIeWireSizes.nonFlitTLPFraming)

    /// `leg` as a queue of DMAs of `size` bytes, `depth` at a time, on `resources`.
    static func shape(_ leg: TransferLeg, size: UInt64, depth: Int, resources: MachineResources) -> TransferLeg {
        var shaped = leg
        let dma = Double(max(1, size))
        if shaped.weights.isEmpty { shaped.weights = Array(repeating: 1.0, count: shaped.route.count) }
        for (position, resource) in shaped.route.enumerated() {
            guard let mps = resources.linkPayload[resource], dma < mps else { continue }
            shaped.weights[position] *= ((dma + tlpOverhead) / dma) / ((mps + tlpOverhead) / mps)
        }
        if let device = leg.initiator, let descriptors = resources.descriptorProcessors[device] {
            shaped.route.append(descriptors)
            shaped.weights.append(1 / dma)
        }
        if leg.latency > .zero {
            let window = Double(max(1, depth)) * dma / leg.latency.seconds
            shaped.rateCap = min(shaped.rateCap ?? window, window)
        }
        return shaped
    }
}
