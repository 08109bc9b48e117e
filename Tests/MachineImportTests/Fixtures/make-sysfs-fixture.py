#!/usr/bin/env python3
"""Writes sysfs-xeon-switch/: a captured-style sysfs tree of a 1-socket Skylake-SP server.

The machine (domain 0000):
  root bus 00: 00:00.0 host bridge 8086:2020, 00:05.0 uncore 8086:2024 (class 0880)
  root bus 17: root port 17:00.0 8086:2030 (Gen3 x16), uncore 17:05.0 8086:2034
    18:00.0 Broadcom PEX88096 upstream port 1000:c010 (Gen4 x16)
      19:00.0 downstream port, ACS SV RR CR UF enabled -> 1a:00.0 NVIDIA A40 + 1a:00.1? no (A40 has no audio)
      19:01.0 downstream port, ACS RR/CR cleared (pci=disable_acs_redir) -> 1b:00.0 NVIDIA A40
      19:02.0 downstream port, ACS RR/CR cleared (pci=disable_acs_redir) -> 1c:00.0 Samsung PM1733 NVMe 144d:a824 (Gen4 x4, trained x2)
  root bus 3a: root port 3a:00.0 8086:2030 -> 3b:00.0 Mellanox ConnectX-5 15b3:1017, SR-IOV 8 VFs, 2 enabled (3b:00.2, 3b:00.3)
  root bus 5d: root port 5d:00.0 8086:2030 -> 5e:00.0 NVIDIA GeForce RTX 4090 10de:2684 (idle: 2.5 GT/s)

Configuration space layouts follow the PCI Express Base Specification 6.0: PM capability at
0x40, PCI Express capability at 0x60 (capabilities register 0x62, DevCap 0x64, DevCtl 0x68,
LnkCap 0x6c, LnkSta 0x72), AER at 0x100, ACS at 0x148 (capability +4, control +6), SR-IOV at
0x160 (TotalVFs +0x0e, NumVFs +0x10). Files are 4096 bytes, as root reads them.
Run: python3 make-sysfs-fixture.py (from this folder).
"""
import os, shutil, struct

ROOT = "sysfs-xeon-switch"
SV, TB, RR, CR, UF, EC, DT = 1, 2, 4, 8, 16, 32, 64

def config(vendor, device, klass, bridge=None, port_type=0, link_cap=None, link_sta=None,
           mps=256, mrrs=512, acs=None, sriov=None, pcie=True):
    b = bytearray(4096)
    struct.pack_into("<HHHH", b, 0, vendor, device, 0x0406, 0x0010)  # command, status: capability list
    struct.pack_into("<I", b, 8, (klass << 8) | 0x01)  # revision 1
    b[0x0e] = 1 if bridge else 0
    if bridge:
        b[0x18], b[0x19], b[0x1a] = bridge
    b[0x34] = 0x40
    b[0x40], b[0x41] = 0x01, 0x60 if pcie else 0x00  # power management
    if pcie:
        b[0x60], b[0x61] = 0x10, 0x00
        struct.pack_into("<H", b, 0x62, 0x2 | (port_type << 4))
        struct.pack_into("<I", b, 0x64, 0x2)  # DevCap: 512 B supported
        devctl = ({128: 0, 256: 1, 512: 2}[mps] << 5) | ({128: 0, 256: 1, 512: 2, 1024: 3, 4096: 5}[mrrs] << 12)
        struct.pack_into("<H", b, 0x68, devctl)
        if link_cap:
            struct.pack_into("<I", b, 0x6c, link_cap[0] | (link_cap[1] << 4))
        if link_sta:
            struct.pack_into("<H", b, 0x72, link_sta[0] | (link_sta[1] << 4))
        # AER at 0x100 -> next
        nxt = 0x148 if acs else (0x160 if sriov else 0)
        struct.pack_into("<I", b, 0x100, 0x0001 | (2 << 16) | (nxt << 20))
        if acs:
            nxt2 = 0x160 if sriov else 0
            struct.pack_into("<I", b, 0x148, 0x000d | (1 << 16) | (nxt2 << 20))
            struct.pack_into("<HH", b, 0x14c, acs[0], acs[1])
        if sriov:
            struct.pack_into("<I", b, 0x160, 0x0010 | (1 << 16))
            struct.pack_into("<HHH", b, 0x16c, sriov[0], sriov[0], sriov[1])  # Initial, Total, Num VFs
    return bytes(b)

