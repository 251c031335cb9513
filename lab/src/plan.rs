//! What `lab up` and `lab down` do, as plain data: a list of steps, each a command (or a file to write)
//! with a title for the progress display and, for steps that must not repeat, the condition under which
//! it is skipped. Planning reads nothing and runs nothing, so `--dry-run` prints the plan itself and the
//! tests below check it in-process.
//!
//! Every kubectl command names the cluster's context (`--context kind-NAME`), so the runner never acts
//! on whatever cluster the user's kubeconfig happens to point at.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::command::Command;
use crate::images;

/// What a plan is made for.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The kind cluster's name.
    pub cluster: String,
    /// The image tag.
    pub tag: String,
    /// The Dockerfile's image targets.
    pub targets: Vec<String>,
}

impl Settings {
    /// The kubectl context kind writes for the cluster.
    pub fn context(&self) -> String {
        format!("kind-{}", self.cluster)
    }

    /// `kubectl --context kind-NAME ARGS...`.
    pub fn kubectl<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut all = vec!["--context".to_string(), self.context()];
        all.extend(args.into_iter().map(Into::into));
        Command::new("kubectl", all)
    }
}

/// When a step is skipped: only for steps that would fail or do harm the second time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Never.
    Never,
    /// When `kind get clusters` lists the cluster.
    IfClusterExists,
    /// When the Secret exists (`kubectl get secret`).
    IfSecretExists {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run a command; a non-zero exit stops the plan.
    Run(Command),
    /// Write a file (relative to the workspace root), creating its directory.
    Write {
        /// Where.
        path: PathBuf,
        /// What.
        contents: String,
    },
}

/// One step of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What it does, in the walkthrough's words where it has them.
    pub title: String,
    /// The command or file.
    pub action: Action,
    /// When it is skipped.
    pub skip: Skip,
}

impl Step {
    fn run(title: impl Into<String>, command: Command) -> Step {
        Step { title: title.into(), action: Action::Run(command), skip: Skip::Never }
    }

    fn unless(mut self, skip: Skip) -> Step {
        self.skip = skip;
        self
    }
}

/// How long `lab up` waits for each part to become ready.
const READY_TIMEOUT: &str = "--timeout=300s";

/// `lab up`: cluster, images, load, apply (CRDs first), the memberlist key, then wait for every part.
pub fn up(settings: &Settings) -> Vec<Step> {
    let mut steps = vec![
        Step::run(
            format!("create the kind cluster {:?} (one control plane, three workers)", settings.cluster),
            Command::new(
                "kind",
                [
                    "create",
                    "cluster",
                    "--name",
                    &settings.cluster,
                    "--config",
                    "deploy/kind/cluster.yaml",
                    "--wait",
                    "120s",
                ],
            ),
        )
        .unless(Skip::IfClusterExists),
        Step::run(
            "make the local base images the Dockerfile builds from",
            Command::new("scripts/base-images", [] as [&str; 0]),
        ),
    ];
    steps.extend(build_and_load(settings));
    steps.extend(prerequisites(settings));
    steps.extend(mesh_identity(settings));
    steps.extend(apply_lab(settings));
    steps.push(
        Step::run(
            "create the memberlist secret the speakers seal their gossip with",
            settings
                .kubectl([
                    "create",
                    "secret",
                    "generic",
                    "memberlist",
                    "--namespace",
                    "metallb-system",
                    "--from-file=secretkey=/dev/stdin",
                ])
                .reading_random_key(),
        )
        .unless(Skip::IfSecretExists { namespace: "metallb-system".into(), name: "memberlist".into() }),
    );
    steps.extend(wait_ready(settings));
    steps
}

/// Each image of the Dockerfile built once, then all of them loaded into the cluster's nodes at once.
fn build_and_load(settings: &Settings) -> Vec<Step> {
    let mut steps = Vec::new();
    let images: Vec<String> = settings.targets.iter().map(|target| images::image(target, &settings.tag)).collect();
    for (target, image) in settings.targets.iter().zip(&images) {
        steps.push(Step::run(
            format!("build {image}"),
            Command::new("docker", ["build", "--target", target, "-t", image, "."]),
        ));
    }
    let mut load = vec!["load".to_string(), "docker-image".to_string(), "--name".to_string(), settings.cluster.clone()];
    load.extend(images.iter().cloned());
    steps.push(Step::run("load the images into every kind node", Command::new("kind", load)));
    steps
}

