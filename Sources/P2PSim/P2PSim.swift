@_exported import SimKernel
@_exported import Topology
@_exported import Units

/// The version of p2psim, printed by `p2psim --version` and stored in baselines.
public let p2psimVersion = "0.1.0"