RATE = {1: "2.5 GT/s PCIe", 2: "5.0 GT/s PCIe", 3: "8.0 GT/s PCIe", 4: "16.0 GT/s PCIe", 5: "32.0 GT/s PCIe"}
# IORESOURCE_MEM 0x200, PREFETCH 0x2000, MEM_64 0x100000, SIZEALIGN 0x40000 (include/linux/ioport.h)
NP32, NP64, PF64 = 0x40200, 0x140204, 0x14220c

def device(addr, vendor, device_id, klass, cfg, resources=(), link=None, driver=None, group=None, numa=0, physfn=None, sriov=None):
    d = os.path.join(ROOT, "sys/bus/pci/devices", addr)
    os.makedirs(d)
    open(os.path.join(d, "vendor"), "w").write("0x%04x\n" % vendor)
    open(os.path.join(d, "device"), "w").write("0x%04x\n" % device_id)
    open(os.path.join(d, "class"), "w").write("0x%06x\n" % klass)
    open(os.path.join(d, "config"), "wb").write(cfg)
    open(os.path.join(d, "numa_node"), "w").write("%d\n" % numa)
    lines = []
    rs = dict(resources)
    for i in range(13):
        if i in rs:
            base, size, flags = rs[i]
            lines.append("0x%016x 0x%016x 0x%016x" % (base, base + size - 1, flags))
        else:
            lines.append("0x%016x 0x%016x 0x%016x" % (0, 0, 0))
    open(os.path.join(d, "resource"), "w").write("\n".join(lines) + "\n")
    if link:
        (mg, mw), (cg, cw) = link
        open(os.path.join(d, "max_link_speed"), "w").write(RATE[mg] + "\n")
        open(os.path.join(d, "max_link_width"), "w").write("%d\n" % mw)
        open(os.path.join(d, "current_link_speed"), "w").write(RATE[cg] + "\n")
        open(os.path.join(d, "current_link_width"), "w").write("%d\n" % cw)
    if driver:
        os.symlink("../../../../bus/pci/drivers/" + driver, os.path.join(d, "driver"))
    if group is not None:
        os.symlink("../../../../kernel/iommu_groups/%d" % group, os.path.join(d, "iommu_group"))
        g = os.path.join(ROOT, "sys/kernel/iommu_groups/%d" % group)
        os.makedirs(g, exist_ok=True)
        open(os.path.join(g, "type"), "w").write("DMA-FQ\n")
    if physfn:
        os.symlink("../" + physfn, os.path.join(d, "physfn"))
    if sriov:
        open(os.path.join(d, "sriov_totalvfs"), "w").write("%d\n" % sriov[0])
        open(os.path.join(d, "sriov_numvfs"), "w").write("%d\n" % sriov[1])

shutil.rmtree(ROOT, ignore_errors=True)
G3, G4 = 3, 4
ON = SV | RR | CR | UF            # what pci_std_enable_acs() sets with an IOMMU
CAP = SV | TB | RR | CR | UF | EC | DT
CLEARED = SV | UF                 # after pci=disable_acs_redir= (RR, CR, EC cleared)

device("0000:00:00.0", 0x8086, 0x2020, 0x060000, config(0x8086, 0x2020, 0x060000, pcie=False), group=0)
device("0000:00:05.0", 0x8086, 0x2024, 0x088000, config(0x8086, 0x2024, 0x088000, pcie=False), group=1)
# Stack 17: root port, switch with two A40 and an NVMe.
device("0000:17:00.0", 0x8086, 0x2030, 0x060400,
       config(0x8086, 0x2030, 0x060400, bridge=(0x17, 0x18, 0x1c), port_type=4, link_cap=(G3, 16), link_sta=(G3, 16),
              acs=(SV | RR | CR | UF, ON)), link=((G3, 16), (G3, 16)), driver="pcieport", group=2)
device("0000:17:05.0", 0x8086, 0x2034, 0x088000, config(0x8086, 0x2034, 0x088000, pcie=False), group=3)
device("0000:18:00.0", 0x1000, 0xc010, 0x060400,
       config(0x1000, 0xc010, 0x060400, bridge=(0x18, 0x19, 0x1c), port_type=5, link_cap=(G4, 16), link_sta=(G3, 16)),
       link=((G4, 16), (G3, 16)), driver="pcieport", group=4)
for dev, (bus, acs_ctl) in enumerate([(0x1a, ON), (0x1b, CLEARED), (0x1c, CLEARED)]):
    addr = "0000:19:%02x.0" % dev
    width = 4 if bus == 0x1c else 16
    device(addr, 0x1000, 0xc010, 0x060400,
           config(0x1000, 0xc010, 0x060400, bridge=(0x19, bus, bus), port_type=6, link_cap=(G4, width),
                  link_sta=(G4, width if bus != 0x1c else 2), acs=(CAP, acs_ctl)),
           link=((G4, width), (G4, width if bus != 0x1c else 2)), driver="pcieport", group=5 + dev)
