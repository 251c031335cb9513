//! The drain after SIGTERM, in the order Kubernetes needs it.
//!
//! When a pod is deleted, the kubelet sends SIGTERM while kube-proxy, ingress controllers and load balancers
//! are still removing the pod's endpoints; for a moment new connections keep arriving. So a [`Lifecycle`]:
//! 1. fails readiness at once;
//! 2. keeps accepting for `delay` (`SHUTDOWN_DELAY`), while endpoints drop the pod;
//! 3. stops accepting, and gives in-flight work `grace` (`SHUTDOWN_GRACE`) to finish;
//! 4. cuts off whatever is left, then stops the admin listener (which kept serving `/readyz` 503 and
//!    `/metrics` throughout), and reports whether anything was cut off.
//!
//! Work is organised in two [`WorkGroup`]s, the app and the admin listener, each a cancellation token
//! ("stop taking new work") and a tokio-util task tracker (the work in flight).

use std::process::ExitCode;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use super::readiness::Readiness;

/// How long the admin listener may take to finish its last scrape once the app is done.
const ADMIN_CLOSE: Duration = Duration::from_secs(1);

/// The two waits of the drain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrainTimes {
    /// Keep accepting this long after SIGTERM (0: stop at once).
    pub delay: Duration,
    /// Then give in-flight work this long.
    pub grace: Duration,
}

/// Work that stops together: listeners stop accepting when [`WorkGroup::stopping`] resolves; every task
/// spawned with [`WorkGroup::spawn`] is waited for; those still running at the end of the grace period see
/// [`WorkGroup::cut_off`] resolve and should drop what they hold.
#[derive(Clone, Debug, Default)]
pub struct WorkGroup {
    stop: CancellationToken,
    cut: CancellationToken,
    tasks: TaskTracker,
}

impl WorkGroup {
    /// Resolves when no new work should be taken (a listener stops accepting).
    pub fn stopping(&self) -> WaitForCancellationFuture<'_> {
        self.stop.cancelled()
    }

    /// Whether [`WorkGroup::stopping`] has resolved.
    pub fn is_stopping(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Resolves when the grace period is over and unfinished work is abandoned.
    pub fn cut_off(&self) -> WaitForCancellationFuture<'_> {
        self.cut.cancelled()
    }

    /// Runs `work` as part of this group: the drain waits for it.
    pub fn spawn<F>(&self, work: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.spawn(work)
    }

    /// Tasks of this group still running.
    pub fn in_flight(&self) -> usize {
        self.tasks.len()
    }

    /// Stops taking work and waits up to `grace` (or until `hurry` fires) for what is in flight; cuts off
    /// the rest. Returns how many tasks were abandoned.
    async fn finish(&self, grace: Duration, hurry: &CancellationToken) -> usize {
        self.stop.cancel();
        self.tasks.close();
        tokio::select! {
            _ = self.tasks.wait() => return 0,
            _ = tokio::time::sleep(grace) => {}
            _ = hurry.cancelled() => {}
        }
        let abandoned = self.tasks.len();
        self.cut.cancel();
        abandoned
    }
}

/// How the drain ended; the process exit code follows from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drained {
    /// Every piece of in-flight work finished within the grace period.
    Clean,
    /// The grace period ran out (or a second signal came) with this many tasks still running.
    CutOff {
        /// App tasks (connections, requests, reconciles) abandoned.
        abandoned: usize,
    },
}

impl Drained {
    /// 0 for a clean drain, 1 when work was cut off, so an orchestrator can tell the two apart.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Drained::Clean => ExitCode::SUCCESS,
            Drained::CutOff { .. } => ExitCode::FAILURE,
        }
    }
}

/// A process's shutdown state: readiness, the app and admin work groups, and the drain that stops them.
/// Cheap to clone; every clone sees the same state.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    times: DrainTimes,
    readiness: Readiness,
    requested: CancellationToken,
    hurry: CancellationToken,
    app: WorkGroup,
    admin: WorkGroup,
}

impl Lifecycle {
    /// A lifecycle that drains with `times` once shutdown is requested.
    pub fn new(times: DrainTimes) -> Lifecycle {
        Lifecycle {
            times,
            readiness: Readiness::default(),
            requested: CancellationToken::new(),
            hurry: CancellationToken::new(),
            app: WorkGroup::default(),
            admin: WorkGroup::default(),
        }
    }

    /// What `/readyz` reports; binaries add gates to it.
    pub fn readiness(&self) -> &Readiness {
        &self.readiness
    }

    /// The app's listeners and work.
    pub fn app(&self) -> &WorkGroup {
        &self.app
    }

    /// The admin listener, stopped last.
    pub fn admin(&self) -> &WorkGroup {
        &self.admin
    }

    /// Starts the drain (SIGTERM, SIGINT, an admin `POST /shutdown`); later calls change nothing.
    pub fn request_shutdown(&self) {
        self.requested.cancel();
    }

