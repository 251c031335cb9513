//! Step 5, the walkthrough's LoadBalancer with MetalLB: mini-lb's controller (a pod, reading and writing
//! the state file as it would the API) gives `loadbalancer-service` the pool's first address; a speaker
//! per node (host network: the node's namespace, answering ARP on its eth0) elects an owner over their
//! gossip, sealed with the memberlist key; kube-proxy's stand-in translates the address on whichever
//! node receives it. A client on the kind network (a namespace on the bridge, standing for a container
//! `docker run --network kind`) reaches it and, over repeated requests, different pods. Then the owner's
//! cable is cut: the address moves (the client's neighbour entry follows the new owner's gratuitous
//! ARP) and a request is answered again; both times are measured from the cut and printed. The cable is
//! then plugged back in, and the step ends once the node's pods answer from every other node.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::kubelet::Machine;
use super::steps::check;
use super::{LocalError, Running, cluster};
use crate::local::host::network;
use crate::local::host::shell::{cmd, in_netns, run};
use crate::local::plan::Plan;
use crate::local::plan::objects;
use crate::local::plan::topology::KIND_NETWORK;

/// The client's namespace on the kind network.
pub const CLIENT: &str = "lab-client";

/// The Service the walkthrough exposes.
const SERVICE: &str = "loadbalancer-service";

/// How many requests the client sends to see the endpoints' random choice.
const REQUESTS: usize = 8;

/// How long the controller, the election and the failover may take.
const BOUND: Duration = Duration::from_secs(10);

/// Plays the step; the lab is as before at the end (the cut cable plugged back in).
pub fn play(plan: &mut Plan, machine: &Machine, running: &mut Running) -> Result<(), LocalError> {
    let metallb: Vec<_> = plan.placement.pods.iter().filter(|p| p.namespace == "metallb-system").cloned().collect();
    if metallb.is_empty() {
        return Err(LocalError::Plan("the manifests have no mini-lb controller or speakers in metallb-system".into()));
    }
    running.start(plan, machine, metallb.iter())?;
    print!("{}", super::steps::pods_table_of(plan, metallb.iter()));
    let ip = wait_for_address(plan, machine)?;
    plan.service_status.insert(
        format!("default/{SERVICE}"),
        serde_json::json!({"loadBalancer": {"ingress": [{"ip": ip.to_string(), "ipMode": "VIP"}]}}),
    );
    cluster::publish(plan, machine, &running.phases)?;
    let cluster_ip = plan.cluster_ip("default", SERVICE).map(|ip| ip.to_string()).unwrap_or_default();
    println!(
        "\n$ kubectl get svc {SERVICE}\nNAME                   TYPE           CLUSTER-IP     EXTERNAL-IP      PORT(S)\n{SERVICE:<22} LoadBalancer   {cluster_ip:<14} {ip:<16} 80/TCP"
    );
    let want = first_pool_address(plan)?;
    check(
        "5",
        &format!("kubectl get svc {SERVICE}"),
        &ip.to_string(),
        ip == want,
        format!("{want}, the pool's first address"),
    )?;

    let client_ip = KIND_NETWORK.host(2 + u32::try_from(plan.topology.nodes.len()).unwrap_or(0));
    network::add_namespace(CLIENT)?;
    network::plug_into_switch(
        cluster::SWITCH,
        "br0",
        "client0",
        CLIENT,
        &format!("{client_ip}/{}", KIND_NETWORK.prefix),
    )?;
    println!("# a client on the kind network: {CLIENT}, eth0 {client_ip} on the bridge");
    settle(plan, machine, ip)?;
    let url = format!("http://{ip}/host");
    let answers = requests(plan, machine, &url, REQUESTS, |_| true)?;
    let owner = owner_of(plan, ip)?;
    println!(
        "# {REQUESTS} requests reached {} app pods; {ip} is at {owner}'s eth0 (the client's neighbour entry)",
        answers.len()
    );
    check(
        "5",
        &format!("{REQUESTS} requests to {url}"),
        &format!("{answers:?}"),
        answers.len() > 1,
        "more than one app pod",
    )?;

    let index = plan.topology.nodes.iter().position(|n| n.name == owner).unwrap_or_default();
    let port = format!("veth{index}");
    println!("\n# cut {owner}'s cable\n$ ip -n {} link set {port} down", cluster::SWITCH);
    let cut = Instant::now();
    network::ip(cluster::SWITCH, &["link", "set", &port, "down"])?;
    let moved = loop {
        let now = mac_of_neighbour(ip)?;
        if now.is_some_and(|mac| Some(mac) != node_mac(plan, &owner).ok()) {
            break cut.elapsed();
        }
        if cut.elapsed() > BOUND {
            return Err(LocalError::Check {
                step: "5".into(),
                command: format!("ip -n {CLIENT} neigh show {ip}"),
                got: format!("still {owner}'s after {} s", BOUND.as_secs()),
                expected: "another node's MAC".into(),
            });
        }
        sleep(Duration::from_millis(10));
    };
    let answered = loop {
        if request(plan, machine, &url).is_ok_and(|answer| is_app_answer(plan, &answer)) {
            break cut.elapsed();
        }
        if cut.elapsed() > BOUND {
            return Err(LocalError::Check {
                step: "5".into(),
                command: format!("wget {url}"),
                got: "no answer".into(),
                expected: format!("an answer within {} s of the cut", BOUND.as_secs()),
            });
        }
    };
    let new_owner = owner_of(plan, ip)?;
    println!(
        "# {ip} moved to {new_owner} {} ms after the cut; the first answer came {} ms after it",
        moved.as_millis(),
        answered.as_millis()
    );

    println!("\n# plug {owner}'s cable back in\n$ ip -n {} link set {port} up", cluster::SWITCH);
    network::ip(cluster::SWITCH, &["link", "set", &port, "up"])?;
    // The other nodes' neighbour entries for the cut node failed meanwhile: the node is whole again once
    // its app pods answer from every other node, which later steps need.
    let plugged = Instant::now();
    let wget = machine.bin_dir.join("dnsutils").display().to_string();
    for from in plan.topology.nodes.iter().filter(|n| n.name != owner).map(|n| n.netns()) {
        for pod in plan.pods_of("Deployment", "app").into_iter().filter(|p| p.node == owner) {
            let url = format!("http://{}:8080/host", pod.ip);
            while run(&in_netns(&from, &wget, ["wget", "-q", "-O-", "-T", "1", "-t", "1", &url])).is_err() {
                if plugged.elapsed() > BOUND {
                    return Err(LocalError::Check {
                        step: "5".into(),
                        command: format!("ip netns exec {from} wget {url}"),
                        got: "no answer".into(),
                        expected: format!("{owner}'s pod answering within {} s of the plug", BOUND.as_secs()),
                    });
                }
                sleep(Duration::from_millis(50));
            }
        }
    }
    println!("# {owner} answers again {} ms after the plug", plugged.elapsed().as_millis());
    cluster::publish(plan, machine, &running.phases)
}

