//! Every benchmark target the issues set, one entry each, and how a run's records meet it: the figure of
//! ours, the same-run peer beside it, their ratio, and a verdict. This list is the summary table of
//! docs/benchmarks.md and of the README.

use super::records::Records;

/// A figure a goal reads from the records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Figure {
    /// `measure` of `subject`, as recorded.
    Measured {
        /// Who was measured.
        subject: &'static str,
        /// What of it.
        measure: &'static str,
    },
    /// How much more `measure` of `subject` is than of `baseline` in the same run (latency a proxy
    /// pair adds over the direct path).
    Added {
        /// Who was measured.
        subject: &'static str,
        /// The path without it, measured in the same run.
        baseline: &'static str,
        /// What of both.
        measure: &'static str,
    },
}

/// What a goal asks of ours.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// At least this much, in ours' unit.
    AtLeast(f64),
    /// Less than this.
    Below(f64),
    /// No more than this.
    AtMost(f64),
    /// Ours divided by the peer at least this.
    RatioAtLeast(f64),
    /// Ours divided by the peer at most this.
    RatioAtMost(f64),
    /// Ours no more than the peer.
    NoMoreThanPeer,
    /// A yes/no figure (1 or 0) that must be yes.
    Yes,
}

/// One target of one component.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    /// The records' component (`go-web`, `mini-proxy`).
    pub component: &'static str,
    /// What is measured, in the issue's words.
    pub what: &'static str,
    /// The unit of ours and of the target (`count` and `bool` are not written out).
    pub unit: &'static str,
    /// Our figure.
    pub ours: Figure,
    /// The same-run peer, named, when the goal has one (a ratio needs one; an absolute target may show
    /// one for context).
    pub peer: Option<(&'static str, Figure)>,
    /// Every rule must hold.
    pub rules: &'static [Rule],
    /// The issue that set it.
    pub issue: u32,
}

/// How a run met a goal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every rule holds.
    Met,
    /// A rule does not hold.
    NotMet,
    /// A figure the goal needs is not in the records (its benchmark was not run, or failed).
    NotMeasured,
}

/// A goal read against a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The goal.
    pub goal: Goal,
    /// Ours and its unit.
    pub ours: Option<(f64, String)>,
    /// The peer's figure and unit.
    pub peer: Option<(f64, String)>,
    /// Whether the run met it.
    pub verdict: Verdict,
}

impl Outcome {
    /// Ours divided by the peer, when both were measured and the peer is not zero.
    pub fn ratio(&self) -> Option<f64> {
        match (&self.ours, &self.peer) {
            (Some((ours, _)), Some((peer, _))) if *peer != 0.0 => Some(ours / peer),
            _ => None,
        }
    }
}

const fn measured(subject: &'static str, measure: &'static str) -> Figure {
    Figure::Measured { subject, measure }
}

const fn added(subject: &'static str, measure: &'static str) -> Figure {
    Figure::Added { subject, baseline: "direct", measure }
}

