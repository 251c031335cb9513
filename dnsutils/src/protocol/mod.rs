//! Protocol codes: record type and class mnemonics, both ways.
pub mod mnemonics;
