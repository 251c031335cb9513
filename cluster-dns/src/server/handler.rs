//! One query, from its bytes to the response's bytes: the checks no question needs, the answer from the
//! index, and, only for names this server does not hold, the upstream.
//!
//! [`Handler::handle_local`] never waits: it answers everything the index can answer, so the UDP loop
//! calls it inline and spends no task, no allocation of a future and no wake-up on the common case.
//! What needs the upstream comes back as an [`UpstreamWork`], which [`Handler::finish`] completes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use arc_swap::ArcSwap;
use hickory_proto::op::{Edns, Message, Metadata, ResponseCode};
use hickory_proto::rr::{DNSClass, Record};
use hickory_server::net::xfer::Protocol;
use hickory_server::server::Request;

use crate::answer::{self, Answer, Chase, Outcome, Settings};
use crate::cluster::ClusterIndex;
use crate::loadbalance::Shuffler;
use crate::metrics::{DnsMetrics, Served, qtype_name, rcode_name};
use crate::upstream::Upstream;
use crate::upstream::cache::CacheKey;
use crate::upstream::loop_probe::{LoopProbe, Sighting};
use crate::wire::{self, Incoming, Sections};

/// What the UDP loop does with a datagram.
pub enum Handled {
    /// Send nothing.
    Drop,
    /// Send these bytes.
    Reply(Vec<u8>),
    /// Complete this with the upstream, then send.
    Upstream(UpstreamWork),
}

/// A query waiting for the upstream.
pub struct UpstreamWork {
    request: Box<Request>,
    chase: Option<Chase>,
    started: Instant,
}

/// The state every query reads.
pub struct Handler {
    /// The current index, replaced whole on every change of the cluster state.
    pub index: Arc<ArcSwap<ClusterIndex>>,
    /// Zone, TTL, pod mode.
    pub settings: Settings,
    /// The resolvers behind this one.
    pub upstream: Arc<Upstream>,
    /// What `/metrics` shows.
    pub metrics: Arc<DnsMetrics>,
    /// The UDP payload size this server advertises and keeps to (EDNS).
    pub udp_size: u16,
    /// Whether address records are shuffled (CoreDNS's `loadbalance`).
    pub loadbalance: bool,
    /// The start-up loop check.
    pub probe: Arc<LoopProbe>,
    /// Seeds the shuffles.
    pub responses: AtomicU64,
}

impl Handler {
    /// Handles `bytes` without waiting; see the module docs.
    pub fn handle_local(&self, bytes: Vec<u8>, src: SocketAddr, protocol: Protocol) -> Handled {
        let started = Instant::now();
        let size = bytes.len();
        let request = match wire::read(bytes, src, protocol) {
            Incoming::Drop => return Handled::Drop,
            Incoming::Reject(reply, rcode) => {
                self.record(protocol, src, "other", rcode, "", size, reply.len(), started);
                return Handled::Reply(reply);
            }
            Incoming::Query(request) => request,
        };
        let query = request.queries.queries()[0].original().clone();
        let (qname, qtype, qclass) = (query.name(), query.query_type(), query.query_class());
        let local =
            |rcode: ResponseCode, plugin: &'static str| self.reply(&request, rcode, plugin, started, Vec::new());
        if request.edns.as_ref().is_some_and(|edns| edns.version() > 0) {
            return Handled::Reply(local(ResponseCode::BADVERS, ""));
        }
        match self.probe.sight(qname, qtype) {
            Sighting::Loop => return Handled::Reply(local(ResponseCode::ServFail, "loop")),
            Sighting::Probe | Sighting::Other => {}
        }
        let outcome = answer::answer(qname, qtype, &self.index.load(), &self.settings);
        if !matches!(qclass, DNSClass::IN | DNSClass::ANY) && outcome != Outcome::Forward {
            // Cluster data is class IN only; anything else in these zones is not ours to answer.
            return Handled::Reply(local(ResponseCode::Refused, "kubernetes"));
        }
        match outcome {
            Outcome::Answer(answer) => Handled::Reply(self.answer(&request, answer, started)),
            Outcome::Forward => Handled::Upstream(UpstreamWork { request, chase: None, started }),
            Outcome::Chase(chase) => Handled::Upstream(UpstreamWork { request, chase: Some(chase), started }),
        }
    }

