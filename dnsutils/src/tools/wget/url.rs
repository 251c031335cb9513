//! HTTP URLs as GNU wget reads them from the command line: the scheme is optional (`clusterip-service/host`
//! means `http://clusterip-service/host`), IPv6 literals are bracketed, and `Location` headers may be
//! relative to the URL that returned them.

use std::fmt;

use super::error::WgetError;

/// A parsed `http://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// Host name or IP literal, without IPv6 brackets.
    pub host: String,
    /// TCP port (80 unless given).
    pub port: u16,
    /// Path and query, always starting with `/`.
    pub path: String,
}

impl Url {
    /// Parses a command-line URL; errors carry GNU wget's wording.
    pub fn parse(text: &str) -> Result<Url, WgetError> {
        let bad = |why: &str| WgetError::Url { url: text.to_owned(), why: why.to_owned() };
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) if is_scheme(scheme) => {
                let q = crate::tools::locale::quote(&scheme.to_ascii_lowercase());
                let mut why = format!("Unsupported scheme {q}.");
                if scheme.eq_ignore_ascii_case("https") {
                    why.push_str(" This wget speaks plain HTTP only (no TLS).");
                }
                return Err(bad(&why));
            }
            _ => text,
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        let path = path.split('#').next().unwrap_or_default();
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        // Credentials (`user:pass@`) are not supported; GNU would send them as Basic auth.
        let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("Unterminated IPv6 numeric address."))?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("Invalid host name."));
        }
        let port = match port {
            None | Some("") => 80,
            Some(p) => p.parse::<u16>().ok().filter(|&p| p != 0).ok_or_else(|| bad("Bad port number."))?,
        };
        Ok(Url { host: host.to_owned(), port, path })
    }

    /// The URL a `Location` header points to, relative to `self` (absolute, `//host`, `/path` or `path`).
    pub fn join(&self, location: &str) -> Result<Url, WgetError> {
        if location.contains("://") {
            return Url::parse(location);
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("http://{rest}"));
        }
        let path = if location.starts_with('/') {
            location.to_owned()
        } else {
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
            format!("{dir}{location}")
        };
        Ok(Url { path, ..self.clone() })
    }

    /// The `Host` header value: the host, bracketed if IPv6, with the port unless it is 80.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == 80 { host } else { format!("{host}:{}", self.port) }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.host_header(), self.path)
    }
}

/// Whether `text` looks like a URL scheme (letters, digits, `+`, `-`, `.`, starting with a letter).
fn is_scheme(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::Url;

    fn url(host: &str, port: u16, path: &str) -> Url {
        Url { host: host.into(), port, path: path.into() }
    }

    /// The lab's scheme-less forms parse as http with the default or given port.
    #[test]
    fn parses_lab_forms() {
        assert_eq!(Url::parse("clusterip-service/host").ok(), Some(url("clusterip-service", 80, "/host")));
        assert_eq!(Url::parse("172.18.0.5:30040/host").ok(), Some(url("172.18.0.5", 30040, "/host")));
        assert_eq!(Url::parse("http://[::1]:8080").ok(), Some(url("::1", 8080, "/")));
        assert_eq!(Url::parse("HTTP://x/a?b=c#frag").ok(), Some(url("x", 80, "/a?b=c")));
    }

    /// Bad URLs are refused with GNU's reasons.
    #[test]
    fn rejects_bad_urls() {
        for (text, why) in [
            ("http://", "Invalid host name."),
            ("http://[::1/", "Unterminated IPv6 numeric address."),
            ("x:99999/", "Bad port number."),
        ] {
            let err = Url::parse(text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.ends_with(why), "{text}: {err}");
        }
        assert!(Url::parse("https://x/").is_err());
        assert!(Url::parse("htps://x/").is_err());
    }

    /// Relative, absolute-path and absolute `Location`s resolve against the current URL.
    #[test]
    fn joins_locations() {
        let base = url("h", 8080, "/a/b?q");
        assert_eq!(base.join("c").ok(), Some(url("h", 8080, "/a/c")));
        assert_eq!(base.join("/d").ok(), Some(url("h", 8080, "/d")));
        assert_eq!(base.join("http://o:81/e").ok(), Some(url("o", 81, "/e")));
        assert_eq!(base.join("//o/f").ok(), Some(url("o", 80, "/f")));
    }

    /// Display puts brackets around IPv6 hosts and omits port 80.
    #[test]
    fn displays_like_wget() {
        assert_eq!(url("::1", 80, "/").to_string(), "http://[::1]/");
        assert_eq!(url("h", 8080, "/x").to_string(), "http://h:8080/x");
    }
}
