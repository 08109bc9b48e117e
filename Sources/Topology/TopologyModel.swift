import Units

/// A machine as a topology file describes it: plain values and integer indices.
///
/// The PCIe tree is a flat array of `PCINode`s with parent and child indices; every other
/// part refers to nodes by index. Names given by the user (`gpu0`) map to indices through
/// `index(of:)`.
public struct Topology: Sendable {
    /// The machine's name.
    public var name: String
    /// A free-text description.
    public var description: String?
    /// The file it was read from, if any.
    public var sourceFile: String?
    /// CPU packages / NUMA nodes.
    public var sockets: [Socket] = []
    /// Links between sockets.
    public var socketLinks: [SocketLink] = []
    /// Host bridges.
    public var rootComplexes: [RootComplex] = []
    /// The PCIe tree: root ports, switch ports and endpoints.
    public var nodes: [PCINode] = []
    /// PCIe switches (each owns an upstream-port node and downstream-port nodes).
    public var switches: [PCISwitch] = []
    /// NVSwitch chips that are not PCI functions.
    public var nvswitches: [NVSwitchChip] = []
    /// Devices not on PCI.
    public var platformDevices: [PlatformDevice] = []
    /// NVLink and XGMI connections.
    public var vendorLinks: [VendorLink] = []
    /// Host software cost per copy, when the file gives it.
    public var software: SoftwareOverhead?
    /// Warnings the loader produced (errors stop loading).
    public var warnings: [Diagnostic] = []

    /// Creates an empty topology named `name`.
    public init(name: String) { self.name = name }

    /// The index of the PCI node with `id`, if any.
    public func nodeIndex(of id: String) -> Int? { nodes.firstIndex { $0.id == id } }

    /// The indices of all endpoints, in file order.
    public var endpointIndices: [Int] { nodes.indices.filter { nodes[$0].kind == .endpoint } }

    /// The endpoints of `kind`, in file order.
    public func endpoints(ofKind kind: EndpointKind) -> [Int] {
        nodes.indices.filter { nodes[$0].endpoint?.kind == kind }
    }
}

/// A CPU package with its system memory.
public struct Socket: Sendable {
    /// The user's id (`cpu0`).
    public var id: String
    /// The CPU vendor.
    public var vendor: CPUVendor
    /// The x86 family (Linux `boot_cpu_data.x86`): 0x17 is AMD Zen/Zen 2, 0x19 Zen 3/4.
    public var family: Int
    /// The x86 model, when given.
    public var model: Int?
    /// A readable name.
    public var label: String?
    /// System memory attached to this socket.
    public var memory: MemorySpec?
    /// Where it was declared.
    public var location: SourceLocation
}

/// CPU vendors the Linux P2P decision distinguishes.
public enum CPUVendor: String, Sendable, CaseIterable {
    case intel, amd, ibm, arm, other
}

/// A memory: capacity, bandwidth and access latency.
public struct MemorySpec: Sendable, Hashable {
    /// How much memory there is.
    public var capacity: ByteCount
    /// Its peak bandwidth.
    public var bandwidth: DataRate
    /// Its access latency.
    public var latency: Picoseconds
    /// A free-form kind (DDR4, HBM2e...).
    public var kind: String?
}

/// A link between two CPU sockets.
public struct SocketLink: Sendable {
    /// The kinds of socket link.
    public enum Kind: String, Sendable {
        case qpi, upi
        case infinityFabric = "infinity-fabric"
        case xbus, other
    }
    /// The socket indices.
    public var a: Int, b: Int
    /// What kind of link.
    public var kind: Kind
    /// How many links are bonded between the pair.
    public var links: Int
    /// Bandwidth per link per direction.
    public var bandwidthPerLink: DataRate
    /// One-way latency.
    public var latency: Picoseconds
    /// Where it was declared.
    public var location: SourceLocation
    /// The rate at which the link forwards peer-to-peer traffic between the sockets' root
    /// complexes, per direction, when it is below the link's own (NCCL's topology model uses
    /// 10 GB/s for Skylake-and-later UPI, 6 GB/s for QPI and 16 GB/s for AMD, in topo.h).
    public var p2pBandwidth: DataRate? = nil
}

