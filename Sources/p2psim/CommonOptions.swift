import ArgumentParser
import Foundation
import P2PSim

/// Whether ACS redirect stays as the file says or is cleared.
enum ACSRedirectSetting: String, ExpressibleByArgument, CaseIterable {
    case on, off
}

/// How a command loads its machine: quietly or not, and with the changes `explain` suggests.
struct LoadOptions: ParsableArguments {
    @Flag(name: [.customShort("q"), .long], help: "Do not print the topology's warnings.")
    var quiet = false

    @Option(
        name: .customLong("acs-redirect"),
        help:
            "'off' clears ACS Request/Completion Redirect and Egress Control on every function, as booting with pci=disable_acs_redir= does ('on': as the file says)."
    )
    var acsRedirect: ACSRedirectSetting = .on

    @Option(help: "Set the mode of every IOMMU: off, passthrough or translated.")
    var iommu: IOMMUSpec.Mode?

    @Flag(
        help: "Size every resizable BAR to the largest size it supports, as firmware with Resizable BAR enabled does.")
    var resizableBar = false

    /// The changes asked for.
    var adjustments: MachineAdjustments {
        MachineAdjustments(clearACSRedirect: acsRedirect == .off, iommuMode: iommu, resizableBAR: resizableBar)
    }

    /// Loads, adjusts and enumerates the machine in `file` (or the built-in default).
    ///
    /// Bad input exits with status 2. What the adjustments changed goes to standard error.
    func machine(_ file: String?, hint: String? = nil) throws -> EnumeratedMachine {
        var topology = try loadTopology(file, quiet: quiet, hint: hint)
        for note in adjustments.apply(to: &topology) { StandardError.write("note: " + note) }
        return try enumerate(topology)
    }
}

/// Model parameter overrides, as `check --set` takes them.
struct ModelOptions: ParsableArguments {
    @Option(
        name: .customLong("set"),
        help: "Override a model parameter (NAME=VALUE, repeatable), such as --set bounceChunkSize=4MiB.")
    var overrides: [String] = []

    /// The parameters with the overrides applied; a bad override exits with status 2.
    func parameters() throws -> ModelParameters {
        var parameters = ModelParameters()
        for override in try parseOverrides(overrides) {
            do {
                try parameters.set(override.name, to: override.value)
            } catch {
                StandardError.write("error: --set \(override.name)=\(override.value): \(error)")
                throw ExitCode(2)
            }
        }
        return parameters
    }

    /// A planner for `machine` with these parameters.
    func planner(_ machine: EnumeratedMachine) throws -> TransferPlanner {
        TransferPlanner(machine: machine, parameters: try parameters())
    }
}

/// The two ends of a transfer: both given, or neither (then gpu0 and gpu1).
struct PairOptions: ParsableArguments {
    @Option(help: "The source device (or a socket id for its memory, where allowed); give --to too.")
    var from: String?

    @Option(help: "The destination device; give --from too. Without both: gpu0 and gpu1.")
    var to: String?

    /// The ends, or a usage error (exit status 2) when only one is given or both are the same.
    func ends(command: String) throws -> (from: String, to: String) {
        switch (from, to) {
        case (nil, nil): return ("gpu0", "gpu1")
        case (let source?, nil):
            StandardError.write(
                "error: --from \(source) needs --to: name the destination too (p2psim \(command) --from \(source) --to DEVICE)"
            )
            throw ExitCode(2)
        case (nil, let destination?):
            StandardError.write(
                "error: --to \(destination) needs --from: name the source too (p2psim \(command) --from DEVICE --to \(destination))"
            )
            throw ExitCode(2)
        case (let source?, let destination?):
            guard source != destination else {
                StandardError.write(
                    "error: --from and --to both name '\(source)': a copy within one device is not a transfer between devices"
                )
                throw ExitCode(2)
            }
            return (source, destination)
        }
    }
}

/// The hint for a topology argument that names nothing, on commands whose devices go in options.
func deviceOptionHint(_ command: String) -> String {
    "hint: the only argument of `p2psim \(command)` is the topology; devices go in --from and --to"
}

/// Whether `argument` looks like a topology (an existing file, a bundled name, or a name
/// ending in .xml) rather than a device id.
func looksLikeTopology(_ argument: String) -> Bool {
    switch BundledTopology.resolve(argument) {
    case .file, .bundled: return true
    case .missing, .builtInDefault: return argument.hasSuffix(".xml")
    }
}
