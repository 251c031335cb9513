//! Shared pieces of the BIND-parity tests: a real authoritative server (knotd) serving the lab's zones,
//! small fake servers for the failure cases (scripts run by test-support's scripted DNS server), a runner
//! that executes BIND's tool and ours under the same `/etc/resolv.conf`, and the masking and diffing that
//! compare their outputs. For the robustness test: a
//! richly populated valid reply, a map of where its structures lie, and seeded damage to it.
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
pub mod mask;
pub mod mutation;
pub mod tools;
pub mod wire_layout;
