#!/bin/sh
# Build steps every crate's Dockerfile shares, run inside lab/rust-builder.
#   crate-build.sh manifests DIR   copy only Cargo.toml/Cargo.lock files of the workspace into DIR
#   crate-build.sh deps CRATE      compile CRATE's dependencies against empty sources (a cacheable layer)
#   crate-build.sh rootfs CRATE    compile CRATE and lay out /rootfs: the binary in /bin, the shared
#                                  libraries it links at their paths, and a passwd/group for user 65532
set -eu
cmd=$1
shift
case "$cmd" in
  manifests)
    mkdir -p "$1"
    find . -name target -prune -o \( -name Cargo.toml -o -name Cargo.lock -o -name rustfmt.toml \) -print \
      | xargs -I{} cp --parents {} "$1"/
    ;;
  deps)
    crate=$1
    for toml in */Cargo.toml; do
      d=$(dirname "$toml")
      mkdir -p "$d/src"
      echo 'fn main() {}' > "$d/src/main.rs"
      touch "$d/src/lib.rs"
    done
    cargo build --release --locked -p "$crate"
    # Forget the empty crate itself, so the real sources are compiled whatever their timestamps.
    rm -rf */src target/release/.fingerprint/"$crate"-* target/release/deps/*"$(echo "$crate" | tr - _)"*
    ;;
  rootfs)
    crate=$1
    cargo build --release --locked -p "$crate" --bins
    mkdir -p /rootfs/bin /rootfs/etc
    cp "target/release/$crate" /rootfs/bin/
    for lib in $(ldd "target/release/$crate" | grep -o '/[^ ]*'); do
      mkdir -p "/rootfs$(dirname "$lib")"
      cp -L "$lib" "/rootfs$lib"
    done
    echo 'nonroot:x:65532:65532:nonroot:/:/nonexistent' > /rootfs/etc/passwd
    echo 'nonroot:x:65532:' > /rootfs/etc/group
    ;;
  *)
    echo "crate-build.sh: unknown step '$cmd' (manifests, deps or rootfs)" >&2
    exit 64
    ;;
esac
