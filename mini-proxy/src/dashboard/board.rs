//! What the page shows, worked out once per round of scrapes and served as JSON at `/api/stat`:
//! - `deployments`: a row per deployment with `stat -o json`'s keys and figures (its proxies' inbound
//!   traffic over the window, [`crate::stat::window::stats`]);
//! - `edges`: who calls whom, from the callers' outbound series ([`super::edges`]);
//! - `history`: the last [`HISTORY_POINTS`] rounds' p50/p95/p99 per deployment, for the latency chart;
//! - `interval_seconds`, `window_seconds` (as measured, `null` until two rounds), `rounds` (how many
//!   have completed), `updated_unix_ms` and `errors` (the proxies that could not be scraped, one line each).
//!
//! Pure: rounds come in with the time they started, the JSON goes out.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::edges::{self, Edge, Workload};
use super::history::{HISTORY_POINTS, History};
use super::rounds::{Rounds, Windows};
use crate::stat::exposition::Sample;
use crate::stat::table::{self, Row};
use crate::stat::window::{self, PodWindow, Selector};

/// A deployment the dashboard shows, and where its meshed pods' proxies answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// The deployment.
    pub workload: Workload,
    /// Meshed pods and all pods.
    pub meshed: (usize, usize),
    /// The admin addresses of its meshed pods' proxies.
    pub proxies: Vec<String>,
}

/// One point of the latency chart: its round's wall-clock time, and each deployment's p50, p95 and p99
/// over the window then (milliseconds; `None` without responses).
#[derive(Clone, Debug)]
struct LatencyPoint {
    unix_ms: u64,
    latency_ms: BTreeMap<String, [Option<f64>; 3]>,
}

/// The dashboard's state between rounds.
#[derive(Debug)]
pub struct Board {
    interval: Duration,
    rounds: Rounds,
    history: History<LatencyPoint>,
    completed: u64,
    latest: Value,
}

impl Board {
    /// A board with no round yet, for rounds every `interval` over windows of `window`.
    pub fn new(interval: Duration, window: Duration) -> Board {
        let mut board = Board {
            interval,
            rounds: Rounds::new(window),
            history: History::new(HISTORY_POINTS),
            completed: 0,
            latest: Value::Null,
        };
        board.latest = board.json(0, &[], &[], None, &[]);
        board
    }

    /// Records the round started at `at` (`unix_ms` on the wall clock) over `sources`: `pages` from the
    /// proxies that answered, `errors` for those that did not. Returns the new JSON.
    pub fn record(
        &mut self,
        at: Instant,
        unix_ms: u64,
        sources: &[Source],
        pages: HashMap<String, Vec<Sample>>,
        errors: &[String],
    ) -> &Value {
        self.rounds.push(at, pages);
        self.completed += 1;
        let windows = self.rounds.windows();
        let (rows, edges) = figures(sources, windows.as_ref());
        let latency_ms = rows
            .iter()
            .filter_map(|row| {
                let stats = row.stats.as_ref().filter(|s| s.latency_ms.iter().any(Option::is_some))?;
                Some((format!("{}/{}", row.namespace, row.name), stats.latency_ms))
            })
            .collect();
        if windows.is_some() {
            self.history.push(LatencyPoint { unix_ms, latency_ms });
        }
        self.latest = self.json(unix_ms, &rows, &edges, windows.map(|w| w.seconds), errors);
        &self.latest
    }

    /// The JSON of the latest round.
    pub fn latest(&self) -> &Value {
        &self.latest
    }

    fn json(&self, unix_ms: u64, rows: &[Row], edges: &[Edge], seconds: Option<f64>, errors: &[String]) -> Value {
        let workload = |w: &Workload| json!({ "namespace": w.namespace, "name": w.name });
        let edges: Vec<Value> = edges
            .iter()
            .map(|edge| {
                json!({
                    "from": workload(&edge.from),
                    "to": workload(&edge.to),
                    "rps": edge.rps,
                    "success": edge.success,
                    "mtls": edge.mtls,
                    "server_ids": edge.server_ids,
                })
            })
            .collect();
        let history: Vec<Value> = self
            .history
            .iter()
            .map(|point| json!({ "unix_ms": point.unix_ms, "latency_ms": point.latency_ms }))
            .collect();
        json!({
            "interval_seconds": self.interval.as_secs_f64(),
            "window_seconds": seconds,
            "rounds": self.completed,
            "updated_unix_ms": unix_ms,
            "errors": errors,
            "deployments": table::json(rows),
            "edges": edges,
            "history": history,
        })
    }
}

