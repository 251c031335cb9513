//! docs/benchmarks.md from a run's records and the sections its scripts wrote: the summary table (every
//! goal, ours against the same-run peer, met or not), the charts, then each component's own section with
//! its commands and full tables. Pure: the caller reads and writes the files.

use super::charts::{self, Bar, ChartError, Series};
use super::goals::{self, Outcome, Verdict};
use super::records::Records;

/// The parts in the report's order: each measured on this machine by its script (`lab local bench`),
/// then `kind`, measured in a cluster by `lab bench`.
pub const COMPONENTS: [&str; 7] = ["go-web", "dnsutils", "cluster-dns", "mini-lb", "mini-proxy", "images", "kind"];
/// The report's last section, `docs/bench/changes.md`: written by hand, never by a run. Before-and-after
/// comparisons of a change, each with the command that measured it, which no part's run repeats.
pub const CHANGES: &str = "changes";

/// A chart of the report: its file under docs/bench/ and its SVG.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// Its file name under docs/bench/.
    pub file: String,
    /// Its title, also the image's alternative text.
    pub title: String,
    /// The drawing.
    pub svg: String,
}

/// One component's section, as its script printed it.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// The part it measures.
    pub component: String,
    /// What the script printed.
    pub markdown: String,
}

/// Every goal read against `records`, in the goals' order.
pub fn outcomes(records: &Records) -> Vec<Outcome> {
    goals::all().iter().map(|goal| goals::judge(goal, records)).collect()
}

/// The summary table in markdown: one row per goal.
pub fn summary_table(outcomes: &[Outcome]) -> String {
    let mut table = String::from("| part | measure | ours | same-run peer | ours / peer | target | met |\n");
    table.push_str("|---|---|---:|---:|---:|---|---|\n");
    for outcome in outcomes {
        let goal = &outcome.goal;
        let peer_name = goal.peer.map(|(name, _)| name);
        let target: Vec<String> = goal.rules.iter().map(|rule| goals::describe(*rule, goal.unit, peer_name)).collect();
        let peer = match (&outcome.peer, peer_name) {
            (Some((value, unit)), Some(name)) => format!("{} ({name})", shown(*value, unit)),
            (None, Some(name)) => format!("- ({name})"),
            _ => String::new(),
        };
        let verdict = match outcome.verdict {
            Verdict::Met => "yes",
            Verdict::NotMet => "**no**",
            Verdict::NotMeasured => "not measured",
        };
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} (#{}) | {} |\n",
            goal.component,
            goal.what,
            outcome.ours.as_ref().map(|(value, unit)| shown(*value, unit)).unwrap_or_else(|| "-".to_string()),
            peer,
            outcome.ratio().map(|r| format!("{r:.2}x")).unwrap_or_default(),
            target.join(" and "),
            goal.issue,
            verdict,
        ));
    }
    table
}

/// The whole of docs/benchmarks.md; `charts` are linked from docs/bench/.
pub fn document(records: &Records, sections: &[Section], charts: &[Chart]) -> String {
    let outcomes = outcomes(records);
    let met = outcomes.iter().filter(|o| o.verdict == Verdict::Met).count();
    let measured = outcomes.iter().filter(|o| o.verdict != Verdict::NotMeasured).count();
    let mut text = String::from(
        "# Benchmarks\n\n\
         Every figure here was measured on this project's machines (2 cores, 24 GiB; the load generator shares\n\
         the cores with the servers) by `lab local bench`, which runs each part's benchmark script with its peers\n\
         in the same run and writes this file, the charts in `docs/bench/` and the README's summary. Absolute\n\
         numbers drift between runs and machines; every ratio is against a peer measured in the same run, and\n\
         each section below says when it was measured and with which command. `lab local bench --only PART`\n\
         re-measures one part and keeps the others' last figures (`docs/bench/PART.tsv` holds each part's\n\
         records).\n\n## Summary\n\n",
    );
    text.push_str(&format!("{met} of {measured} measured targets met.\n\n"));
    text.push_str(&summary_table(&outcomes));
    if !charts.is_empty() {
        text.push_str("\n## Charts\n\n");
        for chart in charts {
            text.push_str(&format!("![{}](bench/{})\n\n", chart.title, chart.file));
        }
    }
    for component in COMPONENTS.iter().chain([&CHANGES]) {
        for section in sections.iter().filter(|s| s.component == *component) {
            text.push('\n');
            text.push_str(section.markdown.trim_end());
            text.push('\n');
        }
    }
    text
}