for n, bus in enumerate([0x1a, 0x1b]):
    device("0000:%02x:00.0" % bus, 0x10de, 0x2235, 0x030200,
           config(0x10de, 0x2235, 0x030200, port_type=0, link_cap=(G4, 16), link_sta=(G4, 16), mps=256, mrrs=512),
           resources=[(0, (0xa0000000 + n * 0x1000000, 16 << 20, NP32)), (1, (0x38000000000 + n * (128 << 30), 64 << 30, PF64)),
                      (3, (0x38000000000 + n * (128 << 30) + (64 << 30), 32 << 20, PF64))],
           link=((G4, 16), (G4, 16)), driver="nvidia", group=5 + n)
device("0000:1c:00.0", 0x144d, 0xa824, 0x010802,
       config(0x144d, 0xa824, 0x010802, port_type=0, link_cap=(G4, 4), link_sta=(G4, 2), mps=256, mrrs=512),
       resources=[(0, (0xa2000000, 32 << 10, NP64))], link=((G4, 4), (G4, 2)), driver="nvme", group=7)
# Stack 3a: ConnectX-5 with SR-IOV.
device("0000:3a:00.0", 0x8086, 0x2030, 0x060400,
       config(0x8086, 0x2030, 0x060400, bridge=(0x3a, 0x3b, 0x3b), port_type=4, link_cap=(G3, 16), link_sta=(G3, 16),
              acs=(SV | RR | CR | UF, ON)), link=((G3, 16), (G3, 16)), driver="pcieport", group=10)
device("0000:3b:00.0", 0x15b3, 0x1017, 0x020000,
       config(0x15b3, 0x1017, 0x020000, port_type=0, link_cap=(G3, 16), link_sta=(G3, 16), mps=256, mrrs=4096, sriov=(8, 2)),
       resources=[(0, (0x3a000000000, 32 << 20, PF64))], link=((G3, 16), (G3, 16)), driver="mlx5_core", group=11,
       sriov=(8, 2))
for vf in (2, 3):
    device("0000:3b:00.%d" % vf, 0x15b3, 0x1018, 0x020000,
           config(0x15b3, 0x1018, 0x020000, port_type=0), resources=[(0, (0x3a002000000 + vf * (1 << 20), 1 << 20, PF64))],
           driver="mlx5_core", group=12 + vf, physfn="0000:3b:00.0")
# Stack 5d: a GeForce RTX 4090, idle at 2.5 GT/s.
device("0000:5d:00.0", 0x8086, 0x2030, 0x060400,
       config(0x8086, 0x2030, 0x060400, bridge=(0x5d, 0x5e, 0x5e), port_type=4, link_cap=(G3, 16), link_sta=(1, 16),
              acs=(SV | RR | CR | UF, ON)), link=((G3, 16), (1, 16)), driver="pcieport", group=20)
device("0000:5e:00.0", 0x10de, 0x2684, 0x030000,
       config(0x10de, 0x2684, 0x030000, port_type=0, link_cap=(G4, 16), link_sta=(1, 16)),
       resources=[(0, (0xa4000000, 16 << 20, NP32)), (1, (0x3c000000000, 256 << 20, PF64)), (3, (0x3c010000000, 32 << 20, PF64))],
       link=((G4, 16), (1, 16)), driver="nvidia", group=21)

os.makedirs(os.path.join(ROOT, "sys/class/iommu/dmar0"))
os.makedirs(os.path.join(ROOT, "sys/class/iommu/dmar1"))
node = os.path.join(ROOT, "sys/devices/system/node/node0")
os.makedirs(node)
open(os.path.join(node, "meminfo"), "w").write("Node 0 MemTotal:       196608000 kB\nNode 0 MemFree:        190000000 kB\n")
os.makedirs(os.path.join(ROOT, "proc"))
open(os.path.join(ROOT, "proc/cmdline"), "w").write(
    "BOOT_IMAGE=/boot/vmlinuz-6.8.0 root=UUID=0f1e intel_iommu=on pci=disable_acs_redir=0000:19:01.0;0000:19:02.0 quiet\n")
cpu = "processor\t: %d\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz\nphysical id\t: 0\n\n"
open(os.path.join(ROOT, "proc/cpuinfo"), "w").write("".join(cpu % i for i in range(4)))
