//! Allocation: which addresses each LoadBalancer Service gets, as a pure function of the configuration
//! and the Services (with their current statuses).
//!
//! Layout: [`request`] reads what a Service asks for (type, class, requested addresses, pool, sharing
//! key, ports, backend key, families, the addresses its status already holds); [`allocator`] is the
//! state of one pass, MetalLB's `Allocator` (which address is used by whom, sharing and port rules,
//! lowest free address); [`plan`](mod@plan) runs the pass over every Service and says what each status should
//! become, with the Events to record. Rebuilding from statuses first is what makes a restarted
//! controller hand out no duplicate: the status is the store.

pub mod allocator;
pub mod plan;
pub mod request;

pub use allocator::Allocator;
pub use plan::{Decision, PlannedEvent, plan};
pub use request::{Family, FamilyPolicy, LbClass, Port, Request, ServiceKey};
