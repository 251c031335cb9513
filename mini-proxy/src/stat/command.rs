//! `mini-proxy stat`: the command around the arithmetic. It finds the rows (the cluster's Deployments,
//! Pods or Namespaces through the cluster-state seam, or proxies named on the command line), scrapes the
//! proxies that hold their traffic twice a window apart, and prints Linkerd's table or JSON.
//!
//! Which proxies hold a row's traffic depends on the direction looked at:
//! - by default, the row's own pods, inbound (what `linkerd viz stat deploy` shows);
//! - `--to RESOURCE`: the row's own pods, outbound, only traffic to RESOURCE;
//! - `--from RESOURCE`: RESOURCE's pods, outbound, only traffic to the row.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cluster_state::k8s_openapi::api::apps::v1::Deployment;
use cluster_state::k8s_openapi::api::core::v1::{Namespace, Pod};
use cluster_state::{ClusterState, Query, Scope, SourceArgs};
use server_runtime::values;
use tokio_util::sync::CancellationToken;

use super::exposition::Sample;
use super::scrape;
use super::table::{self, Row};
use super::targets::{self, Resource, ResourceKind, ResourceRef};
use super::window::{self, PodWindow, Selector};

/// How long to wait for the cluster's objects before giving up.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// `mini-proxy stat`: `linkerd viz stat`'s flags, plus where the proxies are found.
#[derive(Clone, Debug, clap::Args)]
pub struct StatArgs {
    /// What to show: `deploy`, `pod` or `ns`, optionally one of them (`deploy/web`, or `deploy web`).
    #[arg(default_value = "deployment", num_args = 1..=2)]
    pub resource: Vec<String>,
    /// The namespace of the resources.
    #[arg(short, long, default_value = "default")]
    pub namespace: String,
    /// Resources in every namespace (the table gains a NAMESPACE column).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// The window between the two scrapes the figures come from.
    #[arg(short = 't', long = "time-window", default_value = "10s")]
    pub time_window: String,
    /// `table`, `wide` (with byte rates) or `json`.
    #[arg(short, long, default_value = "table")]
    pub output: String,
    /// Show the traffic the rows send to this resource (`deploy/NAME`, `po/NAME`, `ns/NAME`).
    #[arg(long, conflicts_with = "from")]
    pub to: Option<String>,
    /// The namespace of `--to` (default: the rows' namespace).
    #[arg(long)]
    pub to_namespace: Option<String>,
    /// Show the traffic this resource sends to the rows.
    #[arg(long)]
    pub from: Option<String>,
    /// The namespace of `--from` (default: the rows' namespace).
    #[arg(long)]
    pub from_namespace: Option<String>,
    /// Instead of the cluster, scrape this proxy, `NAME=HOST:PORT` (its admin address); targets sharing
    /// a NAME are the pods of one row. Repeatable.
    #[arg(long = "target", value_name = "NAME=HOST:PORT")]
    pub targets: Vec<String>,
    /// Where the cluster's Pods and Deployments are read from (without `--target`).
    #[command(flatten)]
    pub source: SourceArgs,
}

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Table,
    Wide,
    Json,
}

/// Which traffic the rows show.
#[derive(Clone, Debug)]
enum Direction {
    /// Into the rows' pods.
    Inbound,
    /// Out of the rows' pods, to this resource in this namespace.
    To(ResourceRef, Option<String>),
    /// Out of this resource's pods (in this namespace), to each row.
    From(ResourceRef, Option<String>),
}

/// The flags, checked.
struct Plan {
    rows: ResourceRef,
    namespace: Option<String>,
    window: Duration,
    output: Output,
    direction: Direction,
    /// `--target` rows: each name with its proxies' admin addresses.
    targets: Vec<(String, Vec<String>)>,
    source: SourceArgs,
}

