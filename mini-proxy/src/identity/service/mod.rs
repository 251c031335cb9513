//! `mini-proxy identity serve`: Linkerd's identity service. It holds the issuer ([`issuer`]: the
//! `linkerd-identity-issuer` Secret, made with a new trust anchor at the first start and published in
//! the `linkerd-identity-trust-roots` ConfigMap) and answers `Certify` ([`certify`]): a proxy's
//! ServiceAccount token is checked with a TokenReview ([`tokens`]) and its CSR is signed for exactly
//! that ServiceAccount's identity. [`server`] serves it as gRPC over TLS with its own certificate, beside
//! an admin listener; [`config`] holds its flags.
//!
//! Dependencies run one way: `server` uses `certify`, `issuer` and `config`; `certify` uses `tokens`;
//! all use the identity primitives above them (names, CSRs, minting, the wire format).

pub mod certify;
pub mod config;
pub mod issuer;
pub mod server;
pub mod tokens;

pub use config::{ServeArgs, ServeConfig};
pub use server::{Listeners, ServeError, run};
