//! MetalLB's configuration, read from the cluster and checked: the pools the controller allocates from
//! and the layer-2 advertisements the speakers announce with.
//!
//! Layout, bottom up: [`range`] parses one `addresses` entry into CIDRs; [`legacy`] reads the old
//! `config` ConfigMap; [`pool`] holds the checked types ([`Pool`], [`Advertisement`]) and their
//! questions (which addresses, how many, which nodes); [`build`] turns the objects of a snapshot into a
//! [`Config`] or the list of what is wrong with them; [`keeper`] keeps the last good one in force when a
//! new one is refused. Everything here is pure: no I/O, no clock.

pub mod build;
pub mod keeper;
pub mod legacy;
pub mod pool;
pub mod range;

pub use build::{ConfigLocation, InvalidConfig, build_config};
pub use keeper::{ConfigKeeper, ConfigUpdate};
pub use pool::{Advertisement, Config, Pinning, Pool};