/// The targets of issues #2 (go-web), #3 (dnsutils), #8 (cluster-dns), #9 (mini-lb) and #10 (mini-proxy),
/// in the report's order.
pub fn all() -> Vec<Goal> {
    use Rule::*;
    let goal =
        |component, what, unit, ours, peer, rules, issue| Goal { component, what, unit, ours, peer, rules, issue };
    vec![
        goal(
            "go-web",
            "`/host` throughput",
            "req/s",
            measured("go-web /host", "req/s"),
            Some(("nginx, 1 worker", measured("nginx", "req/s"))),
            &[AtLeast(110_000.0), RatioAtLeast(0.75)],
            2,
        ),
        goal(
            "go-web",
            "`/data` throughput (postgres)",
            "req/s",
            measured("go-web /data", "req/s"),
            None,
            &[AtLeast(10_000.0)],
            2,
        ),
        goal("go-web", "`/data` errors", "count", measured("go-web /data", "errors"), None, &[AtMost(0.0)], 2),
        goal(
            "go-web",
            "postgres connections held",
            "count",
            measured("go-web", "postgres connections"),
            Some(("pool size", measured("go-web", "pool size"))),
            &[NoMoreThanPeer],
            2,
        ),
        goal("go-web", "RSS under load", "MB", measured("go-web", "rss peak"), None, &[Below(20.0)], 2),
        goal(
            "dnsutils",
            "`host` wall time",
            "ms",
            measured("ours", "host wall"),
            Some(("BIND 9.18", measured("BIND", "host wall"))),
            &[RatioAtMost(0.5)],
            3,
        ),
        goal(
            "dnsutils",
            "`dig` wall time",
            "ms",
            measured("ours", "dig wall"),
            Some(("BIND 9.18", measured("BIND", "dig wall"))),
            &[RatioAtMost(0.5)],
            3,
        ),
        goal("dnsutils", "`host` output as BIND's", "bool", measured("ours", "host output identical"), None, &[Yes], 3),
        goal("dnsutils", "`dig` output as BIND's", "bool", measured("ours", "dig output identical"), None, &[Yes], 3),
        goal(
            "cluster-dns",
            "queries per second",
            "queries/s",
            measured("cluster-dns", "queries/s"),
            Some(("knotd", measured("knotd", "queries/s"))),
            &[AtLeast(60_000.0), RatioAtLeast(0.5)],
            8,
        ),
        goal(
            "cluster-dns",
            "RSS, 1,000 Services loaded",
            "MB",
            measured("cluster-dns", "rss loaded"),
            None,
            &[AtMost(30.0)],
            8,
        ),
        goal(
            "mini-lb",
            "failover, median",
            "ms",
            measured("mini-lb", "failover median"),
            Some(("keepalived, advert_int 1", measured("keepalived advert_int 1", "failover median"))),
            &[Below(500.0)],
            9,
        ),
        goal(
            "mini-lb",
            "failover, worst",
            "ms",
            measured("mini-lb", "failover max"),
            Some(("keepalived, advert_int 1", measured("keepalived advert_int 1", "failover max"))),
            &[Below(1000.0)],
            9,
        ),
        goal(
            "mini-lb",
            "false failovers, both cores busy",
            "count",
            measured("mini-lb", "false failovers"),
            None,
            &[AtMost(0.0)],
            9,
        ),
        goal(
            "mini-lb",
            "speaker RSS",
            "MB",
            measured("mini-lb", "speaker rss"),
            Some(("keepalived", measured("keepalived", "rss"))),
            &[Below(15.0)],
            9,
        ),
        goal(
            "mini-proxy",
            "mTLS pair throughput, 16 connections",
            "req/s",
            measured("mini-proxy pair", "req/s c16"),
            Some(("nginx pair", measured("nginx pair", "req/s c16"))),
            &[RatioAtLeast(1.2)],
            10,
        ),
        goal(
            "mini-proxy",
            "p50 added at 1k req/s",
            "ms",
            added("mini-proxy pair", "latency 1k@50"),
            Some(("nginx pair", added("nginx pair", "latency 1k@50"))),
            &[NoMoreThanPeer],
            10,
        ),
        goal(
            "mini-proxy",
            "p99 added at 1k req/s",
            "ms",
            added("mini-proxy pair", "latency 1k@99"),
            Some(("nginx pair", added("nginx pair", "latency 1k@99"))),
            &[NoMoreThanPeer],
            10,
        ),
        goal(
            "mini-proxy",
            "RSS per proxy at 1k req/s",
            "MB",
            measured("mini-proxy pair", "rss per proxy"),
            Some(("nginx pair", measured("nginx pair", "rss per proxy"))),
            &[AtMost(10.0)],
            10,
        ),
        goal("images", "go-web image", "MB", measured("lab/go-web", "size"), None, &[Below(20.0)], 2),
        goal("images", "dnsutils image", "MB", measured("lab/dnsutils", "size"), None, &[Below(10.0)], 3),
    ]
}

