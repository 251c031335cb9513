//! Test support: the real go-web binary on port 0, throwaway postgres clusters, a tiny HTTP client and a
//! delaying TCP proxy. Each test file uses part of it.
#![allow(dead_code)]

pub mod client;
pub mod postgres;
pub mod process;

#[allow(unused_imports)]
pub use client::*;
#[allow(unused_imports)]
pub use postgres::*;
#[allow(unused_imports)]
pub use process::*;
