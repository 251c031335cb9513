//! `lab local`: the walkthrough on one Linux host, without kind. Network namespaces stand for the
//! nodes and pods, a bridge for the kind network; `lab local` plays the control plane (schedules the
//! rendered workloads, assigns pod IPs and ClusterIPs, publishes EndpointSlices in a cluster-state
//! file our components read with `--from-file`), kubelet (starts each container in its pod's
//! namespace with its env and resolv.conf) and kube-proxy (iptables nat rules in each node).
//!
//! Layout, one way: [`plan`] decides (pure functions, unit-tested), [`host`] touches the machine (ip,
//! iptables, processes, cleanup; it knows nothing of Kubernetes objects), and [`walk`] plays the
//! walkthrough's steps with both, printing what it ran and what it saw.

pub mod host;
pub mod plan;
pub mod walk;
