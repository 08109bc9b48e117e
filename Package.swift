// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "p2psim",
    products: [
        .executable(name: "p2psim", targets: ["p2psim"]),
        .library(name: "P2PSim", targets: ["P2PSim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // libxml2 from the system (Debian: libxml2-dev), through a shim header.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // Sizes, rates and durations: parsing and printing with units.
        .target(name: "Units"),
        // The generic discrete-event kernel: time, future-event set, run loop.
        .target(name: "SimKernel", dependencies: ["Units"]),
        // PCIe link and transaction-layer arithmetic: rates, encodings, TLP splitting, wire bytes.
        .target(name: "PCIeProtocol"),
        // The flow-level (fluid) model: max-min fair sharing with selective updates.
        .target(name: "FlowModel"),
        // The packet-level PCIe model: TLPs, credits, DLLPs, tags over a small fabric description.
        .target(name: "PacketModel", dependencies: ["SimKernel", "PCIeProtocol", "Units"]),
        // The Linux kernel's P2P DMA decision (drivers/pci/p2pdma.c) and amdgpu's dma-buf rule.
        .target(name: "Policy"),
        // Topology files: the model, the libxml2 loader, the schema, diagnostics.
        .target(name: "Topology", dependencies: ["CLibXML2", "Units"]),
        // The machine: enumeration, addresses, relations between devices.
        .target(name: "Fabric", dependencies: ["Topology", "Units"]),
        // Path selection: the kernel's view of the machine, P2P versus vendor links versus bounce.
        .target(name: "Routing", dependencies: ["Fabric", "Policy", "Topology"]),
        // What users read: tables, trees, matrices, JSON.
        .target(name: "Reports", dependencies: ["Fabric", "Policy", "Routing", "Topology"]),
        // The umbrella library for users' own test suites.
        .target(
            name: "P2PSim",
            dependencies: [
                "Units", "SimKernel", "Topology", "Fabric", "FlowModel", "Policy", "PCIeProtocol", "PacketModel",
                "Routing",
                "Reports",
            ],
            resources: [
                .embedInCode("Topologies/default.xml")
            ]
        ),
        // The command line: parse, call, print.
        .executableTarget(
            name: "p2psim",
            dependencies: [
                "P2PSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "UnitsTests", dependencies: ["Units"]),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "TopologyTests", dependencies: ["Topology"]),
        .testTarget(name: "PCIeProtocolTests", dependencies: ["PCIeProtocol"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"]),
        .testTarget(name: "FabricTests", dependencies: ["Fabric", "Topology"]),
        .testTarget(name: "FlowModelTests", dependencies: ["FlowModel"]),
        .testTarget(name: "PacketModelTests", dependencies: ["PacketModel", "PCIeProtocol", "Units"]),
    ],
    swiftLanguageModes: [.v6]
)
