//! Protocol codes in one place: [`codes`] names every number the tools compare against (record types,
//! classes, `Rcode`, `Opcode`, `Family`, EDNS options...), and [`mnemonics`] turns type and class codes into
//! BIND's words and back. Every other layer builds on these; they depend on nothing else in the crate.

pub mod codes;
pub mod mnemonics;
