// swift-tools-version: 6.0
// libFuzzer targets for p2psim's parsers, in a package of their own so that the main build and
// `swift test` are untouched. Build and run them all with `scripts/fuzz.sh SECONDS`, which
// passes `-sanitize=fuzzer,address` (Swift on Linux); each target's `@main` hands its
// `LLVMFuzzerTestOneInput` to libFuzzer's driver (SwiftPM renames an executable's `main`, so
// libFuzzer's own cannot be used).
import PackageDescription

let fuzzTargets = ["FuzzTopology", "FuzzScenario", "FuzzHwloc", "FuzzUnits", "FuzzRepeatExpression"]

let package = Package(
    name: "P2PSimFuzz",
    dependencies: [.package(name: "p2psim", path: "..")],
    targets: [.target(name: "FuzzDriver")]
        + fuzzTargets.map { name in
            .executableTarget(
                name: name, dependencies: ["FuzzDriver", .product(name: "P2PSim", package: "p2psim")])
        },
    swiftLanguageModes: [.v6]
)
