//! dig's flows run in-process against a scripted exchange: the `+search` walk and ndots, `+showsearch`,
//! `+fail`/`+nofail` on SERVFAIL, timeouts and tries (exit 9), the TCP fallback, bad packets (exit 0) and
//! the statistics footer BIND prints twice for an as-is-first NXDOMAIN.

use crate::net::event::Protocol;
use crate::protocol::codes::Rcode;
use crate::resolver::conf::ResolvConf;
use crate::tools::Session;
use crate::tools::console::Console;
use crate::tools::dig::options::parse_args;
use crate::tools::dig::{flow, run::Run};
use crate::tools::scripted::{Scripted, Sent, a, answer, garbage, timeout, truncated};

/// A pod's resolv.conf with two search domains, `ndots:2` and two servers.
const RESOLV: &str = "search a.test b.test\nnameserver 127.0.0.1\nnameserver 127.0.0.2\noptions ndots:2\n";

/// Runs `dig ARGS` under [`RESOLV`] against `exchange`; returns stdout and the exit status. The greeting,
/// built when the command line leaves `+cmd` on before the first name, is a marker so tests see when it
/// is printed.
fn dig(args: &str, exchange: &mut Scripted) -> (String, i32) {
    let args: Vec<String> = args.split_whitespace().map(String::from).collect();
    let parsed = parse_args(&args).expect("a valid command line");
    let conf = ResolvConf::parse(RESOLV);
    let mut session = Session { exchange, console: Console::captured() };
    let greeting = parsed.global.cmd.then(|| "<greeting>\n".to_string());
    let mut run = Run { session: &mut session, greeting, print_cmd: parsed.print_cmd };
    let code = flow::run(&parsed.lookups, &conf, &mut run);
    (session.console.stdout().to_string(), code)
}

/// `web.b.test` has an address; every other name does not exist.
fn web_in_b(sent: &Sent) -> crate::net::event::Attempt {
    match sent.name.as_str() {
        "web.b.test." => answer(sent, Rcode::NOERROR, vec![a("web.b.test.", [10, 0, 0, 1])]),
        _ => answer(sent, Rcode::NXDOMAIN, Vec::new()),
    }
}

fn names(exchange: &Scripted) -> Vec<String> {
    exchange.asked().into_iter().map(|(name, _)| name).collect()
}

/// `+search` walks the search list past NXDOMAIN and prints only the answer that ends it.
#[test]
fn search_walk_prints_the_last_answer() {
    let mut exchange = Scripted::new(web_in_b);
    let (stdout, code) = dig("+search +noall +answer web", &mut exchange);
    assert_eq!((stdout.as_str(), code), ("web.b.test.\t\t5\tIN\tA\t10.0.0.1\n", 0));
    assert_eq!(names(&exchange), ["web.a.test.", "web.b.test."]);
}

/// Without `+search` a short name is asked as-is; with it, a name of ndots dots is too.
#[test]
fn names_outside_the_walk_are_asked_as_is() {
    let mut plain = Scripted::new(web_in_b);
    dig("+noall web", &mut plain);
    assert_eq!(names(&plain), ["web."]);
    let mut dotted = Scripted::new(web_in_b);
    dig("+search +noall web.x.y", &mut dotted);
    assert_eq!(names(&dotted), ["web.x.y."]);
}

/// `+showsearch` prints every step of the walk.
#[test]
fn showsearch_prints_each_step() {
    let mut exchange = Scripted::new(web_in_b);
    let (stdout, _) = dig("+showsearch +noall +comments web", &mut exchange);
    assert_eq!(stdout.matches(";; Got answer:\n").count(), 2, "{stdout}");
    assert!(stdout.contains("status: NXDOMAIN") && stdout.contains("status: NOERROR"), "{stdout}");
}

/// A SERVFAIL is final by default; `+nofail` asks the next server.
#[test]
fn servfail_moves_on_only_with_nofail() {
    let script = |sent: &Sent| match sent.server.ip().to_string().as_str() {
        "127.0.0.1" => answer(sent, Rcode::SERVFAIL, Vec::new()),
        _ => answer(sent, Rcode::NOERROR, vec![a("web.x.y.", [10, 0, 0, 2])]),
    };
    let mut failing = Scripted::new(script);
    let (stdout, code) = dig("+noall +comments web.x.y", &mut failing);
    assert!(stdout.contains("status: SERVFAIL"), "{stdout}");
    assert_eq!((code, failing.sent.len()), (0, 1));
    let mut moving = Scripted::new(script);
    let (stdout, _) = dig("+nofail +short web.x.y", &mut moving);
    assert_eq!((stdout.as_str(), moving.sent.len()), ("10.0.0.2\n", 2));
}

