//! One controller pass over a snapshot: check the configuration (keeping the last good one), read every
//! Service of our class into a request, run the allocation pass, and turn the decisions into status
//! writes (only where the status differs) and Events (only when a Service's decision changed, so a
//! Service that cannot be served is not reported again on every unrelated change).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use cluster_state::k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service};
use cluster_state::{Event, Snapshot};
use kube::ResourceExt;
use serde_json::{Value, json};

use crate::allocate::request::status_ips;
use crate::allocate::{Decision, LbClass, Request, ServiceKey, plan};
use crate::config::build::config_from_snapshot;
use crate::config::pool::Labels;
use crate::config::{Config, ConfigKeeper, ConfigLocation, ConfigUpdate, InvalidConfig};
use crate::crd::{IPAddressPool, IPAddressPoolStatus};

/// The object a refused configuration is reported on.
#[derive(Clone, Debug)]
pub enum RefusedAt {
    /// The legacy ConfigMap.
    ConfigMap(ConfigMap),
    /// The first IPAddressPool.
    Pool(IPAddressPool),
    /// Nothing to report on.
    Nothing,
}

/// What to write for one Service.
#[derive(Clone, Debug)]
pub struct Write {
    /// The Service as read.
    pub service: Service,
    /// The new `.status` merge patch, if it changes.
    pub status: Option<Value>,
    /// Events to record.
    pub events: Vec<Event>,
}

/// Everything one pass decided.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Status writes and Events, Service by Service.
    pub writes: Vec<Write>,
    /// A newly refused configuration.
    pub refused: Option<(RefusedAt, InvalidConfig)>,
    /// Every address in use, with its pool.
    pub in_use: Vec<(String, IpAddr)>,
    /// Services per pool.
    pub services_per_pool: Vec<(String, usize)>,
    /// IPAddressPool objects whose status (MetalLB 0.15's counts) must be written.
    pub pool_statuses: Vec<(IPAddressPool, Value)>,
}

/// The controller's memory between passes.
#[derive(Debug)]
pub struct Reconciler {
    location: ConfigLocation,
    lb_class: LbClass,
    keeper: ConfigKeeper,
    reported: HashMap<ServiceKey, Decision>,
    /// Statuses written and the resourceVersion they were written over: until the watch brings a newer
    /// version, the same status is not written again.
    written: HashMap<ServiceKey, (String, Vec<IpAddr>)>,
}

/// A Service's key.
pub fn key_of(service: &Service) -> ServiceKey {
    ServiceKey { namespace: service.namespace().unwrap_or_default(), name: service.name_any() }
}

impl Reconciler {
    /// A controller reading its configuration at `location` and handling Services of `lb_class`.
    pub fn new(location: ConfigLocation, lb_class: LbClass) -> Self {
        Reconciler {
            location,
            lb_class,
            keeper: ConfigKeeper::default(),
            reported: HashMap::new(),
            written: HashMap::new(),
        }
    }

    /// The configuration in force.
    pub fn keeper(&self) -> &ConfigKeeper {
        &self.keeper
    }

    /// Where the configuration is read.
    pub fn location(&self) -> &ConfigLocation {
        &self.location
    }

    /// One pass over `snapshot`.
    pub fn reconcile(&mut self, snapshot: &Snapshot) -> Outcome {
        let mut outcome = Outcome::default();
        if let ConfigUpdate::Refused(invalid) = self.keeper.update(config_from_snapshot(snapshot, &self.location)) {
            outcome.refused = Some((self.refused_at(snapshot), invalid));
        }
        let Some(config) = self.keeper.config() else { return outcome };
        let namespaces: BTreeMap<String, Labels> =
            snapshot.objects::<Namespace>().iter().map(|ns| (ns.name_any(), ns.labels().clone())).collect();
        let ours: Vec<&Service> = snapshot.objects::<Service>().iter().filter(|s| self.lb_class.handles(s)).collect();
        let mut requests: Vec<Request> = ours
            .iter()
            .map(|s| Request::of(s, namespaces.get(&s.namespace().unwrap_or_default()).unwrap_or(&Labels::new())))
            .collect();
        Request::sort(&mut requests);
        let decisions = plan(config, &requests);
        let services: HashMap<ServiceKey, &Service> = ours.iter().map(|s| (key_of(s), *s)).collect();
        let mut per_pool: BTreeMap<String, usize> = BTreeMap::new();
        for decision in &decisions {
            if let Some(pool) = &decision.pool {
                *per_pool.entry(pool.clone()).or_default() += 1;
                outcome.in_use.extend(decision.ips.iter().map(|ip| (pool.clone(), *ip)));
            }
            let Some(service) = services.get(&decision.key) else { continue };
            if let Some(write) = self.write_for(service, decision) {
                outcome.writes.push(write);
            }
        }
        outcome.in_use.sort();
        outcome.in_use.dedup();
        outcome.services_per_pool = per_pool.into_iter().collect();
        if let Some(config) = self.keeper.config() {
            outcome.pool_statuses = pool_statuses(snapshot, &self.location.namespace, config, &outcome.in_use);
        }
        self.reported.retain(|key, _| services.contains_key(key));
        self.written.retain(|key, _| services.contains_key(key));
        outcome
    }

