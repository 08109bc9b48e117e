import Foundation

/// Where this folder's fixtures are (next to the test sources).
enum FixtureFiles {
    /// The Fixtures folder.
    static var folder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }

    /// A fixture file or folder by name.
    static func path(_ name: String) -> String { folder + "/" + name }

    /// The text of a fixture file.
    static func text(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }
}
