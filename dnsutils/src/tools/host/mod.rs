//! host.
pub mod flow;
pub mod options;
pub mod transfer;
pub use flow::main;