    /// The write for one Service, if its status or its decision changed.
    fn write_for(&mut self, service: &Service, decision: &Decision) -> Option<Write> {
        let current = status_ips(service);
        let version = service.metadata.resource_version.clone();
        let unseen = version
            .as_ref()
            .is_some_and(|version| self.written.get(&decision.key) == Some(&(version.clone(), decision.ips.clone())));
        let status = (decision.changes_status(&current) && !unseen).then(|| status_patch(&decision.ips));
        if let (Some(_), Some(version)) = (&status, version) {
            self.written.insert(decision.key.clone(), (version, decision.ips.clone()));
        }
        let new_decision = self.reported.get(&decision.key) != Some(decision);
        let events = if new_decision { decision.events.iter().map(to_event).collect() } else { Vec::new() };
        self.reported.insert(decision.key.clone(), decision.clone());
        (status.is_some() || !events.is_empty()).then(|| Write { service: service.clone(), status, events })
    }

    fn refused_at(&self, snapshot: &Snapshot) -> RefusedAt {
        let location = &self.location;
        if let Some(configmap) = snapshot.objects::<ConfigMap>().get(&location.namespace, &location.configmap) {
            return RefusedAt::ConfigMap(configmap.clone());
        }
        match snapshot.objects::<IPAddressPool>().in_namespace(&location.namespace).next() {
            Some(pool) => RefusedAt::Pool(pool.clone()),
            None => RefusedAt::Nothing,
        }
    }
}

/// The IPAddressPool objects whose status differs from the counts of this pass, with the new status.
fn pool_statuses(
    snapshot: &Snapshot,
    namespace: &str,
    config: &Config,
    in_use: &[(String, IpAddr)],
) -> Vec<(IPAddressPool, Value)> {
    let clamp = |n: u128| i64::try_from(n).unwrap_or(i64::MAX);
    let mut writes = Vec::new();
    for object in snapshot.objects::<IPAddressPool>().in_namespace(namespace) {
        let Some(pool) = config.pool(&object.name_any()) else { continue };
        let used = |v4: bool| in_use.iter().filter(|(p, ip)| *p == pool.name && ip.is_ipv4() == v4).count() as u128;
        let capacity = pool.capacity();
        let status = IPAddressPoolStatus {
            assigned_ipv4: clamp(used(true)),
            assigned_ipv6: clamp(used(false)),
            available_ipv4: clamp(capacity.ipv4.saturating_sub(used(true))),
            available_ipv6: clamp(capacity.ipv6.saturating_sub(used(false))),
        };
        if object.status.as_ref() != Some(&status) {
            writes.push((object.clone(), serde_json::to_value(&status).unwrap_or_default()));
        }
    }
    writes
}

/// The `.status` merge patch listing `ips` (or removing the ingress list when empty).
pub fn status_patch(ips: &[IpAddr]) -> Value {
    if ips.is_empty() {
        return json!({ "loadBalancer": { "ingress": null } });
    }
    let ingress: Vec<Value> = ips.iter().map(|ip| json!({ "ip": ip.to_string() })).collect();
    json!({ "loadBalancer": { "ingress": ingress } })
}

fn to_event(planned: &crate::allocate::PlannedEvent) -> Event {
    let event = if planned.warning {
        Event::warning(planned.reason, "Allocate")
    } else {
        Event::normal(planned.reason, "Allocate")
    };
    event.note(planned.message.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty list removes the ingress key; addresses are listed in order.
    #[test]
    fn status_patches() {
        assert_eq!(status_patch(&[]), json!({"loadBalancer": {"ingress": null}}));
        let ips = ["172.18.255.200".parse().expect("ip"), "fc00::1".parse().expect("ip")];
        assert_eq!(
            status_patch(&ips),
            json!({"loadBalancer": {"ingress": [{"ip": "172.18.255.200"}, {"ip": "fc00::1"}]}})
        );
    }
}