/// Runs `stat`; returns the exit code: 64 for bad flags, 1 when the cluster or a proxy cannot be read.
pub fn stat(args: StatArgs) -> u8 {
    let plan = match Plan::from_args(args) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("mini-proxy stat: {message}");
            return server_runtime::EXIT_CONFIG;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mini-proxy stat: cannot start: {e}");
            return 1;
        }
    };
    match runtime.block_on(plan.run()) {
        Ok(text) => {
            print!("{text}");
            0
        }
        Err(message) => {
            eprintln!("mini-proxy stat: {message}");
            1
        }
    }
}

impl Plan {
    fn from_args(args: StatArgs) -> Result<Plan, String> {
        let rows = ResourceRef::parse(&args.resource)?;
        let window = match values::duration("--time-window", &args.time_window) {
            Ok(length) if length >= Duration::from_secs(1) => length,
            Ok(_) => return Err(format!("--time-window {}: use at least 1s", args.time_window)),
            Err(e) => return Err(e.to_string()),
        };
        let output = match args.output.as_str() {
            "table" => Output::Table,
            "wide" => Output::Wide,
            "json" => Output::Json,
            other => return Err(format!("--output {other:?}: use table, wide or json")),
        };
        let peer = |flag: &str, text: &str| {
            let words: Vec<String> = vec![text.to_string()];
            match ResourceRef::parse(&words) {
                Ok(peer) if peer.name.is_some() => Ok(peer),
                _ => Err(format!("{flag} {text:?}: use deploy/NAME, po/NAME or ns/NAME")),
            }
        };
        let direction = match (&args.to, &args.from) {
            (Some(to), _) => Direction::To(peer("--to", to)?, args.to_namespace.clone()),
            (None, Some(from)) => Direction::From(peer("--from", from)?, args.from_namespace.clone()),
            (None, None) => Direction::Inbound,
        };
        let targets = targets::named(&args.targets)?;
        let namespace = (!args.all_namespaces).then_some(args.namespace);
        Ok(Plan { rows, namespace, window, output, direction, targets, source: args.source })
    }

    /// Finds the rows, scrapes, and returns the text to print.
    async fn run(self) -> Result<String, String> {
        let (rows, senders) = self.resources().await?;
        // The proxies holding the traffic: the rows' own, or those of the `--from` resource.
        let mut addrs: Vec<String> = match &senders {
            Some(sender) => sender.proxies.clone(),
            None => rows.iter().flat_map(|r| r.proxies.iter().cloned()).collect(),
        };
        addrs.sort();
        addrs.dedup();
        let (windows, seconds) = self.scrape(&addrs).await?;
        let pods_of =
            |proxies: &[String]| -> Vec<&PodWindow> { proxies.iter().filter_map(|addr| windows.get(addr)).collect() };
        let kind = self.rows.kind.name().to_string();
        let printed: Vec<Row> = rows
            .iter()
            .map(|row| {
                let (pods, selector) = match &self.direction {
                    Direction::Inbound => (pods_of(&row.proxies), Selector::inbound()),
                    Direction::To(peer, namespace) => {
                        let namespace = namespace.as_deref().unwrap_or(&row.namespace);
                        (pods_of(&row.proxies), Selector::outbound(peer.destination_labels(namespace)))
                    }
                    Direction::From(..) => {
                        let proxies = senders.as_ref().map(|s| s.proxies.as_slice()).unwrap_or_default();
                        (pods_of(proxies), Selector::outbound(row.as_ref().destination_labels(&row.namespace)))
                    }
                };
                let stats = if pods.is_empty() { None } else { window::stats(&pods, &selector, seconds) };
                Row {
                    namespace: row.namespace.clone(),
                    kind: kind.clone(),
                    name: row.name.clone(),
                    meshed: (row.meshed, row.total),
                    stats,
                }
            })
            .collect();
        if printed.is_empty() {
            return Err(format!(
                "no {} found{}",
                kind,
                self.namespace.map(|n| format!(" in namespace {n}")).unwrap_or_default()
            ));
        }
        Ok(match self.output {
            Output::Json => format!("{:#}\n", table::json(&printed)),
            output => table::table(&printed, output == Output::Wide, self.namespace.is_none()),
        })
    }

