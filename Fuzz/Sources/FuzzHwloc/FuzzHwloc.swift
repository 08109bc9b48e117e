import Foundation
import FuzzDriver
import HwlocImport

/// libFuzzer entry: the input is an hwloc XML file; probing and importing it must end in a
/// topology or in diagnostics, never in a trap or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHwloc(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let file = "/nonexistent/fuzz/lstopo.xml"
    if HwlocImporter.isHwloc(text: text, file: file) {
        _ = try? HwlocImporter.importTopology(text: text, file: file)
    }
    return 0
}

/// Runs libFuzzer's driver on `fuzzHwloc`.
@main
enum FuzzHwlocMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzHwloc(data, size) })
    }
}
