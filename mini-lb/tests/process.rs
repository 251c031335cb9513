//! The `mini-lb` binary as a process: the controller on a file (the lab's legacy ConfigMap, and the
//! CRDs), configuration errors, `crdgen`.

use std::time::Duration;

use test_support::process::{ServerProcess, clean_command, run_to_exit};
use test_support::wait::wait_for;

const BINARY: &str = env!("CARGO_BIN_EXE_mini-lb");

fn controller(path: &std::path::Path) -> ServerProcess {
    let mut command = clean_command(BINARY);
    command.args(["controller", "--admin-addr", "127.0.0.1:0", "--from-file"]).arg(path);
    ServerProcess::start(command, &["admin"])
}

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").expect("send");
    let mut body = String::new();
    stream.read_to_string(&mut body).expect("read");
    body
}

/// The lab's objects in a file: the controller writes 172.18.255.200 into the Service's status, exports
/// MetalLB's allocator gauges, and exits 0 on SIGTERM.
#[test]
fn controller_writes_the_lab_address_into_the_file() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("lab.yaml");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lab.yaml"), &path).expect("copy the fixture");
    let mut process = controller(&path);
    // Ready means the first snapshot has been reconciled: the metrics read right after say so.
    wait_for(Duration::from_secs(10), "/readyz to answer 200", || {
        Some(http_get(process.addr("admin"), "/readyz")).filter(|r| r.starts_with("HTTP/1.1 200"))
    });
    let metrics = http_get(process.addr("admin"), "/metrics");
    assert!(metrics.contains("\nmetallb_k8s_client_config_loaded_bool 1\n"), "{metrics}");
    assert!(metrics.contains("metallb_allocator_addresses_in_use_total{pool=\"default\"} 1"), "{metrics}");
    assert!(metrics.contains("metallb_allocator_addresses_total{pool=\"default\"} 51"), "{metrics}");
    let text = wait_for(Duration::from_secs(10), "the status written into the file", || {
        std::fs::read_to_string(&path).ok().filter(|t| t.contains("- ip: \"172.18.255.200\""))
    });
    assert!(text.contains("status:\n  loadBalancer:\n    ingress:\n    - ip: \"172.18.255.200\""), "{text}");
    let status = http_get(process.addr("admin"), "/status");
    assert!(status.contains("kind: ConfigurationState") && status.contains("result: Valid"), "{status}");
    process.sigterm();
    assert!(process.wait(Duration::from_secs(10)).success(), "{}", process.output());
}

/// With the CRDs, the controller also writes the pool's counts into the IPAddressPool's status.
#[test]
fn controller_writes_pool_counts_with_crds() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("crds.yaml");
    std::fs::write(
        &path,
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lab\n  namespace: metallb-system\nspec:\n  addresses: [172.18.255.200/30]\n  avoidBuggyIPs: true\n---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: all\n  namespace: metallb-system\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  type: LoadBalancer\n",
    )
    .expect("write the objects");
    let _process = controller(&path);
    let text = wait_for(Duration::from_secs(10), "the pool status written", || {
        std::fs::read_to_string(&path).ok().filter(|t| t.contains("assignedIPv4: 1"))
    });
    assert!(text.contains("availableIPv4: 3"), "{text}");
    assert!(text.contains("- ip: \"172.18.255.200\""), "{text}");
}

/// A missing node name is a configuration error: one line naming the setting, exit 64.
#[test]
fn speaker_without_a_node_name_exits_64() {
    let mut command = clean_command(BINARY);
    command.arg("speaker");
    let finished = run_to_exit(command);
    assert_eq!(finished.status.code(), Some(64), "{finished:?}");
    assert_eq!(finished.stderr.lines().count(), 1, "{}", finished.stderr);
    assert!(finished.stderr.contains("METALLB_NODE_NAME"), "{}", finished.stderr);
}

/// `crdgen` prints exactly the committed CRDs.
#[test]
fn crdgen_prints_the_committed_crds() {
    let mut command = clean_command(BINARY);
    command.arg("crdgen");
    let finished = run_to_exit(command);
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout, include_str!("../crds/metallb.io.yaml"));
}
