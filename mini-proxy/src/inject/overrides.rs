//! The per-pod settings of an injected proxy, read as Linkerd's injector reads them: from the pod
//! template's `config.linkerd.io/...` annotations, falling back to the defaults. `inject`'s flags take
//! the same path: a flag that differs from its default is written onto each pod template as the
//! annotation (as `linkerd inject` does), so an injected pod says how it was configured and a second
//! injection reads the same values.

use std::collections::HashMap;

use server_runtime::ConfigError;

use super::yaml::Node;
use crate::config::DEFAULT_OPAQUE_PORTS;
use crate::policy::DefaultPolicy;

/// One setting that an annotation (or a flag) can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// The proxy image, without its tag.
    ProxyImage,
    /// The image tag, which is also the proxy version.
    ProxyVersion,
    /// The proxy's UID, exempted from redirection by `init`.
    ProxyUid,
    /// Inbound ports `init` leaves alone, besides the proxy's 4190 and 4191.
    SkipInboundPorts,
    /// Outbound ports `init` leaves alone.
    SkipOutboundPorts,
    /// Inbound ports forwarded without protocol detection.
    OpaquePorts,
    /// The inbound policy for ports without their own.
    DefaultInboundPolicy,
    /// The proxy's CPU request.
    ProxyCpuRequest,
    /// The proxy's memory request.
    ProxyMemoryRequest,
}

impl Setting {
    /// The annotation Linkerd reads it from.
    pub fn annotation(self) -> &'static str {
        match self {
            Setting::ProxyImage => "config.linkerd.io/proxy-image",
            Setting::ProxyVersion => "config.linkerd.io/proxy-version",
            Setting::ProxyUid => "config.linkerd.io/proxy-uid",
            Setting::SkipInboundPorts => "config.linkerd.io/skip-inbound-ports",
            Setting::SkipOutboundPorts => "config.linkerd.io/skip-outbound-ports",
            Setting::OpaquePorts => "config.linkerd.io/opaque-ports",
            Setting::DefaultInboundPolicy => "config.linkerd.io/default-inbound-policy",
            Setting::ProxyCpuRequest => "config.linkerd.io/proxy-cpu-request",
            Setting::ProxyMemoryRequest => "config.linkerd.io/proxy-memory-request",
        }
    }

    /// The value without a flag or annotation: our image, Linkerd's ports and policy, requests sized
    /// for one proxy core's idle share and the 20 MB Linkerd's proxies use under load.
    pub fn default(self) -> &'static str {
        match self {
            Setting::ProxyImage => "lab/mini-proxy",
            Setting::ProxyVersion => "dev",
            Setting::ProxyUid => "2102",
            Setting::SkipInboundPorts | Setting::SkipOutboundPorts => "4567,4568",
            Setting::OpaquePorts => DEFAULT_OPAQUE_PORTS,
            Setting::DefaultInboundPolicy => "all-unauthenticated",
            Setting::ProxyCpuRequest => "10m",
            Setting::ProxyMemoryRequest => "20Mi",
        }
    }

    /// `value` checked and tidied (port lists without spaces); the error names `source`, the flag or
    /// annotation it came from.
    pub fn check(self, source: &'static str, value: &str) -> Result<String, ConfigError> {
        let value = value.trim();
        let bad = |expected: &'static str| ConfigError::invalid(source, value, expected);
        match self {
            Setting::ProxyImage if value.is_empty() || value.contains(|c: char| c.is_whitespace() || c == '@') => {
                Err(bad("expected an image name without tag or digest, such as lab/mini-proxy"))
            }
            Setting::ProxyVersion if !is_tag(value) => Err(bad("expected an image tag such as dev or v0.1.0")),
            Setting::ProxyUid if value.parse::<u32>().is_err() => Err(bad("expected a numeric user id such as 2102")),
            Setting::SkipInboundPorts | Setting::SkipOutboundPorts | Setting::OpaquePorts => {
                let items: Vec<&str> = value.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
                crate::init::ports("ports", &items.join(","))
                    .map_err(|_| bad("expected ports or ranges such as 25,587,8000-8100"))?;
                Ok(items.join(","))
            }
            Setting::DefaultInboundPolicy if value.parse::<DefaultPolicy>().is_err() => {
                Err(bad("expected all-unauthenticated, all-authenticated or deny"))
            }
            Setting::ProxyCpuRequest | Setting::ProxyMemoryRequest if !is_quantity(value) => {
                Err(bad("expected a Kubernetes quantity such as 10m, 0.5, 20Mi or 1Gi"))
            }
            _ => Ok(value.to_string()),
        }
    }
}

