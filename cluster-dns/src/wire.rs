//! DNS messages in and out, with no I/O: which datagrams are queries at all, the errors sent without
//! looking at the question, and how a response is encoded.
//!
//! Reading follows the server CoreDNS is built on (miekg/dns): a message shorter than a header or with
//! QR set is dropped (no reflection); an opcode other than QUERY/NOTIFY gets NOTIMP; a header with other
//! than one question, or more records than a query carries, and a body that does not parse get FORMERR;
//! all of these echo only the header. Encoding follows CoreDNS too: names uncompressed when the response
//! fits the client's limit (so `host -v` reports the same byte counts as against CoreDNS), compressed
//! when that makes it fit, and truncated with TC when even that does not.

use std::net::SocketAddr;

use hickory_proto::op::{Edns, Header, MessageType, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::Record;
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncoder, NameEncoding};
use hickory_server::net::xfer::Protocol;
use hickory_server::server::Request;
use hickory_server::zone_handler::{MessageResponseBuilder, Queries};

/// What to do with bytes that arrived on a DNS port.
#[derive(Debug)]
pub enum Incoming {
    /// Not a query to answer at all: shorter than a header, or a response (never answered, so the
    /// server cannot be used to reflect traffic).
    Drop,
    /// A query refused on its header alone: this error response, echoing only the header.
    Reject(Vec<u8>, ResponseCode),
    /// A well-formed query.
    Query(Box<Request>),
}

/// Reads one message (a UDP datagram, or a TCP frame without its length prefix).
pub fn read(bytes: Vec<u8>, src: SocketAddr, protocol: Protocol) -> Incoming {
    let Ok(header) = Header::read(&mut BinDecoder::new(&bytes)) else { return Incoming::Drop };
    if header.message_type == MessageType::Response {
        return Incoming::Drop;
    }
    if !matches!(header.op_code, OpCode::Query | OpCode::Notify) {
        return reject(&header, ResponseCode::NotImp);
    }
    let counts = header.counts;
    if counts.queries != 1 || counts.answers > 1 || counts.authorities > 1 || counts.additionals > 2 {
        return reject(&header, ResponseCode::FormErr);
    }
    match Request::from_bytes(bytes, src, protocol) {
        Ok(request) => Incoming::Query(Box::new(request)),
        // Bad names, pointer loops, lying lengths, two OPT records: the header was fine, the body not.
        Err(_) => reject(&header, ResponseCode::FormErr),
    }
}

fn reject(header: &Header, rcode: ResponseCode) -> Incoming {
    let mut metadata = Metadata::response_from_request(&header.metadata);
    metadata.response_code = rcode;
    if header.op_code != OpCode::Query {
        metadata.recursion_desired = false;
        metadata.checking_disabled = false;
    }
    // No question is echoed; reading zero questions from nothing is how hickory makes an empty set.
    let Ok(queries) = Queries::read(&mut BinDecoder::new(&[]), 0) else { return Incoming::Drop };
    let response = MessageResponseBuilder::new(&queries, None).build_no_records(metadata);
    let mut bytes = Vec::with_capacity(12);
    let mut encoder = BinEncoder::new(&mut bytes);
    // A bare header always fits.
    let _ = response.destructive_emit(&mut encoder);
    Incoming::Reject(bytes, rcode)
}

/// The EDNS record to answer with, if the query carried one: version 0, our UDP size, the DO bit
/// echoed, no options.
pub fn response_edns(request: &Request, our_udp_size: u16) -> Option<Edns> {
    let theirs = request.edns.as_ref()?;
    let mut edns = Edns::new();
    edns.set_max_payload(our_udp_size.max(512)).set_version(0).set_dnssec_ok(theirs.flags().dnssec_ok);
    Some(edns)
}

/// The largest response the client takes: 512 bytes over UDP without EDNS, the smaller of its EDNS size
/// and ours with it (never under 512), and 64 KiB over TCP.
pub fn size_limit(request: &Request, protocol: Protocol, our_udp_size: u16) -> u16 {
    match protocol {
        Protocol::Udp => request.edns.as_ref().map_or(512, |edns| edns.max_payload().min(our_udp_size).max(512)),
        _ => u16::MAX,
    }
}

/// The sections of a response.
#[derive(Clone, Debug, Default)]
pub struct Sections<'a> {
    /// Answer records.
    pub answers: &'a [Record],
    /// Authority records.
    pub authority: &'a [Record],
    /// Additional records (the OPT record is added from `edns`).
    pub additionals: &'a [Record],
}

/// Encodes a response to `request` within `limit` bytes; see the module docs for the compression rule.
pub fn encode(
    request: &Request,
    metadata: Metadata,
    sections: &Sections<'_>,
    edns: Option<&Edns>,
    limit: u16,
) -> Vec<u8> {
    let wanted =
        sections.answers.len() + sections.authority.len() + sections.additionals.len() + usize::from(edns.is_some());
    let plain = encode_with(request, metadata, sections, edns, limit, NameEncoding::Uncompressed);
    if plain.1 >= wanted {
        return plain.0;
    }
    encode_with(request, metadata, sections, edns, limit, NameEncoding::Compressed).0
}

/// One encoding pass; returns the bytes and how many records (OPT included) made it in.
fn encode_with(
    request: &Request,
    metadata: Metadata,
    sections: &Sections<'_>,
    edns: Option<&Edns>,
    limit: u16,
    names: NameEncoding,
) -> (Vec<u8>, usize) {
    let mut builder = MessageResponseBuilder::new(&request.queries, None);
    if let Some(edns) = edns {
        builder.edns(edns);
    }
    let response = builder.build(
        metadata,
        sections.answers.iter(),
        sections.authority.iter(),
        std::iter::empty(),
        sections.additionals.iter(),
    );
    let mut bytes = Vec::with_capacity(512);
    let mut encoder = BinEncoder::new(&mut bytes);
    encoder.set_max_size(limit);
    encoder.set_name_encoding(names);
    match response.destructive_emit(&mut encoder) {
        Ok(info) => {
            let counts = info.counts();
            let written =
                usize::from(counts.answers) + usize::from(counts.authorities) + usize::from(counts.additionals);
            (bytes, written)
        }
        Err(_) => (server_failure(request), 0),
    }
}

/// A bare SERVFAIL echoing the request's header: for the one case nothing else can be encoded (a
/// question that alone exceeds the limit).
pub fn server_failure(request: &Request) -> Vec<u8> {
    let header = Header { metadata: request.metadata, counts: Default::default() };
    match reject(&header, ResponseCode::ServFail) {
        Incoming::Reject(bytes, _) => bytes,
        _ => Vec::new(),
    }
}