/// `+tries=2` gives two tries in all; when both time out dig prints the greeting, says no servers could be
/// reached, and exits 9.
#[test]
fn timeouts_exit_nine() {
    let mut exchange = Scripted::new(timeout);
    let (stdout, code) = dig("+time=1 +tries=2 @127.0.0.9 web.x.y", &mut exchange);
    let line = ";; communications error to 127.0.0.9#53: timed out\n";
    assert_eq!(stdout, format!("{line}{line}<greeting>\n;; no servers could be reached\n"));
    assert_eq!((code, exchange.sent.len()), (9, 2));
}

/// A truncated answer says so and is asked again over TCP; the footer names TCP.
#[test]
fn truncation_retries_over_tcp() {
    let mut exchange = Scripted::new(|sent| match sent.protocol {
        Protocol::Udp => truncated(sent),
        Protocol::Tcp => answer(sent, Rcode::NOERROR, vec![a("web.x.y.", [10, 0, 0, 3])]),
    });
    let (stdout, code) = dig("web.x.y", &mut exchange);
    assert!(stdout.starts_with(";; Truncated, retrying in TCP mode.\n<greeting>\n;; Got answer:\n"), "{stdout}");
    assert!(stdout.contains(";; SERVER: 127.0.0.1#53(127.0.0.1) (TCP)\n"), "{stdout}");
    assert_eq!(code, 0);
}

/// A reply that does not parse is dumped and the lookup given up, exit 0 as in BIND 9.18; the next lookup
/// on the command line still runs.
#[test]
fn bad_packets_end_only_their_lookup() {
    let mut exchange = Scripted::new(|sent| match sent.name.as_str() {
        "bad.x.y." => garbage(sent),
        _ => answer(sent, Rcode::NOERROR, vec![a("good.x.y.", [10, 0, 0, 5])]),
    });
    let (stdout, code) = dig("+short bad.x.y good.x.y", &mut exchange);
    assert!(stdout.starts_with(";; Got bad packet: unexpected end of input\n18 bytes\n"), "{stdout}");
    assert!(stdout.ends_with("10.0.0.5\n"), "{stdout}");
    assert_eq!(code, 0);
}

/// An NXDOMAIN for a name asked as-is before the search list gets BIND's statistics footer twice.
#[test]
fn as_is_first_nxdomain_has_two_footers() {
    let mut exchange = Scripted::new(|sent| answer(sent, Rcode::NXDOMAIN, Vec::new()));
    let (stdout, code) = dig("+search +noall +stats nosuch.x.y", &mut exchange);
    assert_eq!(stdout.matches(";; MSG SIZE  rcvd:").count(), 2, "{stdout}");
    assert_eq!(code, 0);
    let mut last = Scripted::new(|sent| answer(sent, Rcode::NXDOMAIN, Vec::new()));
    let (stdout, _) = dig("+search +noall +stats nosuch", &mut last);
    assert_eq!(stdout.matches(";; MSG SIZE  rcvd:").count(), 1, "{stdout}");
    assert_eq!(names(&last), ["nosuch.a.test.", "nosuch.b.test.", "nosuch."]);
}

/// With `+yaml` a reply is one YAML document, timed by the exchange's clock.
#[test]
fn yaml_reply_document() {
    let mut exchange = Scripted::new(|sent| answer(sent, Rcode::NOERROR, vec![a("web.x.y.", [10, 0, 0, 6])]));
    let (stdout, code) = dig("+yaml @127.0.0.1 web.x.y", &mut exchange);
    let opening = "- type: MESSAGE\n  message:\n    type: RECURSIVE_RESPONSE\n\
                   \x20   query_time: !!timestamp 2026-11-26T10:38:40.039Z\n\
                   \x20   response_time: !!timestamp 2026-11-26T10:38:40.042Z\n";
    assert!(stdout.starts_with(opening), "{stdout}");
    assert!(stdout.ends_with("      ANSWER_SECTION:\n        - 'web.x.y. 5 IN A 10.0.0.6'\n"), "{stdout}");
    assert_eq!(code, 0);
}

/// With `+yaml` warnings stay out, a bad packet is dropped silently, and no reply is a `DIG_ERROR`
/// document, exit 9.
#[test]
fn yaml_failures() {
    let mut silent = Scripted::new(timeout);
    let (stdout, code) = dig("+yaml +tries=2 @127.0.0.9 web.x.y", &mut silent);
    assert_eq!(stdout, "- type: DIG_ERROR\n  message: |\n    no servers could be reached\n");
    assert_eq!(code, 9);
    let mut broken = Scripted::new(garbage);
    assert_eq!(dig("+yaml web.x.y", &mut broken), (String::new(), 0));
}
