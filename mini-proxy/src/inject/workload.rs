//! Which objects hold a pod template, where it is, and the label that names its owner, as Linkerd's
//! injector knows them. Viz relabels the owner label into the `deployment`, `statefulset`, ... label
//! that `linkerd viz stat deploy/NAME` groups by.

/// A kind whose objects hold a pod template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Workload {
    /// The path from the object to its pod template (empty for a Pod, which is its own template).
    pub template: &'static [&'static str],
    /// The label naming the object on its pods, if Linkerd sets one for the kind.
    pub owner_label: Option<&'static str>,
}

const SPEC_TEMPLATE: &[&str] = &["spec", "template"];

/// The workload `kind` is, or `None` for an object without a pod template.
pub fn workload(kind: &str) -> Option<Workload> {
    let (template, owner_label) = match kind {
        "Pod" => (&[][..], None),
        "Deployment" => (SPEC_TEMPLATE, Some("linkerd.io/proxy-deployment")),
        "StatefulSet" => (SPEC_TEMPLATE, Some("linkerd.io/proxy-statefulset")),
        "DaemonSet" => (SPEC_TEMPLATE, Some("linkerd.io/proxy-daemonset")),
        "ReplicaSet" => (SPEC_TEMPLATE, Some("linkerd.io/proxy-replicaset")),
        "ReplicationController" => (SPEC_TEMPLATE, Some("linkerd.io/proxy-replicationcontroller")),
        "Job" => (SPEC_TEMPLATE, Some("linkerd.io/proxy-job")),
        "CronJob" => (&["spec", "jobTemplate", "spec", "template"][..], Some("linkerd.io/proxy-cronjob")),
        _ => return None,
    };
    Some(Workload { template, owner_label })
}

/// Whether `kind` is a list of objects (`List`, as `kubectl get -o yaml` prints several, or `PodList`...).
pub fn is_list(kind: &str) -> bool {
    kind.ends_with("List")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind Linkerd injects has its template path and owner label; others have none.
    #[test]
    fn kinds() {
        assert_eq!(workload("Pod").map(|w| w.template.len()), Some(0));
        let cron = workload("CronJob").expect("a workload");
        assert_eq!(cron.template, ["spec", "jobTemplate", "spec", "template"]);
        assert_eq!(workload("StatefulSet").and_then(|w| w.owner_label), Some("linkerd.io/proxy-statefulset"));
        assert_eq!(workload("Service"), None);
        assert!(is_list("List") && is_list("DeploymentList") && !is_list("Deployment"));
    }
}
