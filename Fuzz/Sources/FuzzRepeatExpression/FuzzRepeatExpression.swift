import Foundation
import FuzzDriver

@testable import Topology

/// libFuzzer entry: the input is a `{...}` expression of a `<repeat>` attribute; evaluating it
/// must give a number or an `ExpressionError` (overflow, division by zero, syntax), never a
/// trap or a stack overflow.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRepeatExpression(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let bindings = ["i": 7, "s": -3, "big": Int.max, "small": Int.min]
    _ = try? IntegerExpression.evaluate(text, bindings: bindings)
    return 0
}

/// Runs libFuzzer's driver on `fuzzRepeatExpression`.
@main
enum FuzzRepeatExpressionMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzRepeatExpression(data, size) })
    }
}
