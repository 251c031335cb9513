#!/bin/sh
# Build steps of the workspace Dockerfile, run inside lab/rust-builder.
#   crate-build.sh manifests DIR     copy the workspace's Cargo.toml/Cargo.lock files into DIR, with an empty
#                                    stand-in for every target source (src/main.rs, src/lib.rs, src/bin/*.rs)
#   crate-build.sh deps CRATE...     compile every dependency of those crates' binaries against the stand-ins
#                                    (one cacheable layer: it changes only when a manifest does)
#   crate-build.sh rootfs CRATE...   compile those crates' binaries once, then lay out /rootfs/CRATE for each:
#                                    the binary in /bin (without its symbols, which the release profile
#                                    keeps), the shared libraries it links at their paths, and a passwd/group
#                                    for user 65532
set -eu

# The workspace's own packages, whose stand-in builds must be forgotten before the real sources compile.
members() {
  find . -name target -prune -o -name Cargo.toml -print | while read -r toml; do
    sed -n 's/^name = "\(.*\)"$/\1/p' "$toml" | head -n1
  done
}

# packages CRATE...: cargo's -p flag for each crate. Only the images' crates are built (not lab, the
# runner), with the same list in both steps so the dependencies compiled in `deps` are the ones reused.
packages() {
  for crate in "$@"; do printf -- '-p %s ' "$crate"; done
}

cmd=$1
shift
case "$cmd" in
  manifests)
    out=$1
    mkdir -p "$out"
    find . -name target -prune -o \( -name Cargo.toml -o -name Cargo.lock -o -name rustfmt.toml \) -print \
      | xargs -I{} cp --parents {} "$out"/
    # Stand-ins keep the same target layout, so cargo sees the same binaries and libraries.
    find . -name target -prune -o -path '*/src/main.rs' -print -o -path '*/src/bin/*.rs' -print | while read -r f; do
      mkdir -p "$out/$(dirname "$f")" && echo 'fn main() {}' > "$out/$f"
    done
    find . -name target -prune -o -path '*/src/lib.rs' -print | while read -r f; do
      mkdir -p "$out/$(dirname "$f")" && : > "$out/$f"
    done
    ;;
  deps)
    # shellcheck disable=SC2046
    cargo build --release --locked $(packages "$@") --bins
    # Forget the stand-ins themselves, so the real sources are compiled whatever their timestamps.
    for name in $(members); do
      rm -rf target/release/.fingerprint/"$name"-* target/release/deps/*"$(echo "$name" | tr - _)"* \
        "target/release/$name"
    done
    ;;
  rootfs)
    # shellcheck disable=SC2046
    cargo build --release --locked $(packages "$@") --bins
    for crate in "$@"; do
      root=/rootfs/$crate
      mkdir -p "$root/bin" "$root/etc"
      strip --strip-all -o "$root/bin/$crate" "target/release/$crate"
      for lib in $(ldd "target/release/$crate" | grep -o '/[^ ]*'); do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
      done
      echo 'nonroot:x:65532:65532:nonroot:/:/nonexistent' > "$root/etc/passwd"
      echo 'nonroot:x:65532:' > "$root/etc/group"
    done
    ;;
  *)
    echo "crate-build.sh: unknown step '$cmd' (manifests, deps or rootfs)" >&2
    exit 64
    ;;
esac
