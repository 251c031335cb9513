//! The lab runner: the walkthrough's path on a machine with Docker, kind and kubectl, as one command.
//!
//! `lab up` creates the kind cluster (deploy/kind/cluster.yaml) when it is absent, builds every image of
//! the workspace Dockerfile once, loads them into kind, applies deploy/ (CRDs first) and ingress-nginx,
//! creates mini-lb's memberlist key, and waits until every part is ready; `lab check` replays the
//! walkthrough's observable outcomes and prints one line per step; `lab down` deletes the cluster.
//! Every command is planned before anything runs, so `--dry-run` prints exactly what would run.
//!
//! Layout, one way: [`command`] (one external command and how it is shown), [`images`] (the images the
//! Dockerfile builds), [`plan`] (what `up` and `down` do, as pure functions), [`tools`] (which programs
//! a subcommand needs), then [`runner`] (runs a plan) and [`check`] (the walkthrough's outcomes over a
//! [`check::Cluster`] seam, so they are tested against scripted answers). [`local`] is `lab local`, the
//! walkthrough in network namespaces on this machine, with its own layers.

pub mod bench;
pub mod check;
pub mod cli;
pub mod command;
pub mod images;
pub mod local;
pub mod plan;
pub mod runner;
pub mod tools;
