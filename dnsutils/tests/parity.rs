//! BIND parity: every row is one command line run with Debian's BIND 9 tool and with ours against the same
//! knotd (serving the lab's cluster.local) or fake server, under the same resolv.conf. Masked stdout, masked
//! stderr and the exit code must match. Each test reports all of its failing rows at once, each with a diff.
//!
//! Needs root, knotd (`knot`), BIND's tools (`bind9-host`, `bind9-dnsutils`) and `unshare` (`util-linux`);
//! a missing one fails the test with the package to install.

mod support;

use support::lab::{Lab, Resolv, Row, assert_no_failures, compare, quirky, row, under};
use support::tools::Impl;

/// `host` as the lab uses it: search walk from resolv.conf, reverse lookups, every record type and option.
const HOST: &[Row] = &[
    row("host", "postgres-0.postgres.default.svc.cluster.local."),
    row("host", "postgres-1.postgres.default.svc.cluster.local"),
    row("host", "postgres"),
    row("host", "clusterip-service"),
    row("host", "headless-service"),
    row("host", "dualstack"),
    row("host", "v6only"),
    row("host", "10.244.1.4"),
    row("host", "fd00:10:96::7"),
    row("host", "-v -t a headless-service"),
    row("host", "-v -t a github.com"),
    row("host", "-v -t a external-service"),
    row("host", "-v -t cname external-service"),
    row("host", "-v postgres"),
    row("host", "-v 10.244.1.3"),
    row("host", "10.244.9.9"),
    row("host", "-v -t AAAA postgres"),
    row("host", "-t AAAA v6only"),
    row("host", "-v -t SOA cluster.local"),
    row("host", "-t TXT nosuch.cluster.local."),
    row("host", "-T -p {port} big-headless.default.svc.cluster.local 127.0.0.1"),
    row("host", "-t AAAA postgres"),
    row("host", "-t AAAA dualstack"),
    row("host", "-t MX mail.cluster.local"),
    row("host", "-t NS cluster.local"),
    row("host", "-t SOA cluster.local"),
    row("host", "-t TXT dns-version.cluster.local"),
    row("host", "-t SRV _postgres._tcp.postgres"),
    row("host", "-t CAA caa.cluster.local"),
    row("host", "-t TYPE65280 unknown.cluster.local"),
    row("host", "-t PTR 4.1.244.10.in-addr.arpa"),
    row("host", "-t CNAME postgres"),
    row("host", "-a postgres"),
    row("host", "-r postgres"),
    row("host", "-T postgres"),
    row("host", "-v -T -t SRV _postgres._tcp.postgres"),
    row("host", "-N 1 postgres.default"),
    row("host", "-c IN postgres"),
    row("host", "-W 2 -R 2 postgres"),
    row("host", "nosuch"),
    row("host", "nosuch.cluster.local."),
    row("host", "-v nosuch.default.svc.cluster.local."),
    row("host", "postgres {ns53}"),
    row("host", "-p {port} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-p {port} 10.244.1.4 127.0.0.1"),
    row("host", "-v -p {port} -t TXT dns-version.cluster.local 127.0.0.1"),
    row("host", "-6 -p {port} postgres.default.svc.cluster.local ::1"),
    row("host", "-4 -p {port} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-p {port} big-headless.default.svc.cluster.local 127.0.0.1"),
    row("host", "-v -t A -p {port} big-headless.default.svc.cluster.local 127.0.0.1"),
    quirky("host", "postgres.default"),
    quirky("host", "-v clusterip-service.default"),
    row("host", "-t TXT quoted.cluster.local"),
    row("host", "-t TYPE65281 empty-unknown.cluster.local"),
    row("host", "mapped.cluster.local"),
    row("host", "-t HINFO hinfo.cluster.local"),
    row("host", "-t NAPTR naptr.cluster.local"),
    row("host", "-t SSHFP sshfp.cluster.local"),
    row("host", "-t TLSA _443._tcp.tlsa.cluster.local"),
    row("host", "-t URI uri.cluster.local"),
    row("host", "postgres.alias.cluster.local"),
    row("host", "-v -t A postgres.alias.cluster.local"),
    row("host", "mail.cluster.local"),
    row("host", "-v -t MX mail.cluster.local"),
    row("host", "cluster.local"),
    row("host", "svc"),
    row("host", "-t MX postgres"),
    row("host", "POSTGRES"),
    row("host", "-t BOGUS postgres"),
    row("host", ""),
];

