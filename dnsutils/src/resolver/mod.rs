//! resolv.conf and the search walk.
pub mod conf;
pub mod search;
