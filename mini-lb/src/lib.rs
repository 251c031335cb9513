//! `mini-lb`: a MetalLB-compatible layer-2 LoadBalancer for the lab, in one binary with two subcommands.
//!
//! The controller gives LoadBalancer Services addresses from pools (the legacy `config` ConfigMap or the
//! `IPAddressPool` CRD) and writes them into the Services' statuses; each speaker elects, with MetalLB's
//! own hash, one node per address and, on that node, answers ARP and NDP for it and sends gratuitous
//! announcements when it takes over. Speakers learn who is alive from SWIM gossip (foca), so a dead
//! node's addresses move in well under a second.
//!
//! # Layout
//! Pure decisions first, then the I/O around them; each layer uses only those above it:
//! - [`crd`]: MetalLB's custom resources as Rust types, and the CRD YAML generated from them.
//! - [`config`]: pools and advertisements, read and checked; the last good configuration.
//! - [`allocate`]: the controller's allocation pass.
//! - [`elect`]: the speaker's election.
//! - [`packet`]: Ethernet, ARP, IPv6 and ICMPv6 neighbour discovery, as bytes and back.
//! - [`announce`]: what this speaker announces, how it answers a frame, and the gratuitous schedule.
//! - [`link`]: the only raw-socket code: interfaces, AF_PACKET sockets, multicast groups.
//! - [`members`]: SWIM membership over UDP (foca), with memberlist's pre-shared-key encryption.
//! - [`metrics`]: MetalLB's metric names and labels; [`report`]: the ConfigurationState and ServiceL2Status reports.
//! - [`settings`]: the command line of both programs.
//! - [`controller`] and [`speaker`]: the two programs, wiring the above to cluster state.

pub mod allocate;
pub mod announce;
pub mod config;
pub mod controller;
pub mod crd;
pub mod elect;
pub mod link;
pub mod members;
pub mod metrics;
pub mod packet;
pub mod report;
pub mod settings;
pub mod speaker;