    /// The rows, and with `--from` the resource sending the traffic.
    async fn resources(&self) -> Result<(Vec<Resource>, Option<Resource>), String> {
        if !self.targets.is_empty() {
            return self.named_targets();
        }
        let snapshot = self.cluster().await?;
        let namespace = self.namespace.as_deref();
        let found = |wanted: &ResourceRef, namespace: Option<&str>| targets::resources(&snapshot, wanted, namespace);
        let rows = found(&self.rows, namespace);
        let sender = match &self.direction {
            Direction::From(peer, peer_namespace) => {
                let peer_namespace = peer_namespace.as_deref().or(namespace).unwrap_or("default");
                let mut found = found(peer, Some(peer_namespace));
                match found.pop() {
                    Some(sender) => Some(sender),
                    None => {
                        return Err(format!(
                            "--from: no {} {} in namespace {peer_namespace}",
                            peer.kind.name(),
                            peer.name.as_deref().unwrap_or_default()
                        ));
                    }
                }
            }
            _ => None,
        };
        Ok((rows, sender))
    }

    /// Rows from `--target`: one per NAME, every proxy of it meshed.
    fn named_targets(&self) -> Result<(Vec<Resource>, Option<Resource>), String> {
        let namespace = self.namespace.as_deref().unwrap_or("default");
        let rows = targets::named_resources(&self.targets, self.rows.kind, namespace);
        let sender = match &self.direction {
            Direction::From(peer, _) => {
                let name = peer.name.as_deref().unwrap_or_default();
                let sender = rows.iter().find(|r| r.name == name).cloned();
                Some(sender.ok_or_else(|| format!("--from: no --target is named {name:?}"))?)
            }
            _ => None,
        };
        let wanted = |r: &Resource| self.rows.name.as_ref().is_none_or(|name| *name == r.name);
        Ok((rows.into_iter().filter(wanted).collect(), sender))
    }

    /// The cluster's Pods, Deployments and Namespaces, read once.
    async fn cluster(&self) -> Result<cluster_state::Snapshot, String> {
        let scope = match &self.namespace {
            Some(namespace) => Scope::namespace(namespace.clone()),
            None => Scope::all(),
        };
        let mut query = Query::new().with::<Pod>(scope.clone()).with::<Deployment>(scope);
        if self.rows.kind == ResourceKind::Namespace || self.namespace.is_none() {
            query = query.with::<Namespace>(Scope::all());
        }
        let source = self.source.source().await.map_err(|e| e.to_string())?;
        let shutdown = CancellationToken::new();
        let state =
            ClusterState::start("mini-proxy-stat", source, query, shutdown.clone()).await.map_err(|e| e.to_string())?;
        let synced = tokio::time::timeout(SYNC_TIMEOUT, state.wait_synced()).await;
        shutdown.cancel();
        match synced {
            Ok(snapshot) => snapshot.map_err(|e| e.to_string()),
            Err(_) => Err(format!("the cluster's objects were not all read within {SYNC_TIMEOUT:?}")),
        }
    }

    /// Two rounds of scrapes a window apart: each proxy's pair, and the seconds from the start of the
    /// first round to the start of the second.
    async fn scrape(&self, addrs: &[String]) -> Result<(HashMap<String, PodWindow>, f64), String> {
        if addrs.is_empty() {
            return Ok((HashMap::new(), self.window.as_secs_f64()));
        }
        let started = Instant::now();
        let before = scrape::round(addrs).await.map_err(|e| e.to_string())?;
        tokio::time::sleep_until((started + self.window).into()).await;
        let seconds = started.elapsed().as_secs_f64();
        let after = scrape::round(addrs).await.map_err(|e| e.to_string())?;
        let windows = addrs
            .iter()
            .cloned()
            .zip(before.into_iter().zip(after))
            .map(|(addr, (before, after)): (String, (Vec<Sample>, Vec<Sample>))| (addr, PodWindow { before, after }))
            .collect();
        Ok((windows, seconds))
    }
}
