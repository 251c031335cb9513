//! `nslookup` (non-interactive, and interactive from stdin): BIND 9.18's friendly lookup tool.
//!
//! `nslookup [-option=value ...] name [server]`. [`options`] reads the options (the same words as `set` in
//! interactive mode); [`flow`] runs a lookup (search walk, SERVFAIL failover, the AAAA follow-up, exit
//! status) and prints through [`output`]. This module reads the command line or stdin and starts the flow
//! on real sockets.

pub mod flow;
#[cfg(test)]
mod flow_tests;
pub mod options;
pub mod output;

use std::ffi::OsString;

use crate::net::sockets::Sockets;
use crate::resolver::conf::ResolvConf;
use crate::resolver::servers::{Server, conf_servers, named_servers};
use crate::text::notice::server_text;
use crate::tools::Session;
use crate::tools::console::Console;
use options::{Options, apply_option, parse_args};

/// Runs `nslookup` with `args` (argv without `argv[0]`); returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut session = Session { exchange: &mut Sockets, console: Console::terminal() };
    let (mut options, complaints) = parse_args(&args);
    complaints.iter().for_each(|complaint| session.console.out(complaint));
    if options.version {
        session.console.err(&format!("nslookup {}\n", crate::BIND_VERSION));
        return 0;
    }
    let conf = ResolvConf::load();
    match options.name.clone().filter(|name| name != "-") {
        Some(name) => one_shot(&options, &name, &conf, &mut session),
        None => interactive(&mut options, &conf, &mut session),
    }
}

/// `nslookup NAME [SERVER]`: one lookup, then the blank line nslookup ends with.
fn one_shot(options: &Options, name: &str, conf: &ResolvConf, session: &mut Session) -> i32 {
    if let Err(error) = crate::wire::query::check_user_name(name) {
        session.console.err(&format!("nslookup: {error}\n"));
        return 1;
    }
    let Some(servers) = servers(options, conf, session) else { return 1 };
    let code = flow::run(options, name, conf, &servers, session);
    session.console.out("\n");
    code
}

/// Interactive mode (no name, or `-`): one command per stdin line — a name to look up (optionally
/// followed by a server), `server NAME`, `set OPTION`, `exit` — and the closing blank line.
fn interactive(options: &mut Options, conf: &ResolvConf, session: &mut Session) -> i32 {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    let prompt = stdin.is_terminal();
    let mut failed = false;
    // nslookup exits 1 when no query was answered at all, even when none was asked.
    let mut asked = false;
    let mut lines = stdin.lock().lines();
    loop {
        if prompt {
            session.console.out("> ");
        }
        let Some(Ok(line)) = lines.next() else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            ["exit"] => break,
            ["server" | "lserver", server, ..] => set_server(options, conf, server, session),
            ["set", option, ..] => {
                if let Some(complaint) = apply_option(options, option) {
                    session.console.out(&complaint);
                }
            }
            [name, rest @ ..] => {
                asked = true;
                let mut this = options.clone();
                if let Some(server) = rest.first() {
                    this.server = Some((*server).to_string());
                }
                failed |= match servers(&this, conf, session) {
                    Some(servers) => flow::run(&this, name, conf, &servers, session) != 0,
                    None => true,
                };
            }
        }
    }
    session.console.out("\n");
    i32::from(failed || !asked)
}

/// `server NAME`: makes NAME the default server and says so.
fn set_server(options: &mut Options, conf: &ResolvConf, server: &str, session: &mut Session) {
    let mut candidate = options.clone();
    candidate.server = Some(server.to_string());
    if let Some(servers) = servers(&candidate, conf, session) {
        for server in &servers {
            session.console.out(&format!(
                "Default server: {}\nAddress: {}\n",
                server.label,
                server_text(server.address)
            ));
        }
        *options = candidate;
    }
}

/// The servers to ask: the server operand (every address it resolves to) or resolv.conf's list.
fn servers(options: &Options, conf: &ResolvConf, session: &mut Session) -> Option<Vec<Server>> {
    match &options.server {
        Some(server) => match named_servers(server, options.port) {
            Ok(servers) => Some(servers),
            Err(why) => {
                session.console.err(&format!("nslookup: couldn't get address for '{server}': {why}\n"));
                None
            }
        },
        None => Some(conf_servers(conf, options.port, None)),
    }
}