/// What deploy/ needs in the cluster first: the CRDs its pool is made of, served, and the ingress
/// controller, answering.
fn prerequisites(settings: &Settings) -> Vec<Step> {
    vec![
        Step::run(
            "install the MetalLB CRDs first, so the lab's pool can be applied",
            settings.kubectl(["apply", "-k", "mini-lb/crds"]),
        ),
        Step::run(
            "wait until the API server serves them",
            settings.kubectl([
                "wait",
                "--for=condition=Established",
                "--timeout=60s",
                "-f",
                "mini-lb/crds/metallb.io.yaml",
            ]),
        ),
        Step::run(
            "deploy the NGINX ingress controller (ingress-nginx, upstream)",
            settings.kubectl(["apply", "-k", "deploy/overlays/upstream/ingress-nginx"]),
        ),
        // Its admission webhook checks every Ingress, so deploy/'s rules can only be applied once it answers.
        Step::run(
            "wait for the ingress controller, whose webhook admits the lab's Ingress rules",
            settings.kubectl([
                "wait",
                "--namespace",
                "ingress-nginx",
                "--for=condition=Ready",
                "pod",
                "--selector=app.kubernetes.io/component=controller",
                READY_TIMEOUT,
            ]),
        ),
    ]
}

/// The mesh's namespace for the control plane's objects.
const MESH_NAMESPACE: &str = "linkerd";
/// The issuer Secret `mini-proxy identity serve` reads.
const ISSUER_SECRET: &str = "linkerd-identity-issuer";
/// The namespace of the meshed app, whose proxies read the trust anchors from a ConfigMap there.
const MESHED_NAMESPACE: &str = "default";

/// The mesh's trust anchor and issuer, made in the CLI as `linkerd install` makes them, so the identity
/// service finds them at its start: `mini-proxy identity install` (from the image just built) prints the
/// issuer Secret and the trust-roots ConfigMaps (linkerd's, and the copy the app's proxies refer to, as
/// a pod can refer to no other namespace's ConfigMap), created before deploy/ is applied. Made once per
/// cluster: a new anchor would strand every proxy certified under the old one.
fn mesh_identity(settings: &Settings) -> Vec<Step> {
    let image = images::image("mini-proxy", &settings.tag);
    let install = Command::new(
        "docker",
        ["run", "--rm", &image, "identity", "install", "--trust-roots-namespace", MESHED_NAMESPACE],
    );
    vec![
        Step::run(
            format!("create the mesh's namespace {MESH_NAMESPACE}, where its issuer is kept"),
            settings.kubectl(["apply", "-f", "deploy/components/mesh/namespace.yaml"]),
        ),
        Step::run(
            format!(
                "make the mesh's trust anchor and issuer: secret {MESH_NAMESPACE}/{ISSUER_SECRET}, \
                 configmap linkerd-identity-trust-roots in {MESH_NAMESPACE} and {MESHED_NAMESPACE}"
            ),
            settings.kubectl(["create", "-f", "-"]).reading_output_of(install),
        )
        .unless(Skip::IfSecretExists { namespace: MESH_NAMESPACE.into(), name: ISSUER_SECRET.into() }),
    ]
}

/// Applying deploy/: directly at the default tag, else through an overlay that only retags our images.
fn apply_lab(settings: &Settings) -> Vec<Step> {
    let title = "deploy the lab: dnsutils, postgres, app (meshed), the Services, app2, Ingress rules, cluster-dns, mini-lb, \
                 the mesh's identity service";
    if settings.tag == "dev" {
        return vec![Step::run(title, settings.kubectl(["apply", "-k", "deploy"]))];
    }
    let dir = PathBuf::from("target/lab").join(format!("tag-{}", settings.tag));
    let mut contents = String::from(
        "# Written by `lab up --tag`: deploy/ with our images at another tag.\n\
         apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../../deploy\nimages:\n",
    );
    for target in &settings.targets {
        // Writing to a String cannot fail.
        let _ = write!(contents, "  - name: lab/{target}\n    newTag: \"{}\"\n", settings.tag);
    }
    vec![
        Step {
            title: format!("write an overlay of deploy/ with the images tagged {}", settings.tag),
            action: Action::Write { path: dir.join("kustomization.yaml"), contents },
            skip: Skip::Never,
        },
        Step::run(title, settings.kubectl(["apply", "-k", &dir.display().to_string()])),
    ]
}

