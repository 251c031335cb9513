//! HTTP for small servers: the shared accept loop ([`serve`]) and the admin listener's handler
//! ([`admin`]).

pub mod admin;
pub mod serve;

pub use admin::{Admin, NotFound};
pub use serve::{Handler, Limits, PeerAddr, serve, text_response};
