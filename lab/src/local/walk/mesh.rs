//! The mesh on this machine: `mini-proxy inject` over a manifest (as the walkthrough pipes `linkerd
//! inject`), the trust anchor every proxy's certificate is issued from, the objects `lab up` creates
//! beside the manifests (the trust roots ConfigMap, the speakers' memberlist key), and step 7.

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::kubelet::Machine;
use super::steps::{self, check};
use super::{LocalError, Running, cluster};
use crate::local::host::shell::{cmd, in_netns, run, run_with_input};
use crate::local::host::{HostError, cleanup};
use crate::local::plan::objects::Manifests;
use crate::local::plan::pods::{self, Pod};
use crate::local::plan::{Plan, mesh};

/// `cat OBJECT.yaml | mini-proxy inject -`: the object meshed (unchanged when it already is).
pub fn inject(machine: &Machine, object: &Value) -> Result<Value, LocalError> {
    let text = serde_saphyr::to_string(object).map_err(|e| {
        LocalError::Plan(format!("cannot write {} as YAML: {e}", crate::local::plan::objects::name(object)))
    })?;
    let program = machine.bin_dir.join("mini-proxy").display().to_string();
    let injected = run_with_input(&cmd(&program, ["inject", "-"]), Some(&text))?;
    serde_saphyr::from_str(&injected)
        .map_err(|e| LocalError::Plan(format!("mini-proxy inject printed what is not one object ({e}):\n{injected}")))
}

/// Makes the trust anchor (with the first certificate, the default ServiceAccount's) and adds what `lab
/// up` creates to the manifests; returns the anchor's subject line for the report.
pub fn create_objects(machine: &Machine, manifests: &mut Manifests) -> Result<String, LocalError> {
    let ca = machine.mesh_ca();
    let first = ca.join("default.default");
    let (ca_text, first_text) = (ca.display().to_string(), first.display().to_string());
    let program = machine.bin_dir.join("mini-proxy").display().to_string();
    let args = ["identity", "issue", "--ca-dir", &ca_text, "--service-account", "default", "--namespace", "default"];
    let mut all = args.to_vec();
    all.extend(["--out", &first_text]);
    run(&cmd(&program, all))?;
    let anchor_file = ca.join("ca.crt");
    let anchor = fs::read_to_string(&anchor_file).map_err(HostError::file(&anchor_file))?;
    let key_file = "/dev/urandom";
    let mut key = [0u8; 96];
    use std::io::Read as _;
    fs::File::open(key_file).and_then(|mut f| f.read_exact(&mut key)).map_err(HostError::file(key_file))?;
    let created = mesh::created_objects(manifests, &crate::command::base64(&key), &anchor);
    manifests.objects.extend(created);
    Ok(anchor_file.display().to_string())
}

