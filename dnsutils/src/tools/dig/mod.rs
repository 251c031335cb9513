//! dig.
pub mod flow;
pub mod options;
pub mod plus;
pub use flow::main;