/// What a root complex does with a peer-to-peer request between two of its root ports.
public enum RootComplexP2P: String, Sendable {
    /// It does not route peer-to-peer requests.
    case none
    /// It forwards memory writes but not reads (many Intel client parts).
    case writes
    /// It forwards reads and writes.
    case readwrite
}

/// A host bridge with its IOMMU.
public struct RootComplex: Sendable {
    /// The user's id.
    public var id: String
    /// The socket it belongs to.
    public var socket: Int
    /// The host bridge's vendor:device, as at devfn 00.0 of the root bus (what the Linux P2P
    /// allowlist looks up).
    public var hostBridge: PCIIdentity
    /// The PCI segment (domain).
    public var segment: Int
    /// The root bus number, if the user fixed it; otherwise enumeration assigns one.
    public var bus: Int?
    /// Peer-to-peer forwarding between root ports.
    public var p2p: RootComplexP2P
    /// The bandwidth of peer-to-peer forwarding, when given.
    public var p2pBandwidth: DataRate?
    /// The latency of peer-to-peer forwarding, when given.
    public var p2pLatency: Picoseconds?
    /// Latency added by the root complex on the way to memory, when given.
    public var memoryLatency: Picoseconds?
    /// The largest payload of the TLPs it forwards peer to peer, when it splits them (Intel root
    /// complexes forward GPU peer writes as 64-byte TLPs, as NCCL's topology model says).
    public var p2pMaxPayload: ByteCount? = nil
    /// The IOMMU in front of this root complex.
    public var iommu: IOMMUSpec?
    /// Root ports and integrated endpoints directly below it (node indices).
    public var children: [Int] = []
    /// Where it was declared.
    public var location: SourceLocation
}

/// An IOMMU's configuration.
public struct IOMMUSpec: Sendable, Hashable {
    /// The translation modes.
    public enum Mode: String, Sendable {
        /// No IOMMU: bus addresses are physical addresses.
        case off
        /// Identity mapping (`iommu=pt`): no translation cost, no protection.
        case passthrough
        /// DMA API translation: devices use IOVAs.
        case translated
    }
    /// The mode.
    public var mode: Mode
    /// The page size of DMA mappings.
    public var pageSize: ByteCount?
    /// IOTLB entries.
    public var iotlbEntries: Int?
    /// Page-walk latency on an IOTLB miss.
    public var walkLatency: Picoseconds?
    /// Whether the IOMMU supports Address Translation Services.
    public var ats: Bool

    /// Creates an IOMMU description; unset figures take the model's defaults.
    public init(
        mode: Mode, pageSize: ByteCount? = nil, iotlbEntries: Int? = nil, walkLatency: Picoseconds? = nil,
        ats: Bool = false
    ) {
        self.mode = mode
        self.pageSize = pageSize
        self.iotlbEntries = iotlbEntries
        self.walkLatency = walkLatency
        self.ats = ats
    }
}

/// The kinds of node in the PCIe tree.
public enum PCINodeKind: String, Sendable {
    case rootPort, switchUpstreamPort, switchDownstreamPort, endpoint
}

/// A PCIe link's generation and width as one end declares it.
public struct PCIeLinkSpec: Sendable, Hashable, CustomStringConvertible {
    /// The generation, 1 to 6.
    public var generation: Int
    /// The number of lanes.
    public var width: Int

    /// Creates a link spec.
    public init(generation: Int, width: Int) {
        self.generation = generation
        self.width = width
    }

    /// What two ends train to: the lower generation and the lower width (PCIe Base
    /// Specification, section 4.2.6, link training).
    public func trained(with other: PCIeLinkSpec) -> PCIeLinkSpec {
        PCIeLinkSpec(generation: min(generation, other.generation), width: min(width, other.width))
    }

    public var description: String { "Gen\(generation) x\(width)" }
}

