/// A place in a user's file: path, line and column (both one-based; column 0 when unknown).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file path as the user gave it (or as an XInclude named it).
    public var file: String
    /// The line, from 1.
    public var line: Int
    /// The column, from 1; 0 when libxml2 gives none and the text did not tell.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, or `file:line` when the column is unknown.
    public var description: String { column > 0 ? "\(file):\(line):\(column)" : "\(file):\(line)" }
}

/// A problem found in a user's file, with where it is.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    /// How serious a diagnostic is.
    public enum Severity: String, Sendable, Comparable {
        /// Loading goes on; the user should know.
        case warning
        /// The file cannot be used.
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    /// How serious it is.
    public var severity: Severity
    /// Where it is.
    public var location: SourceLocation
    /// What is wrong, in one sentence that names the element or attribute.
    public var message: String

    /// Creates a diagnostic.
    public init(_ severity: Severity, at location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    /// `file:line:column: error: message`, the form compilers use and editors understand.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// A topology file could not be loaded; every problem found is listed, not only the first.
public struct TopologyLoadError: Error, Sendable, CustomStringConvertible {
    /// All diagnostics, errors and warnings, in file order.
    public var diagnostics: [Diagnostic]

    /// Creates the error from its diagnostics.
    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// The errors only.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
