//! Structs to BIND's text.
pub mod edns;
pub mod message;
pub mod rdata;
pub mod rdata_uncommon;
pub mod record;
pub mod stats;
pub mod svcb;