/// `dig`: default output, server and port, types, reverse, output toggles, search, transport, the e2e probes.
const DIG: &[Row] = &[
    row("dig", "postgres.default.svc.cluster.local"),
    row("dig", "@{ns53} postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} postgres.default.svc.cluster.local"),
    row("dig", "@::1 -p {port} postgres.default.svc.cluster.local"),
    row("dig", "-p {port} @127.0.0.1 -t SRV _postgres._tcp.postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} -x 10.244.1.4"),
    row("dig", "@127.0.0.1 -p {port} -x fd00:10:96::7"),
    row("dig", "@127.0.0.1 -p {port} +short headless-service.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +short -x 10.244.1.4"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer headless-service.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} MX mail.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} NS cluster.local"),
    row("dig", "@127.0.0.1 -p {port} -c IN -t A postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} SOA cluster.local"),
    row("dig", "@127.0.0.1 -p {port} CAA caa.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} TYPE65280 unknown.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} AAAA dualstack.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} CNAME external-service.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} external-service.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} AAAA postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} nosuch.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} -x 10.244.9.9"),
    row("dig", "@127.0.0.1 -p {port} +short MX mail.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +short SRV _postgres._tcp.postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +short TXT dns-version.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +short TYPE65280 unknown.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +short external-service.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +tcp big-headless.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +nocomments +nostats +noquestion postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +norecurse postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +tcp dns-version.cluster.local TXT"),
    row("dig", "@127.0.0.1 -p {port} big-headless.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noedns big-headless.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +ignore +noall +answer +comments big-headless.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} TXT quoted.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +short TXT quoted.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} TLSA _443._tcp.tlsa.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +short SSHFP sshfp.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer NAPTR naptr.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer HINFO hinfo.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer URI uri.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer CAA caa.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} TYPE65281 empty-unknown.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +short AAAA mapped.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} postgres.alias.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer +additional MX mail.cluster.local"),
    row("dig", "+search postgres"),
    row("dig", "postgres"),
    row("dig", "+notcp +noall +answer +search postgres A"),
    row("dig", "+notcp +noall +answer +search postgres-0.postgres A"),
    row("dig", "+search svc"),
    row("dig", "+tcp +noall +answer +search _postgres._tcp.postgres SRV"),
    row("dig", "+notcp +noall +answer +search nosuch A"),
    row("dig", "+short +search headless-service"),
    row("dig", "+time=2 +tries=2 @127.0.0.1 -p {port} github.com"),
    quirky("dig", "+search +noall +answer postgres.default"),
];

/// `nslookup`: forward, reverse, `-type=`, server argument, NXDOMAIN and NODATA.
const NSLOOKUP: &[Row] = &[
    row("nslookup", "postgres"),
    row("nslookup", "headless-service"),
    row("nslookup", "external-service"),
    row("nslookup", "10.244.1.4"),
    row("nslookup", "fd00:10:96::7"),
    row("nslookup", "-type=SRV _postgres._tcp.postgres"),
    row("nslookup", "-type=TXT dns-version.cluster.local"),
    row("nslookup", "-type=MX mail.cluster.local"),
    row("nslookup", "-type=SOA cluster.local"),
    row("nslookup", "-type=NS cluster.local"),
    row("nslookup", "-type=CNAME external-service"),
    row("nslookup", "-type=PTR 4.1.244.10.in-addr.arpa"),
    row("nslookup", "-type=AAAA postgres"),
    row("nslookup", "-type=TXT quoted.cluster.local"),
    row("nslookup", "-type=HINFO hinfo.cluster.local"),
    row("nslookup", "-type=NAPTR naptr.cluster.local"),
    row("nslookup", "-type=SSHFP sshfp.cluster.local"),
    row("nslookup", "-type=CAA caa.cluster.local"),
    row("nslookup", "-type=AAAA mapped.cluster.local"),
    row("nslookup", "postgres.alias.cluster.local"),
    row("nslookup", "mail.cluster.local"),
    row("nslookup", "nosuch.cluster.local"),
    row("nslookup", "-port={port} postgres.default.svc.cluster.local 127.0.0.1"),
    row("nslookup", "postgres {ns53}"),
    quirky("nslookup", "postgres.default"),
    row("nslookup", "10.244.9.9"),
];