/// A node of the PCIe tree: a root port, a switch port or an endpoint function.
public struct PCINode: Sendable {
    /// The user's id.
    public var id: String
    /// What it is.
    public var kind: PCINodeKind
    /// The parent node, or nil for root ports and root-complex integrated endpoints.
    public var parent: Int?
    /// The children, in file order.
    public var children: [Int] = []
    /// The root complex it hangs under.
    public var rootComplex: Int
    /// The switch it belongs to, for switch ports.
    public var switchIndex: Int?
    /// The PCI vendor:device, when known.
    public var pciIdentity: PCIIdentity?
    /// The device number on its bus, when fixed by the file.
    public var deviceNumber: Int?
    /// The function number.
    public var function: Int
    /// The bus number the node sits on, when fixed by the file (`bus`, as imports of a real
    /// machine write it); otherwise enumeration assigns it.
    public var bus: Int? = nil
    /// The link toward the parent as this node declares it (root ports: toward their child).
    public var link: PCIeLinkSpec?
    /// ACS capability bits.
    public var acsCapability: ACSBits
    /// ACS control bits (what is enabled).
    public var acsControl: ACSBits
    /// Endpoint details, for endpoints.
    public var endpoint: EndpointDetails?
    /// Where it was declared.
    public var location: SourceLocation
}

/// Kinds of endpoint.
public enum EndpointKind: String, Sendable, CaseIterable {
    case gpu, nic, nvme, accelerator, nvswitch, other

    /// Whether it can terminate an NVLink or XGMI link.
    public var canHaveVendorLinks: Bool { self == .gpu || self == .accelerator || self == .nvswitch }
}

/// What an endpoint function is and can do.
public struct EndpointDetails: Sendable {
    /// The kind of device.
    public var kind: EndpointKind
    /// A readable name (`Tesla V100-SXM2-16GB`).
    public var label: String?
    /// Max payload size.
    public var maxPayload: ByteCount
    /// Max read request size.
    public var maxReadRequest: ByteCount
    /// Read completion boundary.
    public var readCompletionBoundary: ByteCount
    /// Outstanding non-posted request tags.
    public var tags: Int
    /// Whether the device has an ATS translation cache.
    public var ats: Bool
    /// Base address registers.
    public var bars: [BARSpec]
    /// Device memory (VRAM, HBM, an NVMe CMB).
    public var memory: MemorySpec?
    /// DMA engines.
    public var dma: DMASpec?
    /// SR-IOV.
    public var sriov: SRIOVSpec?
    /// The bound kernel driver, as `dev_driver_string()` names it (`nvidia`, `amdgpu`,
    /// `mlx5_core`, `nvme`); nil when the file names none (the kernel then prints `pci`).
    public var driver: String? = nil
    /// The peer-to-peer rule the bound driver applies on top of (or instead of) the kernel's
    /// p2pdma decision; nil means the default for `driver` (`DriverP2PPolicy.default(for:)`).
    public var driverP2P: DriverP2PPolicy? = nil
    /// A network adapter's port rate, each way (`lineRate`): the data it reads to send, or
    /// receives to write, moves no faster (nil: not modelled, the PCIe side alone binds).
    public var lineRate: DataRate? = nil

    /// The driver rule in force: the file's, or the default for the bound driver.
    public var effectiveDriverP2P: DriverP2PPolicy { driverP2P ?? DriverP2PPolicy.default(for: driver) }
}

/// Which layer decides whether a device may do peer-to-peer DMA, besides the kernel.
///
/// Sources: CUDA decides peer access itself (`cudaDeviceCanAccessPeer`), without the kernel's
/// p2pdma, and reports no PCIe peer access on GeForce parts since driver 525.105.17
/// (../shared/data/measurements/more-machines.md, the 2x RTX 4090 entries); amdgpu imports
/// peer buffers through dma-buf, which asks `pci_p2pdma_distance_many` and requires a large BAR
/// (drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c); RDMA and NVMe go through p2pdma
/// (drivers/pci/p2pdma.c).
public enum DriverP2PPolicy: String, Sendable, Hashable, CaseIterable {
    /// NVIDIA's driver: CUDA's own decision (PCIe P2P where the root complexes forward peer
    /// traffic, vendor links when present), not the kernel's p2pdma.
    case cuda
    /// NVIDIA's driver on a GeForce part: no PCIe peer access at all; NVLink still works.
    case cudaGeForce = "cuda-geforce"
    /// amdgpu: the kernel's p2pdma decision plus its large-BAR rule.
    case amdgpu
    /// The kernel's p2pdma decision alone (RDMA NICs, NVMe, anything else).
    case p2pdma
    /// The driver never does peer-to-peer DMA.
    case none

