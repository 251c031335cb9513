//! One query of a lookup, as BIND's `dighost.c` asks it: encode it, try each server in turn under a try
//! budget shared by all of them, fall back to TCP after a truncated UDP answer, and say how it ended.
//! host, dig and nslookup differ in what they print around this, not in it.

use std::net::SocketAddr;
use std::time::Duration;

use crate::error::DnsError;
use crate::net::Exchange;
use crate::net::event::{Attempt, Event, Outcome, Protocol, Received, Request};
use crate::resolver::search::Candidate;
use crate::resolver::servers::Server;
use crate::text::notice::{NO_SERVERS_TEXT, bad_packet_text, connect_failed_text, event_line};
use crate::tools::console::Console;
use crate::wire::query::{QuerySpec, encode};
use crate::wire::reply::BadPacket;

/// One lookup of host or nslookup: the names of its search walk and what it reports them as.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The name failures report: the user's text, or for a follow-up the name the CNAME chain
    /// ended at (`Host X not found`, `*** Can't find X: No answer`).
    pub textname: String,
    /// Names to try in order (only NXDOMAIN moves on to the next).
    pub names: Vec<Candidate>,
    /// Query type.
    pub rtype: u16,
}

impl Lookup {
    /// A follow-up lookup of one absolute name, outside any search walk.
    pub fn follow_up(textname: String, name: String, rtype: u16) -> Lookup {
        Lookup { textname, names: vec![Candidate::plain(name)], rtype }
    }
}

/// How hard to try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Wait per try.
    pub timeout: Duration,
    /// Tries per lookup, shared by its servers (at least one is always made).
    pub tries: u32,
    /// Ask over TCP instead of UDP.
    pub tcp: bool,
    /// Keep a truncated UDP answer instead of asking again over TCP (`+ignore`).
    pub ignore_truncation: bool,
    /// dig's best-effort parsing: a reply cut short is kept as far as it parsed (with a warning).
    pub best_effort: bool,
}

/// How one query ended.
#[derive(Debug)]
pub enum Answer {
    /// A reply that parsed (completely, or best-effort for dig).
    Reply(Box<Received>),
    /// No server answered. `announced` is set when a failed TCP connection already printed
    /// `;; no servers could be reached`.
    NoReply {
        /// The failure line is already out.
        announced: bool,
    },
    /// The lookup was given up after a message that already says why (`;; ERROR: ...`).
    Abandoned,
    /// A reply came but could not be parsed.
    BadPacket(BadPacket),
}

/// How a zone transfer ended.
#[derive(Debug)]
pub enum Transfer {
    /// The messages that arrived, in order (the last may be an error reply).
    Messages(Vec<Received>),
    /// No server answered; `announced` as in [`Answer::NoReply`].
    NoReply {
        /// The failure line is already out.
        announced: bool,
    },
    /// A message could not be parsed.
    BadPacket(BadPacket),
}

/// What a query or a transfer reported on the way, and how it ended.
#[derive(Debug)]
pub struct Asked<T> {
    /// What BIND would report, in order.
    pub events: Vec<Event>,
    /// The end.
    pub answer: T,
}

impl Answer {
    /// The reply, or `None` after printing why there is none in host's and nslookup's words (`;; no servers
    /// could be reached` unless already said, or the bad packet and its dump).
    pub fn into_reply(self, console: &mut Console) -> Option<Received> {
        match self {
            Answer::Reply(received) => Some(*received),
            Answer::NoReply { announced } => {
                if !announced {
                    console.out(NO_SERVERS_TEXT);
                }
                None
            }
            Answer::Abandoned => None,
            Answer::BadPacket(bad) => {
                console.out(&bad_packet_text(&bad));
                None
            }
        }
    }
}

/// Whether the events end on a failed TCP connection, whose message already said that no servers could
/// be reached.
fn ended_on_connect_failure(events: &[Event]) -> bool {
    matches!(events.last(), Some(Event::ConnectFailed { .. }))
}

/// Asks the queries of one lookup, carrying BIND's try budget from one search name to the next.
pub struct Asker<'a> {
    servers: &'a [Server],
    settings: Settings,
}

