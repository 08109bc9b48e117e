import Topology

/// Changes to a loaded machine that `explain` suggests, so that a user can try them without
/// editing the file: clear ACS redirect (as `pci=disable_acs_redir=` does), switch the IOMMU's
/// mode, enlarge BARs to their Resizable BAR maximum (as firmware with ReBAR enabled does).
public struct MachineAdjustments: Sendable, Equatable {
    /// Clear ACS Request Redirect, Completion Redirect and Egress Control on every function:
    /// what Linux's `pci_disable_acs_redir()` clears for the functions named by
    /// `pci=disable_acs_redir=` (drivers/pci/pci.c).
    public var clearACSRedirect = false
    /// The IOMMU mode of every root complex that has an IOMMU, when given.
    public var iommuMode: IOMMUSpec.Mode?
    /// Size every resizable BAR to the largest size its capability supports.
    public var resizableBAR = false

    /// No change.
    public init(clearACSRedirect: Bool = false, iommuMode: IOMMUSpec.Mode? = nil, resizableBAR: Bool = false) {
        self.clearACSRedirect = clearACSRedirect
        self.iommuMode = iommuMode
        self.resizableBAR = resizableBAR
    }

    /// Whether anything changes.
    public var isEmpty: Bool { !clearACSRedirect && iommuMode == nil && !resizableBAR }

    /// Applies the changes to `topology` and says what changed, one note per kind of change.
    public func apply(to topology: inout Topology) -> [String] {
        var notes: [String] = []
        if clearACSRedirect {
            let redirect: ACSBits = [.requestRedirect, .completionRedirect, .egressControl]
            let changed = topology.nodes.indices.filter { !topology.nodes[$0].acsControl.isDisjoint(with: redirect) }
            for index in changed { topology.nodes[index].acsControl.subtract(redirect) }
            notes.append(
                changed.isEmpty
                    ? "--acs-redirect off: no function had ACS redirect enabled"
                    : "--acs-redirect off: cleared ACS RR/CR/EC on "
                        + changed.map { topology.nodes[$0].id }.joined(separator: ", "))
        }
        if let iommuMode {
            let withIOMMU = topology.rootComplexes.indices.filter { topology.rootComplexes[$0].iommu != nil }
            for index in withIOMMU { topology.rootComplexes[index].iommu?.mode = iommuMode }
            let without = topology.rootComplexes.filter { $0.iommu == nil }.map(\.id)
            notes.append(
                "--iommu \(iommuMode.rawValue): set on \(withIOMMU.count) root complex(es)"
                    + (without.isEmpty ? "" : "; \(without.joined(separator: ", ")) declare no IOMMU and stay without"))
        }
        if resizableBAR {
            var resized: [String] = []
            for index in topology.nodes.indices {
                guard var details = topology.nodes[index].endpoint else { continue }
                var changed = false
                for bar in details.bars.indices {
                    if let largest = details.bars[bar].resizableSizes.last, largest > details.bars[bar].size {
                        details.bars[bar].size = largest
                        changed = true
                    }
                }
                if changed {
                    topology.nodes[index].endpoint = details
                    resized.append(topology.nodes[index].id)
                }
            }
            notes.append(
                resized.isEmpty
                    ? "--resizable-bar: no BAR can grow"
                    : "--resizable-bar: BARs at their largest size on " + resized.joined(separator: ", "))
        }
        return notes
    }
}
