//! nslookup.
pub mod flow;
pub mod options;
pub use flow::main;
