import Foundation
import Testing

@testable import PacketModel

@Suite("Packet model: the figures docs/packet-model.md shows")
struct FiguresTests {
    /// docs/packet-model.md, from this file's place in the repository.
    static let document: String? = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return try? String(contentsOfFile: path + "/docs/packet-model.md", encoding: .utf8)
    }()

    @Test("The table and figures in docs/packet-model.md are PacketModelFigures.markdown()")
    func documentIsGenerated() throws {
        let generated = try PacketModelFigures.markdown()
        // Printed so that a change of the model can be copied into the document.
        print(generated)
        let document = try #require(Self.document)
        #expect(document.contains(generated))
    }
}
