import Foundation
import P2PSim

/// A diagnostic as JSON fields.
struct DiagnosticJSON: Codable {
    var file: String
    var line: Int
    var column: Int
    var severity: String
    var message: String

    init(_ diagnostic: Diagnostic) {
        file = diagnostic.location.file
        line = diagnostic.location.line
        column = diagnostic.location.column
        severity = diagnostic.severity.rawValue
        message = diagnostic.message
    }
}

/// `p2psim validate --format json`: one entry per file.
struct ValidationJSON: Codable {
    var file: String
    var valid: Bool
    var name: String?
    var sockets: Int?
    var rootComplexes: Int?
    var switches: Int?
    var endpoints: Int?
    var vendorLinks: Int?
    var pciNodes: Int?
    var diagnostics: [DiagnosticJSON]
}

/// `p2psim check --format json`: every expectation with its outcome, and the totals.
struct CheckJSON: Codable {
    struct ExpectationJSON: Codable {
        var expectation: String
        var expected: String
        var got: String
        var error: String
        var passed: Bool
        var source: String
        var file: String
        var line: Int
    }
    struct ScenarioJSON: Codable {
        var name: String
        var file: String
        var expectations: [ExpectationJSON]
    }
    var passed: Int
    var failed: Int
    var scenarios: [ScenarioJSON]

    init(_ report: CheckReport) {
        passed = report.passed
        failed = report.failed
        scenarios = report.results.map { result in
            ScenarioJSON(
                name: result.scenario.name, file: result.scenario.file,
                expectations: result.expectations.map {
                    ExpectationJSON(
                        expectation: $0.expectation.label, expected: $0.expected, got: $0.got, error: $0.error,
                        passed: $0.passed, source: $0.expectation.source, file: $0.expectation.location.file,
                        line: $0.expectation.location.line)
                })
        }
    }
}

/// `p2psim baseline compare --format json`.
struct BaselineComparisonJSON: Codable {
    var notes: [String]
    var changes: [String]
    var movedBeyondTolerance: Bool
}

/// The element that opens an XML file's body (after the declaration, comments and doctype),
/// or nil when there is none: what tells a topology file from a scenario file before loading.
func rootElementName(ofFile path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    var text = Substring(String(decoding: data.prefix(65_536), as: UTF8.self))
    while let open = text.firstIndex(of: "<") {
        text = text[open...]
        if text.hasPrefix("<?") || text.hasPrefix("<!") {
            let terminator = text.hasPrefix("<!--") ? "-->" : ">"
            guard let end = text.range(of: terminator) else { return nil }
            text = text[end.upperBound...]
            continue
        }
        let name = text.dropFirst().prefix { !$0.isWhitespace && $0 != ">" && $0 != "/" }
        return String(name)
    }
    return nil
}
