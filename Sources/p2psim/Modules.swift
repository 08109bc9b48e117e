// The command line uses the modules behind the P2PSim facade directly (trees, traces,
// explanations, imports); importing them here makes them visible to every file of the tool.
@_exported import Engine
@_exported import Fabric
@_exported import HwlocImport
@_exported import MachineImport
@_exported import Policy
@_exported import Reports
@_exported import Routing
@_exported import Scenarios
@_exported import SimKernel
@_exported import Topology
@_exported import Units