impl<'a> Asker<'a> {
    /// An asker for `servers`.
    pub fn new(servers: &'a [Server], settings: Settings) -> Self {
        Self { servers, settings }
    }

    /// Whether queries now go over TCP (asked for, or switched to after a truncated answer).
    pub fn uses_tcp(&self) -> bool {
        self.settings.tcp
    }

    /// The index of the server after `server`, which answered a query asked from index `first`,
    /// when there is one (BIND's "trying next server"). Always above `first`, so retry loops end
    /// even when resolv.conf lists a server twice.
    pub fn next_after(&self, first: usize, server: SocketAddr) -> Option<usize> {
        let offset = self.servers.iter().skip(first).position(|known| known.address == server)?;
        let next = first + offset + 1;
        (next < self.servers.len()).then_some(next)
    }

    /// The address of the server at `index`, when there is one.
    pub fn server_address(&self, index: usize) -> Option<SocketAddr> {
        self.servers.get(index).map(|server| server.address)
    }

    /// How the user named `server` (the operand as typed, or the address from resolv.conf).
    pub fn label(&self, server: SocketAddr) -> String {
        self.servers
            .iter()
            .find(|known| known.address == server)
            .map_or_else(|| server.ip().to_string(), |known| known.label.clone())
    }

    /// Prints `events` as BIND does: `textname` names the lookup in TCP connection failures and
    /// `truncated` is what this tool prints on a TCP fallback.
    pub fn report(&self, console: &mut Console, events: &[Event], textname: &str, truncated: &str) {
        for event in events {
            match event {
                Event::Truncated => console.out(truncated),
                Event::ConnectFailed { server, failure } => {
                    console.out(&connect_failed_text(*server, &self.label(*server), textname, *failure));
                }
                other => {
                    if let Some(line) = event_line(other) {
                        console.out(&format!("{line}\n"));
                    }
                }
            }
        }
    }

    /// Sends `spec` to the servers from index `first` on (after one said SERVFAIL), until one answers or
    /// the try budget is spent.
    ///
    /// The budget is shared by all servers, as in BIND: a failed try is repeated on the same server while
    /// more than one try is left, otherwise the next server gets one try. What is left carries into the
    /// next name of a search walk.
    pub fn ask_from(
        &mut self,
        exchange: &mut dyn Exchange,
        first: usize,
        spec: &QuerySpec,
    ) -> Result<Asked<Answer>, DnsError> {
        let query = encode(spec)?;
        let mut events = Vec::new();
        let mut tries_left = self.settings.tries.max(1);
        let mut outcome = Outcome::NoReply;
        'servers: for server in self.servers.iter().skip(first).map(|server| server.address) {
            loop {
                let attempt = self.attempt(exchange, &query, server);
                events.extend(attempt.events);
                if !matches!(attempt.outcome, Outcome::NoReply) {
                    outcome = attempt.outcome;
                    break 'servers;
                }
                if tries_left <= 1 {
                    break;
                }
                tries_left -= 1;
            }
        }
        self.settings.tries = tries_left;
        // After a TCP fallback BIND stays on TCP for the rest of the lookup and its follow-ups.
        if events.contains(&Event::Truncated) {
            self.settings.tcp = true;
        }
        let answer = match outcome {
            Outcome::Reply(received) => Answer::Reply(received),
            Outcome::BadPacket(bad) => Answer::BadPacket(bad),
            Outcome::Abandoned => Answer::Abandoned,
            Outcome::NoReply => Answer::NoReply { announced: ended_on_connect_failure(&events) },
        };
        Ok(Asked { events, answer })
    }

    /// One try at `server`: over UDP, and again at once over TCP when the answer is truncated.
    fn attempt(&self, exchange: &mut dyn Exchange, query: &[u8], server: SocketAddr) -> Attempt {
        let protocol = if self.settings.tcp { Protocol::Tcp } else { Protocol::Udp };
        let request = self.request(query, server, protocol);
        let mut attempt = exchange.ask(&request);
        let truncated = matches!(&attempt.outcome, Outcome::Reply(received) if received.reply.header.truncated());
        if protocol == Protocol::Udp && truncated && !self.settings.ignore_truncation {
            attempt.events.push(Event::Truncated);
            let again = exchange.ask(&Request { protocol: Protocol::Tcp, ..request });
            attempt.events.extend(again.events);
            attempt.outcome = again.outcome;
        }
        attempt
    }

    fn request<'q>(&self, query: &'q [u8], server: SocketAddr, protocol: Protocol) -> Request<'q> {
        Request { query, server, protocol, timeout: self.settings.timeout, best_effort: self.settings.best_effort }
    }

    /// Runs a zone transfer for `spec` (AXFR or IXFR) from the first server that takes the query.
    pub fn transfer(&self, exchange: &mut dyn Exchange, spec: &QuerySpec) -> Result<Asked<Transfer>, DnsError> {
        let query = encode(spec)?;
        let mut events = Vec::new();
        for server in self.servers.iter().map(|server| server.address) {
            let attempt = exchange.transfer(&self.request(&query, server, Protocol::Tcp));
            events.extend(attempt.events);
            if !attempt.sent {
                continue;
            }
            let answer = match attempt.bad_packet {
                Some(bad) => Transfer::BadPacket(bad),
                None if attempt.messages.is_empty() => {
                    Transfer::NoReply { announced: ended_on_connect_failure(&events) }
                }
                None => Transfer::Messages(in_wire_order(attempt.messages)),
            };
            return Ok(Asked { events, answer });
        }
        let announced = ended_on_connect_failure(&events);
        Ok(Asked { events, answer: Transfer::NoReply { announced } })
    }
}