/// Failures BIND reports in its own words: bad rcodes, timeouts, garbage, wrong IDs, TC without TCP.
const FAILURES: &[Row] = &[
    row("host", "-p {servfail} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-p {refused} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-p {nxdomain} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-t AAAA -p {servfail} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-W 1 -R 1 -p {silence} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-W 1 -R 1 -p {garbage} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-W 1 -R 1 -p {malformed} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-W 1 -R 1 -p {wrongid} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-W 1 -R 1 -p {tc} postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-W 1 -p 9 postgres.default.svc.cluster.local 127.0.0.1"),
    row("host", "-v -p {refused} postgres.default.svc.cluster.local. 127.0.0.1"),
    row("host", "-T -p {servfail} postgres.default.svc.cluster.local. 127.0.0.1"),
    row("host", "-T -W 1 -R 1 -p {silence} postgres.default.svc.cluster.local. 127.0.0.1"),
    row("dig", "@127.0.0.1 -p {servfail} postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {refused} postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {nxdomain} +short postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {silence} postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {garbage} postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {malformed} postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {wrongid} postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {tc} postgres.default.svc.cluster.local"),
    row("dig", "+tcp +time=1 +tries=1 @127.0.0.1 -p 9 postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {nxdomain} postgres.default.svc.cluster.local"),
    row("dig", "+tcp @127.0.0.1 -p {servfail} postgres.default.svc.cluster.local"),
    row("dig", "+tcp +time=1 +tries=1 @127.0.0.1 -p {silence} postgres.default.svc.cluster.local"),
    row("nslookup", "-port={servfail} postgres.default.svc.cluster.local 127.0.0.1"),
    row("nslookup", "-port={refused} postgres.default.svc.cluster.local 127.0.0.1"),
    row("nslookup", "-timeout=1 -retry=1 -port={silence} postgres.default.svc.cluster.local 127.0.0.1"),
    row("nslookup", "-port={nxdomain} postgres.default.svc.cluster.local 127.0.0.1"),
    row("nslookup", "-timeout=1 -retry=1 -port={garbage} postgres.default.svc.cluster.local 127.0.0.1"),
    row("nslookup", "-timeout=1 -retry=1 -port={tc} postgres.default.svc.cluster.local 127.0.0.1"),
];

/// dig's other toggles: sections, header and columns, EDNS and buffer size, several queries in one run.
const DIG_TOGGLES: &[Row] = &[
    row("dig", "@127.0.0.1 -p {port} +nocmd +nostats postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer +authority AAAA postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer +noclass SRV _postgres._tcp.postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer +nottlid headless-service.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +qr postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noedns postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +nocookie postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +bufsize=512 big-headless.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +dnssec +noall +answer +comments postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +short +identify postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +noall +answer +ttlunits SOA cluster.local"),
    row("dig", "-4 @127.0.0.1 -p {port} +short postgres.default.svc.cluster.local"),
    row("dig", "-6 @::1 -p {port} +short postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} -q postgres.default.svc.cluster.local -t AAAA"),
    row(
        "dig",
        "@127.0.0.1 -p {port} +short postgres.default.svc.cluster.local clusterip-service.default.svc.cluster.local",
    ),
    row("dig", "@127.0.0.1 -p {port} postgres.default.svc.cluster.local MX mail.cluster.local"),
    row("nslookup", "-querytype=MX mail.cluster.local"),
    row("nslookup", "-q=TXT dns-version.cluster.local"),
    row("nslookup", "-vc postgres"),
];