/// Replaces what lies between `start` and `end` in `text` (the README's summary), markers kept; `None`
/// when the markers are absent or out of order.
pub fn replace_between(text: &str, start: &str, end: &str, with: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some(format!("{}\n{}\n{}", &text[..from], with.trim_end(), &text[to..]))
}

/// A figure drawn as a bar: its component, subject, measure, and the bar's label.
type Pick = (&'static str, &'static str, &'static str, &'static str);

/// The bar charts: file, title, unit, and the figures, ours and the peers of each part side by side.
const BAR_CHARTS: [(&str, &str, &str, &[Pick]); 4] = [
    (
        "throughput.svg",
        "Throughput, ours (blue) and the same-run peers",
        "per second",
        &[
            ("go-web", "go-web /host", "req/s", "go-web /host (req/s)"),
            ("go-web", "nginx", "req/s", "nginx, same body (req/s)"),
            ("go-web", "go-web /data", "req/s", "go-web /data (req/s)"),
            ("cluster-dns", "cluster-dns", "queries/s", "cluster-dns (queries/s)"),
            ("cluster-dns", "knotd", "queries/s", "knotd (queries/s)"),
            ("mini-proxy", "mini-proxy pair", "req/s c16", "mini-proxy pair, c16 (req/s)"),
            ("mini-proxy", "nginx pair", "req/s c16", "nginx pair, c16 (req/s)"),
            ("mini-proxy", "haproxy pair", "req/s c16", "haproxy pair, c16 (req/s)"),
        ],
    ),
    (
        "memory.svg",
        "Resident memory (RSS)",
        "MB",
        &[
            ("go-web", "go-web", "rss peak", "go-web under load"),
            ("cluster-dns", "cluster-dns", "rss loaded", "cluster-dns, 1,000 Services"),
            ("cluster-dns", "knotd", "rss after", "knotd, same zone"),
            ("mini-lb", "mini-lb", "speaker rss", "mini-lb speaker"),
            ("mini-lb", "keepalived", "rss", "keepalived"),
            ("mini-proxy", "mini-proxy pair", "rss per proxy", "mini-proxy, per proxy"),
            ("mini-proxy", "nginx pair", "rss per proxy", "nginx, per proxy"),
            ("mini-proxy", "haproxy pair", "rss per proxy", "haproxy, per proxy"),
        ],
    ),
    (
        "dnsutils.svg",
        "dnsutils: wall time per invocation",
        "ms",
        &[
            ("dnsutils", "ours", "host wall", "our host"),
            ("dnsutils", "BIND", "host wall", "BIND host"),
            ("dnsutils", "ours", "dig wall", "our dig"),
            ("dnsutils", "BIND", "dig wall", "BIND dig"),
        ],
    ),
    (
        "kind-dns.svg",
        "On kind: DNS queries per second from a pod",
        "queries per second",
        &[
            ("kind", "cluster-dns", "queries/s", "cluster-dns (kube-dns)"),
            ("kind", "CoreDNS", "queries/s", "CoreDNS (coredns-upstream)"),
        ],
    ),
];

