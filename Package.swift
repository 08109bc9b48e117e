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
        // Vendor-link arithmetic: NVLink, NVSwitch, XGMI and socket-link flit accounting.
        .target(name: "LinkProtocols"),
        // The flow-level (fluid) model: max-min fair sharing with selective updates.
        .target(name: "FlowModel", dependencies: ["SimKernel", "Units"]),
        // The IOMMU: modes, I/O page tables, IOVA allocation, IOTLB, ATS, address kinds for P2P.
        .target(name: "IOMMU", dependencies: ["SimKernel", "Units"]),
        // The packet-level PCIe model: TLPs, credits, DLLPs, tags over a small fabric description.
        .target(name: "PacketModel", dependencies: ["LinkProtocols", "SimKernel", "PCIeProtocol", "Units"]),
        // The Linux kernel's P2P DMA decision (drivers/pci/p2pdma.c) and amdgpu's dma-buf rule.
        .target(name: "Policy"),
        // Topology files: the model, the libxml2 loader, the schema, diagnostics.
        .target(name: "Topology", dependencies: ["CLibXML2", "Units"]),
        // The machine: enumeration, addresses, relations between devices.
        .target(name: "Fabric", dependencies: ["Topology", "Units"]),
        // Path selection: the kernel's view of the machine, P2P versus vendor links versus bounce.
        .target(name: "Routing", dependencies: ["Fabric", "Policy", "Topology"]),
        // Transfers: named calibration, machine resources, path planning, the flow engine.
        .target(
            name: "Engine",
            dependencies: [
                "Fabric", "FlowModel", "LinkProtocols", "PCIeProtocol", "PacketModel", "Policy", "Routing", "SimKernel",
                "Topology",
                "Units",
            ]),
        // Dynamic buffers over time: dma-buf, P2PDMA providers, RDMA ODP, HMM, pipelines.
        .target(
            name: "DynamicBuffers",
            dependencies: ["Engine", "Fabric", "Policy", "Reports", "Routing", "SimKernel", "Topology", "Units"]),
        // What users read: tables, trees, matrices, JSON.
        .target(
            name: "Reports",
            dependencies: [
                "Engine", "Fabric", "FlowModel", "IOMMU", "PCIeProtocol", "PacketModel", "Policy", "Routing",
                "Topology",
            ]
        ),
        // Importing real machines: hwloc XML (`lstopo --of xml`) to the topology format.
        .target(name: "HwlocImport", dependencies: ["Topology", "CLibXML2", "Units"]),
        // Importing real machines from sysfs and lspci output; overlays for what imports cannot know.
        .target(name: "MachineImport", dependencies: ["HwlocImport", "Fabric", "Topology", "CLibXML2", "Units"]),
        // Scenarios: scenario files with expectations, check reports, JUnit, golden baselines.
        .target(
            name: "Scenarios",
            dependencies: [
                "CLibXML2", "DynamicBuffers", "Engine", "Fabric", "Policy", "Reports", "Routing", "SimKernel",
                "Topology", "Units",
            ]),
        // The umbrella library for users' own test suites.
        .target(
            name: "P2PSim",
            dependencies: [
                "Units", "SimKernel", "Topology", "Fabric", "Engine", "FlowModel", "IOMMU", "Policy", "PCIeProtocol",
                "PacketModel",
                "Routing",
                "Reports", "HwlocImport", "MachineImport", "Scenarios",
            ],
            // Every bundled topology (symbolic links to topologies/), reachable by name.
            resources: [
                .embedInCode("Topologies/abci-a100x8.xml"), .embedInCode("Topologies/abci-v100x4.xml"),
                .embedInCode("Topologies/default.xml"), .embedInCode("Topologies/dgx-a100.xml"),
                .embedInCode("Topologies/dgx1-v100.xml"), .embedInCode("Topologies/dgx2-v100x16.xml"),
                .embedInCode("Topologies/dual-xeon-a100pcie4.xml"),
                .embedInCode("Topologies/gpudirect-storage.xml"), .embedInCode("Topologies/hgx-h100.xml"),
                .embedInCode("Topologies/intel-client.xml"), .embedInCode("Topologies/lambda-titanrtx8.xml"),
                .embedInCode("Topologies/mi250x-node.xml"), .embedInCode("Topologies/mi300x-8.xml"),
                .embedInCode("Topologies/workstation-pcie-switch.xml"), .embedInCode("Topologies/wrx80-rtx4090.xml"),
                .embedInCode("Topologies/wrx80-rtx6000ada.xml"), .embedInCode("Topologies/x12spa-rtx6000ada.xml"),
            ]
        ),
        // The command line: parse, call, print.
        .executableTarget(
            name: "p2psim",
            dependencies: [
                "P2PSim", "DynamicBuffers", "Engine", "SimKernel", "Fabric", "HwlocImport", "MachineImport", "Policy", "Reports",
                "Routing", "Scenarios", "Topology",
                "Units",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "UnitsTests", dependencies: ["Units"]),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "TopologyTests", dependencies: ["Topology"]),
        .testTarget(name: "PCIeProtocolTests", dependencies: ["PCIeProtocol"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"]),
        .testTarget(name: "FabricTests", dependencies: ["Fabric", "Topology"]),
        .testTarget(name: "RoutingTests", dependencies: ["Fabric", "Policy", "Routing", "Topology"]),
        .testTarget(name: "FlowModelTests", dependencies: ["FlowModel", "SimKernel"]),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "Fabric", "LinkProtocols", "PacketModel", "Reports", "Topology", "Units"]),
        .testTarget(
            name: "HwlocImportTests", dependencies: ["HwlocImport", "Topology", "Fabric", "Policy", "Routing", "Units"]),
        .testTarget(
            name: "MachineImportTests",
            dependencies: ["MachineImport", "HwlocImport", "Topology", "Fabric", "Policy", "Reports", "Routing"],
            exclude: ["Fixtures"]),
        .testTarget(name: "IOMMUTests", dependencies: ["IOMMU", "SimKernel", "Units"]),
        .testTarget(name: "ReportsTests", dependencies: ["Engine", "Fabric", "Reports", "Topology"]),
        // End to end: runs the built p2psim binary.
        .testTarget(name: "CommandLineTests", dependencies: ["p2psim"]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios", "Engine", "Topology"]),
        .testTarget(name: "PacketModelTests", dependencies: ["LinkProtocols", "PacketModel", "PCIeProtocol", "Units"]),
        .testTarget(name: "LinkProtocolsTests", dependencies: ["LinkProtocols"]),
        .testTarget(name: "DynamicBuffersTests", dependencies: ["DynamicBuffers", "Engine", "Topology", "Units"]),
    ],
    swiftLanguageModes: [.v6]
)
