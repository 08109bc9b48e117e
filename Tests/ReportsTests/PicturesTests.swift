import Engine
import Fabric
import Foundation
import Testing
import Topology

@testable import Reports

/// The drawings without a browser: every device gets a box, no two boxes overlap, link labels
/// sit in their own slots, and the same file always gives the same bytes.
@Suite("Pictures")
struct PicturesTests {
    static func machine(_ name: String) throws -> EnumeratedMachine {
        if name == SixteenGPUFixture.name {
            return try EnumeratedMachine(try TopologyLoader.load(text: SixteenGPUFixture.text, file: "\(name).xml"))
        }
        return try EnumeratedMachine(
            try TopologyLoader.load(
                contentsOf: BrowserRenderTests.repository.appendingPathComponent("topologies/\(name).xml").path))
    }

    @Test(arguments: BrowserRenderTests.topologies + [SixteenGPUFixture.name])
    func everyDeviceHasABoxAndNoBoxesOverlap(_ name: String) throws {
        let machine = try Self.machine(name)
        let topology = machine.topology
        let layout = TopologyLayout(machine: machine)
        let ids = layout.boxes.map(\.id)
        let expected =
            topology.sockets.map(\.id) + topology.rootComplexes.map(\.id) + topology.switches.map(\.id)
            + topology.endpointIndices.map { topology.nodes[$0].id } + topology.nvswitches.map(\.id)
        #expect(Set(ids) == Set(expected))
        #expect(ids.count == expected.count)
        for (i, a) in layout.boxes.enumerated() {
            #expect(a.x >= 0 && a.y >= 0 && a.x + a.width <= layout.width && a.y + a.height <= layout.height)
            for b in layout.boxes[(i + 1)...] {
                let overlaps =
                    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
                // A socket spans its root complexes' columns but sits on its own row.
                #expect(!overlaps, "\(a.id) and \(b.id) overlap")
            }
        }
        // Link labels: no two at the same place.
        let labels = layout.edges.compactMap { edge in edge.labelAt.map { "\(Int($0.x)),\(Int($0.y))" } }
        #expect(Set(labels).count == labels.count)
    }

    @Test func drawingsAreDeterministicAndEscaped() throws {
        let machine = try Self.machine("dgx-a100")
        #expect(
            SVGTopology(machine: machine).svg(standalone: true) == SVGTopology(machine: machine).svg(standalone: true))
        let dot = DOTTopology(machine: machine).dot()
        #expect(dot.hasPrefix("graph \"dgx-a100\" {") && dot.hasSuffix("}\n"))
        for index in machine.topology.endpointIndices {
            #expect(dot.contains("\"\(machine.topology.nodes[index].id)\" ["))
        }
        #expect(SVGDocument.escape("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;")
        #expect(SVGDocument.truncated("ConnectX-7 NDR 400", to: 8) == "Connect…")
    }

    @Test func heatMapColoursFollowTheValues() {
        #expect(SVGHeatMap.blue(0) == "#f7fbff")
        #expect(SVGHeatMap.blue(1) == "#08306b")
        #expect(SVGHeatMap.isDark(SVGHeatMap.blue(1)) && !SVGHeatMap.isDark(SVGHeatMap.blue(0)))
        let map = SVGHeatMap.numeric(
            title: "t", id: "m", devices: ["a", "b"], values: [[9, 2], [4, 9]], unit: "GB/s")
        // The diagonal is grey; the largest off-diagonal value takes the darkest colour.
        #expect(map.cells[0][0].fill == "#e8eaed")
        #expect(map.cells[1][0].fill == "#08306b")
        #expect(map.cells[0][1].text == "2")
    }

    @Test func everyParameterHasAnOrigin() {
        let missing = ModelParameters.names.filter { ParameterTable.origins[$0] == nil }
        #expect(missing.isEmpty, "no origin in ParameterTable for \(missing)")
        var changed = ModelParameters()
        changed.pcieLinkLatency = .ns(70)
        let row = ParameterTable.rows(changed).first { $0.name == "pcieLinkLatency" }
        #expect(row?.value == "70 ns")
        #expect(row?.origin.hasPrefix("overridden with --set (default 50 ns)") == true)
    }
}
