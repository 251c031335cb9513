//! What happened to each object, and the summary `inject` prints on stderr in `linkerd inject`'s
//! words: warnings for the pods it left alone, then one line per object
//! (`deployment "web" injected`, `service "web" skipped`).

use std::fmt::Write as _;

use super::decision::SkipReason;

/// What happened to one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Its pod template got the proxy.
    Injected,
    /// Left as it was: not a workload (no reason), or a workload that must not be injected.
    Skipped(Option<SkipReason>),
    /// A Service given the opaque-ports annotation.
    Annotated,
}

/// One object's line in the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Its kind in lower case, as Linkerd prints it (empty when the document has none).
    pub kind: String,
    /// Its name (or generateName).
    pub name: String,
    /// What happened.
    pub outcome: Outcome,
}

/// The summary for `reports`, ending with a newline.
pub fn summary(reports: &[Report]) -> String {
    let mut out = String::new();
    for report in reports {
        if let Outcome::Skipped(Some(reason)) = &report.outcome {
            let _ = writeln!(out, "warning: {}/{}: {reason}", report.kind, report.name);
        }
    }
    if reports.iter().all(|r| r.outcome == Outcome::Skipped(None)) {
        out.push_str("warning: no supported objects found\n");
    }
    if !out.is_empty() {
        out.push('\n');
    }
    for report in reports {
        let verb = match report.outcome {
            Outcome::Injected => "injected",
            Outcome::Skipped(_) => "skipped",
            Outcome::Annotated => "annotated",
        };
        if report.kind.is_empty() {
            let _ = writeln!(out, "document missing \"kind\" field, {verb}");
        } else {
            let _ = writeln!(out, "{} {:?} {verb}", report.kind, report.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(kind: &str, name: &str, outcome: Outcome) -> Report {
        Report { kind: kind.into(), name: name.into(), outcome }
    }

    /// Linkerd's lines, warnings first.
    #[test]
    fn lines() {
        let text = summary(&[
            report("deployment", "web", Outcome::Injected),
            report("pod", "node-agent", Outcome::Skipped(Some(SkipReason::HostNetwork))),
            report("service", "web", Outcome::Skipped(None)),
            report("", "", Outcome::Skipped(None)),
        ]);
        assert_eq!(
            text,
            "warning: pod/node-agent: hostNetwork is enabled\n\ndeployment \"web\" injected\npod \"node-agent\" skipped\nservice \"web\" skipped\ndocument missing \"kind\" field, skipped\n"
        );
    }

    /// Nothing injectable is a warning of its own.
    #[test]
    fn nothing_injected() {
        let text = summary(&[report("service", "web", Outcome::Skipped(None))]);
        assert_eq!(text, "warning: no supported objects found\n\nservice \"web\" skipped\n");
    }
}
