# Every image of the workspace, from one build. Build a part by its target, from the workspace root:
#   scripts/base-images && docker build --target go-web -t lab/go-web:dev .
# (scripts/images builds them all.) Nothing can be pulled here, so the builder is lab/rust-builder, made
# locally by scripts/base-images.
#
# `manifests` keeps only the Cargo manifests (and empty stand-ins for the sources), so `deps`, which compiles
# every dependency of the five images' binaries, stays cached until a manifest changes; `build` then compiles
# those binaries once (docker/crate-build.sh holds the steps). Each image below is `scratch` with its
# binary and the few glibc libraries it links, run as numeric user 65532.
ARG BUILDER=lab/rust-builder:latest

FROM ${BUILDER} AS manifests
WORKDIR /src
COPY . .
RUN docker/crate-build.sh manifests /manifests

FROM ${BUILDER} AS deps
WORKDIR /src
COPY docker/crate-build.sh /usr/local/bin/
COPY --from=manifests /manifests/ ./
RUN crate-build.sh deps go-web dnsutils cluster-dns mini-lb mini-proxy

FROM deps AS build
COPY . .
RUN crate-build.sh rootfs go-web dnsutils cluster-dns mini-lb mini-proxy \
 && for tool in host dig nslookup wget sleep; do ln -s dnsutils "/rootfs/dnsutils/bin/$tool"; done

# The lab's web server: the app on 8080 (the lab's port), admin (/metrics, /livez, /readyz) on 9090.
FROM scratch AS go-web
COPY --from=build /rootfs/go-web/ /
USER 65532:65532
EXPOSE 8080 9090
ENTRYPOINT ["/bin/go-web"]

# The lab's dnsutils pod: host, dig, nslookup, wget and sleep on PATH (one multi-call binary); the pod runs
# `sleep 3600` and the walkthrough `kubectl exec`s the tools.
FROM scratch AS dnsutils
COPY --from=build /rootfs/dnsutils/ /
ENV PATH=/bin
USER 65532:65532
CMD ["sleep", "3600"]

# The cluster DNS, in place of CoreDNS behind the kube-dns Service: DNS on 53 (UDP and TCP), admin
# (/metrics, /health, /ready) on 9153, CoreDNS's metrics port. It runs as 65532 with no capability: the
# pod sets the namespaced sysctl net.ipv4.ip_unprivileged_port_start=53 (Docker does the equivalent by
# default), or it listens on a high port with --listen and the Service's targetPort points there.
FROM scratch AS cluster-dns
COPY --from=build /rootfs/cluster-dns/ /
USER 65532:65532
EXPOSE 53/udp 53/tcp 9153
ENTRYPOINT ["/bin/cluster-dns"]

# mini-lb: one image for both subcommands (`controller`, `speaker`, and `crdgen`), admin (/metrics, /livez,
# /readyz, /status) on 7472, MetalLB's monitoring port; gossip on 7946/udp. It runs as 65532 by default,
# which is all the controller needs. The speaker opens AF_PACKET sockets, which need CAP_NET_RAW: its
# DaemonSet runs it as user 0 with every capability dropped but NET_RAW, as MetalLB's does. A file
# capability on the binary would let 65532 keep NET_RAW, but the kernel ignores file capabilities under
# no_new_privs, which `allowPrivilegeEscalation: false` sets, so that path would fail in the very manifest
# that locks the pod down.
FROM scratch AS mini-lb
COPY --from=build /rootfs/mini-lb/ /
USER 65532:65532
EXPOSE 7472 7946/udp
ENTRYPOINT ["/bin/mini-lb"]

# iptables for `mini-proxy init` (docker/iptables-rootfs.sh: both backends, the extensions its rules use,
# their libraries), laid out to be copied into the mini-proxy image.
FROM ${BUILDER} AS iptables
COPY docker/iptables-rootfs.sh /usr/local/bin/
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables >/dev/null \
 && iptables-rootfs.sh /rootfs

# mini-proxy: one image for every subcommand. `run` is the sidecar (inbound 4143, outbound 4140, admin
# 4191) as UID 2102, the UID `init` exempts from redirection, so the proxy's own connections never loop
# back into it. `init` is the init container: it runs as root with NET_ADMIN and NET_RAW (as Linkerd's
# proxy-init does) and needs a writable /run for the xtables lock, an emptyDir in the manifest.
FROM scratch AS mini-proxy
COPY --from=iptables /rootfs/ /
COPY --from=build /rootfs/mini-proxy/ /
ENV PATH=/usr/sbin:/bin
USER 2102:2102
EXPOSE 4143 4191
ENTRYPOINT ["/bin/mini-proxy"]
CMD ["run"]