/// Waits until exactly one speaker has announced `ip` for a second on end (the gossip has converged),
/// reading each speaker's `metallb_speaker_announced` on its monitoring port.
fn settle(plan: &Plan, machine: &Machine, ip: Ipv4Addr) -> Result<(), LocalError> {
    let wget = machine.bin_dir.join("dnsutils").display().to_string();
    let started = Instant::now();
    let mut since: Option<(Vec<String>, Instant)> = None;
    loop {
        let mut announcing = Vec::new();
        for node in &plan.topology.nodes {
            let url = format!("http://{}:7472/metrics", node.ip);
            let metrics = run(&in_netns(&node.netns(), &wget, ["wget", "-q", "-O-", "-T", "1", "-t", "1", &url]))
                .unwrap_or_default();
            let announced = metrics.lines().any(|l| {
                l.starts_with("metallb_speaker_announced{") && l.contains(&format!("ip=\"{ip}\"")) && l.ends_with(" 1")
            });
            if announced {
                announcing.push(node.name.clone());
            }
        }
        since = match since {
            Some((nodes, at)) if nodes == announcing => Some((nodes, at)),
            _ => Some((announcing.clone(), Instant::now())),
        };
        if let Some((nodes, at)) = &since
            && nodes.len() == 1
            && at.elapsed() >= Duration::from_secs(1)
        {
            println!(
                "# the speakers elected {} for {ip} ({} ms after the address was written)",
                nodes[0],
                started.elapsed().as_millis()
            );
            return Ok(());
        }
        if started.elapsed() > BOUND {
            return Err(LocalError::Check {
                step: "5".into(),
                command: format!("metallb_speaker_announced{{ip=\"{ip}\"}} on every speaker"),
                got: format!("announced by {announcing:?}"),
                expected: "one speaker for a second".into(),
            });
        }
        sleep(Duration::from_millis(100));
    }
}

