//! How a process stops: [`readiness`] (what `/readyz` reports), [`drain`] (the shutdown sequence and the
//! work groups it stops) and [`signals`] (SIGTERM and SIGINT feeding it).

pub mod drain;
pub mod readiness;
pub mod signals;

pub use drain::{DrainTimes, Drained, Lifecycle, WorkGroup};
pub use readiness::{Readiness, ReadyGate, ReadyStatus};
