import ArgumentParser
import Foundation
import P2PSim

/// `p2psim validation-report`: regenerate docs/validation.md.
struct ValidationReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validation-report",
        abstract:
            "Print docs/validation.md: p2psim against pcie-bench, the IOMMU measurements, published GPU figures and SimGrid.",
        discussion: "Run from the repository root: swift run -c release p2psim validation-report > docs/validation.md"
    )

    @Option(help: "The bundled topologies folder.")
    var topologies = "topologies"

    @Option(help: "The scenarios folder (the leave-one-machine-out figures are its machines' expectations).")
    var scenarios = "scenarios"

    @Option(help: "The reference data folder (sections that need it are skipped when it is absent).")
    var sharedData = "../shared/data"

    @Flag(help: "Print only the leave-one-machine-out section (fast, for iterating on a model).")
    var leaveOneOutOnly = false

    func run() throws {
        let topologiesURL = URL(fileURLWithPath: topologies)
        guard FileManager.default.fileExists(atPath: topologiesURL.appendingPathComponent("hgx-h100.xml").path) else {
            StandardError.write(
                "error: '\(topologies)' does not hold the bundled topologies (run from the repository root)")
            throw ExitCode(2)
        }
        var isDirectory: ObjCBool = false
        let shared =
            FileManager.default.fileExists(atPath: sharedData, isDirectory: &isDirectory) && isDirectory.boolValue
            ? URL(fileURLWithPath: sharedData) : nil
        let leaveOneOut: String
        do {
            leaveOneOut = try LeaveOneMachineOut.markdown(scenarios: URL(fileURLWithPath: scenarios))
        } catch let error as ScenarioLoadError {
            StandardError.write(error.description)
            throw ExitCode(2)
        }
        if leaveOneOutOnly {
            print(leaveOneOut, terminator: "")
            return
        }
        print(
            try ValidationReport.markdown(topologies: topologiesURL, sharedData: shared, leaveOneMachineOut: leaveOneOut),
            terminator: "")
    }
}
