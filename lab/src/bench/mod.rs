//! The benchmark report: every part measured against its peers in the same run, summed up against the
//! issues' targets, with charts.
//!
//! Layout, one way: [`records`] (the figures a run leaves, one line each), [`goals`] (every target and
//! how a run meets it), [`charts`] (bars, lines and timelines as SVG), [`report`] (docs/benchmarks.md from
//! those, pure), then [`scripts`] (`lab local bench`: runs the bench scripts and writes the files) and
//! [`cluster`] (`lab bench`: measures on kind through the check seam, then writes the same report).

pub mod charts;
pub mod cluster;
pub mod goals;
pub mod records;
pub mod report;
pub mod scripts;