    /// Resolves once shutdown has been requested, for background loops that have no listener.
    pub fn shutdown_requested(&self) -> WaitForCancellationFuture<'_> {
        self.requested.cancelled()
    }

    /// Skips what is left of the delay and the grace period (a second Ctrl-C).
    pub fn hurry(&self) {
        self.hurry.cancel();
    }

    /// Waits for a shutdown request, then drains in Kubernetes' order (see the module docs).
    pub async fn drain(&self) -> Drained {
        self.requested.cancelled().await;
        self.readiness.start_draining();
        let DrainTimes { delay, grace } = self.times;
        if !delay.is_zero() {
            info!(?delay, "shutdown requested: readiness fails; still accepting while endpoints drop this pod");
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.hurry.cancelled() => {}
            }
        }
        info!(?grace, in_flight = self.app.in_flight(), "shutdown: stopped accepting; draining in-flight work");
        let outcome = match self.app.finish(grace, &self.hurry).await {
            0 => {
                info!("shutdown: all in-flight work finished");
                Drained::Clean
            }
            abandoned => {
                warn!(?grace, abandoned, "shutdown: grace period over; cutting off unfinished work");
                Drained::CutOff { abandoned }
            }
        };
        self.admin.finish(ADMIN_CLOSE, &self.hurry).await;
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::readiness::ReadyStatus;

    fn times(delay_ms: u64, grace_ms: u64) -> DrainTimes {
        DrainTimes { delay: Duration::from_millis(delay_ms), grace: Duration::from_millis(grace_ms) }
    }

    /// Nothing happens before shutdown is requested.
    #[tokio::test(start_paused = true)]
    async fn drain_waits_for_a_request() {
        let lifecycle = Lifecycle::new(times(0, 1000));
        let drain = tokio::spawn({
            let lifecycle = lifecycle.clone();
            async move { lifecycle.drain().await }
        });
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(!drain.is_finished());
        assert_eq!(lifecycle.readiness().status(), ReadyStatus::Ready);
        assert!(!lifecycle.app().is_stopping());
        lifecycle.request_shutdown();
        assert_eq!(drain.await.ok(), Some(Drained::Clean));
    }

    /// Readiness fails at once, the app keeps accepting for the delay, then stops; idle means a clean drain.
    #[tokio::test(start_paused = true)]
    async fn readiness_fails_first_and_accepting_stops_after_the_delay() {
        let lifecycle = Lifecycle::new(times(1000, 5000));
        let started = tokio::time::Instant::now();
        lifecycle.request_shutdown();
        let drain = tokio::spawn({
            let lifecycle = lifecycle.clone();
            async move { lifecycle.drain().await }
        });
        tokio::task::yield_now().await;
        assert_eq!(lifecycle.readiness().status(), ReadyStatus::Draining);
        tokio::time::sleep(Duration::from_millis(999)).await;
        assert!(!lifecycle.app().is_stopping(), "stopped accepting before the delay was over");
        lifecycle.app().stopping().await;
        assert_eq!(started.elapsed(), Duration::from_millis(1000));
        assert_eq!(drain.await.ok(), Some(Drained::Clean));
    }

    /// Work that finishes within the grace period is waited for; the drain ends when it does.
    #[tokio::test(start_paused = true)]
    async fn in_flight_work_finishes_within_the_grace() {
        let lifecycle = Lifecycle::new(times(0, 5000));
        let work = lifecycle.app().spawn(async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            "done"
        });
        let started = tokio::time::Instant::now();
        lifecycle.request_shutdown();
        assert_eq!(lifecycle.drain().await, Drained::Clean);
        assert_eq!(started.elapsed(), Duration::from_millis(1500));
        assert_eq!(work.await.ok(), Some("done"));
    }

    /// Work that outlives the grace period is cut off and counted; the drain takes exactly the grace.
    #[tokio::test(start_paused = true)]
    async fn grace_bounds_the_drain() {
        let lifecycle = Lifecycle::new(times(0, 2000));
        let group = lifecycle.app().clone();
        let stuck = lifecycle.app().spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(3600)) => "finished",
                _ = group.cut_off() => "cut off",
            }
        });
        let started = tokio::time::Instant::now();
        lifecycle.request_shutdown();
        assert_eq!(lifecycle.drain().await, Drained::CutOff { abandoned: 1 });
        assert_eq!(started.elapsed(), Duration::from_millis(2000));
        assert_eq!(stuck.await.ok(), Some("cut off"));
        assert_eq!(Drained::CutOff { abandoned: 1 }.exit_code(), ExitCode::FAILURE);
    }

    /// A second signal skips the rest of the delay and the grace period.
    #[tokio::test(start_paused = true)]
    async fn hurry_skips_delay_and_grace() {
        let lifecycle = Lifecycle::new(times(10_000, 10_000));
        let _stuck = lifecycle.app().spawn(tokio::time::sleep(Duration::from_secs(3600)));
        lifecycle.request_shutdown();
        lifecycle.hurry();
        let started = tokio::time::Instant::now();
        assert_eq!(lifecycle.drain().await, Drained::CutOff { abandoned: 1 });
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    /// The admin group stops only after the app group is done.
    #[tokio::test(start_paused = true)]
    async fn admin_stops_after_the_app() {
        let lifecycle = Lifecycle::new(times(0, 5000));
        let _work = lifecycle.app().spawn(tokio::time::sleep(Duration::from_millis(300)));
        lifecycle.request_shutdown();
        let drain = tokio::spawn({
            let lifecycle = lifecycle.clone();
            async move { lifecycle.drain().await }
        });
        lifecycle.app().stopping().await;
        assert!(!lifecycle.admin().is_stopping(), "admin stopped while the app was still draining");
        lifecycle.admin().stopping().await;
        assert_eq!(drain.await.ok(), Some(Drained::Clean));
    }
}
