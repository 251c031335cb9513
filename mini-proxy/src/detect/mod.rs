//! What a connection speaks, from its first bytes: TLS and the name it asks for ([`tls`]), HTTP/1,
//! HTTP/2 or neither ([`http`]). Both are pure functions over a byte prefix plus one bounded read, so
//! the tests need no sockets; the bytes read are handed back to be replayed.

pub mod http;
pub mod tls;
