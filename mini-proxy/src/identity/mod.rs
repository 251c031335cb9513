//! Who a proxy is and how it proves it.
//!
//! - [`name`]: identity names. [`creds`]: the credentials and TLS configurations made from a certificate,
//!   and checking a chain against the trust anchors.
//! - [`issue`]: minting certificates (trust anchors, issuers, leaves, signing a CSR's key). [`csr`]: a
//!   proxy's key and CSR, and the service's checks of one. [`proto`]: Linkerd's Certify API on the wire.
//! - [`files`]: credentials from a directory, reloaded. [`client`]: credentials from the identity
//!   service, renewed (the proxy's side of Certify).
//! - [`service`]: `mini-proxy identity serve`, the identity service (the other side).
//!
//! Dependencies run one way, up this list: `service` and `client` use `proto`, `csr`, `issue`, `creds`
//! and `files`' refresh schedule; `files`, `issue` and `csr` use `creds` or `name`; `creds` uses `name`.

pub mod client;
pub mod creds;
pub mod csr;
pub mod files;
pub mod issue;
pub mod name;
pub mod proto;
pub mod service;

pub use creds::{Credentials, CredsError};
pub use files::{CurrentCredentials, IdentitySource};
pub use name::Identity;
