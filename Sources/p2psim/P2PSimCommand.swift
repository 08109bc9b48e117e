import ArgumentParser
import Foundation
import P2PSim

/// The `p2psim` command: emulate the data paths inside a machine.
@main
struct P2PSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p2psim",
        abstract: "Emulate peer-to-peer DMA and bounce paths between devices inside a machine.",
        discussion: """
            p2psim loads a machine's topology (PCIe root complexes, switches, endpoints, NVLink, \
            XGMI, socket links, IOMMU) and tells how a transfer between two devices travels, \
            whether Linux allows it peer-to-peer, and how fast it goes.

            Exit status: 0 success, 1 a failed check, 2 bad input or usage.
            """,
        version: p2psimVersion,
        subcommands: [
            CompareCommand.self, MatrixCommand.self, TransferCommand.self, SweepCommand.self, MergeCommand.self,
            ExplainCommand.self, ShowCommand.self, ValidateCommand.self, CheckCommand.self, BaselineCommand.self,
            ImportCommand.self, SchemaCommand.self, ValidationReportCommand.self,
            ReportCommand.self, ListCommand.self, NVBandwidthCommand.self,
            TimelineCommand.self,
        ]
    )

    /// Runs the command, mapping every usage error to exit status 2 (ArgumentParser's default is
    /// 64, EX_USAGE).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { StandardError.write(message) }
            Foundation.exit(code.rawValue == 1 ? 1 : 2)
        }
    }
}

/// Writes lines to standard error.
enum StandardError {
    /// Writes `text` and a newline to standard error.
    static func write(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Loads a topology for a command, printing its warnings unless `quiet`; bad input (a file
/// that does not load, an argument that names neither a file nor a bundled topology) exits
/// with status 2.
///
/// `hint`, when given, is added to the message for an argument that names nothing (say, a
/// device id given where the topology goes).
func loadTopology(_ path: String?, quiet: Bool = false, hint: String? = nil) throws -> Topology {
    if case .missing(let argument) = BundledTopology.resolve(path) {
        StandardError.write("error: " + BundledTopology.missingMessage(argument) + (hint.map { "\n" + $0 } ?? ""))
        throw ExitCode(2)
    }
    do {
        let topology = try BundledTopology.load(path)
        if !quiet {
            for warning in topology.warnings { StandardError.write(warning.description) }
        }
        return topology
    } catch {
        StandardError.write(error.description)
        throw ExitCode(2)
    }
}

/// Enumerates a loaded topology; an impossible enumeration is bad input (exit status 2).
func enumerate(_ topology: Topology) throws -> EnumeratedMachine {
    do {
        return try EnumeratedMachine(topology)
    } catch {
        StandardError.write(error.description)
        throw ExitCode(2)
    }
}

/// A progress meter that rewrites one line on standard error, or nil when standard error is not
/// a terminal (then nothing is printed, so logs and pipes stay clean).
func terminalProgressMeter(_ what: String) -> ProgressMeter? {
    guard isatty(STDERR_FILENO) != 0 else { return nil }
    return ProgressMeter(total: 0) { line in
        FileHandle.standardError.write(Data("\r\u{1B}[K\(what): \(line)".utf8))
    }
}

/// Clears the progress line, if one was shown.
func clearProgress(_ meter: ProgressMeter?) {
    guard meter != nil else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
}

/// Output formats of the commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
