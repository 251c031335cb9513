//! Who a proxy is and how it proves it: identity names ([`name`]), the credentials and TLS
//! configurations made from a certificate ([`creds`]), minting certificates ([`issue`]) and following a
//! credentials directory ([`files`]).
//!
//! Dependencies run one way: `files` and `issue` use `creds`, which uses `name`.

pub mod creds;
pub mod csr;
pub mod files;
pub mod issue;
pub mod name;
pub mod proto;

pub use creds::{Credentials, CredsError};
pub use files::{CurrentCredentials, IdentitySource};
pub use name::Identity;
