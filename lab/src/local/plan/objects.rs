//! The rendered manifests as plain JSON values, and the few questions every planner asks of an object:
//! its kind, name, namespace, labels, and the ConfigMap and Secret values a container's env refers to.

use std::collections::BTreeMap;

use serde_json::Value;

use super::PlanError;

/// Every object `kubectl kustomize` rendered, in its order.
#[derive(Clone, Debug, Default)]
pub struct Manifests {
    /// The objects (nulls from empty documents dropped).
    pub objects: Vec<Value>,
}

impl Manifests {
    /// Parses a multi-document YAML stream, as `kubectl kustomize` prints it.
    pub fn parse(text: &str) -> Result<Manifests, PlanError> {
        let objects: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|error| PlanError::Manifests(error.to_string()))?;
        Ok(Manifests { objects: objects.into_iter().filter(|object| object.is_object()).collect() })
    }

    /// The objects of `kind`, in rendered order.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.objects.iter().filter(move |object| object["kind"] == kind)
    }

    /// The object of `kind` named `name` in `namespace`.
    pub fn find(&self, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        self.objects
            .iter()
            .find(|object| object["kind"] == kind && self::name(object) == name && self::namespace(object) == namespace)
    }

    /// A ConfigMap's `data`, or a Secret's `stringData` and decoded `data`, as text.
    pub fn values(&self, kind: &str, namespace: &str, name: &str) -> Result<BTreeMap<String, String>, PlanError> {
        let object = self.find(kind, namespace, name).ok_or_else(|| PlanError::Missing {
            what: format!("{kind} {namespace}/{name}"),
            wanted_by: "a container's env".to_string(),
        })?;
        let mut values = BTreeMap::new();
        for (key, value) in object["data"].as_object().into_iter().flatten() {
            let text = value.as_str().unwrap_or_default();
            let text =
                if kind == "Secret" { decode_base64(text).ok_or_else(|| bad_secret(name, key))? } else { text.into() };
            values.insert(key.clone(), text);
        }
        for (key, value) in object["stringData"].as_object().into_iter().flatten() {
            values.insert(key.clone(), value.as_str().unwrap_or_default().to_string());
        }
        Ok(values)
    }
}

fn bad_secret(name: &str, key: &str) -> PlanError {
    PlanError::Invalid { what: format!("Secret {name} key {key}"), why: "is not base64 text".to_string() }
}

/// An object's name.
pub fn name(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or_default()
}

/// An object's namespace (`default` when the manifest leaves it unset, as kubectl applies it).
pub fn namespace(object: &Value) -> &str {
    object["metadata"]["namespace"].as_str().unwrap_or("default")
}

/// A map of strings (labels, a selector), empty when absent.
pub fn string_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| (key.clone(), value.as_str().map_or_else(|| value.to_string(), str::to_string)))
        .collect()
}

/// Standard base64 (RFC 4648, padding optional) to UTF-8 text: how Secret `data` is stored.
pub fn decode_base64(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = bits << 6 | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count & 0xff) as u8);
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::base64;

    /// Decoding undoes the runner's own encoder, padding or not, and refuses what is not base64.
    #[test]
    fn base64_round_trip() {
        for plain in ["", "f", "fo", "foo", "mysecretpassword"] {
            assert_eq!(decode_base64(&base64(plain.as_bytes())).as_deref(), Some(plain));
        }
        assert_eq!(decode_base64("Zm8").as_deref(), Some("fo"));
        assert!(decode_base64("not base64!").is_none());
    }

    /// A Secret's data is decoded, a ConfigMap's kept, and a missing one named with who wanted it.
    #[test]
    fn config_values() {
        let manifests = Manifests::parse(
            "kind: Secret\nmetadata: {name: s}\ndata: {P: bXlzZWNyZXRwYXNzd29yZA==}\n---\n\
             kind: ConfigMap\nmetadata: {name: c, namespace: x}\ndata: {DB: testpostgresdb}\n",
        )
        .expect("parses");
        assert_eq!(manifests.values("Secret", "default", "s").expect("found")["P"], "mysecretpassword");
        assert_eq!(manifests.values("ConfigMap", "x", "c").expect("found")["DB"], "testpostgresdb");
        let error = manifests.values("ConfigMap", "default", "c").expect_err("other namespace");
        assert!(error.to_string().contains("ConfigMap default/c"), "{error}");
    }
}