/// Waiting for every part, in the order the walkthrough uses them.
fn wait_ready(settings: &Settings) -> Vec<Step> {
    let rollout = |namespace: &str, object: &str| {
        Step::run(
            format!("wait for {object} in {namespace}"),
            settings.kubectl(["rollout", "status", "--namespace", namespace, object, READY_TIMEOUT]),
        )
    };
    vec![
        rollout("kube-system", "deployment/cluster-dns"),
        rollout("metallb-system", "deployment/controller"),
        rollout("metallb-system", "daemonset/speaker"),
        // Before the app: its proxies are ready only once certified.
        rollout(MESH_NAMESPACE, "deployment/linkerd-identity"),
        rollout("default", "statefulset/postgres"),
        rollout("default", "deployment/app"),
        rollout("default", "deployment/app2"),
        Step::run(
            "wait for the dnsutils pod",
            settings.kubectl([
                "wait",
                "--namespace",
                "default",
                "--for=condition=Ready",
                "pod/dnsutils",
                READY_TIMEOUT,
            ]),
        ),
    ]
}

/// `lab bench`, before it measures: the load generators' image built and loaded, and the upstream
/// overlays it compares against (MetalLB v0.16.1 and kind's CoreDNS behind a second Service) applied
/// beside ours and ready. Run after `lab up`.
pub fn bench(settings: &Settings) -> Vec<Step> {
    let tools = format!("lab/bench-tools:{}", settings.tag);
    vec![
        Step::run(
            "make the local base images the Dockerfile builds from",
            Command::new("scripts/base-images", [] as [&str; 0]),
        ),
        Step::run(
            format!("build {tools} (dnsperf and curl from Debian)"),
            Command::new("docker", ["build", "-f", "docker/bench-tools.Dockerfile", "-t", &tools, "docker"]),
        ),
        Step::run(
            format!("load {tools} into the cluster"),
            Command::new("kind", ["load", "docker-image", "--name", &settings.cluster, &tools]),
        ),
        Step::run(
            "apply MetalLB v0.16.1 beside mini-lb (its own namespace, pool and loadBalancerClass)",
            settings.kubectl(["apply", "--server-side", "-k", "deploy/overlays/upstream/metallb"]),
        ),
        Step::run(
            "apply coredns-upstream, a second DNS Service over kind's CoreDNS",
            settings.kubectl(["apply", "-k", "deploy/overlays/upstream/coredns"]),
        ),
        Step::run(
            "wait for MetalLB's controller",
            settings.kubectl([
                "rollout",
                "status",
                "--namespace",
                "metallb-upstream",
                "deployment/controller",
                READY_TIMEOUT,
            ]),
        ),
        Step::run(
            "wait for MetalLB's speakers",
            settings.kubectl([
                "rollout",
                "status",
                "--namespace",
                "metallb-upstream",
                "daemonset/speaker",
                READY_TIMEOUT,
            ]),
        ),
        Step::run(
            "wait until MetalLB gives loadbalancer-service-metallb an address",
            settings.kubectl([
                "wait",
                "--namespace",
                "default",
                "--for=jsonpath={.status.loadBalancer.ingress}",
                "service/loadbalancer-service-metallb",
                READY_TIMEOUT,
            ]),
        ),
    ]
}

/// `lab down`: the walkthrough's clean-up.
pub fn down(settings: &Settings) -> Vec<Step> {
    vec![Step::run(
        format!("delete the kind cluster {:?}", settings.cluster),
        Command::new("kind", ["delete", "cluster", "--name", &settings.cluster]),
    )]
}