/// Every chart the records have figures for.
pub fn charts(records: &Records) -> Result<Vec<Chart>, ChartError> {
    let mut charts = Vec::new();
    let mut add = |file: &str, title: &str, svg: Result<String, ChartError>| -> Result<(), ChartError> {
        charts.push(Chart { file: file.to_string(), title: title.to_string(), svg: svg? });
        Ok(())
    };
    for (file, title, unit, picks) in BAR_CHARTS {
        let bars = bars_of(records, picks);
        if !bars.is_empty() {
            add(file, title, charts::bars(title, unit, &bars))?;
        }
    }
    for (file, title, component, name, subjects) in [
        (
            "latency-go-web.svg",
            "go-web: latency distribution under wrk -c50",
            "go-web",
            "latency",
            &["go-web /host", "nginx", "go-web /data"][..],
        ),
        (
            "latency-mini-proxy.svg",
            "mini-proxy: latency at 1,000 req/s, two hops with mutual TLS",
            "mini-proxy",
            "latency 1k",
            &["direct", "mini-proxy pair", "nginx pair", "haproxy pair"][..],
        ),
    ] {
        let (series, names) = percentile_series(records, component, name, subjects);
        if !series.is_empty() {
            add(file, title, charts::lines(title, "percentile", "ms (log scale)", &series, Some(&names)))?;
        }
    }
    let failover_subjects = ["mini-lb", "keepalived VRRPv3 advert_int 0.1", "keepalived advert_int 1"];
    for (file, title, component, subjects) in [
        ("failover.svg", "mini-lb: outage per failover trial", "mini-lb", &failover_subjects[..]),
        (
            "kind-failover.svg",
            "On kind: outage per failover trial (announcing node frozen)",
            "kind",
            &["mini-lb", "MetalLB"][..],
        ),
    ] {
        let trials = series_of(records, component, "failover", subjects);
        if !trials.is_empty() {
            add(file, title, charts::lines(title, "trial", "ms (log scale)", &trials, None))?;
        }
    }
    let answered = series_of(records, "mini-lb", "answered by", &failover_subjects[..2]);
    if !answered.is_empty() {
        let title = "One failover up close: the node that answered each request";
        add(
            "failover-timeline.svg",
            title,
            charts::timeline(title, "ms since the owner's link was cut", &answered, 0.0),
        )?;
    }
    Ok(charts)
}

/// Ours are the subjects named for our parts; everything else is a peer.
fn is_ours(subject: &str) -> bool {
    ["go-web", "cluster-dns", "mini-lb", "mini-proxy", "ours", "lab/"].iter().any(|ours| subject.starts_with(ours))
}

fn bars_of(records: &Records, picks: &[Pick]) -> Vec<Bar> {
    picks
        .iter()
        .filter_map(|(component, subject, measure, label)| {
            let value = records.get(component, subject, measure)?;
            Some(Bar { label: label.to_string(), value, ours: is_ours(subject) })
        })
        .collect()
}

fn series_of(records: &Records, component: &str, name: &str, subjects: &[&str]) -> Vec<Series> {
    subjects
        .iter()
        .map(|subject| Series {
            name: subject.to_string(),
            points: records.series(component, subject, name),
            ours: is_ours(subject),
        })
        .filter(|series| !series.points.is_empty())
        .collect()
}

/// Percentile series drawn at even spacing (p10, p50, p99, p99.9 would crowd at the right on a linear
/// axis): every x any subject has becomes one position, named `pX`.
fn percentile_series(records: &Records, component: &str, name: &str, subjects: &[&str]) -> (Vec<Series>, Vec<String>) {
    let series = series_of(records, component, name, subjects);
    let mut xs: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|(x, _)| *x)).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let position = |x: f64| xs.iter().position(|p| *p == x).unwrap_or(0) as f64;
    let spaced = series
        .into_iter()
        .map(|s| Series { points: s.points.iter().map(|(x, y)| (position(*x), *y)).collect(), ..s })
        .collect();
    (spaced, xs.iter().map(|x| format!("p{x}")).collect())
}

