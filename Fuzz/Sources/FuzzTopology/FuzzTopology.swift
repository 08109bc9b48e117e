import Fabric
import Foundation
import FuzzDriver
import Topology

/// libFuzzer entry: the input is a topology file; loading it must end in a topology or in
/// diagnostics, never in a trap, a hang or unbounded memory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTopology(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limits keep each run fast; the limits themselves are what is being tested.
    let limits = LoadLimits(maxElements: 20_000, maxIncludeDepth: 8, maxIncludes: 100)
    if let topology = try? TopologyLoader.load(bytes: bytes, file: "/nonexistent/fuzz/topology.xml", limits: limits) {
        // What every command does next.
        _ = try? EnumeratedMachine(topology)
    }
    return 0
}

/// Runs libFuzzer's driver on `fuzzTopology`.
@main
enum FuzzTopologyMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzTopology(data, size) })
    }
}