/// Waits until the controller has written the Service's address into the state file.
fn wait_for_address(plan: &Plan, machine: &Machine) -> Result<Ipv4Addr, LocalError> {
    let file = machine.state_file();
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let objects: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap_or_default();
        let ip = objects
            .iter()
            .find(|o| o["kind"] == "Service" && objects::name(o) == SERVICE && objects::namespace(o) == "default")
            .and_then(|s| s["status"]["loadBalancer"]["ingress"][0]["ip"].as_str()?.parse().ok());
        if let Some(ip) = ip {
            println!("# mini-lb's controller wrote {ip} into {SERVICE}'s status in {}", file.display());
            return Ok(ip);
        }
        if started.elapsed() > BOUND {
            let pod = plan
                .placement
                .pods
                .iter()
                .find(|p| p.owner.1 == "controller")
                .map_or("controller", |p| p.name.as_str());
            return Err(LocalError::NotReady {
                pod: format!("{pod} (no address in {SERVICE}'s status)"),
                seconds: BOUND.as_secs(),
                log: String::new(),
            });
        }
        sleep(Duration::from_millis(50));
    }
}

/// The first address of the rendered IPAddressPool.
fn first_pool_address(plan: &Plan) -> Result<Ipv4Addr, LocalError> {
    let pool = plan
        .manifests
        .of_kind("IPAddressPool")
        .next()
        .ok_or_else(|| LocalError::Plan("no IPAddressPool in the manifests".into()))?;
    let range = pool["spec"]["addresses"][0].as_str().unwrap_or_default();
    let first = range.split(['-', '/']).next().unwrap_or_default().trim();
    first.parse().map_err(|_| {
        LocalError::Plan(format!(
            "IPAddressPool {}: {range:?} does not start with an IPv4 address",
            objects::name(pool)
        ))
    })
}

/// One request from the client, as `docker run --network kind ... wget` would send it.
fn request(plan: &Plan, machine: &Machine, url: &str) -> Result<String, LocalError> {
    let _ = plan;
    let wget = machine.bin_dir.join("dnsutils").display().to_string();
    Ok(run(&in_netns(CLIENT, &wget, ["wget", "-q", "-O-", "-T", "1", "-t", "1", url]))?)
}

fn is_app_answer(plan: &Plan, answer: &str) -> bool {
    plan.pods_of("Deployment", "app").iter().any(|p| answer == format!("NODE: {}, POD IP:{}", p.node, p.ip))
}

/// `count` requests, each printed and checked to be an app pod's answer satisfying `wanted`; the distinct answers.
fn requests(
    plan: &Plan,
    machine: &Machine,
    url: &str,
    count: usize,
    wanted: impl Fn(&str) -> bool,
) -> Result<BTreeSet<String>, LocalError> {
    let mut seen = BTreeSet::new();
    for _ in 0..count {
        println!(
            "\n$ docker run --network kind --rm lab/dnsutils:dev wget -q -O- {url}\n# here: ip netns exec {CLIENT} dnsutils wget -q -O- {url}"
        );
        let answer = request(plan, machine, url).unwrap_or_else(|e| format!("(failed) {e}"));
        println!("{answer}");
        check(
            "5",
            &format!("wget -q -O- {url}"),
            &answer,
            is_app_answer(plan, &answer) && wanted(&answer),
            "an app pod's /host answer",
        )?;
        seen.insert(answer);
    }
    Ok(seen)
}

/// The MAC the client's neighbour entry holds for `ip`.
fn mac_of_neighbour(ip: Ipv4Addr) -> Result<Option<String>, LocalError> {
    let shown = run(&cmd("ip", ["-n", CLIENT, "neigh", "show", &ip.to_string()]))?;
    let words: Vec<&str> = shown.split_whitespace().collect();
    Ok(words.iter().position(|w| *w == "lladdr").and_then(|at| words.get(at + 1)).map(|mac| mac.to_string()))
}

/// `node`'s eth0 MAC.
fn node_mac(plan: &Plan, node: &str) -> Result<String, LocalError> {
    let netns = plan.node(node).map(|n| n.netns()).unwrap_or_default();
    let shown = run(&cmd("ip", ["-n", &netns, "-o", "link", "show", "eth0"]))?;
    let words: Vec<&str> = shown.split_whitespace().collect();
    words
        .iter()
        .position(|w| *w == "link/ether")
        .and_then(|at| words.get(at + 1))
        .map(|m| m.to_string())
        .ok_or_else(|| LocalError::Plan(format!("{netns}'s eth0 has no MAC: {shown}")))
}

/// The node whose eth0 MAC the client's neighbour entry for `ip` holds.
fn owner_of(plan: &Plan, ip: Ipv4Addr) -> Result<String, LocalError> {
    let mac =
        mac_of_neighbour(ip)?.ok_or_else(|| LocalError::Plan(format!("the client has no neighbour entry for {ip}")))?;
    for node in &plan.topology.nodes {
        if node_mac(plan, &node.name)? == mac {
            return Ok(node.name.clone());
        }
    }
    Err(LocalError::Check {
        step: "5".into(),
        command: format!("ip -n {CLIENT} neigh show {ip}"),
        got: mac,
        expected: "a node's eth0 MAC".into(),
    })
}
