import Foundation
import FuzzDriver
import Scenarios

/// The folder that scenario inputs are read from, so that their `<topology href="...">`
/// resolves to the bundled topologies: `P2PSIM_FUZZ_SCENARIOS`, set by scripts/fuzz.sh.
let scenarioFolder = ProcessInfo.processInfo.environment["P2PSIM_FUZZ_SCENARIOS"] ?? "scenarios"

/// libFuzzer entry: the input is a scenario file; loading it must end in a scenario or in
/// diagnostics, never in a trap or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ScenarioLoader.load(text: text, file: scenarioFolder + "/fuzz.xml")
    return 0
}

/// Runs libFuzzer's driver on `fuzzScenario`.
@main
enum FuzzScenarioMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzScenario(data, size) })
    }
}