/// Step 7, the walkthrough's Service Mesh: the relabelled pod deleted (as the walkthrough deletes it
/// before meshing), the client pod `tmp-shell` injected and started, its requests to
/// `clusterip-service/host` looped while `mini-proxy stat` measures the app over a window, and the
/// app proxies' metrics showing the requests arrived over mutual TLS from the client's identity.
pub fn play(plan: &mut Plan, machine: &Machine, running: &mut Running, relabelled: &str) -> Result<(), LocalError> {
    println!(
        "# the proxies' identities: certificates for each pod's ServiceAccount from one trust anchor, minted with \
              `mini-proxy identity issue` (the identity service, `mini-proxy identity serve`, needs the Kubernetes \
              API for TokenReview, its Secret and ConfigMap; lab local has none): the nearest real thing"
    );
    if let Some(index) = plan.placement.pods.iter().position(|p| p.name == relabelled) {
        println!("\n$ kubectl delete pods {relabelled}\npod \"{relabelled}\" deleted");
        let pod = plan.placement.pods.remove(index);
        running.phases.remove(&pod.name);
        cleanup::remove_all(&pod.netns(), Path::new("/nonexistent"));
        cluster::publish(plan, machine, &running.phases)?;
    }
    let client = inject(machine, &mesh::client_pod("lab/dnsutils:dev"))?;
    println!(
        "\n$ kubectl run {0} --image lab/dnsutils:dev -o yaml --dry-run=client -- sleep infinity | mini-proxy inject - | kubectl apply -f -\npod/{0} created",
        mesh::CLIENT
    );
    let pod = pods::bare_pod(&client, &plan.topology, &plan.placement)?;
    plan.placement.pods.push(pod.clone());
    running.start(plan, machine, std::iter::once(&pod))?;
    let apps: Vec<Pod> = plan.pods_of("Deployment", "app").into_iter().cloned().collect();
    print!("{}", steps::pods_table_of(plan, apps.iter().chain(std::iter::once(&pod))));

    println!(
        "\n$ kubectl exec {0} -- sh -c 'while true; do wget -q -O- clusterip-service/host; sleep 0.1; done'\n# here: lab local runs dnsutils wget in {1} every 100 ms",
        mesh::CLIENT,
        pod.netns()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicUsize::new(0));
    let looping = {
        let (machine, pod, stop, count) = (machine.clone(), pod.clone(), stop.clone(), count.clone());
        thread::spawn(move || {
            let (mut answered, mut failed) = (0, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                match machine.exec(
                    &pod,
                    "dnsutils",
                    &["wget", "-q", "-O-", "-T", "2", "-t", "1", "clusterip-service/host"],
                ) {
                    Ok(answer) if answer.starts_with("NODE: ") => {
                        answered += 1;
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(answer) => failed.push(answer),
                    Err(error) => failed.push(error.to_string()),
                }
                thread::sleep(Duration::from_millis(100));
            }
            (answered, failed)
        })
    };
    // The window starts once the loop runs at its pace (the first connections through new proxies are slower).
    let warming = Instant::now();
    while count.load(Ordering::Relaxed) < 5 && warming.elapsed() < Duration::from_secs(15) {
        thread::sleep(Duration::from_millis(50));
    }
    println!("# the loop's first 5 answers took {} ms", warming.elapsed().as_millis());
    let node = plan.node(&pod.node).map(|n| n.netns()).unwrap_or_default();
    let state_file = machine.state_file().display().to_string();
    let program = machine.bin_dir.join("mini-proxy").display().to_string();
    println!(
        "\n$ linkerd viz stat deployments -n default\n# here: ip netns exec {node} mini-proxy stat deploy -n default -t 4s --from-file {state_file}"
    );
    let table =
        run(&in_netns(&node, &program, ["stat", "deploy", "-n", "default", "-t", "4s", "--from-file", &state_file]));
    stop.store(true, Ordering::Relaxed);
    let (answered, failed) = looping.join().map_err(|_| LocalError::Plan("the client's loop panicked".into()))?;
    let table = table?;
    print!("{table}");
    println!("# the client's loop: {answered} answers, {} failures", failed.len());
    check("7", "the client's loop", &failed.join("; "), failed.is_empty() && answered > 0, "every request answered")?;
    let row = table.lines().find(|l| l.split_whitespace().next() == Some("app")).unwrap_or_default();
    let meshed = format!("{0}/{0}", apps.len());
    let words: Vec<&str> = row.split_whitespace().collect();
    let ok = words.get(1) == Some(&meshed.as_str())
        && words.get(2) == Some(&"100.00%")
        && words.get(3).is_some_and(|rps| rps.ends_with("rps") && *rps != "0.0rps");
    check(
        "7",
        "mini-proxy stat deploy -n default",
        row,
        ok,
        format!("app {meshed} 100.00% with a rate and latencies"),
    )?;

    let app = apps.first().ok_or_else(|| LocalError::Plan("the app has no pods".into()))?;
    let url = format!("http://{}:4191/metrics", app.ip);
    println!(
        "\n$ linkerd diagnostics proxy-metrics -n default po/{} | grep 'response_total{{direction=\"inbound\"'\n# here: ip netns exec {node} dnsutils wget -q -O- {url}",
        app.name
    );
    let wget = machine.bin_dir.join("dnsutils").display().to_string();
    let metrics = run(&in_netns(&node, &wget, ["wget", "-q", "-O-", &url]))?;
    let identity = format!(
        "client_id=\"{}.{}.serviceaccount.identity.linkerd.cluster.local\"",
        mesh::service_account(&pod),
        pod.namespace
    );
    let mtls: Vec<&str> = metrics
        .lines()
        .filter(|l| {
            l.starts_with("response_total{")
                && l.contains("direction=\"inbound\"")
                && l.contains("tls=\"true\"")
                && l.contains(&identity)
        })
        .collect();
    for line in &mtls {
        println!("{line}");
    }
    check(
        "7",
        &format!("wget {url}"),
        &metrics.lines().filter(|l| l.starts_with("response_total{")).collect::<Vec<_>>().join("\n"),
        !mtls.is_empty(),
        format!("inbound responses with tls=\"true\" and {identity}"),
    )
}
