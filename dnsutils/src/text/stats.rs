//! dig's statistics footer: query time, server and transport, when the reply arrived, and the reply's size
//! (or for a zone transfer the records, messages and bytes it took).

use crate::net::event::{Protocol, Received};
use crate::text::notice::server_text;
use crate::text::timestamp::when;

/// The statistics footer and its trailing blank line.
pub fn stats(received: &Received, label: &str) -> String {
    footer(received, label, &format!(";; MSG SIZE  rcvd: {}", received.reply.bytes.len()))
}

/// The footer of a zone transfer: its size in records, messages and bytes instead of MSG SIZE.
pub fn transfer_stats(last: &Received, label: &str, records: usize, messages: usize, bytes: usize) -> String {
    footer(last, label, &format!(";; XFR size: {records} records (messages {messages}, bytes {bytes})"))
}

fn footer(received: &Received, label: &str, size_line: &str) -> String {
    let protocol = match received.protocol {
        Protocol::Udp => "UDP",
        Protocol::Tcp => "TCP",
    };
    format!(
        ";; Query time: {} msec\n;; SERVER: {}({label}) ({protocol})\n;; WHEN: {}\n{size_line}\n\n",
        received.elapsed.as_millis(),
        server_text(received.server),
        when(received.at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn received() -> Received {
        let bytes = vec![0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0];
        Received {
            reply: crate::wire::reply::parse(bytes, false).expect("a header"),
            server: "127.0.0.1:5353".parse().expect("addr"),
            protocol: Protocol::Tcp,
            elapsed: Duration::from_millis(7),
            at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_689_520),
        }
    }

    /// The footer names the time taken, the server as labelled, the transport, the arrival and the size.
    #[test]
    fn footer_lines() {
        assert_eq!(
            stats(&received(), "localhost"),
            ";; Query time: 7 msec\n;; SERVER: 127.0.0.1#5353(localhost) (TCP)\n\
             ;; WHEN: Thu Nov 26 10:38:40 UTC 2026\n;; MSG SIZE  rcvd: 12\n\n"
        );
        assert!(
            transfer_stats(&received(), "x", 9, 2, 600).contains(";; XFR size: 9 records (messages 2, bytes 600)\n")
        );
    }
}
