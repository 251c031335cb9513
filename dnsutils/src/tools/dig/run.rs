//! A run of dig: the session it prints to, the greeting it owes until the first answer, its exit statuses,
//! and the query each of its lookups sends (and prints with `+qr`).

use std::net::SocketAddr;
use std::time::SystemTime;

use crate::protocol::codes::{class, rtype};
use crate::text::notice::NO_SERVERS_TEXT;
use crate::text::yaml::error_yaml;
use crate::tools::Session;
use crate::tools::console::progname;
use crate::tools::dig::lookup::DigLookup;
use crate::tools::dig::output::{query_text, query_yaml};
use crate::wire::query::{EdnsSpec, QuerySpec, random_id};
use crate::wire::reply::parse;

/// dig's exit status when no server answered.
pub const EXIT_NO_REPLY: i32 = 9;

/// dig's exit status for usage errors.
pub const EXIT_USAGE: i32 = 1;

/// dig's exit status for internal errors (a name it cannot encode, an unresolvable server).
pub const EXIT_INTERNAL: i32 = 10;

/// A run of dig: where it prints and the greeting it owes.
pub struct Run<'s, 'a> {
    /// The network and the console.
    pub session: &'s mut Session<'a>,
    /// The greeting, until it has been printed once.
    pub greeting: Option<String>,
    /// Whether answers print the greeting (dig's global `printcmd`).
    pub print_cmd: bool,
}

impl Run<'_, '_> {
    /// Prints the greeting if it has not been printed yet.
    pub fn greet(&mut self) {
        if let Some(text) = self.greeting.take() {
            self.session.console.out(&text);
        }
    }

    /// Writes `text` to stdout.
    pub fn out(&mut self, text: &str) {
        self.session.console.out(text);
    }

    /// Says no server could be reached: after the greeting it still owes unless a failed TCP connection
    /// already said so (`announced`), and with `+yaml` as a `DIG_ERROR` document.
    pub fn no_servers(&mut self, yaml: bool, announced: bool) {
        if !announced {
            self.greet();
        }
        if yaml {
            self.out(&error_yaml("no servers could be reached"));
        } else if !announced {
            self.out(NO_SERVERS_TEXT);
        }
    }

    /// Writes `program: text` to stderr, as BIND's fatal messages.
    pub fn fatal(&mut self, text: &str) {
        self.session.console.err(&format!("{}: {text}", progname()));
    }
}

/// The query dig sends for `qname` under the lookup's options.
pub fn query_spec(lookup: &DigLookup, qname: &str, cookie: Option<Vec<u8>>) -> QuerySpec {
    QuerySpec {
        id: random_id(),
        name: qname.to_string(),
        rtype: lookup.rtype.unwrap_or(rtype::A),
        class: lookup.class.unwrap_or(class::IN),
        recurse: lookup.recurse,
        authentic_data: lookup.adflag,
        checking_disabled: lookup.cdflag,
        ixfr_serial: lookup.ixfr_serial,
        edns: lookup.edns.map(|version| EdnsSpec {
            udp_size: lookup.bufsize,
            version,
            cookie,
            nsid: lookup.nsid,
            dnssec_ok: lookup.dnssec,
        }),
    }
}

/// `+qr`: prints the query as it is sent to `server` (over TCP when `tcp`).
pub fn print_query(lookup: &DigLookup, spec: &QuerySpec, server: Option<SocketAddr>, tcp: bool, run: &mut Run) {
    let Ok(bytes) = crate::wire::query::encode(spec) else { return };
    let Ok(query) = parse(bytes, true) else { return };
    if run.print_cmd {
        run.greet();
    }
    match server {
        Some(server) if lookup.yaml => run.out(&query_yaml(lookup, &query, server, tcp, SystemTime::now())),
        _ => run.out(&query_text(lookup, &spec.name, &query)),
    }
}
