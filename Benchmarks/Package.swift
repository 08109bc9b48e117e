// swift-tools-version: 6.1
// Benchmarks for p2psim, in a package of their own so that `swift test` of the main package
// pulls in no benchmark dependency (as swift-nio keeps its benchmarks).
//
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
import PackageDescription

let package = Package(
    name: "p2psim-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "p2psim", path: ".."),
        // The default traits pull a runtime interposer this machine does not mirror; the malloc
        // interposer alone gives the allocation counts.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "P2PSim", package: "p2psim"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "PacketBenchmarks",
            dependencies: [
                .product(name: "P2PSim", package: "p2psim"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PacketBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ModelBenchmarks",
            dependencies: [
                .product(name: "P2PSim", package: "p2psim"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ModelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Whole-process replay of the SimGrid flow-anchor cases (timed with /usr/bin/time).
        .executableTarget(
            name: "flow-anchor-replay",
            dependencies: [.product(name: "P2PSim", package: "p2psim")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
