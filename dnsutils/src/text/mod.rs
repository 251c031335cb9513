//! Structs to BIND's text, with no I/O.
//!
//! From the bottom up: [`escape`] (names, strings, hex and base64), [`layout`] (the column grid, single-line
//! or multiline rdata, TTL units); rdata in [`rdata`], with the less common types in [`rdata_uncommon`],
//! [`rdata_blob`], [`rdata_address`] and [`svcb`]; whole record and question lines in [`record`]; a
//! message's header and sections in [`message`], its OPT pseudosection in [`edns`] and dig's statistics
//! footer in [`stats`] (its dates in [`timestamp`]), and dig's `+yaml` form in [`yaml`]; and what the tools
//! say about the network layer's events in [`notice`].

pub mod edns;
pub mod escape;
pub mod layout;
pub mod message;
pub mod notice;
pub mod rdata;
pub mod rdata_address;
pub mod rdata_blob;
pub mod rdata_uncommon;
pub mod record;
pub mod stats;
pub mod svcb;
pub mod timestamp;
pub mod yaml;
