//! Bytes to structs and back.
pub mod query;
pub mod rdata_check;
pub mod rdata_rules;
pub mod reply;
