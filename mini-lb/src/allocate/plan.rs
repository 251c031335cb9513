//! One allocation pass over every Service, as MetalLB's `convergeBalancer` decides for each: first the
//! addresses Services already hold are re-assigned (kept if still allowed and still what the Service
//! asks for), then the Services without one get the lowest free address. Services are taken oldest
//! first, then by namespace and name, so the pass gives the same answer every time for the same input,
//! whatever order the objects arrived in.

use std::net::IpAddr;

use super::allocator::Allocator;
use super::request::{Family, FamilyPolicy, Request, ServiceKey};
use crate::config::pool::Config;

/// An Event to record on a Service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedEvent {
    /// A Warning rather than a Normal event.
    pub warning: bool,
    /// MetalLB's reason (`IPAllocated`, `AllocationFailed`, ...).
    pub reason: &'static str,
    /// The message, worded as MetalLB words it.
    pub message: String,
}

/// What one Service's status should hold after the pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Which Service.
    pub key: ServiceKey,
    /// The addresses its status should list (empty: none).
    pub ips: Vec<IpAddr>,
    /// The pool they came from.
    pub pool: Option<String>,
    /// Events to record.
    pub events: Vec<PlannedEvent>,
}

impl Decision {
    /// Whether the status must be written.
    pub fn changes_status(&self, current: &[IpAddr]) -> bool {
        self.ips != current
    }
}

fn normal(reason: &'static str, message: String) -> PlannedEvent {
    PlannedEvent { warning: false, reason, message }
}

fn warning(reason: &'static str, message: String) -> PlannedEvent {
    PlannedEvent { warning: true, reason, message }
}

/// Decides every Service's addresses. `requests` must be in processing order (see the module docs).
pub fn plan(config: &Config, requests: &[Request]) -> Vec<Decision> {
    let mut allocator = Allocator::new(config);
    let mut decisions: Vec<Decision> = requests
        .iter()
        .map(|r| Decision { key: r.key.clone(), ips: Vec::new(), pool: None, events: Vec::new() })
        .collect();
    let mut kept = vec![false; requests.len()];
    for (at, request) in requests.iter().enumerate() {
        if request.load_balancer && !config.pools.is_empty() && !request.current.is_empty() {
            kept[at] = keep(&mut allocator, request, &mut decisions[at]);
        }
    }
    for (at, request) in requests.iter().enumerate() {
        if kept[at] || !request.load_balancer || config.pools.is_empty() {
            continue;
        }
        allocate(&mut allocator, request, &mut decisions[at]);
    }
    decisions
}

/// Re-assigns what the status holds; false (with an Event when MetalLB sends one) if it must go.
fn keep(allocator: &mut Allocator<'_>, request: &Request, decision: &mut Decision) -> bool {
    let current = &request.current;
    if !families_fit(request, current) {
        return false;
    }
    let pool = match allocator.assign(request, current) {
        Ok(pool) => pool,
        Err(reason) => {
            decision.events.push(normal(
                "ClearAssignment",
                format!(
                    "current IP for {:?} not allowed by config, will attempt for new IP assignment: {reason}",
                    request.key.to_string()
                ),
            ));
            return false;
        }
    };
    let wrong_pool = request.pool.as_ref().is_some_and(|wanted| *wanted != pool);
    let wrong_ips = request.requested.as_ref().is_ok_and(|wanted| !wanted.is_empty() && !same_set(wanted, current));
    if wrong_pool || wrong_ips {
        allocator.release(&request.key);
        return false;
    }
    decision.ips.clone_from(current);
    decision.pool = Some(pool.clone());
    if current.len() == 1
        && request.policy == FamilyPolicy::PreferDualStack
        && let Some(extra) = allocator.add_family(request, current, &pool)
    {
        decision.ips.push(extra);
        decision.events.push(normal("IPAllocated", format!("Assigned additional IP {:?}", extra.to_string())));
    }
    true
}

/// Gives a Service without a (valid) address one: the requested ones, or from a pool.
fn allocate(allocator: &mut Allocator<'_>, request: &Request, decision: &mut Decision) {
    let key = request.key.to_string();
    let result = match &request.requested {
        Err(reason) => {
            decision
                .events
                .push(warning("LoadBalancerFailed", format!("invalid requested loadbalancer IPs: {reason}")));
            return;
        }
        Ok(wanted) if !wanted.is_empty() => assign_requested(allocator, request, wanted),
        Ok(_) => allocator.allocate(request),
    };
    match result {
        Ok((ips, pool)) => {
            let quoted: Vec<String> = ips.iter().map(ToString::to_string).collect();
            decision.events.push(normal("IPAllocated", format!("Assigned IP {quoted:?}")));
            decision.ips = ips;
            decision.pool = Some(pool);
        }
        Err(reason) => {
            decision.events.push(warning("AllocationFailed", format!("Failed to allocate IP for {key:?}: {reason}")));
        }
    }
}

/// MetalLB's checks on requested addresses: the family matches, the pool annotation agrees, then assign.
fn assign_requested(
    allocator: &mut Allocator<'_>,
    request: &Request,
    wanted: &[IpAddr],
) -> Result<(Vec<IpAddr>, String), String> {
    let texts: Vec<String> = wanted.iter().map(ToString::to_string).collect();
    if !families_fit(request, wanted) {
        return Err(format!("requested loadBalancer IP(s) {texts:?} does not match the ipFamily of the service"));
    }
    let pool = allocator.assign(request, wanted)?;
    if request.pool.as_ref().is_some_and(|p| *p != pool) {
        allocator.release(&request.key);
        let name = request.pool.as_deref().unwrap_or_default();
        return Err(format!(
            "requested loadBalancer IP(s) {texts:?} is not compatible with requested address pool {name}"
        ));
    }
    Ok((wanted.to_vec(), pool))
}

/// Whether addresses are of the families the Service may hold (one of each at most).
fn families_fit(request: &Request, ips: &[IpAddr]) -> bool {
    let wanted = request.wanted_families();
    let mut seen: Vec<Family> = Vec::new();
    for ip in ips {
        let family = Family::of(*ip);
        if !wanted.contains(&family) || seen.contains(&family) {
            return false;
        }
        seen.push(family);
    }
    request.policy != FamilyPolicy::RequireDualStack || seen.len() == 2
}

fn same_set(a: &[IpAddr], b: &[IpAddr]) -> bool {
    a.len() == b.len() && a.iter().all(|ip| b.contains(ip))
}

#[cfg(test)]
mod tests;
