//! Where and under which names a lookup asks: resolv.conf as BIND reads it ([`conf`]), the search walk and
//! reverse names ([`search`]), and the servers to ask ([`servers`]).

pub mod conf;
pub mod search;
pub mod servers;
