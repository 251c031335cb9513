//! host's flows run in-process against a scripted exchange: the search walk and ndots, SERVFAIL and `-s`,
//! timeouts and retries, the TCP fallback, the AAAA and MX follow-ups and the exit status, and the zone
//! transfer's own walk. No sockets and no clock: every reply and timeout comes from the script.

use crate::net::event::{Attempt, Protocol};
use crate::protocol::codes::{Rcode, rtype};
use crate::resolver::conf::ResolvConf;
use crate::tools::Session;
use crate::tools::console::Console;
use crate::tools::host::options::parse_args;
use crate::tools::host::{flow, servers};
use crate::tools::scripted::{Scripted, Sent, a, answer, cname, garbage, timeout, transfer_reply, truncated};

/// A pod's resolv.conf with two search domains, `ndots:2` and two servers.
const RESOLV: &str = "search a.test b.test\nnameserver 127.0.0.1\nnameserver 127.0.0.2\noptions ndots:2\n";

/// Runs `host ARGS` under `resolv` against `exchange`; returns stdout and the exit status.
fn host(args: &str, resolv: &str, exchange: &mut Scripted) -> (String, i32) {
    let args: Vec<String> = args.split_whitespace().map(String::from).collect();
    let options = parse_args(&args).expect("a valid command line");
    let conf = ResolvConf::parse(resolv);
    let servers = servers(&options, &conf).expect("servers");
    let mut session = Session { exchange, console: Console::captured() };
    let code = flow::run(&options, &conf, &servers, &mut session);
    (session.console.stdout().to_string(), code)
}

/// A script where `web.b.test` has an address and every other name does not exist.
fn web_in_b(sent: &Sent) -> Attempt {
    match (sent.name.as_str(), sent.rtype) {
        ("web.b.test.", rtype::A) => answer(sent, Rcode::NOERROR, vec![a("web.b.test.", [10, 0, 0, 1])]),
        ("web.b.test.", _) => answer(sent, Rcode::NOERROR, Vec::new()),
        _ => answer(sent, Rcode::NXDOMAIN, Vec::new()),
    }
}

fn asked(names: &[(&str, u16)]) -> Vec<(String, u16)> {
    names.iter().map(|(name, code)| ((*name).to_string(), *code)).collect()
}

/// A short name walks the search list until a name exists, then follows up with AAAA and MX for it.
#[test]
fn search_walk_then_follow_ups() {
    let mut exchange = Scripted::new(web_in_b);
    let (stdout, code) = host("web", RESOLV, &mut exchange);
    assert_eq!((stdout.as_str(), code), ("web.b.test has address 10.0.0.1\n", 0));
    let expected = [("web.a.test.", rtype::A), ("web.b.test.", rtype::A), ("web.b.test.", rtype::AAAA)];
    assert_eq!(exchange.asked(), asked(&[expected[0], expected[1], expected[2], ("web.b.test.", rtype::MX)]));
}

/// A name with at least ndots dots is asked as-is only; its NXDOMAIN names the user's text, exit 1.
#[test]
fn dotted_name_is_asked_as_is() {
    let mut exchange = Scripted::new(web_in_b);
    let (stdout, code) = host("web.x.y", RESOLV, &mut exchange);
    assert_eq!((stdout.as_str(), code), ("Host web.x.y not found: 3(NXDOMAIN)\n", 1));
    assert_eq!(exchange.asked(), asked(&[("web.x.y.", rtype::A)]));
}

/// A SERVFAIL moves on to the next server silently; `-s` stops there and reports it, exit 1.
#[test]
fn servfail_moves_to_the_next_server_unless_told_to_stop() {
    let first = |sent: &Sent| sent.server.ip().to_string() == "127.0.0.1";
    let script = move |sent: &Sent| match (first(sent), sent.rtype) {
        (true, _) => answer(sent, Rcode::SERVFAIL, Vec::new()),
        (false, rtype::A) => answer(sent, Rcode::NOERROR, vec![a("web.x.y.", [10, 0, 0, 1])]),
        (false, _) => answer(sent, Rcode::NOERROR, Vec::new()),
    };
    let mut exchange = Scripted::new(script);
    let (stdout, code) = host("-t A web.x.y", RESOLV, &mut exchange);
    assert_eq!((stdout.as_str(), code), ("web.x.y has address 10.0.0.1\n", 0));
    assert_eq!(exchange.sent.len(), 2);
    let mut stopping = Scripted::new(script);
    let (stdout, code) = host("-s -t A web.x.y", RESOLV, &mut stopping);
    assert_eq!((stdout.as_str(), code), ("Host web.x.y not found: 2(SERVFAIL)\n", 1));
    assert_eq!(stopping.sent.len(), 1);
}

/// `-R 1` gives two tries in all; a silent server times out on each and the lookup fails, exit 1.
#[test]
fn timeouts_are_retried_then_reported() {
    let mut exchange = Scripted::new(timeout);
    let (stdout, code) = host("-W 1 -R 1 web.x.y 127.0.0.9", RESOLV, &mut exchange);
    let line = ";; communications error to 127.0.0.9#53: timed out\n";
    assert_eq!(stdout, format!("{line}{line};; no servers could be reached\n"));
    assert_eq!((code, exchange.sent.len()), (1, 2));
}

