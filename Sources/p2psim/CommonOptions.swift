import ArgumentParser
import Foundation
import P2PSim

/// Whether ACS redirect stays as the file says or is cleared.
enum ACSRedirectSetting: String, ExpressibleByArgument, CaseIterable {
    case on, off
}

/// An IOMMU mode as the kernel's command line spells it: `off`, `pt` (or `passthrough`),
/// `translated`.
struct IOMMUModeArgument: ExpressibleByArgument {
    var mode: IOMMUSpec.Mode

    init?(argument: String) {
        switch argument {
        case "off": mode = .off
        case "pt", "passthrough": mode = .passthrough
        case "translated": mode = .translated
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["off", "pt", "translated"] }
}

/// An IOMMU page size: 4 KiB, 2 MiB or 1 GiB (the page sizes of x86 IOMMU page tables).
struct IOMMUPageSizeArgument: ExpressibleByArgument {
    var size: ByteCount

    init?(argument: String) {
        guard let size = try? ByteCount.parse(argument), [4 << 10, 2 << 20, 1 << 30].contains(size.bytes) else {
            return nil
        }
        self.size = size
    }

    static var allValueStrings: [String] { ["4 KiB", "2 MiB", "1 GiB"] }
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

    @Option(help: "Set the mode of every IOMMU: off, pt (passthrough) or translated.")
    var iommu: IOMMUModeArgument?

    @Option(
        name: .customLong("iommu-page-size"),
        help: "Set the page size of every IOMMU's DMA mappings (4 KiB, 2 MiB or 1 GiB).")
    var iommuPageSize: IOMMUPageSizeArgument?

    @Flag(
        help: "Size every resizable BAR to the largest size it supports, as firmware with Resizable BAR enabled does.")
    var resizableBar = false

    @Option(
        name: .customLong("max-elements"),
        help: "Refuse topologies of more elements than this after <repeat> and XInclude (default 250,000; also P2PSIM_MAX_ELEMENTS).")
    var maxElements: UInt64?

    @Option(
        name: .customLong("max-events"),
        help: "Refuse runs that would handle more events than this (default 200,000,000; also P2PSIM_MAX_EVENTS).")
    var maxEvents: UInt64?

    func validate() throws {
        for (name, value) in [("--max-elements", maxElements), ("--max-events", maxEvents)] where value == 0 {
            throw ValidationError("\(name) must be a positive count")
        }
    }

    /// Puts the limits given on the command line in force (they override the environment).
    func applyLimits() {
        if let maxElements { setenv(LoadLimits.maxElementsVariable, String(maxElements), 1) }
        if let maxEvents { setenv(EventLimit.variable, String(maxEvents), 1) }
    }

    /// The changes asked for.
    var adjustments: MachineAdjustments {
        MachineAdjustments(
            clearACSRedirect: acsRedirect == .off, iommuMode: iommu?.mode, iommuPageSize: iommuPageSize?.size,
            resizableBAR: resizableBar)
    }

    /// Loads, adjusts and enumerates the machine in `file` (or the built-in default).
    ///
    /// Bad input exits with status 2. What the adjustments changed goes to standard error.
    func machine(_ file: String?, hint: String? = nil) throws -> EnumeratedMachine {
        applyLimits()
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