    /// The rule a driver applies when the file gives none.
    public static func `default`(for driver: String?) -> DriverP2PPolicy {
        switch driver {
        case "nvidia": return .cuda
        case "amdgpu": return .amdgpu
        default: return .p2pdma
        }
    }
}

/// A base address register.
public struct BARSpec: Sendable, Hashable {
    /// The BAR index, 0 to 5.
    public var index: Int
    /// The current size.
    public var size: ByteCount
    /// Whether it is a 64-bit BAR.
    public var is64Bit: Bool
    /// Whether it is prefetchable.
    public var prefetchable: Bool
    /// Sizes the Resizable BAR capability supports; empty when not resizable.
    public var resizableSizes: [ByteCount]
    /// Whether this BAR exposes the device memory to peers.
    public var exposesMemory: Bool
    /// Where it was declared.
    public var location: SourceLocation
}

/// DMA engines of a device.
public struct DMASpec: Sendable, Hashable {
    /// How many engines.
    public var engines: Int
    /// The rate of one engine.
    public var rate: DataRate
    /// Read requests the engines keep outstanding at most (nil: as many as the tags allow).
    public var outstandingReads: Int? = nil
    /// The time the device spends on each DMA before its data moves (fetching its descriptor,
    /// taking its doorbell), one DMA at a time (nil: none modelled).
    public var issueCost: Picoseconds? = nil
    /// The payload of the write TLPs the engines send, where smaller than the link's max
    /// payload size (nil: they fill the MPS). A device may write below its MPS: every write
    /// then carries a header per `writePayload` bytes on every link it crosses.
    public var writePayload: ByteCount? = nil
}

/// SR-IOV virtual functions.
public struct SRIOVSpec: Sendable, Hashable {
    /// The VFs the device supports.
    public var totalVFs: Int
    /// The VFs enabled.
    public var numVFs: Int
}

/// A PCIe switch.
public struct PCISwitch: Sendable {
    /// The user's id (also the upstream port node's id).
    public var id: String
    /// A readable name.
    public var label: String?
    /// Cut-through port-to-port latency.
    public var latency: Picoseconds
    /// Internal switching bandwidth, when limited.
    public var bandwidth: DataRate?
    /// The upstream port node.
    public var upstreamPort: Int
    /// The downstream port nodes.
    public var downstreamPorts: [Int] = []
}

/// An NVSwitch chip that is not modelled as a PCI function.
public struct NVSwitchChip: Sendable {
    /// The user's id.
    public var id: String
    /// The NVSwitch generation (1 V100, 2 A100, 3 H100, 4 B200).
    public var generation: Int
    /// A readable name.
    public var label: String?
    /// Where it was declared.
    public var location: SourceLocation
}

/// A device that is not on PCI (for the cases where the kernel must refuse P2P).
public struct PlatformDevice: Sendable {
    /// The user's id.
    public var id: String
    /// The kind of device.
    public var kind: EndpointKind
    /// A readable name.
    public var label: String?
    /// The socket it belongs to.
    public var socket: Int
    /// Where it was declared.
    public var location: SourceLocation
}

/// An end of a vendor link: a PCI endpoint or an NVSwitch chip.
public enum VendorLinkEnd: Sendable, Hashable {
    case node(Int)
    case nvswitch(Int)
}

/// An NVLink or XGMI connection between two devices (or a device and a switch chip).
public struct VendorLink: Sendable {
    /// The link technologies.
    public enum Kind: Sendable, Hashable {
        /// NVLink of a generation (1 to 5).
        case nvlink(generation: Int)
        /// AMD XGMI with its lane count and the rate of one link in one direction.
        case xgmi(lanes: Int, linkRate: DataRate)
    }
    /// The technology.
    public var kind: Kind
    /// The two ends.
    public var a: VendorLinkEnd, b: VendorLinkEnd
    /// How many links are bonded.
    public var links: Int
    /// Where it was declared.
    public var location: SourceLocation
}

/// Host software cost per copy (API launch and completion), which latency measurements include.
public struct SoftwareOverhead: Sendable, Hashable {
    /// From the API call to the first byte moving.
    public var launch: Picoseconds
    /// From the last byte landing to the API reporting completion.
    public var completion: Picoseconds
}