/// Reads `goal` against `records`.
pub fn judge(goal: &Goal, records: &Records) -> Outcome {
    let ours = read(records, goal.component, goal.ours);
    let peer = goal.peer.and_then(|(_, figure)| read(records, goal.component, figure));
    let needs_peer = goal
        .rules
        .iter()
        .any(|rule| matches!(rule, Rule::RatioAtLeast(_) | Rule::RatioAtMost(_) | Rule::NoMoreThanPeer));
    let verdict = match (&ours, &peer) {
        (None, _) => Verdict::NotMeasured,
        (Some(_), None) if needs_peer => Verdict::NotMeasured,
        (Some((ours, _)), peer) => {
            let peer = peer.as_ref().map(|(value, _)| *value);
            if goal.rules.iter().all(|rule| holds(*rule, *ours, peer)) { Verdict::Met } else { Verdict::NotMet }
        }
    };
    Outcome { goal: goal.clone(), ours, peer, verdict }
}

fn read(records: &Records, component: &str, figure: Figure) -> Option<(f64, String)> {
    match figure {
        Figure::Measured { subject, measure } => {
            records.find(component, subject, measure).map(|record| (record.value, record.unit.clone()))
        }
        Figure::Added { subject, baseline, measure } => {
            let of = records.find(component, subject, measure)?;
            let base = records.get(component, baseline, measure)?;
            Some((of.value - base, of.unit.clone()))
        }
    }
}

fn holds(rule: Rule, ours: f64, peer: Option<f64>) -> bool {
    let ratio = || peer.filter(|peer| *peer != 0.0).map(|peer| ours / peer);
    match rule {
        Rule::AtLeast(limit) => ours >= limit,
        Rule::Below(limit) => ours < limit,
        Rule::AtMost(limit) => ours <= limit,
        Rule::RatioAtLeast(limit) => ratio().is_some_and(|r| r >= limit),
        Rule::RatioAtMost(limit) => ratio().is_some_and(|r| r <= limit),
        Rule::NoMoreThanPeer => peer.is_some_and(|peer| ours <= peer),
        Rule::Yes => ours == 1.0,
    }
}

/// A rule as the summary table states it, in ours' unit.
pub fn describe(rule: Rule, unit: &str, peer: Option<&str>) -> String {
    let peer = peer.unwrap_or("the peer");
    let unit = match unit {
        "count" | "bool" => String::new(),
        unit => format!(" {unit}"),
    };
    match rule {
        Rule::AtLeast(limit) => format!("≥ {}{unit}", amount(limit)),
        Rule::Below(limit) => format!("< {}{unit}", amount(limit)),
        Rule::AtMost(limit) => format!("≤ {}{unit}", amount(limit)),
        Rule::RatioAtLeast(limit) => format!("≥ {limit}x {peer}"),
        Rule::RatioAtMost(limit) => format!("≤ {limit}x {peer}"),
        Rule::NoMoreThanPeer => format!("≤ {peer}"),
        Rule::Yes => "yes".to_string(),
    }
}

