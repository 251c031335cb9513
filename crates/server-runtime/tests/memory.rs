//! The heap trim hands freed memory back: after a burst of allocations freed beneath one still in use,
//! glibc keeps the burst's pages until asked. Its own test binary, so no other test allocates meanwhile.

/// The process's anonymous memory in kB, as `/proc/self/smaps_rollup` counts it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn anonymous_kb() -> u64 {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").expect("smaps_rollup");
    let line = rollup.lines().find(|l| l.starts_with("Anonymous:")).expect("an Anonymous line");
    line.split_whitespace().nth(1).and_then(|kb| kb.parse().ok()).expect("a number of kB")
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn trim_returns_a_freed_burst() {
    // 8 MiB in 16 KiB pieces (below glibc's mmap threshold, so they come from the heap), written to so
    // their pages are resident, each followed by a small allocation that stays: the fragmented heap of a
    // server whose connections closed while its long-lived state grew.
    let mut burst = Vec::new();
    let mut kept = Vec::new();
    for i in 0..512u32 {
        burst.push(vec![(i % 255 + 1) as u8; 16 * 1024]);
        kept.push(std::hint::black_box(vec![7u8; 64]));
    }
    drop(burst);
    let freed_but_resident = anonymous_kb();
    assert!(server_runtime::memory::trim(), "glibc reported nothing to return");
    let trimmed = anonymous_kb();
    assert!(
        trimmed + 4 * 1024 <= freed_but_resident,
        "anonymous memory went from {freed_but_resident} kB to {trimmed} kB; expected at least 4 MiB back"
    );
    assert!(kept.iter().all(|k| k[63] == 7), "memory in use is untouched");
}
