//! The one error type of the DNS tools.
//!
//! Most failures a tool meets are not errors but outcomes it prints (NXDOMAIN, timeouts, bad
//! packets). These variants are the rest: input the tool cannot turn into a query, and usage
//! mistakes. Each tool maps them to BIND's message and exit code at its edge.

/// What can stop a tool before or while it builds a query.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// The name cannot be encoded (label over 63 bytes, name over 255 bytes...).
    #[error("'{name}' is not a legal name ({reason})")]
    BadName {
        /// The name as the user typed it.
        name: String,
        /// Why it is not legal.
        reason: String,
    },
    /// A name the user typed is not valid DNS syntax (BIND's `dns_name_fromtext` failures).
    #[error("'{name}' is not in legal name syntax ({reason})")]
    NotLegal {
        /// The name as typed.
        name: String,
        /// ISC's words for the problem (`unexpected end of input`, `label too long`...).
        reason: String,
    },
    /// hickory-proto refused to encode the message.
    #[error("could not encode the query: {0}")]
    Encode(String),
    /// The command line is wrong; the text says how.
    #[error("{0}")]
    Usage(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each message names the value that failed and BIND's reason.
    #[test]
    fn messages_name_the_value() {
        let bad = DnsError::NotLegal { name: "a..b".into(), reason: "empty label".into() };
        assert_eq!(bad.to_string(), "'a..b' is not in legal name syntax (empty label)");
        let long = DnsError::BadName { name: "x".into(), reason: "label too long".into() };
        assert_eq!(long.to_string(), "'x' is not a legal name (label too long)");
    }
}
