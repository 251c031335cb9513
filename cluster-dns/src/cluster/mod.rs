//! The cluster state a DNS server needs, indexed for lookups: [`index`] builds a [`ClusterIndex`] from a
//! cluster-state snapshot; [`endpoints`] reads one EndpointSlice's ready addresses and names them.

pub mod endpoints;
pub mod index;

pub use endpoints::{EndpointAddress, EndpointSet, PortSpec, dashed};
pub use index::{ClusterIndex, Objects, ReverseTarget, ServiceEntry, ServiceKind};
