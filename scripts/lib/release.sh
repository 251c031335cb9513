# The release build of the images' binaries, as the Dockerfile does it (docker/crate-build.sh, with the
# same packages): built together, every dependency gets one feature set, so the binaries the scripts
# measure are the images' own, down to their symbol names (mini-proxy's link order names functions by
# symbol). Source it after common.sh.

release_packages=(go-web dnsutils cluster-dns mini-lb mini-proxy)

# release_build: builds them into target/release.
release_build() {
  local args=() package
  for package in "${release_packages[@]}"; do args+=(-p "$package"); done
  cargo build --release --locked "${args[@]}" --bins
}
