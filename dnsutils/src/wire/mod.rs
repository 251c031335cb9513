//! Bytes to structs and back, with no text and no I/O.
//!
//! [`cursor`] reads rdata fields; [`name`] reads names by BIND's rules; [`rdata_check`] and [`rdata_rules`]
//! give BIND's verdict on each record's rdata as a [`problem::Problem`]; [`header`], [`sections`] and
//! [`reply`] decode a whole message as BIND's parser does; [`transfer`] says when a zone transfer is
//! complete; [`query`] encodes what each tool sends. Everything here depends only on [`crate::protocol`].

pub mod cursor;
pub mod header;
pub mod name;
pub mod problem;
pub mod query;
pub mod rdata_check;
pub mod rdata_rules;
pub mod reply;
pub mod sections;
pub mod transfer;
