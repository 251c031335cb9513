//! `dig`: BIND 9.18's query tool, with its full default output.
//!
//! [`options`] and [`plus`] read the command line into one [`lookup::DigLookup`] per name; [`flow`] runs
//! each lookup (servers, search walk, SERVFAIL and BADCOOKIE retries, exit status) and [`transfer`] the
//! zone transfers, both within a [`run::Run`]; [`output`] is the text under each `+option`. [`main`] only parses, loads resolv.conf,
//! and starts the flow on real sockets.

pub mod flow;
#[cfg(test)]
mod flow_tests;
pub mod lookup;
pub mod options;
pub mod output;
pub mod plus;
pub mod run;
pub mod transfer;

use std::ffi::OsString;

use crate::net::sockets::Sockets;
use crate::resolver::conf::ResolvConf;
use crate::resolver::servers::resolve_server;
use crate::tools::Session;
use crate::tools::console::{Console, progname};
use lookup::DigArgError;
use options::parse_args;
use run::{EXIT_USAGE, Run};

const SHORT_USAGE: &str = "Usage:  dig [@global-server] [domain] [q-type] [q-class] {q-opt}
            {global-d-opt} host [@local-server] {local-d-opt}
            [ host [@local-server] {local-d-opt} [...]]

Use \"dig -h\" (or \"dig -h | more\") for complete list of options
";

/// `dig -h`, as BIND 9.18 prints it.
const HELP: &str = include_str!("help.txt");

/// Runs `dig` with `args` (argv without `argv[0]`); returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut console = Console::terminal();
    let parsed = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(DigArgError::InvalidOption(option)) => {
            console.err(&format!("Invalid option: {option}\n{SHORT_USAGE}"));
            return EXIT_USAGE;
        }
        Err(DigArgError::Fatal(message)) => {
            console.err(&format!("{}: {message}\n", progname()));
            return EXIT_USAGE;
        }
        Err(DigArgError::BadNumber { what, value, reason, code }) => {
            console.out(&format!("invalid {what} '{value}': {reason}\n"));
            console.err(&format!("{}: Couldn't parse {what}\n", progname()));
            return code;
        }
    };
    for warning in &parsed.warnings {
        console.err(&format!("{warning}\n"));
    }
    if parsed.help {
        console.out(HELP);
        return 0;
    }
    if parsed.version {
        console.err(&format!("DiG {}\n", crate::BIND_VERSION));
        return 0;
    }
    let conf = ResolvConf::load();
    let global = &parsed.global;
    let servers_found =
        global.server.as_ref().map(|server| resolve_server(server, global.port).map_or(1, |found| found.len()));
    let greeting = global.cmd.then(|| output::greeting(&args, global, servers_found));
    let mut session = Session { exchange: &mut Sockets, console };
    let mut run = Run { session: &mut session, greeting, print_cmd: parsed.print_cmd };
    flow::run(&parsed.lookups, &conf, &mut run)
}