/// The plan as `--dry-run` prints it: a comment per step (with when it is skipped), then its command.
pub fn render(steps: &[Step]) -> String {
    let mut text = String::new();
    for (index, step) in steps.iter().enumerate() {
        let skip = match &step.skip {
            Skip::Never => String::new(),
            Skip::IfClusterExists => " (skipped when the cluster exists)".to_string(),
            Skip::IfSecretExists { namespace, name } => format!(" (skipped when secret {namespace}/{name} exists)"),
        };
        let _ = writeln!(text, "# [{}/{}] {}{skip}", index + 1, steps.len(), step.title);
        match &step.action {
            Action::Run(command) => {
                let _ = writeln!(text, "{command}");
            }
            Action::Write { path, contents } => {
                let _ = writeln!(
                    text,
                    "mkdir -p {} && cat > {} <<'EOF'",
                    path.parent().map_or(".".into(), |p| p.display().to_string()),
                    path.display()
                );
                text.push_str(contents);
                text.push_str("EOF\n");
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(tag: &str) -> Settings {
        Settings {
            cluster: "kind".into(),
            tag: tag.into(),
            targets: vec!["go-web".into(), "dnsutils".into(), "cluster-dns".into(), "mini-lb".into()],
        }
    }

    fn commands(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .filter_map(|step| match &step.action {
                Action::Run(command) => Some(command.to_string()),
                Action::Write { .. } => None,
            })
            .collect()
    }

    /// `up` creates the cluster from deploy/kind, builds each image once, loads them all in one `kind load`.
    #[test]
    fn up_builds_each_image_once_and_loads_them() {
        let steps = up(&settings("dev"));
        let lines = commands(&steps);
        assert_eq!(lines[0], "kind create cluster --name kind --config deploy/kind/cluster.yaml --wait 120s");
        assert_eq!(steps[0].skip, Skip::IfClusterExists);
        assert_eq!(lines[1], "scripts/base-images");
        assert_eq!(
            lines[2..6],
            [
                "docker build --target go-web -t lab/go-web:dev .",
                "docker build --target dnsutils -t lab/dnsutils:dev .",
                "docker build --target cluster-dns -t lab/cluster-dns:dev .",
                "docker build --target mini-lb -t lab/mini-lb:dev .",
            ]
        );
        assert_eq!(
            lines[6],
            "kind load docker-image --name kind lab/go-web:dev lab/dnsutils:dev lab/cluster-dns:dev lab/mini-lb:dev"
        );
        assert_eq!(lines.iter().filter(|line| line.starts_with("docker build")).count(), 4);
    }

    /// The CRDs are applied and established before deploy/, whose pool is one of their kinds; the key
    /// is created after deploy/ made its namespace, and only when absent.
    #[test]
    fn up_orders_crds_lab_and_secret() {
        let steps = up(&settings("dev"));
        let lines = commands(&steps);
        let position = |needle: &str| lines.iter().position(|line| line.contains(needle)).expect(needle);
        let lab = lines.iter().position(|line| line.ends_with("apply -k deploy")).expect("deploy/ applied");
        assert!(position("apply -k mini-lb/crds") < position("--for=condition=Established"));
        assert!(position("--for=condition=Established") < lab);
        assert!(lab < position("create secret generic memberlist"));
        let secret = steps.iter().find(|step| step.title.contains("memberlist")).expect("secret step");
        assert_eq!(secret.skip, Skip::IfSecretExists { namespace: "metallb-system".into(), name: "memberlist".into() });
        assert!(
            position("apply -k deploy/overlays/upstream/ingress-nginx")
                < position("--selector=app.kubernetes.io/component=controller")
        );
        assert!(position("--selector=app.kubernetes.io/component=controller") < lab);
    }

    /// The mesh's anchor and issuer are made by the image just built and created once, after its
    /// namespace and before deploy/ (whose identity service reads them), and waited for before the app.
    #[test]
    fn up_makes_the_mesh_identity_before_the_lab() {
        let settings = Settings { targets: vec!["mini-proxy".into()], ..settings("0.3.0") };
        let steps = up(&settings);
        let lines = commands(&steps);
        let position = |needle: &str| lines.iter().position(|line| line.contains(needle)).expect(needle);
        let install = "docker run --rm lab/mini-proxy:0.3.0 identity install --trust-roots-namespace default \
                       | kubectl --context kind-kind create -f -";
        assert!(position("docker build --target mini-proxy") < position(install));
        assert!(position("apply -f deploy/components/mesh/namespace.yaml") < position(install));
        assert!(position(install) < position("apply -k target/lab/tag-0.3.0"));
        assert!(position("deployment/linkerd-identity") < position("deployment/app "));
        let step = steps
            .iter()
            .find(|step| matches!(&step.action, Action::Run(command) if command.to_string() == install))
            .expect("the install step");
        assert_eq!(
            step.skip,
            Skip::IfSecretExists { namespace: "linkerd".into(), name: "linkerd-identity-issuer".into() }
        );
    }

    /// Every kubectl command names the lab's context, never the kubeconfig's current one.
    #[test]
    fn kubectl_always_names_the_context() {
        let steps = up(&Settings { cluster: "lab-2".into(), ..settings("dev") });
        for line in commands(&steps).iter().filter(|line| line.contains("kubectl")) {
            assert!(line.contains("kubectl --context kind-lab-2 "), "{line}");
        }
    }

    /// Another tag is applied through a written overlay that retags every image and nothing else.
    #[test]
    fn another_tag_goes_through_an_overlay() {
        let steps = up(&settings("0.2.0"));
        let write = steps
            .iter()
            .find_map(|step| match &step.action {
                Action::Write { path, contents } => Some((path.clone(), contents.clone())),
                Action::Run(_) => None,
            })
            .expect("an overlay is written");
        assert_eq!(write.0, PathBuf::from("target/lab/tag-0.2.0/kustomization.yaml"));
        assert!(write.1.contains("  - ../../../deploy\n"));
        assert_eq!(write.1.matches("newTag: \"0.2.0\"").count(), 4);
        assert!(commands(&steps).iter().any(|line| line.ends_with("apply -k target/lab/tag-0.2.0")));
        assert!(!commands(&steps).iter().any(|line| line.ends_with("apply -k deploy")));
    }

    /// `bench` builds and loads the tools image under the run's tag, applies the two upstream overlays
    /// it compares against, and waits for MetalLB to hand out its address before anything is measured.
    #[test]
    fn bench_prepares_the_upstream_peers() {
        let lines = commands(&bench(&settings("x1")));
        assert_eq!(
            lines[1..3],
            [
                "docker build -f docker/bench-tools.Dockerfile -t lab/bench-tools:x1 docker",
                "kind load docker-image --name kind lab/bench-tools:x1",
            ]
        );
        assert!(lines.contains(
            &"kubectl --context kind-kind apply --server-side -k deploy/overlays/upstream/metallb".to_string()
        ));
        assert!(lines.contains(&"kubectl --context kind-kind apply -k deploy/overlays/upstream/coredns".to_string()));
        assert!(lines.last().expect("steps").contains("wait --namespace default '--for=jsonpath={.status.loadBalancer.ingress}' service/loadbalancer-service-metallb"));
    }

    /// The dry run prints every step with its number, title, skip condition and exact command; the
    /// random key is shown as the pipe that makes it, never as a value.
    #[test]
    fn dry_run_text() {
        let text = render(&up(&settings("dev")));
        assert!(text.starts_with(
            "# [1/23] create the kind cluster \"kind\" (one control plane, three workers) (skipped when the cluster exists)\n\
             kind create cluster --name kind --config deploy/kind/cluster.yaml --wait 120s\n"
        ));
        assert!(text.contains(
            "head -c 96 /dev/urandom | base64 -w0 | kubectl --context kind-kind create secret generic memberlist \
             --namespace metallb-system --from-file=secretkey=/dev/stdin\n"
        ));
        assert_eq!(
            render(&down(&settings("dev"))),
            "# [1/1] delete the kind cluster \"kind\"\nkind delete cluster --name kind\n"
        );
        let overlay = render(&up(&settings("x1")));
        assert!(overlay.contains("mkdir -p target/lab/tag-x1 && cat > target/lab/tag-x1/kustomization.yaml <<'EOF'\n"));
    }
}
