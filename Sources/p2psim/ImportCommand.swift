import ArgumentParser
import Foundation
import P2PSim

/// `p2psim import`: convert other descriptions of a machine to the topology format.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a description of a real machine to a p2psim topology file.",
        subcommands: [ImportHwlocCommand.self, ImportSysfsCommand.self, ImportLspciCommand.self]
    )
}

/// IOMMU modes as a command-line choice.
extension IOMMUSpec.Mode: ExpressibleByArgument {}

/// GPU numbering orders as a command-line choice.
extension GPUOrder: ExpressibleByArgument {}

/// What every import shares: where to write, and an overlay to apply.
struct ImportOutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Where to write the topology (default: standard output).")
    var output: String?

    @Option(
        help: ArgumentHelp(
            "An overlay file setting ACS, IOMMU mode, host bridge, drivers or link speeds on named devices.",
            valueName: "FILE"))
    var overlay: String?
}

/// Reads a file for a command; an unreadable file is bad input (exit status 2).
func readInputFile(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        StandardError.write("\(path): error: the file cannot be read")
        throw ExitCode(2)
    }
    return String(decoding: data, as: UTF8.self)
}

/// Applies the overlay, checks the topology with the normal loader and enumeration, and writes it.
func finishImport(xml: String, options: ImportOutputOptions) throws {
    var text = xml
    let name = options.output ?? "<imported topology>"
    if let overlay = options.overlay {
        let overlayText = try readInputFile(overlay)
        do {
            text = try TopologyOverlay.apply(overlayText: overlayText, overlayFile: overlay, to: text, topologyFile: name)
        } catch {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
    }
    let topology: Topology
    do {
        topology = try TopologyLoader.load(text: text, file: name)
        _ = try EnumeratedMachine(topology)
    } catch let error as TopologyLoadError {
        StandardError.write("the imported topology does not load (a bug in the importer):\n\(error.description)")
        throw ExitCode(2)
    } catch {
        StandardError.write("the imported topology does not enumerate: \(error)")
        throw ExitCode(2)
    }
    if let output = options.output {
        guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
            StandardError.write("\(output): error: cannot be written")
            throw ExitCode(2)
        }
        StandardError.write(
            "\(output): \(topology.sockets.count) socket(s), \(topology.rootComplexes.count) root complex(es), \(topology.switches.count) switch(es), \(topology.endpointIndices.count) endpoint(s), \(topology.vendorLinks.count) vendor link(s)"
        )
    } else {
        print(text, terminator: "")
    }
}

/// `p2psim import hwloc FILE -o TOPOLOGY.xml`: import an `lstopo --of xml` file.
struct ImportHwlocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hwloc",
        abstract: "Import an hwloc topology (lstopo --of xml) as a p2psim topology file.",
        discussion: """
            Every assumption the import makes (what hwloc does not record: switch latency, BAR \
            sizes, ACS, IOMMU, memory bandwidth...) is printed as a note on standard error and \
            written as a comment at the top of the output. The result is checked with the normal \
            loader. Exit status 2 for a bad hwloc file.
            """
    )

    @Argument(help: "The hwloc XML file.")
    var file: String

    @OptionGroup var outputOptions: ImportOutputOptions

    @Option(help: "IOMMU mode on every root complex: off, passthrough or translated (default: none written, off).")
    var iommu: IOMMUSpec.Mode?

    @Flag(help: "Enable ACS P2P Request/Completion Redirect on every switch downstream port.")
    var acsRedirect = false

    @Option(
        help:
            "GPU numbering: pci (PCI bus order: nvidia-smi, rocm-smi, CUDA_DEVICE_ORDER=PCI_BUS_ID) or vendor (the cudaN/rsmiN/nvmlN index hwloc recorded)."
    )
    var gpuOrder: GPUOrder = .pciBus

    func run() throws {
        let text = try readInputFile(file)
        let options = HwlocImportOptions(iommu: iommu, acsRedirect: acsRedirect, gpuOrder: gpuOrder)
        let result: HwlocImportResult
        do {
            result = try HwlocImporter.importTopology(text: text, file: file, options: options)
        } catch {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
        for warning in result.warnings { StandardError.write(warning.description) }
        for note in result.notes { StandardError.write("\(file): note: \(note)") }
        try finishImport(xml: result.xml, options: outputOptions)
    }
}

