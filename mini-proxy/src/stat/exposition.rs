//! Prometheus' text exposition format, as far as a scrape of a proxy needs it: `# HELP`/`# TYPE` lines and
//! comments are skipped; each sample is `name{label="value",...} value [timestamp]`, label values escaped
//! with `\\`, `\"` and `\n`.

/// A sample's labels, in the order written.
pub type Labels = Vec<(String, String)>;

/// One sample: a series and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The metric name (`response_total`, `response_latency_ms_bucket`, ...).
    pub name: String,
    /// The labels, in the order written.
    pub labels: Labels,
    /// The value (`+Inf`, `-Inf` and `NaN` included).
    pub value: f64,
}

impl Sample {
    /// The value of label `name`, if the sample has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// A line that is not a sample; the message names the line.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("line {line} of the scrape is not a Prometheus sample ({reason}): {text}")]
pub struct ParseError {
    /// The line number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
    /// The line, cut to 120 characters.
    pub text: String,
}

/// Every sample of `text`.
pub fn parse(text: &str) -> Result<Vec<Sample>, ParseError> {
    let mut samples = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let sample = parse_line(line).map_err(|reason| ParseError {
            line: index + 1,
            reason,
            text: line.chars().take(120).collect(),
        })?;
        samples.push(sample);
    }
    Ok(samples)
}

fn parse_line(line: &str) -> Result<Sample, &'static str> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace()).ok_or("no value")?;
    let name = &line[..name_end];
    if name.is_empty() {
        return Err("no metric name");
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inside) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(inside)?;
        labels = parsed;
        rest = after;
    }
    let value = rest.split_whitespace().next().ok_or("no value")?;
    Ok(Sample { name: name.to_string(), labels, value: parse_value(value)? })
}

/// The labels up to the closing brace, and what follows it.
fn parse_labels(mut text: &str) -> Result<(Labels, &str), &'static str> {
    let mut labels = Vec::new();
    loop {
        text = text.trim_start_matches([' ', ',']);
        if let Some(after) = text.strip_prefix('}') {
            return Ok((labels, after));
        }
        let equals = text.find('=').ok_or("a label without a value")?;
        let key = text[..equals].trim().to_string();
        let quoted = text[equals + 1..].trim_start().strip_prefix('"').ok_or("a label value not in quotes")?;
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let end = loop {
            match chars.next() {
                Some((at, '"')) => break at,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, escaped)) => value.push(escaped),
                    None => return Err("an unterminated label value"),
                },
                Some((_, c)) => value.push(c),
                None => return Err("an unterminated label value"),
            }
        };
        labels.push((key, value));
        text = &quoted[end + 1..];
    }
}

fn parse_value(text: &str) -> Result<f64, &'static str> {
    match text {
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text.parse().map_err(|_| "a value that is not a number"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names, escaped label values, special values and timestamps; comments skipped.
    #[test]
    fn samples_and_comments() {
        let text = "# HELP request_total Total count of HTTP requests.\n# TYPE request_total counter\n\
            request_total{direction=\"inbound\",error=\"a \\\"quoted\\\" \\\\ line\\nnext\"} 7\n\
            response_latency_ms_bucket{le=\"+Inf\"} 3 1700000000000\nprocess_start_time_seconds 1.5e9\n\
            tcp_open_connections{} NaN\n";
        let samples = parse(text).expect("parses");
        assert_eq!(samples.len(), 4);
        assert_eq!(samples[0].name, "request_total");
        assert_eq!(samples[0].label("direction"), Some("inbound"));
        assert_eq!(samples[0].label("error"), Some("a \"quoted\" \\ line\nnext"));
        assert_eq!(samples[0].value, 7.0);
        assert_eq!((samples[1].label("le"), samples[1].value), (Some("+Inf"), 3.0));
        assert_eq!((samples[2].labels.len(), samples[2].value), (0, 1.5e9));
        assert!(samples[3].value.is_nan());
    }

    /// A broken line is named, not skipped.
    #[test]
    fn broken_lines_are_named() {
        for (text, reason) in [
            ("ok 1\nbad{a=\"x} 1", "an unterminated label value"),
            ("ok 1\nbad{a=x} 1", "a label value not in quotes"),
            ("ok 1\nbad twelve", "a value that is not a number"),
            ("ok 1\nbad", "no value"),
        ] {
            let error = parse(text).expect_err(text);
            assert_eq!((error.line, error.reason), (2, reason), "{text}");
        }
    }
}
