//! One allocation pass's state, MetalLB's `Allocator`: which Services use each address, under which
//! sharing and backend keys and on which ports; and the two ways an address is taken: [`Allocator::assign`]
//! (this exact address, checked) and [`Allocator::allocate`] (the lowest free one from the right pools).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;

use super::request::{Family, FamilyPolicy, Port, Request, ServiceKey};
use crate::config::pool::{Config, Pool, any_selects};

/// Who uses one address.
#[derive(Clone, Debug, Default)]
struct AddressUse {
    sharing: String,
    backend: String,
    services: BTreeSet<ServiceKey>,
    ports: BTreeMap<Port, ServiceKey>,
}

/// The addresses handed out so far in this pass.
#[derive(Debug)]
pub struct Allocator<'c> {
    config: &'c Config,
    by_address: HashMap<IpAddr, AddressUse>,
    by_service: HashMap<ServiceKey, (Vec<IpAddr>, String)>,
}

impl<'c> Allocator<'c> {
    /// An allocator over `config` with nothing handed out.
    pub fn new(config: &'c Config) -> Self {
        Allocator { config, by_address: HashMap::new(), by_service: HashMap::new() }
    }

    /// Gives `request`'s Service exactly `ips` (all from one pool), or says why not.
    pub fn assign(&mut self, request: &Request, ips: &[IpAddr]) -> Result<String, String> {
        let mut pool_name: Option<&str> = None;
        for &ip in ips {
            let pool = self.config.pool_of(ip).ok_or_else(|| format!("\"{ip}\" is not allowed in config"))?;
            if !pool.may_hand_out(ip) {
                return Err(format!(
                    "\"{ip}\" cannot be used: it ends in .0 or .255 and pool {:?} avoids those",
                    pool.name
                ));
            }
            if pool_name.is_some_and(|name| name != pool.name) {
                return Err(format!("addresses {ips:?} come from different pools"));
            }
            pool_name = Some(&pool.name);
            self.check_sharing(request, ip)?;
        }
        let pool = pool_name.ok_or("no address to assign")?.to_string();
        self.release(&request.key);
        for &ip in ips {
            let usage = self.by_address.entry(ip).or_default();
            usage.sharing.clone_from(&request.sharing);
            usage.backend.clone_from(&request.backend);
            usage.services.insert(request.key.clone());
            for port in &request.ports {
                usage.ports.insert(port.clone(), request.key.clone());
            }
        }
        self.by_service.insert(request.key.clone(), (ips.to_vec(), pool.clone()));
        Ok(pool)
    }

    /// Frees whatever the Service holds.
    pub fn release(&mut self, key: &ServiceKey) {
        let Some((ips, _)) = self.by_service.remove(key) else { return };
        for ip in ips {
            if let Some(usage) = self.by_address.get_mut(&ip) {
                usage.services.remove(key);
                usage.ports.retain(|_, owner| owner != key);
                if usage.services.is_empty() {
                    self.by_address.remove(&ip);
                }
            }
        }
    }

    /// MetalLB's sharing rules for `ip`: equal non-empty sharing keys and equal backend keys, or the
    /// Service is the address's only user; and no port of the Service used there by another Service.
    fn check_sharing(&self, request: &Request, ip: IpAddr) -> Result<(), String> {
        let Some(usage) = self.by_address.get(&ip) else { return Ok(()) };
        let compatible = sharing_ok(usage, request);
        if let Err(reason) = compatible {
            let others: Vec<String> =
                usage.services.iter().filter(|s| **s != request.key).map(ToString::to_string).collect();
            if !others.is_empty() {
                return Err(format!("{reason}: address {ip} is also in use by {}", others.join(",")));
            }
        }
        for port in &request.ports {
            if usage.ports.get(port).is_some_and(|owner| *owner != request.key) {
                return Err(format!("port {port} is already in use on \"{ip}\""));
            }
        }
        Ok(())
    }

