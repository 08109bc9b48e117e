import P2PSim

/// A generated fabric of `2 x complexesPerSocket x 4 x gpusPerPort` endpoints: 2 sockets, each
/// with root complexes (a PCI segment each, so every segment's 256 bus numbers suffice) of 4 root
/// ports, each with a switch of `gpusPerPort` GPUs, written with nested `<repeat>`s.
///
/// 64 complexes and 32 GPUs per port give 16,384 endpoints; 64 and 4 give 2,048; 4 and 32 (with
/// 128 GiB BARs) the 1,024-endpoint fabric of issue [2/9].
func generatedFabric(complexesPerSocket: Int = 64, gpusPerPort: Int, barSize: String = "1 GiB") -> String {
    let perComplex = 4 * gpusPerPort
    let complexes = complexesPerSocket
    return """
        <?xml version="1.0"?>
        <topology name="fabric-\(2 * complexes * perComplex)" version="1">
          <repeat count="2" var="s">
            <socket id="cpu{s}" vendor="amd" family="0x19">
              <memory capacity="512 GiB" bandwidth="460 GB/s" latency="110 ns"/>
              <repeat count="\(complexes)" var="r">
                <rootComplex id="rc{s}.{r}" hostBridge="1022:14a4" p2p="readwrite" segment="{\(complexes)*s+r}">
                  <repeat count="4" var="p">
                    <rootPort id="rc{s}.{r}.rp{p}" device="{p+1}" gen="5" width="16">
                      <switch id="sw{s}.{r}.{p}" gen="5" width="16" latency="115 ns">
                        <repeat count="\(gpusPerPort)" var="i">
                          <downstreamPort id="sw{s}.{r}.{p}.dp{i}">
                            <endpoint id="gpu{\(complexes * perComplex)*s+\(perComplex)*r+\(gpusPerPort)*p+i}" kind="gpu" pciId="10de:2330" gen="5" width="16">
                              <bar index="1" size="\(barSize)" bits="64" prefetchable="true" exposes="memory"/>
                              <memory capacity="80 GiB" bandwidth="3350 GB/s" latency="500 ns"/>
                            </endpoint>
                          </downstreamPort>
                        </repeat>
                      </switch>
                    </rootPort>
                  </repeat>
                </rootComplex>
              </repeat>
            </socket>
          </repeat>
          <socketLink a="cpu0" b="cpu1" kind="infinity-fabric" links="4" bandwidth="64 GB/s" latency="120 ns"/>
        </topology>
        """
}
