//! `dnsutils`: the DNS tools of the lab's `dnsutils` pod (`host`, `dig`, `nslookup`) plus the `wget` and
//! `sleep` it uses, rebuilt on hickory-proto so their output matches BIND 9.18 byte for byte.

pub mod sleep;