/// A limit as people write it: 110,000 rather than 110000.
fn amount(value: f64) -> String {
    if value.fract() != 0.0 {
        return value.to_string();
    }
    let digits = format!("{}", value.abs() as u64);
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0.0 { format!("-{grouped}") } else { grouped }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Records {
        Records::parse(&text.replace(" | ", "\t")).expect("valid")
    }

    fn goal(what: &str) -> Goal {
        all().into_iter().find(|goal| goal.what == what).expect("a goal")
    }

    /// A goal with an absolute target and a ratio is met only when both hold.
    #[test]
    fn every_rule_must_hold() {
        let host = goal("`/host` throughput");
        let run = records("go-web | go-web /host | req/s | 120000 | req/s\ngo-web | nginx | req/s | 150000 | req/s\n");
        let outcome = judge(&host, &run);
        assert_eq!((outcome.verdict, outcome.ratio()), (Verdict::Met, Some(0.8)));
        let slow_peer =
            records("go-web | go-web /host | req/s | 100000 | req/s\ngo-web | nginx | req/s | 110000 | req/s\n");
        assert_eq!(judge(&host, &slow_peer).verdict, Verdict::NotMet, "under 110k");
        let fast_peer =
            records("go-web | go-web /host | req/s | 120000 | req/s\ngo-web | nginx | req/s | 170000 | req/s\n");
        assert_eq!(judge(&host, &fast_peer).verdict, Verdict::NotMet, "under 0.75x");
    }

    /// Added latency is ours minus the direct path, set against the peer's, both from the same run.
    #[test]
    fn added_latency_against_the_peer() {
        let p99 = goal("p99 added at 1k req/s");
        let run = records(
            "mini-proxy | direct | latency 1k@99 | 0.6 | ms\n\
             mini-proxy | mini-proxy pair | latency 1k@99 | 1.0 | ms\n\
             mini-proxy | nginx pair | latency 1k@99 | 1.2 | ms\n",
        );
        let outcome = judge(&p99, &run);
        let (ours, peer) = (outcome.ours.clone().expect("ours").0, outcome.peer.clone().expect("peer").0);
        assert!((ours - 0.4).abs() < 1e-9 && (peer - 0.6).abs() < 1e-9, "{ours} {peer}");
        assert_eq!(outcome.verdict, Verdict::Met);
        let worse = records(
            "mini-proxy | direct | latency 1k@99 | 0.6 | ms\n\
             mini-proxy | mini-proxy pair | latency 1k@99 | 1.3 | ms\n\
             mini-proxy | nginx pair | latency 1k@99 | 1.2 | ms\n",
        );
        assert_eq!(judge(&p99, &worse).verdict, Verdict::NotMet);
    }

    /// A goal whose figures are missing (a benchmark not run, or a peer that failed) is "not measured",
    /// never met.
    #[test]
    fn missing_figures() {
        let run = records("mini-proxy | mini-proxy pair | req/s c16 | 18000 | req/s\n");
        assert_eq!(judge(&goal("mTLS pair throughput, 16 connections"), &run).verdict, Verdict::NotMeasured);
        assert_eq!(judge(&goal("speaker RSS"), &run).verdict, Verdict::NotMeasured);
        let rss_only = records("mini-lb | mini-lb | speaker rss | 10 | MB\n");
        assert_eq!(judge(&goal("speaker RSS"), &rss_only).verdict, Verdict::Met, "the peer is context only");
    }

    /// Yes/no figures and zero counts.
    #[test]
    fn yes_and_zero() {
        let run = records(
            "dnsutils | ours | host output identical | 1 | bool\ndnsutils | ours | dig output identical | 0 | bool\n",
        );
        assert_eq!(judge(&goal("`host` output as BIND's"), &run).verdict, Verdict::Met);
        assert_eq!(judge(&goal("`dig` output as BIND's"), &run).verdict, Verdict::NotMet);
        let errors = records("go-web | go-web /data | errors | 3 | count\n");
        assert_eq!(judge(&goal("`/data` errors"), &errors).verdict, Verdict::NotMet);
    }

    /// Targets read as the issues wrote them.
    #[test]
    fn descriptions() {
        assert_eq!(describe(Rule::AtLeast(110_000.0), "req/s", None), "≥ 110,000 req/s");
        assert_eq!(describe(Rule::RatioAtLeast(1.2), "req/s", Some("nginx pair")), "≥ 1.2x nginx pair");
        assert_eq!(describe(Rule::Below(0.5), "s", None), "< 0.5 s");
        assert_eq!(describe(Rule::NoMoreThanPeer, "ms", Some("nginx pair")), "≤ nginx pair");
        assert_eq!(describe(Rule::AtMost(0.0), "count", None), "≤ 0");
    }

    /// Every goal names a component, and a ratio or comparison always has a peer to read.
    #[test]
    fn goals_are_well_formed() {
        for goal in all() {
            let compares = goal
                .rules
                .iter()
                .any(|r| matches!(r, Rule::RatioAtLeast(_) | Rule::RatioAtMost(_) | Rule::NoMoreThanPeer));
            assert!(!compares || goal.peer.is_some(), "{} compares without a peer", goal.what);
            assert!(!goal.rules.is_empty(), "{} has no rule", goal.what);
        }
    }
}