/// Prints a machine import's findings on standard error.
func report(_ result: MachineImportResult, source: String) {
    for warning in result.warnings { StandardError.write(warning.description) }
    for sentence in result.unreadable { StandardError.write("\(source): warning: not read: \(sentence)") }
    for note in result.notes { StandardError.write("\(source): note: \(note)") }
}

/// `p2psim import sysfs [ROOT]`: import the running machine (or a copied sysfs tree).
struct ImportSysfsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sysfs",
        abstract: "Import a machine from sysfs (/sys/bus/pci/devices, IOMMU groups, the kernel command line).",
        discussion: """
            Reads ROOT/sys/bus/pci/devices/* (config space: ACS, Link Capabilities/Status, \
            Device Control MPS/MRRS, SR-IOV; resource for BARs; current/max link speed and \
            width; numa_node; the driver link; iommu_group), ROOT/sys/kernel/iommu_groups, \
            ROOT/sys/class/iommu, ROOT/proc/cmdline (pci=disable_acs_redir=, iommu=pt) and \
            ROOT/proc/cpuinfo. Every function keeps its domain:bus:device.function. Without \
            root, extended configuration space is not readable: what could not be read and what \
            was assumed are printed as warnings and listed atop the output. Exit status 2 when \
            there is no PCI device.
            """
    )

    @Argument(help: "The root of the tree holding sys/ and proc/ (default: /, this machine).")
    var root: String = "/"

    @OptionGroup var outputOptions: ImportOutputOptions

    @Option(help: "IOMMU mode on every root complex: off, passthrough or translated (default: the kernel's).")
    var iommu: IOMMUSpec.Mode?

    func run() throws {
        let result: MachineImportResult
        do {
            result = try MachineImporter.importSysfs(root: root, options: MachineImportOptions(iommu: iommu))
        } catch {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
        report(result, source: root)
        try finishImport(xml: result.xml, options: outputOptions)
    }
}

/// `p2psim import lspci FILE [--tree FILE]`: import `lspci -vvvnn -D` output.
struct ImportLspciCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lspci",
        abstract: "Import a machine from `lspci -vvvnn -D` output (optionally with `lspci -tv`).",
        discussion: """
            Reads every function's header line, Bus: line, Region lines, the Express port type, \
            LnkCap/LnkSta, DevCtl MaxPayload/MaxReadReq, ACSCap/ACSCtl, SR-IOV VF counts, \
            "Kernel driver in use", NUMA node and IOMMU group. Every function keeps its \
            domain:bus:device.function. Exit status 2 for lines that cannot be read.
            """
    )

    @Argument(help: "The output of `lspci -vvvnn -D` (run as root to see ACS and link capabilities).")
    var file: String

    @Option(help: ArgumentHelp("The output of `lspci -tv`, for bridges whose bus range is not printed.", valueName: "FILE"))
    var tree: String?

    @OptionGroup var outputOptions: ImportOutputOptions

    @Option(help: "IOMMU mode on every root complex: off, passthrough or translated (default: from the IOMMU groups listed).")
    var iommu: IOMMUSpec.Mode?

    func run() throws {
        let text = try readInputFile(file)
        let treeText = try tree.map(readInputFile)
        let result: MachineImportResult
        do {
            result = try MachineImporter.importLspci(
                text: text, file: file, tree: treeText, options: MachineImportOptions(iommu: iommu))
        } catch {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
        report(result, source: file)
        try finishImport(xml: result.xml, options: outputOptions)
    }
}
