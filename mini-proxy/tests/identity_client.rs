//! The identity client's schedule on tokio's paused clock: when it certifies, what a failure keeps,
//! and when readiness opens and closes. Each certify is scripted (a real certificate from a real CA, or
//! a failure) and records the moment it was called and what the proxy held then.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use mini_proxy::identity::client::{CertifyError, maintain};
use mini_proxy::identity::issue::{ANCHOR_LIFETIME, Authority};
use mini_proxy::identity::{Credentials, CurrentCredentials, Identity};
use server_runtime::{Readiness, ReadyStatus};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const WEB: &str = "web.default.serviceaccount.identity.linkerd.cluster.local";

/// What one scripted certify returns: a certificate valid for this long, or a failure.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    Issue(Duration),
    Fail,
}

/// What the proxy held when a certify was called.
#[derive(Debug)]
struct Call {
    /// Seconds since the start of the test (tokio's clock).
    at: f64,
    ready: bool,
    held: Option<SystemTime>,
}

/// Runs `maintain` over `script` until it is used up; returns every call.
async fn run(script: &[Outcome]) -> Vec<Call> {
    let anchor = Arc::new(Authority::new_anchor("cluster.local", ANCHOR_LIFETIME).expect("anchor"));
    let identity = Identity::parse(WEB).expect("identity");
    let readiness = Readiness::default();
    let gate = readiness.gate("identity");
    let current = CurrentCredentials::default();
    let shutdown = CancellationToken::new();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
    let start = Instant::now();
    let certify = {
        let (current, shutdown, calls) = (current.clone(), shutdown.clone(), calls.clone());
        move || {
            let call = Call {
                at: start.elapsed().as_secs_f64(),
                ready: readiness.status() == ReadyStatus::Ready,
                held: current.load().as_ref().map(|c| c.not_after),
            };
            calls.lock().expect("calls").push(call);
            let next = script.lock().expect("script").pop_front();
            let outcome = match next {
                Some(Outcome::Issue(life)) => Ok(issue(&anchor, &identity, life)),
                Some(Outcome::Fail) | None => {
                    if next.is_none() {
                        shutdown.cancel();
                    }
                    Err(CertifyError::Connect { addr: "identity:8080".into(), reason: "scripted failure".into() })
                }
            };
            std::future::ready(outcome)
        }
    };
    maintain(certify, current, gate, shutdown).await;
    Arc::try_unwrap(calls).expect("maintain has returned").into_inner().expect("calls")
}

fn issue(anchor: &Authority, identity: &Identity, life: Duration) -> Credentials {
    let now = SystemTime::now();
    let leaf = anchor.issue_between(identity, now - Duration::from_secs(20), now + life).expect("leaf");
    Credentials::from_pem(
        leaf.cert_pem.as_bytes(),
        leaf.key_pem.as_bytes(),
        anchor.minted.cert_pem.as_bytes(),
        Some(identity),
    )
    .expect("credentials")
}

fn assert_times(calls: &[Call], expected: &[f64]) {
    let times: Vec<f64> = calls.iter().map(|c| c.at).collect();
    assert_eq!(times.len(), expected.len(), "{calls:#?}");
    for (got, want) in times.iter().zip(expected) {
        // Certificates hold whole seconds, so a "100 s" leaf has 99 to 100 s left when it arrives, and
        // the schedule's steps are fractions of that: up to 1.6 s off by the sixth call. Any other
        // schedule (a retry at the 10 s floor, or a new 70 % of the full life) is 10 s or more away.
        assert!((got - want).abs() <= 2.0, "calls at {times:?}, expected {expected:?}");
    }
}

/// With a 100 s certificate: renewal at 70 s; failures keep it and retry at 70 % of what is left of
/// it (21 s later), then at the 10 s floor; once it has run out readiness closes and the next try is
/// 10 s later; a new (200 s) certificate reopens readiness and is renewed at 70 % of its life.
#[tokio::test(start_paused = true)]
async fn failed_renewals_keep_the_certificate_and_retry_as_linkerd() {
    use Outcome::{Fail, Issue};
    let calls = run(&[Issue(Duration::from_secs(100)), Fail, Fail, Fail, Issue(Duration::from_secs(200))]).await;
    assert_times(&calls, &[0.0, 70.0, 91.0, 101.0, 111.0, 251.0]);
    let ready: Vec<bool> = calls.iter().map(|c| c.ready).collect();
    assert_eq!(ready, [false, true, true, true, false, true], "{calls:#?}");
    let first = calls[1].held.expect("the first certificate is held");
    assert!(calls[2..5].iter().all(|c| c.held == Some(first)), "failures keep the certificate: {calls:#?}");
    assert!(calls[5].held.is_some_and(|held| held > first), "the new certificate replaced it");
}

/// Before any certificate, a failed certify is retried every 10 s and readiness stays closed.
#[tokio::test(start_paused = true)]
async fn first_certify_is_retried_every_ten_seconds() {
    use Outcome::{Fail, Issue};
    let calls = run(&[Fail, Fail, Issue(Duration::from_secs(24 * 3600))]).await;
    assert_times(&calls, &[0.0, 10.0, 20.0, 20.0 + 0.7 * 24.0 * 3600.0]);
    let ready: Vec<bool> = calls.iter().map(|c| c.ready).collect();
    assert_eq!(ready, [false, false, false, true]);
}

/// A leaf longer than 34 h is still renewed within 24 h, Linkerd's longest refresh.
#[tokio::test(start_paused = true)]
async fn renewal_is_at_most_a_day_away() {
    let calls = run(&[Outcome::Issue(Duration::from_secs(10 * 24 * 3600))]).await;
    assert_times(&calls, &[0.0, 24.0 * 3600.0]);
}