fn is_tag(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && !value.starts_with(['.', '-'])
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn is_quantity(value: &str) -> bool {
    let number_end = value.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(value.len());
    let (number, suffix) = value.split_at(number_end);
    number.parse::<f64>().is_ok()
        && ["", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].contains(&suffix)
}

/// The settings of one pod's proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodSettings {
    /// The image with its tag.
    pub image: String,
    /// The tag alone, for `linkerd.io/proxy-version`.
    pub version: String,
    /// The proxy's UID.
    pub uid: String,
    /// `init`'s inbound ports to ignore, the admin and control ports first.
    pub inbound_ports_to_ignore: String,
    /// `init`'s outbound ports to ignore.
    pub outbound_ports_to_ignore: String,
    /// The proxy's opaque inbound ports, as numbers.
    pub opaque_ports: String,
    /// The proxy's default inbound policy.
    pub default_policy: String,
    /// CPU request.
    pub cpu_request: String,
    /// Memory request.
    pub memory_request: String,
}

impl PodSettings {
    /// Reads `annotations` (a pod template's, after the flags' overrides were written onto it).
    /// `named_ports` are the pod's container ports by name: `config.linkerd.io/opaque-ports` may
    /// name ports, and the proxy is given their numbers.
    pub fn read(annotations: Option<&Node>, named_ports: &HashMap<String, u16>) -> Result<PodSettings, ConfigError> {
        let value = |setting: Setting| {
            let raw = annotations.and_then(|a| a.get_str(setting.annotation())).unwrap_or(setting.default());
            setting.check(setting.annotation(), raw)
        };
        let opaque = annotations.and_then(|a| a.get_str(Setting::OpaquePorts.annotation()));
        let opaque = opaque.map(|list| {
            let resolve = |item: &str| named_ports.get(item.trim()).map_or(item.to_string(), u16::to_string);
            list.split(',').map(resolve).collect::<Vec<_>>().join(",")
        });
        let (image, version) = (value(Setting::ProxyImage)?, value(Setting::ProxyVersion)?);
        let skip_inbound = value(Setting::SkipInboundPorts)?;
        Ok(PodSettings {
            image: format!("{image}:{version}"),
            version,
            uid: value(Setting::ProxyUid)?,
            inbound_ports_to_ignore: ["4190,4191", &skip_inbound]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(","),
            outbound_ports_to_ignore: value(Setting::SkipOutboundPorts)?,
            opaque_ports: match opaque {
                Some(list) => Setting::OpaquePorts.check(Setting::OpaquePorts.annotation(), &list)?,
                None => Setting::OpaquePorts.default().to_string(),
            },
            default_policy: value(Setting::DefaultInboundPolicy)?,
            cpu_request: value(Setting::ProxyCpuRequest)?,
            memory_request: value(Setting::ProxyMemoryRequest)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without annotations: our image and Linkerd's ports, the admin and control ports always ignored.
    #[test]
    fn defaults() {
        let pod = PodSettings::read(None, &HashMap::new()).expect("defaults");
        assert_eq!(pod.image, "lab/mini-proxy:dev");
        assert_eq!(pod.uid, "2102");
        assert_eq!(pod.inbound_ports_to_ignore, "4190,4191,4567,4568");
        assert_eq!(pod.outbound_ports_to_ignore, "4567,4568");
        assert_eq!(pod.opaque_ports, DEFAULT_OPAQUE_PORTS);
    }

    /// Annotations replace the defaults; named opaque ports become numbers; an empty skip list means none.
    #[test]
    fn annotations_override() {
        let annotations = Node::map([
            ("config.linkerd.io/skip-inbound-ports", Node::str("")),
            ("config.linkerd.io/skip-outbound-ports", Node::str("5432, 6379")),
            ("config.linkerd.io/opaque-ports", Node::str("db,9000-9002")),
            ("config.linkerd.io/proxy-version", Node::str("v2")),
        ]);
        let ports = HashMap::from([("db".to_string(), 5432)]);
        let pod = PodSettings::read(Some(&annotations), &ports).expect("valid");
        assert_eq!(pod.inbound_ports_to_ignore, "4190,4191");
        assert_eq!(pod.outbound_ports_to_ignore, "5432,6379");
        assert_eq!(pod.opaque_ports, "5432,9000-9002");
        assert_eq!(pod.image, "lab/mini-proxy:v2");
    }

    /// A bad value is named with where it came from.
    #[test]
    fn bad_values_named() {
        for (setting, value, expected) in [
            (Setting::ProxyUid, "root", "invalid --proxy-uid \"root\""),
            (Setting::SkipInboundPorts, "80,http", "invalid --proxy-uid \"80,http\""),
            (Setting::ProxyVersion, "-x", "invalid --proxy-uid \"-x\""),
            (Setting::ProxyCpuRequest, "lots", "invalid --proxy-uid \"lots\""),
            (Setting::DefaultInboundPolicy, "open", "invalid --proxy-uid \"open\""),
        ] {
            let error = setting.check("--proxy-uid", value).expect_err(value).to_string();
            assert!(error.starts_with(expected), "{error}");
        }
        assert_eq!(Setting::ProxyCpuRequest.check("x", "0.5").expect("quantity"), "0.5");
    }
}
