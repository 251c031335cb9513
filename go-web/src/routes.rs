//! The lab's routes, matched the way Go's `http.ServeMux` matches them.
//!
//! The original registers `/`, `/healthz`, `/host` and `/data`. ServeMux sends exact matches to their
//! handler and everything else to `/` (which answers `Hello`), for every method. Before matching it cleans
//! the path (`//host`, `/a/../host`) and answers a 301 to the clean path, which [`resolve`] reproduces.

/// One of the four registered patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`, the catch-all: `Hello`.
    Root = 0,
    /// `/healthz`: `Healthy`.
    Healthz = 1,
    /// `/host`: node name and pod IP.
    Host = 2,
    /// `/data`: pings postgres.
    Data = 3,
}

impl Route {
    /// Every route, indexed by its discriminant.
    pub const ALL: [Route; 4] = [Route::Root, Route::Healthz, Route::Host, Route::Data];

    /// The pattern as registered, used as the metrics label.
    pub fn label(self) -> &'static str {
        match self {
            Route::Root => "/",
            Route::Healthz => "/healthz",
            Route::Host => "/host",
            Route::Data => "/data",
        }
    }
}

/// What ServeMux does with a request path.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Serve this route.
    Serve(Route),
    /// Answer 301 with this clean path as the Location.
    Redirect(String),
}

/// Matches a request path like Go's ServeMux.
pub fn resolve(path: &str) -> Resolution {
    let clean = clean_path(path);
    if clean != path {
        return Resolution::Redirect(clean);
    }
    Resolution::Serve(match path {
        "/healthz" => Route::Healthz,
        "/host" => Route::Host,
        "/data" => Route::Data,
        _ => Route::Root,
    })
}

/// The `/host` body, byte for byte: `NODE: <node>, POD IP:<ip>` with no newline.
pub fn host_body(node_name: &str, pod_ip: &str) -> String {
    format!("NODE: {node_name}, POD IP:{pod_ip}")
}

/// The body Go's `http.Redirect` writes for a GET.
pub fn redirect_body(location: &str) -> String {
    format!("<a href=\"{}\">Moved Permanently</a>.\n\n", html_escape(location))
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Go's `cleanPath`: a rooted path without `.`, `..` or doubled slashes, keeping one trailing slash.
pub fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut clean = String::with_capacity(path.len() + 1);
    for part in &parts {
        clean.push('/');
        clean.push_str(part);
    }
    // The root, or a path that ended in a slash, keeps (or gets) its trailing slash.
    if clean.is_empty() || path.ends_with('/') {
        clean.push('/');
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registered paths reach their route; anything else is the catch-all.
    #[test]
    fn exact_paths_and_catch_all() {
        assert_eq!(resolve("/"), Resolution::Serve(Route::Root));
        assert_eq!(resolve("/healthz"), Resolution::Serve(Route::Healthz));
        assert_eq!(resolve("/host"), Resolution::Serve(Route::Host));
        assert_eq!(resolve("/data"), Resolution::Serve(Route::Data));
        assert_eq!(resolve("/host/"), Resolution::Serve(Route::Root));
        assert_eq!(resolve("/anything/else"), Resolution::Serve(Route::Root));
        assert_eq!(resolve("/HOST"), Resolution::Serve(Route::Root));
    }

    /// Unclean paths redirect to their clean form, as ServeMux does.
    #[test]
    fn unclean_paths_redirect() {
        assert_eq!(resolve("//host"), Resolution::Redirect("/host".into()));
        assert_eq!(resolve("/a/../data"), Resolution::Redirect("/data".into()));
        assert_eq!(resolve("/./healthz"), Resolution::Redirect("/healthz".into()));
        assert_eq!(resolve("/x//"), Resolution::Redirect("/x/".into()));
        assert_eq!(resolve("/.."), Resolution::Redirect("/".into()));
    }

    /// The /host body matches the Go server byte for byte, including empty values.
    #[test]
    fn host_body_format() {
        assert_eq!(host_body("kind-worker2", "10.244.1.4"), "NODE: kind-worker2, POD IP:10.244.1.4");
        assert_eq!(host_body("", ""), "NODE: , POD IP:");
    }

    /// The redirect body matches Go's http.Redirect, with the location escaped.
    #[test]
    fn redirect_body_format() {
        assert_eq!(redirect_body("/host"), "<a href=\"/host\">Moved Permanently</a>.\n\n");
        assert_eq!(redirect_body("/a\"b"), "<a href=\"/a&#34;b\">Moved Permanently</a>.\n\n");
    }
}