    /// Completes a query that needed the upstream.
    pub async fn finish(&self, work: UpstreamWork) -> Vec<u8> {
        let UpstreamWork { request, chase, started } = work;
        let protocol = request.protocol();
        let dnssec_ok = request.edns.as_ref().is_some_and(|e| e.flags().dnssec_ok);
        match chase {
            Some(chase) => {
                let answer = match self.upstream.lookup(&chase.target, chase.qtype, dnssec_ok, protocol).await {
                    Ok(reply) => {
                        let mut answers = chase.chain;
                        answers.extend(reply.answers);
                        Answer { answers, authority: Vec::new(), ..chase.otherwise }
                    }
                    Err(_) => chase.otherwise,
                };
                self.answer(&request, answer, started)
            }
            None => {
                let query = request.queries.queries()[0].original();
                let key = CacheKey {
                    name: query.name().into(),
                    qtype: query.query_type(),
                    dnssec_ok,
                    checking_disabled: request.metadata.checking_disabled,
                };
                match self.upstream.resolve(request.as_slice(), key, protocol).await {
                    Ok((reply, source)) => self.relay(&request, reply, source.plugin(), started),
                    Err(error) => self.reply(&request, error.rcode(), "forward", started, Vec::new()),
                }
            }
        }
    }

    /// Handles `bytes` completely: the TCP path and tests.
    pub async fn handle(&self, bytes: Vec<u8>, src: SocketAddr, protocol: Protocol) -> Option<Vec<u8>> {
        match self.handle_local(bytes, src, protocol) {
            Handled::Drop => None,
            Handled::Reply(reply) => Some(reply),
            Handled::Upstream(work) => Some(self.finish(work).await),
        }
    }

    /// Encodes an answer from the index (authoritative, no RA, as CoreDNS answers cluster names).
    fn answer(&self, request: &Request, mut answer: Answer, started: Instant) -> Vec<u8> {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.response_code = answer.rcode;
        metadata.authoritative = answer.authoritative;
        self.shuffle(answer.rcode, [&mut answer.answers, &mut answer.authority, &mut answer.additionals]);
        let sections =
            Sections { answers: &answer.answers, authority: &answer.authority, additionals: &answer.additionals };
        self.send(request, metadata, &sections, "kubernetes", started)
    }

    /// Encodes an upstream's reply for the client: its flags and records, the client's ID, our EDNS.
    fn relay(&self, request: &Request, mut reply: Message, plugin: &'static str, started: Instant) -> Vec<u8> {
        let mut metadata = reply.metadata;
        metadata.id = request.metadata.id;
        self.shuffle(metadata.response_code, [&mut reply.answers, &mut reply.authorities, &mut reply.additionals]);
        let sections =
            Sections { answers: &reply.answers, authority: &reply.authorities, additionals: &reply.additionals };
        self.send(request, metadata, &sections, plugin, started)
    }

    /// A response with no records and `rcode`.
    fn reply(
        &self,
        request: &Request,
        rcode: ResponseCode,
        plugin: &'static str,
        started: Instant,
        authority: Vec<Record>,
    ) -> Vec<u8> {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.response_code = rcode;
        let sections = Sections { authority: &authority, ..Sections::default() };
        self.send(request, metadata, &sections, plugin, started)
    }

    fn send(
        &self,
        request: &Request,
        metadata: Metadata,
        sections: &Sections<'_>,
        plugin: &'static str,
        started: Instant,
    ) -> Vec<u8> {
        let protocol = request.protocol();
        let edns: Option<Edns> = wire::response_edns(request, self.udp_size);
        let limit = wire::size_limit(request, protocol, self.udp_size);
        let bytes = wire::encode(request, metadata, sections, edns.as_ref(), limit);
        let qtype = request.queries.queries().first().map_or("other", |q| qtype_name(q.query_type()));
        self.record(
            protocol,
            request.src(),
            qtype,
            metadata.response_code,
            plugin,
            request.as_slice().len(),
            bytes.len(),
            started,
        );
        bytes
    }

    fn shuffle(&self, rcode: ResponseCode, sections: [&mut Vec<Record>; 3]) {
        if !self.loadbalance || rcode != ResponseCode::NoError {
            return;
        }
        let seed = self.responses.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
        let mut shuffler = Shuffler::new(seed);
        for section in sections {
            shuffler.section(section);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        protocol: Protocol,
        src: SocketAddr,
        qtype: &'static str,
        rcode: ResponseCode,
        plugin: &'static str,
        request_size: usize,
        response_size: usize,
        started: Instant,
    ) {
        self.metrics.served(&Served {
            proto: if protocol == Protocol::Udp { "udp" } else { "tcp" },
            family: if src.is_ipv4() { "1" } else { "2" },
            qtype,
            rcode: rcode_name(rcode),
            plugin,
            request_size,
            response_size,
            duration: started.elapsed(),
        });
    }
}
