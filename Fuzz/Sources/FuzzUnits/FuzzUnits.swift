import Foundation
import FuzzDriver
import Units

/// libFuzzer entry: the input is a quantity; every parser must return a value or a
/// `UnitParseError`, and the arithmetic on accepted values must not trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUnits(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let size = try? ByteCount.parse(text)
    let rate = try? DataRate.parse(text, lanes: 16)
    let bandwidth = try? DataRate.parse(text, within: .bandwidth)
    let time = try? Picoseconds.parse(text)
    _ = try? Picoseconds.parse(text, within: .latency)
    // Descriptions print every accepted value.
    _ = size?.description
    _ = rate?.description
    _ = time?.description
    // Model arithmetic on accepted extremes: checked or saturating, never trapping.
    if let size, let bandwidth {
        _ = Picoseconds.transmission(of: size.bytes, at: bandwidth)
        _ = try? Picoseconds.checkedTransmission(of: size.bytes, at: bandwidth)
    }
    if let time {
        _ = time + time
        _ = try? Picoseconds(seconds: time.seconds * 1e6)
    }
    return 0
}

/// Runs libFuzzer's driver on `fuzzUnits`.
@main
enum FuzzUnitsMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzUnits(data, size) })
    }
}
