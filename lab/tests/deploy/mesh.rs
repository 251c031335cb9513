//! The meshed app: deploy/components/mesh/app-meshed.yaml patches the base's app Deployment with what
//! `mini-proxy inject` adds (kustomize cannot run inject). The real inject, run over the base, must give
//! exactly the app the lab renders, so the patch cannot drift from inject.

use clap::Parser;
use mini_proxy::inject::{InjectArgs, InjectSettings};
use serde_json::Value;

use super::render::{self, Lab};
use super::source;

/// The patch, and the flags its header says it was made with.
const PATCH: &str = "deploy/components/mesh/app-meshed.yaml";
const FLAGS: &[&str] = &["--identity-trust-anchors-config-map", "linkerd-identity-trust-roots"];

/// `mini-proxy inject`'s flags, parsed as the binary parses them.
#[derive(Parser)]
struct Inject {
    #[command(flatten)]
    args: InjectArgs,
}

/// What `mini-proxy inject FLAGS -` prints for `input`: the binary's own code (its flags, settings and
/// injection), called in this process rather than through a second cargo build of the binary.
fn inject(input: &str) -> String {
    let Inject { args } = Inject::try_parse_from(["inject"].iter().chain(FLAGS)).expect("inject's flags parse");
    let settings = InjectSettings::from_args(&args, None).expect("inject's settings");
    mini_proxy::inject::inject(input, &settings).expect("inject accepts the base").yaml
}

fn app(objects: &[Value]) -> Value {
    let found = objects.iter().filter(|o| o["kind"] == "Deployment" && render::name(o) == "app");
    let apps: Vec<&Value> = found.collect();
    assert_eq!(apps.len(), 1, "expected one app Deployment");
    apps[0].clone()
}

/// The lab's app Deployment is what `mini-proxy inject` makes of the base's, plus the lab's own labels.
#[test]
fn the_rendered_app_is_what_inject_makes() {
    let Some(lab) = Lab::render() else { return };
    let patch = source::read(PATCH);
    assert!(patch.contains(&format!("mini-proxy inject {}", FLAGS.join(" "))), "{PATCH} names other flags");
    let base = render::kustomize("deploy/base");
    let mut expected = app(&serde_saphyr::from_multiple::<Value>(&inject(&base)).expect("inject prints YAML"));
    // The top-level kustomization's labels, which the base has not had yet.
    let top: Value = serde_saphyr::from_str(&source::read("deploy/kustomization.yaml")).expect("YAML");
    for set in top["labels"].as_array().into_iter().flatten() {
        assert!(set["includeTemplates"].is_null() && set["includeSelectors"].is_null(), "labels beyond metadata");
        for (key, value) in set["pairs"].as_object().into_iter().flatten() {
            expected["metadata"]["labels"][key] = value.clone();
        }
    }
    let rendered = app(&lab.kind("Deployment").cloned().collect::<Vec<_>>());
    assert!(
        rendered == expected,
        "the rendered app differs from inject's output: regenerate {PATCH}\nrendered: {rendered:#}\ninject: {expected:#}"
    );
}

/// `lab check` runs `stat` in a proxy container by the path the mini-proxy image's ENTRYPOINT names.
#[test]
fn lab_check_runs_the_images_binary() {
    let dockerfile = source::read("Dockerfile");
    let stage = dockerfile.split("\nFROM ").find(|s| s.contains("AS mini-proxy\n")).expect("a mini-proxy stage");
    let entrypoint = stage.lines().find_map(|l| l.strip_prefix("ENTRYPOINT ")).expect("an ENTRYPOINT");
    assert_eq!(entrypoint, format!("[\"{}\"]", lab::check::PROXY_BINARY));
}
