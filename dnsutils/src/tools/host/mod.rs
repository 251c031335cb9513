//! `host`: BIND 9.18's simple lookup tool.
//!
//! [`options`] reads the command line; [`flow`] runs the lookups (search walk, SERVFAIL failover, the AAAA
//! and MX follow-ups, the exit status) and [`transfer`] the zone transfers of `-l` and `-t AXFR`; both
//! print through [`output`]. [`main`] only loads the settings, finds the servers and starts the flow on
//! real sockets.

pub mod flow;
#[cfg(test)]
mod flow_tests;
pub mod options;
pub mod output;
pub mod transfer;

use std::ffi::OsString;

use crate::net::sockets::Sockets;
use crate::resolver::conf::ResolvConf;
use crate::resolver::servers::{Server, conf_servers, named_servers};
use crate::tools::console::{Console, progname};
use crate::tools::{FamilyMismatch, Session, check_family};
use options::{Options, parse_args};

/// Runs `host` with `args` (argv without `argv[0]`); returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut console = Console::terminal();
    let options = match parse_args(&args) {
        Ok(options) => options,
        Err(error) => {
            console.err(&error.message);
            return error.code;
        }
    };
    if options.version {
        console.err(&format!("host {}\n", crate::BIND_VERSION));
        return 0;
    }
    if let Err(error) = crate::wire::query::check_user_name(&options.name) {
        console.err(&format!("{}: {error}\n", progname()));
        return 1;
    }
    let conf = ResolvConf::load();
    let servers = match servers(&options, &conf) {
        Ok(servers) => servers,
        Err(message) => {
            console.err(&message);
            return 1;
        }
    };
    if let (Some(label), Some(first)) = (&options.server, servers.first()) {
        match check_family(label, first.address, options.family) {
            Ok(()) => {}
            Err(FamilyMismatch::Unsupported(text)) => {
                console.err(&format!("{}: {text}", progname()));
                return 1;
            }
            Err(FamilyMismatch::Mapped(text)) => {
                console.out(&text);
                return 1;
            }
        }
    }
    let mut session = Session { exchange: &mut Sockets, console };
    flow::run(&options, &conf, &servers, &mut session)
}

/// The servers to ask: the operand's first address, or resolv.conf's list filtered by `-4`/`-6`.
fn servers(options: &Options, conf: &ResolvConf) -> Result<Vec<Server>, String> {
    match &options.server {
        Some(server) => {
            let mut servers = named_servers(server, options.port)
                .map_err(|why| format!("{}: couldn't get address for '{server}': {why}\n", progname()))?;
            servers.truncate(1);
            Ok(servers)
        }
        None => Ok(conf_servers(conf, options.port, options.family)),
    }
}