/// Bad input: illegal names, unknown options and types, unparsable numbers, unresolvable servers.
const BAD_INPUT: &[Row] = &[
    row("host", "postgres.."),
    row("host", "-t A .postgres"),
    row("host", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.cluster.local"),
    row("host", "-W x postgres"),
    row("host", "-R x postgres"),
    row("host", "-N x postgres"),
    row("host", "postgres nosuchserver.invalid"),
    row("dig", "+bogus postgres"),
    row("dig", "-t BOGUS postgres.default.svc.cluster.local"),
    row("dig", "-x 300.1.1.1"),
    row("dig", "@nosuchserver.invalid postgres"),
    row("dig", "-p x @127.0.0.1 postgres"),
    row("dig", "+time=x postgres"),
    row("nslookup", "-type=BOGUS postgres"),
    row("nslookup", "postgres.."),
    row("nslookup", "postgres nosuchserver.invalid"),
];

/// Name servers from resolv.conf that are down: failover to the next one, and nothing reachable at all.
const NAME_SERVERS: &[Row] = &[
    under(Resolv::Failover, "host", "postgres"),
    under(Resolv::Failover, "host", "-v -t A postgres"),
    under(Resolv::Failover, "dig", "+search +noall +answer postgres"),
    under(Resolv::Failover, "nslookup", "postgres"),
    under(Resolv::Dead, "host", "postgres"),
    under(Resolv::Dead, "host", "-W 2 -t A postgres.default.svc.cluster.local."),
    under(Resolv::Dead, "dig", "postgres.default.svc.cluster.local"),
    under(Resolv::Dead, "nslookup", "postgres.default.svc.cluster.local"),
    under(Resolv::Dead, "host", "postgres {ns53}"),
];

/// How often BIND reports a reply's arrival (host -v's `Received` line, dig's statistics footer) depends on
/// the name's place in the search walk: never for a REFUSED name from the search list, twice for an NXDOMAIN
/// asked as-is before the search list; `+showsearch` repeats dig's greeting at every step.
const ARRIVALS: &[Row] = &[
    row("host", "-v -p {refused} postgres 127.0.0.1"),
    row("host", "-v -p {servfail} postgres 127.0.0.1"),
    row("host", "-v nosuch."),
    row("host", "-v nosuch"),
    row("host", "-v nosuch.cluster.local"),
    row("host", "-v -N 1 nosuch.cluster.local"),
    row("dig", "+search nosuch"),
    row("dig", "+search +ndots=1 nosuch.cluster.local"),
    row("dig", "+search +showsearch nosuch"),
    row("dig", "+search -p {refused} @127.0.0.1 postgres"),
    row("dig", "+nostats +identify @127.0.0.1 -p {port} postgres.default.svc.cluster.local"),
];

/// Zone transfers, with the search walk BIND applies to the zone name first (`host -l cluster.local` asks for
/// `cluster.local.default.svc.cluster.local` under a pod's resolv.conf), listings and full transfers.
const TRANSFERS: &[Row] = &[
    row("host", "-l cluster.local {ns53}"),
    row("host", "-v -l cluster.local {ns53}"),
    row("host", "-t AXFR cluster.local {ns53}"),
    quirky("host", "-l cluster.local {ns53}"),
    row("host", "-l -N 1 cluster.local {ns53}"),
    row("host", "-v -l -N 1 cluster.local {ns53}"),
    row("host", "-l -N 1 -t MX cluster.local {ns53}"),
    row("host", "-l -a -N 1 cluster.local {ns53}"),
    row("host", "-t AXFR cluster.local. {ns53}"),
    row("host", "-l 10.in-addr.arpa. {ns53}"),
    row("dig", "@{ns53} axfr cluster.local"),
    row("dig", "@127.0.0.1 -p {port} axfr 10.in-addr.arpa"),
    row("dig", "@127.0.0.1 -p {port} +short axfr cluster.local"),
    row("dig", "@127.0.0.1 -p {port} axfr nosuch.cluster.local"),
];

/// dig's `+yaml` (BIND 9.18's YAML output), byte for byte once its timestamps are masked: answers, the query
/// itself, `+short`, search walks, zone transfers, and the failures (errors as `DIG_ERROR` documents, warnings
/// and bad packets left out).
const YAML: &[Row] = &[
    row("dig", "@127.0.0.1 -p {port} +yaml postgres.default.svc.cluster.local"),
    row("dig", "@::1 -p {port} +yaml postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml +qr postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml +norecurse +qr postgres.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml +tcp +nsid MX mail.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml +short headless-service.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml nosuch.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml example.com"),
    row("dig", "@127.0.0.1 -p {port} +yaml +noall +answer TXT quoted.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml TXT apostrophe.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml +nocomments +multiline SOA cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml +dnssec -x 10.244.1.4"),
    row("dig", "@127.0.0.1 -p {port} +yaml big-headless.default.svc.cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml TYPE65280 unknown.cluster.local"),
    row(
        "dig",
        "@127.0.0.1 -p {port} +yaml postgres.default.svc.cluster.local clusterip-service.default.svc.cluster.local",
    ),
    row("dig", "@127.0.0.1 -p {port} postgres.default.svc.cluster.local +yaml +cmd"),
    row("dig", "+yaml +search postgres"),
    row("dig", "+yaml +search +showsearch nosuch"),
    row("dig", "@127.0.0.1 -p {port} +yaml axfr 10.in-addr.arpa"),
    row("dig", "@127.0.0.1 -p {port} +yaml +comments +question axfr cluster.local"),
    row("dig", "@127.0.0.1 -p {port} +yaml +qr axfr 10.in-addr.arpa"),
    row("dig", "@127.0.0.1 -p {port} +yaml +short axfr 10.in-addr.arpa"),
    row("dig", "@127.0.0.1 -p {port} +yaml axfr nosuch.cluster.local"),
    row("dig", "@127.0.0.1 -p {servfail} +yaml postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {silence} +yaml postgres.default.svc.cluster.local"),
    row("dig", "+tcp +time=1 +tries=1 @127.0.0.1 -p 9 +yaml postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {garbage} +yaml postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {malformed} +yaml postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {wrongid} +yaml postgres.default.svc.cluster.local"),
    row("dig", "+time=1 +tries=1 @127.0.0.1 -p {tc} +yaml postgres.default.svc.cluster.local"),
];

/// Starts a lab and asserts that every row in `rows` matches BIND, reporting all that do not.
fn assert_rows_match(what: &str, rows: &[Row]) {
    let lab = Lab::start();
    assert_no_failures(what, rows.len(), &lab.failures(rows, Lab::check));
}

/// Our `host` prints what BIND's prints, with the same exit code, on every `host` row.
#[test]
fn host_matches_bind() {
    assert_rows_match("host parity", HOST);
}

/// Our `dig` prints what BIND's prints, with the same exit code, on every `dig` row.
#[test]
fn dig_matches_bind() {
    assert_rows_match("dig parity", DIG);
}

/// Our `nslookup` prints what BIND's prints, with the same exit code, on every `nslookup` row.
#[test]
fn nslookup_matches_bind() {
    assert_rows_match("nslookup parity", NSLOOKUP);
}

/// Our tools report server failures exactly as BIND's do, with the same exit codes.
#[test]
fn failures_match_bind() {
    assert_rows_match("failure parity", FAILURES);
}

/// Our tools fail over between resolv.conf name servers, and give up on dead ones, as BIND's do.
#[test]
fn name_server_failures_match_bind() {
    assert_rows_match("name server parity", NAME_SERVERS);
}

/// dig's other toggles (and nslookup's option spellings) print what BIND's do.
#[test]
fn toggles_match_bind() {
    assert_rows_match("toggle parity", DIG_TOGGLES);
}

/// Our tools reject bad input with BIND's messages and exit codes.
#[test]
fn bad_input_matches_bind() {
    assert_rows_match("bad input parity", BAD_INPUT);
}

/// Our tools report a reply's arrival as often as BIND's do, wherever the name stands in the search walk.
#[test]
fn arrival_reports_match_bind() {
    assert_rows_match("arrival parity", ARRIVALS);
}

/// Our zone transfers walk the search list and print the zone as BIND's do.
#[test]
fn transfers_match_bind() {
    assert_rows_match("transfer parity", TRANSFERS);
}

/// Our `dig +yaml` prints BIND 9.18's YAML documents, with the same exit codes.
#[test]
fn yaml_matches_bind() {
    assert_rows_match("yaml parity", YAML);
}

/// Harness self-check: BIND's own output is identical across two runs of every row once masked, so any
/// difference the other tests report comes from our tools, not from noise the masks missed.
#[test]
fn bind_output_is_stable_after_masking() {
    let lab = Lab::start();
    let rows: Vec<Row> =
        [HOST, DIG, NSLOOKUP, FAILURES, NAME_SERVERS, BAD_INPUT, DIG_TOGGLES, ARRIVALS, TRANSFERS, YAML].concat();
    assert!(rows.len() >= 50, "the issue asks for at least 50 command lines, have {}", rows.len());
    assert_no_failures("BIND stability", rows.len(), &lab.failures(&rows, Lab::check_bind_stable));
}

/// Harness self-check: a real difference (two different names) is reported with both lines and the command.
#[test]
fn harness_reports_differences() {
    let lab = Lab::start();
    let (a, b) = (row("host", "postgres"), row("host", "clusterip-service"));
    let (x, y) = (lab.run(&a, Impl::Bind), lab.run(&b, Impl::Bind));
    let report = compare("host postgres", "BIND", &x, "other", &y).err().unwrap_or_default();
    assert!(report.contains("`host postgres` differs"), "{report}");
    assert!(report.contains("  - postgres.default.svc.cluster.local has address 10.105.214.153"), "{report}");
    assert!(report.contains("  + clusterip-service.default.svc.cluster.local has address 10.98.252.195"), "{report}");
}
