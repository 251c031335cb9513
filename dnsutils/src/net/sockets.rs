//! The real [`Exchange`]: blocking std sockets with a deadline on every wait. A one-shot tool needs no
//! runtime, and this keeps start-up fast. Tested here against test-support's scripted DNS server.

use crate::net::Exchange;
use crate::net::event::{Attempt, Protocol, Request, TransferAttempt};
use crate::net::{tcp, udp};

/// Queries over the machine's network.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sockets;

impl Exchange for Sockets {
    fn ask(&mut self, request: &Request) -> Attempt {
        let mut events = Vec::new();
        let outcome = match request.protocol {
            Protocol::Udp => udp::exchange(request, &mut events),
            Protocol::Tcp => tcp::exchange(request, &mut events),
        };
        Attempt { events, outcome }
    }

    fn transfer(&mut self, request: &Request) -> TransferAttempt {
        tcp::transfer(request)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use test_support::dns::wire::{empty_reply, push_answer, query};
    use test_support::dns::{Response, ScriptedDns, Transport};

    use super::*;
    use crate::net::event::{Event, Failure, Outcome};
    use crate::protocol::codes::rtype::{self, A, SOA};
    use crate::wire::problem::Problem;

    const QUERY_ID: u16 = 0x4242;

    fn ask(server: &ScriptedDns, protocol: Protocol, timeout: Duration) -> Attempt {
        let query = query(QUERY_ID, "web.test", 1);
        let request = Request { query: &query, server: server.addr, protocol, timeout, best_effort: false };
        Sockets.ask(&request)
    }

    fn answer(query: &[u8]) -> Vec<u8> {
        let mut reply = empty_reply(query, 0x0400, 0).expect("a question");
        push_answer(&mut reply, 1, 5, &[10, 0, 0, 1]);
        reply
    }

    /// A UDP reply arrives parsed, with the server and transport that carried it.
    #[test]
    fn udp_reply_is_parsed() {
        let server = ScriptedDns::start(|query, _| Response::message(answer(query)));
        let attempt = ask(&server, Protocol::Udp, Duration::from_secs(5));
        let Outcome::Reply(received) = attempt.outcome else { panic!("no reply: {attempt:?}") };
        assert_eq!((received.reply.answers().len(), received.protocol), (1, Protocol::Udp));
        assert_eq!(received.server, server.addr);
        assert!(attempt.events.is_empty());
    }

    /// A datagram with a foreign ID is reported and skipped; the right one that follows is the reply.
    #[test]
    fn foreign_id_is_skipped() {
        let server = ScriptedDns::start(|query, _| {
            let mut foreign = answer(query);
            foreign[0] ^= 0xff;
            Response::Messages(vec![foreign, answer(query)])
        });
        let attempt = ask(&server, Protocol::Udp, Duration::from_secs(5));
        assert!(matches!(attempt.outcome, Outcome::Reply(_)));
        assert!(matches!(attempt.events[..], [Event::IdMismatch { expected: QUERY_ID, .. }]));
    }

    /// A silent server ends the try with one timeout once the timer runs out.
    #[test]
    fn silence_times_out() {
        let server = ScriptedDns::start(|_, _| Response::Silence);
        let attempt = ask(&server, Protocol::Udp, Duration::from_millis(100));
        assert!(matches!(attempt.outcome, Outcome::NoReply));
        let timed_out = Event::CommunicationsError { server: server.addr, failure: Failure::TimedOut };
        assert_eq!(attempt.events, [timed_out]);
    }

    /// A reply that does not parse comes back as a bad packet with its bytes.
    #[test]
    fn unparsable_reply_is_a_bad_packet() {
        let unterminated = b"\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x05hello";
        let server = ScriptedDns::start(move |query, _| Response::message([&query[..2], unterminated].concat()));
        let attempt = ask(&server, Protocol::Udp, Duration::from_secs(5));
        let Outcome::BadPacket(bad) = attempt.outcome else { panic!("parsed: {attempt:?}") };
        assert_eq!((bad.problem, bad.bytes.len()), (Problem::UnexpectedEnd, 18));
    }

    /// Over TCP a refused connection is reported as such, and a message shorter than a header abandons
    /// the lookup.
    #[test]
    fn tcp_refusal_and_short_message() {
        let refusing = ScriptedDns::start_with(false, Arc::new(|query: &[u8], _| Response::message(answer(query))));
        let attempt = ask(&refusing, Protocol::Tcp, Duration::from_secs(5));
        let refused = Event::ConnectFailed { server: refusing.addr, failure: Failure::ConnectionRefused };
        assert_eq!(attempt.events, [refused]);
        let short = ScriptedDns::start(|_, _| Response::message(vec![0, 1, 2]));
        let attempt = ask(&short, Protocol::Tcp, Duration::from_secs(5));
        assert!(matches!(attempt.outcome, Outcome::Abandoned));
    }

    /// A zone transfer reads messages until the opening SOA comes round again.
    #[test]
    fn transfer_reads_until_the_closing_soa() {
        let soa =
            [&[1, b'z', 0, 1, b'z', 0][..], &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]].concat();
        let server = ScriptedDns::start(move |query, transport| {
            assert_eq!(transport, Transport::Tcp);
            let message = |types: &[u16]| {
                let mut reply = empty_reply(query, 0x0400, 0).expect("a question");
                for &code in types {
                    push_answer(&mut reply, code, 5, if code == rtype::SOA { &soa } else { &[10, 0, 0, 1] });
                }
                reply
            };
            Response::Messages(vec![message(&[SOA, A]), message(&[A]), message(&[SOA]), message(&[A])])
        });
        let query = query(QUERY_ID, "z", rtype::AXFR);
        let request = Request {
            query: &query,
            server: server.addr,
            protocol: Protocol::Tcp,
            timeout: Duration::from_secs(5),
            best_effort: false,
        };
        let transfer = Sockets.transfer(&request);
        assert!(transfer.sent && transfer.bad_packet.is_none());
        assert_eq!(transfer.messages.len(), 3);
    }
}