/// A figure with its unit, as the summary shows it.
fn shown(value: f64, unit: &str) -> String {
    match unit {
        "bool" => (if value == 1.0 { "yes" } else { "no" }).to_string(),
        "count" => format!("{value}"),
        _ => format!("{} {unit}", charts::figure(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "go-web\tgo-web /host\treq/s\t101809.56\treq/s\n\
        go-web\tnginx\treq/s\t83072.24\treq/s\n\
        go-web\tgo-web /host\tlatency@50\t0.249\tms\n\
        go-web\tgo-web /host\tlatency@99\t4.37\tms\n\
        go-web\tnginx\tlatency@50\t0.471\tms\n\
        go-web\tnginx\tlatency@99\t4.13\tms\n\
        go-web\tgo-web\trss peak\t6\tMB\n\
        mini-lb\tmini-lb\tfailover@1\t408\tms\n\
        mini-lb\tmini-lb\tfailover@2\t390\tms\n\
        mini-lb\tkeepalived advert_int 1\tfailover@1\t3094\tms\n\
        mini-lb\tmini-lb\tanswered by@-20\t1\tnode\n\
        mini-lb\tmini-lb\tanswered by@0\t0\tnode\n\
        mini-lb\tmini-lb\tanswered by@400\t2\tnode\n";

    /// The summary has a row per goal: measured ones with ours, the peer, the ratio and a verdict, the
    /// rest marked not measured.
    #[test]
    fn summary_rows() {
        let records = Records::parse(RUN).expect("valid");
        let table = summary_table(&outcomes(&records));
        assert!(
            table.contains("| go-web | `/host` throughput | 101.8k req/s | 83.1k req/s (nginx, 1 worker) | 1.23x | ≥ 110,000 req/s and ≥ 0.75x nginx, 1 worker (#2) | **no** |"),
            "{table}"
        );
        assert!(table.contains("| go-web | RSS under load | 6 MB |  |  | < 20 MB (#2) | yes |"), "{table}");
        assert!(
            table.contains("| mini-proxy | mTLS pair throughput, 16 connections | - | - (nginx pair) |  |"),
            "{table}"
        );
        assert_eq!(table.lines().count(), 2 + goals::all().len());
    }

    /// The document counts the targets met, links every chart and keeps each section in the parts' order.
    #[test]
    fn document_layout() {
        let records = Records::parse(RUN).expect("valid");
        let charts = charts(&records).expect("drawn");
        let files: Vec<&str> = charts.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(
            files,
            ["throughput.svg", "memory.svg", "latency-go-web.svg", "failover.svg", "failover-timeline.svg"]
        );
        let sections = [
            Section { component: "mini-lb".into(), markdown: "## mini-lb\n\nfailover\n".into() },
            Section { component: "go-web".into(), markdown: "## go-web\n\nhost\n".into() },
            Section { component: CHANGES.into(), markdown: "## Measured changes\n\nbefore, after\n".into() },
        ];
        let text = document(&records, &sections, &charts);
        assert!(text.contains("1 of 2 measured targets met."), "{text}");
        assert!(text.contains("![mini-lb: outage per failover trial](bench/failover.svg)"));
        assert!(text.find("## go-web").expect("go-web") < text.find("## mini-lb").expect("mini-lb"));
        assert!(text.find("## mini-lb").expect("mini-lb") < text.find("## Measured changes").expect("changes"));
    }

    /// The README's summary is replaced between its markers and nowhere else.
    #[test]
    fn readme_markers() {
        let readme = "intro\n<!-- summary -->\nold\n<!-- /summary -->\nrest\n";
        let new = replace_between(readme, "<!-- summary -->", "<!-- /summary -->", "| new |\n").expect("markers");
        assert_eq!(new, "intro\n<!-- summary -->\n| new |\n<!-- /summary -->\nrest\n");
        assert_eq!(replace_between("no markers", "<!-- summary -->", "<!-- /summary -->", "x"), None);
    }
}
