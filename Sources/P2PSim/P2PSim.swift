// The library's surface: the few types a test suite or a tool needs. Load a machine (Topology,
// TopologyLoader, EnumeratedMachine, diagnostics), plan and run transfers (ModelParameters,
// TransferPlanner, FlowEngine, PacketEngine), whole runs (ComparisonRun, MatrixRun, SweepRun,
// NVBandwidthRun, PeerDecisionRun, MachineSurveyRun), what users read (ComparisonReport,
// MatrixReport, SweepReport, HTMLReport), scenarios (ScenarioLoader, ScenarioRunner,
// ScenarioSuite, CheckReport, Baseline) and units (ByteCount, DataRate, Picoseconds).
// Everything else stays inside its module: a client that needs more imports that module.

@_exported import struct Engine.ComparisonRun
@_exported import enum Engine.DMADirection
@_exported import enum Engine.Fidelity
@_exported import struct Engine.FlowEngine
@_exported import struct Engine.FlowRun
@_exported import struct Engine.MachineSurveyRun
@_exported import struct Engine.MatrixRun
@_exported import struct Engine.ModelParameters
@_exported import struct Engine.NVBandwidthRun
@_exported import struct Engine.PacketEngine
@_exported import enum Engine.PathChoice
@_exported import struct Engine.PeerDecisionRun
@_exported import class Engine.ProgressMeter
@_exported import struct Engine.ScheduledTransfer
@_exported import struct Engine.SweepRun
@_exported import enum Engine.TransferMechanism
@_exported import struct Engine.TransferOutcome
@_exported import struct Engine.TransferPlan
@_exported import struct Engine.TransferPlanner
@_exported import struct Engine.TransferPlanningError
@_exported import struct Fabric.EnumeratedMachine
@_exported import struct Reports.ComparisonReport
@_exported import struct Reports.HTMLReport
@_exported import struct Reports.MatrixReport
@_exported import struct Reports.SweepReport
@_exported import struct Scenarios.Baseline
@_exported import struct Scenarios.CheckReport
@_exported import struct Scenarios.ParameterOverride
@_exported import struct Scenarios.Scenario
@_exported import struct Scenarios.ScenarioLoadError
@_exported import enum Scenarios.ScenarioLoader
@_exported import struct Scenarios.ScenarioResult
@_exported import enum Scenarios.ScenarioRunner
@_exported import enum Scenarios.ScenarioSuite
@_exported import struct Topology.Diagnostic
@_exported import struct Topology.SourceLocation
@_exported import struct Topology.Topology
@_exported import struct Topology.TopologyLoadError
@_exported import enum Topology.TopologyLoader
@_exported import struct Units.ByteCount
@_exported import struct Units.DataRate
@_exported import struct Units.Picoseconds

/// The version of p2psim, printed by `p2psim --version` and stored in baselines.
public let p2psimVersion = "0.1.0"
