//! The release binary's code layout. A running proxy executes a small part of its code, but the kernel
//! maps the binary's text in 64 KB blocks around every page it touches (fault-around), and the linker's
//! default order scatters the executed functions over nearly every block: most of the text ends up
//! resident. `link/hot-functions.txt`, written by `scripts/order-mini-proxy` from a profile of two proxies
//! at work, lists the functions they executed; the linker places those first, together, so the rest of the
//! text is never mapped in.
//!
//! Only for release builds for x86_64 Linux, whose default linker (since Rust 1.90) is lld, which takes
//! `--symbol-ordering-file`. A name the build no longer has (renamed or rehashed code) is skipped silently;
//! the file grows stale, never wrong, and `scripts/order-mini-proxy --check` says how stale.

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let order = format!("{manifest}/link/hot-functions.txt");
    println!("cargo:rerun-if-changed={order}");
    println!("cargo:rerun-if-changed=build.rs");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let target = std::env::var("TARGET").unwrap_or_default();
    if release && target == "x86_64-unknown-linux-gnu" && std::path::Path::new(&order).exists() {
        println!("cargo:rustc-link-arg-bin=mini-proxy=-Wl,--symbol-ordering-file={order}");
        println!("cargo:rustc-link-arg-bin=mini-proxy=-Wl,--no-warn-symbol-ordering");
    }
}
