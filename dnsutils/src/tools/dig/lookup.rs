//! Everything one dig lookup needs, as the command line leaves it: what to ask, whom, how, and which parts
//! of the reply to print; and the ways a command line is rejected. The option parsers fill it in.

use crate::protocol::codes::Family;

/// Everything one lookup needs: what to ask, whom, how, and what to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigLookup {
    /// Query name as typed (None until a name operand appears).
    pub name: Option<String>,
    /// Query type, when given.
    pub rtype: Option<u16>,
    /// Query class, when given.
    pub class: Option<u16>,
    /// `@server` operand as typed.
    pub server: Option<String>,
    /// `-p`.
    pub port: u16,
    /// `+short`.
    pub short: bool,
    /// `+identify` (with `+short`).
    pub identify: bool,
    /// `+comments`: header block, section titles and the blank lines between them.
    pub comments: bool,
    /// `+question`.
    pub question: bool,
    /// `+answer`.
    pub answer: bool,
    /// `+authority`.
    pub authority: bool,
    /// `+additional`.
    pub additional: bool,
    /// `+stats`: the footer.
    pub stats: bool,
    /// `+cmd`: the greeting.
    pub cmd: bool,
    /// `+search`.
    pub search: bool,
    /// `+fail` (default): a SERVFAIL is final; `+nofail` tries the next server.
    pub fail: bool,
    /// `+domain=NAME`: search NAME instead of resolv.conf's list.
    pub domain: Option<String>,
    /// `+showsearch`: print intermediate search results too.
    pub showsearch: bool,
    /// `+tcp`/`+vc`; `None` means "UDP unless the type needs TCP".
    pub tcp: Option<bool>,
    /// `+recurse` (RD).
    pub recurse: bool,
    /// `+adflag`.
    pub adflag: bool,
    /// `+cdflag`.
    pub cdflag: bool,
    /// `+time=`, seconds per try (else resolv.conf's `timeout:`, else 5).
    pub time: Option<u64>,
    /// `+tries=` / `+retry=`+1 (else resolv.conf's `attempts:`, else 3).
    pub tries: Option<u32>,
    /// EDNS version to send, `None` with `+noedns`.
    pub edns: Option<u8>,
    /// `+cookie`.
    pub cookie: bool,
    /// `+nsid`.
    pub nsid: bool,
    /// `+dnssec`: set the DO flag.
    pub dnssec: bool,
    /// `+bufsize=`.
    pub bufsize: u16,
    /// `+ignore`: keep truncated UDP answers.
    pub ignore: bool,
    /// `+ttlid`: print TTLs.
    pub ttl: bool,
    /// `+ttlunits`: TTLs as `1h2m3s`.
    pub ttl_units: bool,
    /// `+qr`: print the query as it is sent.
    pub qr: bool,
    /// `+multiline`: long rdata in parentheses over several lines.
    pub multiline: bool,
    /// `+yaml`: every message as a YAML document (a global switch, like `+short`).
    pub yaml: bool,
    /// `+class`: print classes.
    pub show_class: bool,
    /// `+ndots=`.
    pub ndots: Option<u32>,
    /// `-4` / `-6`.
    pub family: Option<Family>,
    /// `+comments` given explicitly: zone transfers show comments only then.
    pub xfr_comments: bool,
    /// `+question` given explicitly: zone transfers show the question only then.
    pub xfr_question: bool,
    /// `ixfr=N`: ask for an IXFR from serial N.
    pub ixfr_serial: Option<u32>,
}

impl Default for DigLookup {
    fn default() -> Self {
        Self {
            name: None,
            rtype: None,
            class: None,
            server: None,
            port: 53,
            short: false,
            identify: false,
            comments: true,
            question: true,
            answer: true,
            authority: true,
            additional: true,
            stats: true,
            cmd: true,
            search: false,
            showsearch: false,
            domain: None,
            fail: true,
            tcp: None,
            recurse: true,
            adflag: true,
            cdflag: false,
            time: None,
            tries: None,
            edns: Some(0),
            cookie: true,
            nsid: false,
            dnssec: false,
            bufsize: 1232,
            ignore: false,
            ttl: true,
            ttl_units: false,
            qr: false,
            multiline: false,
            yaml: false,
            show_class: true,
            ndots: None,
            family: None,
            ixfr_serial: None,
            xfr_comments: false,
            xfr_question: false,
        }
    }
}

/// The parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigArgs {
    /// The global options (what `;; global options:` and the greeting reflect).
    pub global: DigLookup,
    /// One entry per name operand (at least one).
    pub lookups: Vec<DigLookup>,
    /// `-v`: print the version and stop.
    pub version: bool,
    /// `-h`: print the help and stop.
    pub help: bool,
    /// Warnings for stderr (`;; Warning, ignoring invalid type X`).
    pub warnings: Vec<String>,
    /// dig's global `printcmd` after the whole line: the last `+[no]cmd`/`+[no]all`/`+short` wins,
    /// wherever it stands. A successful lookup prints the greeting only while this is on.
    pub print_cmd: bool,
}

/// A rejected command line: the offending text for `Invalid option: X` or another message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DigArgError {
    /// `Invalid option: +bogus` followed by the short usage, exit 1.
    InvalidOption(String),
    /// A fatal message (`'X' is not a legal name`), exit 1.
    Fatal(String),
    /// A numeric value dig could not parse: `invalid timeout 'x': not a valid number` on stdout,
    /// `dig: Couldn't parse timeout` on stderr.
    BadNumber {
        /// What the value is (`timeout`, `port number`...).
        what: &'static str,
        /// The value as typed.
        value: String,
        /// `not a valid number` or `out of range`.
        reason: &'static str,
        /// Exit status (10, or 1 for the port).
        code: i32,
    },
}