/// A transfer lists the zone in order; BIND does not regroup it.
fn in_wire_order(mut messages: Vec<Received>) -> Vec<Received> {
    messages.iter_mut().for_each(|received| received.reply.keep_order = true);
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::event::{Failure, TransferAttempt};
    use crate::protocol::codes::{Rcode, rtype};
    use crate::tools::scripted::{Scripted, a, answer, timeout, transfer_reply, truncated, two_servers};

    fn settings(tries: u32) -> Settings {
        Settings { timeout: Duration::from_secs(1), tries, tcp: false, ignore_truncation: false, best_effort: false }
    }

    fn spec() -> QuerySpec {
        QuerySpec::plain("web.test.", rtype::A, 1, true)
    }

    fn servers_asked(exchange: &Scripted) -> Vec<SocketAddr> {
        exchange.sent.iter().map(|sent| sent.server).collect()
    }

    /// The try budget is spent on the first server, the next gets one try, and what is left carries over
    /// to the lookup's next query.
    #[test]
    fn tries_are_a_shared_budget() {
        let servers = two_servers();
        let mut exchange = Scripted::new(timeout);
        let mut asker = Asker::new(&servers, settings(3));
        let asked = asker.ask_from(&mut exchange, 0, &spec()).expect("encodes");
        assert!(matches!(asked.answer, Answer::NoReply { announced: false }));
        assert_eq!(asked.events.len(), 4);
        let (first, second) = (servers[0].address, servers[1].address);
        assert_eq!(servers_asked(&exchange), [first, first, first, second]);
        asker.ask_from(&mut exchange, 0, &spec()).expect("encodes");
        assert_eq!(servers_asked(&exchange)[4..], [first, second]);
    }

    /// A truncated UDP answer is asked again at once over TCP, and the lookup stays on TCP.
    #[test]
    fn truncation_falls_back_to_tcp() {
        let servers = two_servers();
        let mut exchange = Scripted::new(|sent| match sent.protocol {
            Protocol::Udp => truncated(sent),
            Protocol::Tcp => answer(sent, Rcode::NOERROR, vec![a("web.test.", [10, 0, 0, 1])]),
        });
        let mut asker = Asker::new(&servers, settings(3));
        let asked = asker.ask_from(&mut exchange, 0, &spec()).expect("encodes");
        assert!(matches!(&asked.answer, Answer::Reply(received) if received.protocol == Protocol::Tcp));
        assert_eq!(asked.events, [Event::Truncated]);
        let protocols: Vec<Protocol> = exchange.sent.iter().map(|sent| sent.protocol).collect();
        assert_eq!(protocols, [Protocol::Udp, Protocol::Tcp]);
        assert_eq!(servers_asked(&exchange), [servers[0].address; 2]);
        assert!(asker.uses_tcp());
    }

    /// With `+ignore` a truncated answer is the reply.
    #[test]
    fn ignore_keeps_the_truncated_answer() {
        let servers = two_servers();
        let mut exchange = Scripted::new(truncated);
        let mut asker = Asker::new(&servers, Settings { ignore_truncation: true, ..settings(3) });
        let asked = asker.ask_from(&mut exchange, 0, &spec()).expect("encodes");
        assert!(matches!(&asked.answer, Answer::Reply(received) if received.reply.header.truncated()));
        assert_eq!(exchange.sent.len(), 1);
        assert!(!asker.uses_tcp());
    }

    /// A failed TCP connection on the last try says no servers could be reached itself.
    #[test]
    fn connect_failure_is_announced() {
        let servers = two_servers()[..1].to_vec();
        let mut exchange = Scripted::new(|sent| Attempt {
            events: vec![Event::ConnectFailed { server: sent.server, failure: Failure::ConnectionRefused }],
            outcome: Outcome::NoReply,
        });
        let mut asker = Asker::new(&servers, Settings { tcp: true, ..settings(1) });
        let asked = asker.ask_from(&mut exchange, 0, &spec()).expect("encodes");
        assert!(matches!(asked.answer, Answer::NoReply { announced: true }));
        let mut console = Console::captured();
        asker.report(&mut console, &asked.events, "web.test", "");
        assert!(console.stdout().ends_with("failed: connection refused.\n;; no servers could be reached\n"));
    }

    /// An abandoned lookup is not tried again.
    #[test]
    fn abandoned_lookups_stop() {
        let servers = two_servers();
        let mut exchange = Scripted::new(|_| Attempt { events: Vec::new(), outcome: Outcome::Abandoned });
        let mut asker = Asker::new(&servers, settings(3));
        let asked = asker.ask_from(&mut exchange, 0, &spec()).expect("encodes");
        assert!(matches!(asked.answer, Answer::Abandoned));
        assert_eq!(exchange.sent.len(), 1);
    }

    /// The next server is counted from where the query started, so a duplicated server ends the walk.
    #[test]
    fn next_server_moves_forward() {
        let server: SocketAddr = "127.0.0.1:53".parse().expect("addr");
        let servers =
            vec![Server { address: server, label: "a".into() }, Server { address: server, label: "b".into() }];
        let asker = Asker::new(&servers, settings(1));
        assert_eq!(asker.next_after(0, server), Some(1));
        assert_eq!(asker.next_after(1, server), None);
        assert_eq!(asker.label(server), "a");
    }

    /// A transfer moves past a server that cannot be reached and keeps the zone in wire order.
    #[test]
    fn transfer_skips_unreachable_servers() {
        let servers = two_servers();
        let unreachable = servers[0].address;
        let mut exchange = Scripted::new(timeout).with_transfers(move |sent| {
            if sent.server == unreachable {
                let refused = Event::ConnectFailed { server: sent.server, failure: Failure::ConnectionRefused };
                return TransferAttempt { events: vec![refused], ..TransferAttempt::default() };
            }
            transfer_reply(sent, Rcode::NOERROR, vec![a("z.", [10, 0, 0, 1])])
        });
        let asker = Asker::new(&servers, settings(1));
        let asked = asker.transfer(&mut exchange, &QuerySpec::plain("z.", rtype::AXFR, 1, false)).expect("encodes");
        let Transfer::Messages(messages) = asked.answer else { panic!("no transfer: {:?}", asked.answer) };
        assert!(messages[0].reply.keep_order);
        assert_eq!(servers_asked(&exchange), [servers[0].address, servers[1].address]);
    }
}