/// Each source's row (its inbound traffic, as `stat` shows it) and the edges from it, over `windows`;
/// without a window yet, rows without figures and no edges.
fn figures(sources: &[Source], windows: Option<&Windows>) -> (Vec<Row>, Vec<Edge>) {
    let mut rows = Vec::new();
    let mut all_edges = Vec::new();
    for source in sources {
        let pods: Vec<&PodWindow> = match windows {
            Some(windows) => source.proxies.iter().filter_map(|addr| windows.pods.get(addr)).collect(),
            None => Vec::new(),
        };
        let seconds = windows.map_or(0.0, |w| w.seconds);
        let stats = if pods.is_empty() { None } else { window::stats(&pods, &Selector::inbound(), seconds) };
        if !pods.is_empty() {
            all_edges.extend(edges::edges(&source.workload, &pods, seconds));
        }
        rows.push(Row {
            namespace: source.workload.namespace.clone(),
            kind: "deployment".to_string(),
            name: source.workload.name.clone(),
            meshed: source.meshed,
            stats,
        });
    }
    (rows, all_edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stat::exposition::parse;

    const SERVER_ID: &str = "server.default.serviceaccount.identity.linkerd.cluster.local";

    fn source(name: &str, addr: &str) -> Source {
        Source {
            workload: Workload { namespace: "default".into(), name: name.into() },
            meshed: (1, 1),
            proxies: vec![addr.to_string()],
        }
    }

    /// The server's proxy after `ok` good and `failed` failed requests, all answered within 2 ms.
    fn server_page(ok: u32, failed: u32) -> Vec<Sample> {
        let all = ok + failed;
        parse(&format!(
            "response_total{{direction=\"inbound\",tls=\"true\",classification=\"success\"}} {ok}\n\
             response_total{{direction=\"inbound\",tls=\"true\",classification=\"failure\"}} {failed}\n\
             response_latency_ms_bucket{{direction=\"inbound\",le=\"1\"}} 0\n\
             response_latency_ms_bucket{{direction=\"inbound\",le=\"2\"}} {all}\n\
             response_latency_ms_bucket{{direction=\"inbound\",le=\"+Inf\"}} {all}\n"
        ))
        .expect("valid")
    }

    /// The client's proxy after the same requests, sent over mTLS to the server's deployment.
    fn client_page(ok: u32, failed: u32) -> Vec<Sample> {
        let labels = format!(
            "direction=\"outbound\",tls=\"true\",server_id=\"{SERVER_ID}\",dst_namespace=\"default\",\
             dst_deployment=\"server\""
        );
        parse(&format!(
            "response_total{{{labels},classification=\"success\"}} {ok}\n\
             response_total{{{labels},classification=\"failure\"}} {failed}\n"
        ))
        .expect("valid")
    }

    fn round(ok: u32, failed: u32) -> HashMap<String, Vec<Sample>> {
        HashMap::from([
            ("s:4191".to_string(), server_page(ok, failed)),
            ("c:4191".to_string(), client_page(ok, failed)),
        ])
    }

    /// Before two rounds the rows have no figures; after, the server's row and the client→server edge
    /// carry the window's figures, and the chart has a point for the server.
    #[test]
    fn rows_edges_and_history_from_rounds() {
        let sources = [source("client", "c:4191"), source("server", "s:4191")];
        let start = Instant::now();
        let mut board = Board::new(Duration::from_secs(2), Duration::from_secs(60));
        assert_eq!(board.latest()["rounds"], 0);
        let first = board.record(start, 1_000, &sources, round(0, 0), &[]).clone();
        assert!(first["window_seconds"].is_null() && first["deployments"][1]["success"].is_null(), "{first:#}");
        assert_eq!(first["history"], json!([]));

        let errors = ["cannot scrape x:4191: refused".to_string()];
        let second = board.record(start + Duration::from_secs(4), 5_000, &sources, round(15, 5), &errors).clone();
        assert_eq!(second["rounds"], 2);
        assert_eq!(second["window_seconds"], 4.0);
        assert_eq!(second["errors"], json!(errors));
        let server = &second["deployments"][1];
        assert_eq!((server["name"].as_str(), server["meshed"].as_str()), (Some("server"), Some("1/1")));
        assert_eq!((server["success"].as_f64(), server["rps"].as_f64()), (Some(0.75), Some(5.0)), "{second:#}");
        assert_eq!(server["latency_ms_p50"], 1, "the median interpolated inside (1, 2] ms, printed as an integer");
        assert!(second["deployments"][0]["success"].is_null(), "the client received nothing");
        assert_eq!(
            second["edges"],
            json!([{
                "from": { "namespace": "default", "name": "client" },
                "to": { "namespace": "default", "name": "server" },
                "rps": 5.0,
                "success": 0.75,
                "mtls": true,
                "server_ids": [SERVER_ID],
            }])
        );
        assert_eq!(
            second["history"],
            json!([{ "unix_ms": 5_000, "latency_ms": { "default/server": [1.5, 1.95, 1.99] } }])
        );
    }

    /// A source whose proxy did not answer keeps its row, without figures.
    #[test]
    fn unreachable_proxies_leave_rows_without_figures() {
        let sources = [source("server", "gone:4191")];
        let mut board = Board::new(Duration::from_secs(2), Duration::from_secs(60));
        let start = Instant::now();
        board.record(start, 1, &sources, HashMap::new(), &[]);
        let json = board.record(start + Duration::from_secs(2), 2, &sources, HashMap::new(), &[]);
        assert_eq!(json["deployments"][0]["name"], "server");
        assert!(json["deployments"][0]["rps"].is_null());
        assert_eq!(json["edges"], json!([]));
    }
}