    /// The lowest free addresses for `request`: from its pool annotation, else the pinned pools in
    /// priority order, else every auto-assign pool by name.
    pub fn allocate(&mut self, request: &Request) -> Result<(Vec<IpAddr>, String), String> {
        if let Some(name) = &request.pool {
            let pool = self.config.pool(name).ok_or_else(|| format!("unknown pool {name:?}"))?;
            return self.allocate_from(request, pool).ok_or_else(|| format!("no available IPs in pool {name:?}"));
        }
        let mut pinned: Vec<&Pool> =
            self.config.pools.iter().filter(|p| p.auto_assign && pinned_to(p, request)).collect();
        pinned.sort_by_key(|p| p.pinning.as_ref().map(|pin| (pin.priority == 0, pin.priority)));
        let general = self.config.pools.iter().filter(|p| p.auto_assign && p.pinning.is_none());
        for pool in pinned.into_iter().chain(general) {
            if let Some(found) = self.allocate_from(request, pool) {
                return Ok(found);
            }
        }
        Err("no available IPs".into())
    }

    /// Addresses of every wanted family from one pool (dual stack needs both unless it only prefers them).
    fn allocate_from(&mut self, request: &Request, pool: &Pool) -> Option<(Vec<IpAddr>, String)> {
        let mut ips = Vec::new();
        for family in request.wanted_families() {
            match self.first_free(request, pool, family) {
                Some(ip) => ips.push(ip),
                None if request.policy == FamilyPolicy::PreferDualStack && !ips.is_empty() => {}
                None => return None,
            }
        }
        let pool_name = self.assign(request, &ips).ok()?;
        Some((ips, pool_name))
    }

    /// One more address of the missing family for a PreferDualStack Service, from the pool it uses.
    pub fn add_family(&mut self, request: &Request, current: &[IpAddr], pool: &str) -> Option<IpAddr> {
        let have = current.first().copied().map(Family::of)?;
        let family = request.wanted_families().into_iter().find(|f| *f != have)?;
        let pool = self.config.pool(pool)?;
        let ip = self.first_free(request, pool, family)?;
        let mut all = current.to_vec();
        all.push(ip);
        self.assign(request, &all).ok().map(|_| ip)
    }

    /// The first address of `pool` in `family`, CIDR by CIDR from the lowest, that may be handed out and
    /// passes the sharing rules for `request`.
    fn first_free(&self, request: &Request, pool: &Pool, family: Family) -> Option<IpAddr> {
        pool.cidrs
            .iter()
            .filter(|net| Family::of(net.network()) == family)
            .flat_map(addresses)
            .find(|&ip| pool.may_hand_out(ip) && self.check_sharing(request, ip).is_ok())
    }

    /// The pool a Service's addresses came from, in this pass.
    pub fn pool_of_service(&self, key: &ServiceKey) -> Option<&str> {
        self.by_service.get(key).map(|(_, pool)| pool.as_str())
    }
}

/// Whether two Services may share an address, as MetalLB's `sharingOK` decides.
fn sharing_ok(existing: &AddressUse, request: &Request) -> Result<(), String> {
    if existing.sharing.is_empty() {
        return Err("existing service does not allow sharing".into());
    }
    if request.sharing.is_empty() {
        return Err("new service does not allow sharing".into());
    }
    if existing.sharing != request.sharing {
        return Err(format!(
            "sharing key {:?} does not match existing sharing key {:?}",
            request.sharing, existing.sharing
        ));
    }
    if existing.backend != request.backend {
        return Err(format!(
            "backend key {:?} does not match existing backend key {:?}",
            request.backend, existing.backend
        ));
    }
    Ok(())
}

/// Whether a pool's serviceAllocation selects the Service (by namespace, namespace labels or labels).
fn pinned_to(pool: &Pool, request: &Request) -> bool {
    let Some(pin) = &pool.pinning else { return false };
    let namespace_ok = (pin.namespaces.is_empty() && pin.namespace_selectors.is_empty())
        || pin.namespaces.contains(&request.key.namespace)
        || (!pin.namespace_selectors.is_empty() && any_selects(&pin.namespace_selectors, &request.namespace_labels));
    let service_ok = any_selects(&pin.service_selectors, &request.labels);
    namespace_ok && service_ok
}

/// Every address of a CIDR, network and broadcast included (MetalLB hands them out too).
fn addresses(net: &IpNet) -> Box<dyn Iterator<Item = IpAddr> + '_> {
    match net {
        IpNet::V4(v4) => {
            Box::new((u32::from(v4.network())..=u32::from(v4.broadcast())).map(|n| IpAddr::from(n.to_be_bytes())))
        }
        IpNet::V6(v6) => {
            Box::new((u128::from(v6.network())..=u128::from(v6.broadcast())).map(|n| IpAddr::from(n.to_be_bytes())))
        }
    }
}
