// swift-tools-version: 6.0
import PackageDescription

// A user's own test suite built on the P2PSim library (see docs/library.md).
let package = Package(
    name: "P2PSimExample",
    dependencies: [
        .package(name: "p2psim", path: "../..")
    ],
    targets: [
        .testTarget(
            name: "P2PSimExampleTests",
            dependencies: [.product(name: "P2PSim", package: "p2psim")]
        )
    ],
    swiftLanguageModes: [.v6]
)
