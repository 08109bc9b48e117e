// The library's surface: the few types a test suite or a tool needs to load a machine, plan and
// run transfers, compare paths, fill matrices, sweep sizes, write reports and check scenarios.
// Everything else stays inside its module (a client that needs more imports that module).

// Sizes, rates and times with their units.
@_exported import struct Units.ByteCount
@_exported import struct Units.DataRate
@_exported import struct Units.Picoseconds

// Loading a machine, with every problem as file:line:column.
@_exported import struct Topology.Topology
@_exported import enum Topology.TopologyLoader
@_exported import struct Topology.TopologyLoadError
@_exported import struct Topology.Diagnostic
@_exported import struct Topology.SourceLocation
@_exported import struct Fabric.EnumeratedMachine

// Planning and running transfers.
@_exported import struct Engine.ModelParameters
@_exported import struct Engine.TransferPlanner
@_exported import struct Engine.TransferPlan
@_exported import struct Engine.TransferPlanningError
@_exported import enum Engine.TransferMechanism
@_exported import enum Engine.PathChoice
@_exported import enum Engine.DMADirection
@_exported import enum Engine.Fidelity
@_exported import struct Engine.ScheduledTransfer
@_exported import struct Engine.TransferOutcome
@_exported import struct Engine.FlowEngine
@_exported import struct Engine.FlowRun
@_exported import struct Engine.PacketEngine
@_exported import class Engine.ProgressMeter

// Whole runs: compare, matrix, sweep, nvbandwidth, P2P decisions, the report's survey.
@_exported import struct Engine.ComparisonRun
@_exported import struct Engine.MatrixRun
@_exported import struct Engine.SweepRun
@_exported import struct Engine.NVBandwidthRun
@_exported import struct Engine.PeerDecisionRun
@_exported import struct Engine.MachineSurveyRun

// What users read.
@_exported import struct Reports.ComparisonReport
@_exported import struct Reports.MatrixReport
@_exported import struct Reports.SweepReport
@_exported import struct Reports.HTMLReport

// Scenarios, checks and baselines.
@_exported import struct Scenarios.Scenario
@_exported import enum Scenarios.ScenarioLoader
@_exported import struct Scenarios.ScenarioLoadError
@_exported import enum Scenarios.ScenarioRunner
@_exported import struct Scenarios.ScenarioResult
@_exported import struct Scenarios.ParameterOverride
@_exported import enum Scenarios.ScenarioSuite
@_exported import struct Scenarios.CheckReport
@_exported import struct Scenarios.Baseline

/// The version of p2psim, printed by `p2psim --version` and stored in baselines.
public let p2psimVersion = "0.1.0"
