//! `mini-proxy inject` as a user runs it, on golden files: each `tests/inject/NAME.yaml` is injected by
//! the real binary and its stdout and stderr compared with `NAME.out.yaml` and `NAME.err`. Run with
//! `UPDATE_GOLDEN=1` to rewrite them after a deliberate change, then read the diff.
//!
//! Every output is injected again and must come back unchanged, and, where `kubernetes-validate` is
//! installed (the project's `target/check-deploy-venv`, as `scripts/test` makes it, or on `PATH`), every
//! output object must pass its strict schema for the Kubernetes version of the lab's kind nodes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_mini-proxy");

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inject")
}

fn inject(args: &[&str]) -> Output {
    Command::new(BIN).arg("inject").args(args).output().expect("mini-proxy runs")
}

/// Injects `NAME.yaml` with `flags` and checks stdout, stderr, the exit code and a second pass.
fn golden(name: &str, flags: &[&str]) {
    let dir = golden_dir();
    let input = dir.join(format!("{name}.yaml"));
    let mut args = flags.to_vec();
    let input_arg = input.to_str().expect("a UTF-8 path");
    args.push(input_arg);
    let output = inject(&args);
    assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    let (stdout, stderr) =
        (String::from_utf8(output.stdout).expect("UTF-8"), String::from_utf8(output.stderr).expect("UTF-8"));
    let (out_file, err_file) = (dir.join(format!("{name}.out.yaml")), dir.join(format!("{name}.err")));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&out_file, &stdout).expect("write golden");
        std::fs::write(&err_file, &stderr).expect("write golden");
    }
    let expected = std::fs::read_to_string(&out_file).unwrap_or_default();
    assert!(stdout == expected, "{name}: stdout differs from {}:\n{stdout}", out_file.display());
    let expected = std::fs::read_to_string(&err_file).unwrap_or_default();
    assert_eq!(stderr, expected, "{name}: stderr differs from {}", err_file.display());

    let mut again = flags.to_vec();
    let out_arg = out_file.to_str().expect("a UTF-8 path");
    again.push(out_arg);
    let second = inject(&again);
    assert!(second.status.success(), "{name}: second pass failed");
    assert!(String::from_utf8_lossy(&second.stdout) == stdout, "{name}: a second injection changed the output");
}

/// The lab's web.yaml (`cat web.yml | linkerd inject -`): the Deployment gets the proxy, init and volumes.
#[test]
fn lab_web_deployment() {
    golden("web", &[]);
}

/// The lab's database.yaml: the StatefulSet is injected (its named opaque port resolved, its comments
/// kept), the Service and ConfigMap pass through.
#[test]
fn statefulset_with_service() {
    golden("statefulset", &[]);
}

/// A v1 List: workloads inside are injected, the Service annotated with --opaque-ports.
#[test]
fn list_items() {
    golden("list", &["--opaque-ports", "8080"]);
}

/// A multi-document stream of a CronJob, Job, DaemonSet, Pod and ConfigMap, with flags.
#[test]
fn multi_document_stream() {
    golden("stream", &["--tag", "v0.1.0", "--ignore-outbound-ports", "5432", "--proxy-memory-request", "32Mi"]);
}

/// A hostNetwork pod is left exactly as it was, with Linkerd's warning.
#[test]
fn host_network_pod() {
    golden("hostnetwork", &[]);
}

/// linkerd.io/inject: disabled on the pod or its namespace leaves it alone; enabled on the pod wins.
#[test]
fn disabled_by_annotation() {
    golden("disabled", &[]);
}

/// Already-injected input comes out byte for byte as it went in.
#[test]
fn already_injected() {
    golden("injected", &[]);
    let dir = golden_dir();
    let input = std::fs::read_to_string(dir.join("injected.yaml")).expect("input");
    let output = std::fs::read_to_string(dir.join("injected.out.yaml")).expect("golden");
    assert!(input == output, "injected.yaml changed");
}

/// Standard input works as `-`.
#[test]
fn reads_stdin() {
    let mut child = Command::new(BIN)
        .args(["inject", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let web = std::fs::read(golden_dir().join("web.yaml")).expect("web.yaml");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &web).expect("write");
    let output = child.wait_with_output().expect("wait");
    let expected = std::fs::read(golden_dir().join("web.out.yaml")).expect("golden");
    assert!(output.status.success());
    assert!(output.stdout == expected, "stdin gives the same output as the file");
}

/// Bad input and bad flags: one line naming the bad value, exit 1 and 64, never a panic.
#[test]
fn bad_input_and_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[&str], u8, &str); 5] = [
        ("kind: Pod\nspec: [\n", &[], 1, "mini-proxy inject: the input is not YAML: "),
        (
            "kind: Pod\n---\n- a\n- b\n",
            &[],
            1,
            "mini-proxy inject: document 2 (line 3) is a list, not a Kubernetes object",
        ),
        ("kind: Pod\n", &["--proxy-uid", "root"], 64, "mini-proxy inject: invalid --proxy-uid \"root\""),
        (
            "kind: Pod\n",
            &["--ignore-inbound-ports", "80,http"],
            64,
            "mini-proxy inject: invalid --ignore-inbound-ports \"80,http\"",
        ),
        (
            "kind: Pod\nmetadata: {name: p, annotations: {config.linkerd.io/proxy-uid: x}}\nspec: {containers: []}\n",
            &[],
            1,
            "mini-proxy inject: document 1 (line 1): pod/p: invalid config.linkerd.io/proxy-uid \"x\"",
        ),
    ];
    for (i, (text, flags, code, message)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("{i}.yaml"));
        std::fs::write(&file, text).expect("write");
        let mut args = flags.to_vec();
        args.push(file.to_str().expect("UTF-8"));
        let output = inject(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(i32::from(code)), "{text:?}: {stderr}");
        assert!(stderr.starts_with(message), "{text:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(output.stdout.is_empty(), "nothing on stdout after an error");
    }
    let output = inject(&[dir.path().join("missing.yaml").to_str().expect("UTF-8")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.yaml"));
}

/// Every golden output is valid Kubernetes (strict schemas), checked by kubernetes-validate when it
/// is installed; it comes from PyPI, which a test must not need, so without it this test says SKIPPED.
#[test]
fn outputs_are_valid_kubernetes() {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/check-deploy-venv/bin/kubernetes-validate");
    let validator = if venv.exists() { venv.to_string_lossy().into_owned() } else { "kubernetes-validate".to_string() };
    if Command::new(&validator).arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        println!(
            "SKIPPED: kubernetes-validate is not installed (scripts/test installs it into target/check-deploy-venv)"
        );
        return;
    }
    let version = kind_node_version().unwrap_or_else(|| "1.34.0".to_string());
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("golden dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.to_string_lossy().ends_with(".out.yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "every golden output is validated: {files:?}");
    let output = Command::new(&validator)
        .args(["--strict", "--quiet", "-k", &version])
        .args(&files)
        .output()
        .expect("kubernetes-validate runs");
    assert!(
        output.status.success(),
        "kubernetes-validate --strict -k {version}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The Kubernetes version of the lab's kind nodes (`kindest/node:vX.Y.Z@...` in deploy/kind/cluster.yaml).
fn kind_node_version() -> Option<String> {
    let config =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/kind/cluster.yaml")).ok()?;
    let start = config.find("kindest/node:v")? + "kindest/node:v".len();
    let rest = &config[start..];
    Some(rest[..rest.find(['@', '\n'])?].to_string())
}
