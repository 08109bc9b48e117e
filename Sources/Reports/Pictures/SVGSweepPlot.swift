import Engine
import Foundation
import Units

/// Bandwidth against transfer size (log scale) for P2P and the bounce, with the sizes where the
/// faster path changes marked: `p2psim sweep --format svg` and the report's sweep section.
public struct SVGSweepPlot: Sendable {
    /// The sweep drawn.
    public let sweep: SweepReport

    /// Creates the plot of `sweep`.
    public init(sweep: SweepReport) { self.sweep = sweep }

    /// Colours of the two curves (ColorBrewer Dark2).
    static let p2pColour = "#1b9e77", bounceColour = "#d95f02"

    /// The plot as an `<svg>` element.
    public func svg(standalone: Bool) -> String {
        let width = 720.0
        let height = 420.0
        let left = 70.0
        let right = 20.0
        let top = 40.0
        let bottom = 60.0
        let points = sweep.points
        let sizes = points.map { log2(Double($0.sizeBytes)) }
        let minX = sizes.min() ?? 12
        let maxX = max(sizes.max() ?? 30, minX + 1)
        let maxY = max(points.map { max($0.p2pGBps ?? 0, $0.bounceGBps) }.max() ?? 1, 1e-9) * 1.1
        func x(_ size: UInt64) -> Double { left + (log2(Double(size)) - minX) / (maxX - minX) * (width - left - right) }
        func y(_ value: Double) -> Double { top + (1 - value / maxY) * (height - top - bottom) }
        var document = SVGDocument(width: width, height: height)
        document.text(
            "\(sweep.from) to \(sweep.to) on \(sweep.topology) (\(sweep.fidelity) fidelity)", x: width / 2, y: 20,
            ["class": "label heading", "text-anchor": "middle", "font-size": "14"])
        document.line(x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, ["stroke": "black"])
        document.line(x1: left, y1: top, x2: left, y2: height - bottom, ["stroke": "black"])
        document.text(
            "transfer size (log scale)", x: width / 2, y: height - 15, ["class": "label", "text-anchor": "middle"])
        document.text(
            "bandwidth (GB/s)", x: 18, y: height / 2,
            [
                "class": "label", "text-anchor": "middle",
                "transform": "rotate(-90 18 \(SVGDocument.number(height / 2)))",
            ])
        for point in points where Int(log2(Double(point.sizeBytes))) % 2 == 0 {
            let px = x(point.sizeBytes)
            document.line(x1: px, y1: height - bottom, x2: px, y2: height - bottom + 5, ["stroke": "black"])
            document.text(
                ByteCount(point.sizeBytes).description, x: px, y: height - bottom + 18,
                ["class": "label tick", "text-anchor": "middle"])
        }
        for tick in 0...4 {
            let value = maxY * Double(tick) / 4
            document.text(
                formatDecimal(value, maxFractionDigits: 1), x: left - 6, y: y(value) + 4,
                ["class": "label tick", "text-anchor": "end"])
            document.line(x1: left, y1: y(value), x2: width - right, y2: y(value), ["stroke": "#ddd"])
        }
        document.polyline(
            points.map { (x($0.sizeBytes), y($0.bounceGBps)) },
            ["class": "curve bounce", "stroke": Self.bounceColour, "stroke-width": "2"])
        let p2p = points.compactMap { point in point.p2pGBps.map { (x(point.sizeBytes), y($0)) } }
        if !p2p.isEmpty {
            document.polyline(p2p, ["class": "curve p2p", "stroke": Self.p2pColour, "stroke-width": "2"])
        }
        // Crossover labels stack upward from the axis so that close ones do not collide.
        for (index, crossover) in sweep.crossovers.enumerated() {
            let cx = x(crossover)
            document.line(
                x1: cx, y1: top, x2: cx, y2: height - bottom,
                ["class": "crossover", "stroke": "gray", "stroke-dasharray": "4 4"])
            document.text(
                "crossover \(ByteCount(crossover))", x: cx + 4, y: height - bottom - 8 - Double(index) * 16,
                ["class": "label crossover-label", "stroke": "white", "stroke-width": "3", "paint-order": "stroke"])
        }
        document.rect(x: left + 10, y: top + 5, width: 12, height: 3, ["fill": Self.p2pColour])
        document.text(
            "P2P: " + (sweep.p2pMechanism.flatMap(TransferMechanism.init(rawValue:))?.displayName ?? "not permitted"),
            x: left + 28, y: top + 10, ["class": "label legend-label"])
        document.rect(x: left + 10, y: top + 21, width: 12, height: 3, ["fill": Self.bounceColour])
        document.text("bounce through system memory", x: left + 28, y: top + 26, ["class": "label legend-label"])
        return document.rendered(standalone: standalone, id: "sweep", label: "bandwidth against transfer size")
    }
}
