@_exported import Engine
@_exported import Fabric
@_exported import FlowModel
@_exported import HwlocImport
@_exported import IOMMU
@_exported import MachineImport
@_exported import PCIeProtocol
@_exported import PacketModel
@_exported import Policy
@_exported import Reports
@_exported import Routing
@_exported import Scenarios
@_exported import SimKernel
@_exported import Topology
@_exported import Units

/// The version of p2psim, printed by `p2psim --version` and stored in baselines.
public let p2psimVersion = "0.1.0"
