//! Shared pieces of the BIND-parity tests: a real authoritative server (knotd) serving the lab's zones, small
//! fake servers for the failure cases, a runner that executes BIND's tool and ours under the same
//! `/etc/resolv.conf`, and the masking and diffing that compare their outputs. For the robustness test: a
//! richly populated valid reply, a map of where its structures lie, seeded damage to it, and a scripted
//! server that sends whatever a test scripts.
//!
//! Each test binary that uses this module pulls in all of it, so items one binary does not need are allowed
//! to be unused there.
#![allow(dead_code)]

pub mod damage_run;
pub mod diff;
pub mod fake_dns;
pub mod full_reply;
pub mod knot;
pub mod lab;
pub mod loopback;
pub mod mask;
pub mod mutation;
pub mod scripted_dns;
pub mod tools;
pub mod wire_layout;
