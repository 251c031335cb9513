//! nslookup's flows run in-process against a scripted exchange: the search walk and ndots, the SERVFAIL and
//! "recursion not available" moves to the next server, timeouts and tries, the TCP fallback, the AAAA
//! follow-up and the exit status.

use crate::net::event::{Attempt, Protocol};
use crate::protocol::codes::{Rcode, rtype};
use crate::resolver::conf::ResolvConf;
use crate::tools::Session;
use crate::tools::console::Console;
use crate::tools::nslookup::options::parse_args;
use crate::tools::nslookup::{flow, servers};
use crate::tools::scripted::{
    Scripted, Sent, a, aaaa, answer, cname, garbage, received, reply_bytes, timeout, truncated,
};

/// A pod's resolv.conf with two search domains, `ndots:2` and two servers.
const RESOLV: &str = "search a.test b.test\nnameserver 127.0.0.1\nnameserver 127.0.0.2\noptions ndots:2\n";

/// Runs `nslookup ARGS` (one name) under [`RESOLV`] against `exchange`; returns stdout and the exit status.
fn nslookup(args: &str, exchange: &mut Scripted) -> (String, i32) {
    let args: Vec<String> = args.split_whitespace().map(String::from).collect();
    let (options, _) = parse_args(&args);
    let conf = ResolvConf::parse(RESOLV);
    let mut session = Session { exchange, console: Console::captured() };
    let servers = servers(&options, &conf, &mut session).expect("servers");
    let name = options.name.clone().expect("a name");
    let code = flow::run(&options, &name, &conf, &servers, &mut session);
    (session.console.stdout().to_string(), code)
}

/// `web.b.test` has an address (IPv4 only); every other name does not exist.
fn web_in_b(sent: &Sent) -> Attempt {
    match (sent.name.as_str(), sent.rtype) {
        ("web.b.test.", rtype::A) => answer(sent, Rcode::NOERROR, vec![a("web.b.test.", [10, 0, 0, 1])]),
        ("web.b.test.", _) => answer(sent, Rcode::NOERROR, Vec::new()),
        _ => answer(sent, Rcode::NXDOMAIN, Vec::new()),
    }
}

/// A short name walks the search list; the default lookups then ask AAAA for the name found.
#[test]
fn search_walk_then_aaaa() {
    let mut exchange = Scripted::new(web_in_b);
    let (stdout, code) = nslookup("web", &mut exchange);
    assert_eq!(stdout, "Server:\t\t127.0.0.1\nAddress:\t127.0.0.1#53\n\nName:\tweb.b.test\nAddress: 10.0.0.1\n");
    assert_eq!(code, 0);
    let asked = exchange.asked();
    let expected = [("web.a.test.", rtype::A), ("web.b.test.", rtype::A), ("web.b.test.", rtype::AAAA)];
    assert_eq!(asked, expected.map(|(name, code)| (name.to_string(), code)));
}

/// A name with ndots dots is asked as-is; its NXDOMAIN is `** server can't find`, exit 1.
#[test]
fn dotted_name_not_found_exits_one() {
    let mut exchange = Scripted::new(web_in_b);
    let (stdout, code) = nslookup("web.x.y", &mut exchange);
    assert!(stdout.ends_with("** server can't find web.x.y: NXDOMAIN\n"), "{stdout}");
    assert_eq!((code, exchange.sent.len()), (1, 1));
}

/// A SERVFAIL is reported and the next server asked.
#[test]
fn servfail_is_reported_and_the_next_server_asked() {
    let mut exchange = Scripted::new(|sent| match sent.server.ip().to_string().as_str() {
        "127.0.0.1" => answer(sent, Rcode::SERVFAIL, Vec::new()),
        _ => answer(sent, Rcode::NOERROR, vec![a("web.x.y.", [10, 0, 0, 2])]),
    });
    let (stdout, code) = nslookup("-type=A web.x.y", &mut exchange);
    assert!(stdout.starts_with(";; Got SERVFAIL reply from 127.0.0.1, trying next server\nServer:\t\t127.0.0.2\n"));
    assert_eq!(code, 0);
}

/// A resolv.conf server that does not offer recursion is passed over too; the last one is used anyway.
#[test]
fn recursion_not_available_moves_on() {
    let mut exchange = Scripted::new(|sent| {
        let mut bytes = reply_bytes(sent, Rcode::NOERROR, vec![a("web.x.y.", [10, 0, 0, 3])], 0);
        bytes[3] &= !0x80;
        received(sent, bytes)
    });
    let (stdout, _) = nslookup("-type=A web.x.y", &mut exchange);
    let moves = ";; Got recursion not available from 127.0.0.1, trying next server\n";
    assert!(stdout.starts_with(&format!("{moves};; Got recursion not available from 127.0.0.2\n")), "{stdout}");
}

/// `-retry=2` gives two tries in all; when both time out the lookup fails, exit 1.
#[test]
fn timeouts_are_retried_then_reported() {
    let mut exchange = Scripted::new(timeout);
    let (stdout, code) = nslookup("-timeout=1 -retry=2 web.x.y 127.0.0.9", &mut exchange);
    let line = ";; communications error to 127.0.0.9#53: timed out\n";
    assert_eq!(stdout, format!("{line}{line};; no servers could be reached\n"));
    assert_eq!((code, exchange.sent.len()), (1, 2));
}

/// A truncated answer says so and is asked again over TCP, and the follow-up goes straight to TCP.
#[test]
fn truncation_retries_over_tcp() {
    let mut exchange = Scripted::new(|sent| match (sent.protocol, sent.rtype) {
        (Protocol::Udp, _) => truncated(sent),
        (Protocol::Tcp, rtype::A) => answer(sent, Rcode::NOERROR, vec![a("web.x.y.", [10, 0, 0, 4])]),
        (Protocol::Tcp, _) => answer(sent, Rcode::NOERROR, vec![aaaa("web.x.y.", "fd00::4")]),
    });
    let (stdout, code) = nslookup("web.x.y", &mut exchange);
    assert!(stdout.starts_with(";; Truncated, retrying in TCP mode.\nServer:"), "{stdout}");
    assert!(stdout.ends_with("Address: 10.0.0.4\nName:\tweb.x.y\nAddress: fd00::4\n"), "{stdout}");
    let protocols: Vec<Protocol> = exchange.sent.iter().map(|sent| sent.protocol).collect();
    assert_eq!((protocols, code), (vec![Protocol::Udp, Protocol::Tcp, Protocol::Tcp], 0));
}

/// The AAAA follow-up asks for the CNAME chain's end; without a usable reply it is skipped, exit 0.
#[test]
fn follow_up_chases_the_cname_and_a_bad_one_is_skipped() {
    let mut exchange = Scripted::new(|sent| match sent.rtype {
        rtype::A => answer(sent, Rcode::NOERROR, vec![cname("web.x.y.", "real.x.y."), a("real.x.y.", [10, 0, 0, 5])]),
        _ => garbage(sent),
    });
    let (stdout, code) = nslookup("web.x.y", &mut exchange);
    assert!(stdout.contains("web.x.y\tcanonical name = real.x.y.\n"), "{stdout}");
    assert!(stdout.contains(";; Got bad packet: unexpected end of input\n18 bytes\n"), "{stdout}");
    assert_eq!(exchange.asked()[1], ("real.x.y.".to_string(), rtype::AAAA));
    assert_eq!(code, 0);
}
