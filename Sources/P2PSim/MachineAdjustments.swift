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
    /// Set the page size of every IOMMU's DMA mappings (4 KiB, 2 MiB, 1 GiB...).
    public var iommuPageSize: ByteCount? = nil
    /// Size every resizable BAR to the largest size its capability supports.
    public var resizableBAR = false

    /// No change.
    public init(
        clearACSRedirect: Bool = false, iommuMode: IOMMUSpec.Mode? = nil, iommuPageSize: ByteCount? = nil,
        resizableBAR: Bool = false
    ) {
        self.clearACSRedirect = clearACSRedirect
        self.iommuMode = iommuMode
        self.iommuPageSize = iommuPageSize
        self.resizableBAR = resizableBAR
    }

    /// Whether anything changes.
    public var isEmpty: Bool { !clearACSRedirect && iommuMode == nil && iommuPageSize == nil && !resizableBAR }

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
            // A root complex the file gives no IOMMU gets one in that mode, with the default
            // page size, IOTLB and walk latency (ModelParameters).
            let without = topology.rootComplexes.filter { $0.iommu == nil }.map(\.id)
            for index in topology.rootComplexes.indices {
                if topology.rootComplexes[index].iommu == nil {
                    topology.rootComplexes[index].iommu = IOMMUSpec(
                        mode: iommuMode, pageSize: nil, iotlbEntries: nil, walkLatency: nil, ats: false)
                } else {
                    topology.rootComplexes[index].iommu?.mode = iommuMode
                }
            }
            notes.append(
                "--iommu \(iommuMode.rawValue): set on every root complex"
                    + (without.isEmpty ? "" : " (\(without.joined(separator: ", ")) had none: added with default settings)"))
        }
        if let iommuPageSize {
            let with = topology.rootComplexes.indices.filter { topology.rootComplexes[$0].iommu != nil }
            for index in with { topology.rootComplexes[index].iommu?.pageSize = iommuPageSize }
            notes.append(
                with.isEmpty
                    ? "--iommu-page-size \(iommuPageSize): no root complex has an IOMMU (add --iommu translated)"
                    : "--iommu-page-size \(iommuPageSize): set on \(with.count) IOMMU(s)")
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
