//! Giving freed heap back to the kernel.
//!
//! glibc's allocator keeps what a program frees for its next allocations and returns to the kernel only
//! a free stretch at the very top of its heap. A server's heap is rarely free at the top, so after a
//! burst (64 connections' buffers, a large cluster-state file read once) it would carry its peak for the
//! rest of its life. [`keep_trimmed`] asks glibc every [`TRIM_INTERVAL`] to hand back every whole free
//! page wherever it lies (`malloc_trim(0)`, which unmaps them with `MADV_DONTNEED`); memory in use is
//! untouched. jemalloc does the same on a timer of its own (its decay). Measured on mini-proxy: about
//! 2 MB per proxy given back after a 64-connection burst (docs/bench/changes.md).
//!
//! The cost: the call walks the heap's free chunks holding the allocator's lock, so allocations on
//! other threads wait for it. Measured on a heap cut into 256 pieces with 4 MiB of them free, 0.6 ms
//! (0.1 ms when there is nothing left to give); into 2,048 pieces with 32 MiB free, 5 ms (1 ms). Every
//! 10 s, that is at most a few hundredths of a percent of one core, and a pause of that length for
//! whatever is in flight at the moment.
//!
//! Elsewhere than glibc (musl, other systems) [`trim`] does nothing.

use std::time::Duration;

use tracing::debug;

/// How often [`keep_trimmed`] trims.
pub const TRIM_INTERVAL: Duration = Duration::from_secs(10);

/// Trims the heap every `interval`, forever; spawned by [`crate::run_binary`] for every server.
pub async fn keep_trimmed(interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is immediate; start-up's garbage is trimmed a period later
    loop {
        tick.tick().await;
        if trim() {
            debug!("returned freed heap memory to the kernel");
        }
    }
}

/// Returns the heap's free pages to the kernel; true if there were any.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)] // The workspace's one exception: a foreign call with no pointer to get wrong.
pub fn trim() -> bool {
    // SAFETY: malloc_trim takes a byte count (how much to keep at the top of the heap) and works only on
    // the allocator's own free lists, under the allocator's locks; any thread may call it at any time.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Returns the heap's free pages to the kernel; true if there were any. Only glibc needs it.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() -> bool {
    false
}
