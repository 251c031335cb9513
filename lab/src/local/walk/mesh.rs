//! The mesh's machinery on this machine: `mini-proxy inject` over a manifest (as the walkthrough pipes
//! `linkerd inject`), the trust anchor every proxy's certificate is issued from, and the objects `lab
//! up` creates beside the manifests (the trust roots ConfigMap, the speakers' memberlist key).

use std::fs;

use serde_json::Value;

use super::LocalError;
use super::kubelet::Machine;
use crate::local::host::HostError;
use crate::local::host::shell::{cmd, run, run_with_input};
use crate::local::plan::mesh;
use crate::local::plan::objects::Manifests;

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
