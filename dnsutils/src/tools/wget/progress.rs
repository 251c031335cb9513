//! GNU wget's "dot" progress display, the one it uses when stderr is not a terminal (as under
//! `kubectl exec`): one dot per KiB, clusters of ten, fifty per row, each row prefixed with its offset and
//! closed with the percentage, the row's rate and an estimate; the last row ends with `=ELAPSED`.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use super::log::{Log, duration_text, scaled_rate};

/// Bytes per dot, dots per cluster, dots per row (GNU's `dot:default` style).
const DOT_BYTES: u64 = 1024;
const CLUSTER: u64 = 10;
const ROW: u64 = 50;

/// Draws the dots for one body as it is written; wraps the body's destination.
pub struct DotProgress<'a, W: Write> {
    inner: W,
    log: &'a Log,
    total: Option<u64>,
    written: u64,
    dots: u64,
    dots_in_row: u64,
    row_started: Instant,
    row_bytes: u64,
    started: Instant,
}

impl<'a, W: Write> DotProgress<'a, W> {
    /// Starts the first row (`     0K`) and wraps `inner`; `total` is the Content-Length, if known.
    pub fn new(inner: W, log: &'a Log, total: Option<u64>) -> Self {
        log.print(&row_prefix(0));
        let now = Instant::now();
        DotProgress {
            inner,
            log,
            total,
            written: 0,
            dots: 0,
            dots_in_row: 0,
            row_started: now,
            row_bytes: 0,
            started: now,
        }
    }

    /// Pads the last row and prints its summary with the total elapsed time (`100%` after a whole body, less
    /// when writing failed part way).
    pub fn finish(self) {
        let pad: String = (self.dots_in_row..ROW).map(|d| if d.is_multiple_of(CLUSTER) { "  " } else { " " }).collect();
        let pct = self.total.map_or_else(String::new, |t| format!("{:3}%", percent(self.written, t)));
        let rate = row_rate(self.row_bytes, self.row_started.elapsed());
        self.log.print(&format!("{pad}{pct} {rate}={}\n", duration_text(self.started.elapsed())));
    }

    fn dot(&mut self) {
        let cluster_gap = if self.dots_in_row.is_multiple_of(CLUSTER) { " " } else { "" };
        self.log.print(&format!("{cluster_gap}."));
        self.dots += 1;
        self.dots_in_row += 1;
        if self.dots_in_row == ROW {
            // GNU reports the row's end (a multiple of 50 KiB), not bytes already buffered past it.
            let done = self.dots * DOT_BYTES;
            let pct = self.total.map_or_else(String::new, |t| format!("{:3}%", percent(done, t)));
            let rate = row_rate(self.row_bytes, self.row_started.elapsed());
            self.log.print(&format!("{pct} {rate} {}\n{}", eta(self), row_prefix(self.dots)));
            self.dots_in_row = 0;
            self.row_bytes = 0;
            self.row_started = Instant::now();
        }
    }
}

impl<W: Write> Write for DotProgress<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let before = self.written / DOT_BYTES;
        self.written += n as u64;
        self.row_bytes += n as u64;
        for _ in before..self.written / DOT_BYTES {
            self.dot();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `done` as a whole percentage of `total` (an empty body counts as complete).
fn percent(done: u64, total: u64) -> u64 {
    (done.min(total) * 100).checked_div(total).unwrap_or(100)
}

/// `%6dK`: the offset in KiB at the start of a row.
fn row_prefix(kib: u64) -> String {
    format!("{kib:6}K")
}

/// The rate of a row as GNU prints it in the dot display: ` %4.*f` and a unit letter (' ', K, M, G).
fn row_rate(bytes: u64, elapsed: Duration) -> String {
    let (value, unit, decimals) = scaled_rate(bytes, elapsed);
    format!("{value:4.decimals$}{}", [' ', 'K', 'M', 'G'][unit])
}

/// The time left at the current average rate, in whole seconds.
fn eta<W: Write>(p: &DotProgress<'_, W>) -> String {
    let Some(total) = p.total else { return String::new() };
    let rate = p.written as f64 / p.started.elapsed().as_secs_f64().max(1e-6);
    format!("{}s", (total.saturating_sub(p.written) as f64 / rate).round())
}

#[cfg(test)]
mod tests {
    use super::{DotProgress, row_rate};
    use crate::tools::wget::log::Log;
    use std::io::Write;
    use std::time::Duration;

    /// Bodies pass through unchanged (the dots go to the quiet log here).
    #[test]
    fn passes_bytes_through() {
        let log = Log::new(true);
        let mut body = Vec::new();
        let mut p = DotProgress::new(&mut body, &log, Some(3000));
        assert!(p.write_all(&[7u8; 3000]).is_ok());
        p.finish();
        assert_eq!(body.len(), 3000);
    }

    /// Row rates are right-aligned in four columns before the unit letter.
    #[test]
    fn formats_row_rate() {
        assert_eq!(row_rate(174_325_760, Duration::from_secs(1)), " 166M");
        assert_eq!(row_rate(17_510_000, Duration::from_secs(1)), "16.7M");
    }
}
