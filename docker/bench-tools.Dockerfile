# Load generators for `lab bench` on kind: Debian's dnsperf (the DNS comparison, from a pod) and curl (the
# failover poller, a container on the kind network). A tool image, not part of the lab: only `lab bench`
# builds it (`docker build -f docker/bench-tools.Dockerfile -t lab/bench-tools:TAG docker`), and nothing in
# deploy/ runs it. It has a file of its own because Docker's legacy builder builds every stage before the
# target of a multi-stage file: as a stage of the workspace Dockerfile it would compile the workspace.
# lab/debian:bookworm is the local Debian base scripts/base-images makes (nothing can be pulled here).
FROM lab/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnsperf curl >/dev/null \
 && rm -rf /var/lib/apt/lists/*
USER 65532:65532
