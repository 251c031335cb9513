//! Configuration every binary shares: the error type and exit code for bad settings ([`error`]), parsers
//! for the usual kinds of value ([`values`]), and the clap block of shared flags ([`args`]).

pub mod args;
pub mod error;
pub mod values;