/// A truncated answer is asked again over TCP, and the follow-ups go straight to TCP.
#[test]
fn truncation_switches_the_run_to_tcp() {
    let mut exchange = Scripted::new(|sent| match (sent.protocol, sent.rtype) {
        (Protocol::Udp, _) => truncated(sent),
        (Protocol::Tcp, rtype::A) => answer(sent, Rcode::NOERROR, vec![a("web.x.y.", [10, 0, 0, 2])]),
        (Protocol::Tcp, _) => answer(sent, Rcode::NOERROR, Vec::new()),
    });
    let (stdout, code) = host("web.x.y", RESOLV, &mut exchange);
    assert_eq!((stdout.as_str(), code), ("web.x.y has address 10.0.0.2\n", 0));
    let protocols: Vec<Protocol> = exchange.sent.iter().map(|sent| sent.protocol).collect();
    assert_eq!(protocols, [Protocol::Udp, Protocol::Tcp, Protocol::Tcp, Protocol::Tcp]);
}

/// The follow-ups ask for the name the CNAME chain ends at.
#[test]
fn follow_ups_chase_the_cname_chain() {
    let mut exchange = Scripted::new(|sent| match sent.rtype {
        rtype::A => answer(sent, Rcode::NOERROR, vec![cname("web.x.y.", "real.x.y."), a("real.x.y.", [10, 0, 0, 3])]),
        _ => answer(sent, Rcode::NOERROR, Vec::new()),
    });
    let (stdout, code) = host("web.x.y", RESOLV, &mut exchange);
    assert_eq!(stdout, "web.x.y is an alias for real.x.y.\nreal.x.y has address 10.0.0.3\n");
    assert_eq!(code, 0);
    assert_eq!(exchange.asked()[1..], asked(&[("real.x.y.", rtype::AAAA), ("real.x.y.", rtype::MX)]));
}

/// A follow-up without a usable reply is reported and skipped, leaving the exit status at 0; the first
/// lookup without one ends the run with 1.
#[test]
fn only_the_first_lookup_decides_a_failed_exit() {
    let mut exchange = Scripted::new(|sent| match sent.rtype {
        rtype::A => answer(sent, Rcode::NOERROR, vec![a("web.x.y.", [10, 0, 0, 1])]),
        _ => garbage(sent),
    });
    let (stdout, code) = host("web.x.y", RESOLV, &mut exchange);
    assert_eq!(stdout.matches(";; Got bad packet: unexpected end of input\n").count(), 2, "{stdout}");
    assert_eq!((code, exchange.sent.len()), (0, 3));
    let mut failing = Scripted::new(garbage);
    let (_, code) = host("web.x.y", RESOLV, &mut failing);
    assert_eq!((code, failing.sent.len()), (1, 1));
}

/// With `-v`, a REFUSED reply to a search-list name has no `Received` line (BIND reports only replies to
/// names outside the search list then); the same reply to an as-is name has one.
#[test]
fn verbose_refused_reports_arrival_only_outside_the_search_list() {
    let mut exchange = Scripted::new(|sent| answer(sent, Rcode::REFUSED, Vec::new()));
    let (stdout, code) = host("-v web", RESOLV, &mut exchange);
    assert!(stdout.contains("Host web.a.test not found: 5(REFUSED)\n"), "{stdout}");
    assert!(!stdout.contains("Received"), "{stdout}");
    assert_eq!(code, 1);
    let mut as_is = Scripted::new(|sent| answer(sent, Rcode::REFUSED, Vec::new()));
    let (stdout, _) = host("-v web.x.y", RESOLV, &mut as_is);
    assert_eq!(stdout.matches("Received ").count(), 1, "{stdout}");
}

/// `host -l` walks the search list before the transfer: a refusal of the first name ends it, exit 1.
#[test]
fn zone_listing_walks_the_search_list_first() {
    let mut exchange = Scripted::new(timeout).with_transfers(|sent| transfer_reply(sent, Rcode::NOTAUTH, Vec::new()));
    let (stdout, code) = host("-l zone 127.0.0.1", RESOLV, &mut exchange);
    assert!(stdout.ends_with("Host zone.a.test not found: 9(NOTAUTH)\n; Transfer failed.\n"), "{stdout}");
    assert_eq!(code, 1);
    assert_eq!(exchange.asked(), asked(&[("zone.a.test.", rtype::AXFR)]));
}

/// An NXDOMAIN for a transfer moves the walk on, each with `; Transfer failed.`, until a zone answers.
#[test]
fn zone_listing_moves_on_after_nxdomain() {
    let mut exchange = Scripted::new(timeout).with_transfers(|sent| match sent.name.as_str() {
        "zone." => transfer_reply(sent, Rcode::NOERROR, vec![a("zone.", [10, 0, 0, 4])]),
        _ => transfer_reply(sent, Rcode::NXDOMAIN, Vec::new()),
    });
    let (stdout, code) = host("-l zone", RESOLV, &mut exchange);
    assert_eq!(stdout, "; Transfer failed.\n; Transfer failed.\nzone has address 10.0.0.4\n");
    assert_eq!(code, 0);
    let names: Vec<String> = exchange.asked().into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["zone.a.test.", "zone.b.test.", "zone."]);
}
