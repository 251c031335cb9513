//! Rows as `linkerd viz stat` prints them: a table whose first column is left-aligned and the others
//! right-aligned, three spaces apart, with Linkerd's formats (`100.00%`, `2.0rps`, `123ms`, `2.0B/s`) and
//! a dash in every figure of a resource without traffic; or, with `-o json`, Linkerd's JSON keys. Across
//! all namespaces (`-A`) the table starts with a NAMESPACE column, as Linkerd's does.

use serde_json::{Value, json};

use super::window::Stats;

/// One resource's line.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The resource's namespace.
    pub namespace: String,
    /// Its kind, as the command was given it (`deployment`, `pod`, `namespace`).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Meshed pods and all pods.
    pub meshed: (usize, usize),
    /// Its figures; `None` without traffic.
    pub stats: Option<Stats>,
}

/// The table; `wide` adds the byte rates, as `-o wide` does; `namespaces` the NAMESPACE column.
pub fn table(rows: &[Row], wide: bool, namespaces: bool) -> String {
    let mut header = vec!["NAME", "MESHED", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99", "TCP_CONN"];
    if namespaces {
        header.insert(0, "NAMESPACE");
    }
    if wide {
        header.extend(["READ_BYTES/SEC", "WRITE_BYTES/SEC"]);
    }
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for row in rows {
        let mut cells = Vec::new();
        if namespaces {
            cells.push(row.namespace.clone());
        }
        cells.extend([row.name.clone(), format!("{}/{}", row.meshed.0, row.meshed.1)]);
        match &row.stats {
            Some(stats) => {
                cells.push(stats.success.map_or("-".into(), |s| format!("{:.2}%", s * 100.0)));
                cells.push(format!("{:.1}rps", stats.rps));
                cells.extend(stats.latency_ms.iter().map(|ms| ms.map_or("-".into(), |ms| format!("{}ms", ms as u64))));
                cells.push(stats.tcp_open_connections.to_string());
                if wide {
                    cells.push(format!("{:.1}B/s", stats.read_bytes_rate));
                    cells.push(format!("{:.1}B/s", stats.write_bytes_rate));
                }
            }
            None => cells.extend(std::iter::repeat_n("-".to_string(), header.len() - cells.len())),
        }
        lines.push(cells);
    }
    let widths: Vec<usize> =
        (0..header.len()).map(|i| lines.iter().map(|cells| cells[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for cells in &lines {
        let mut line = format!("{:<width$}", cells[0], width = widths[0]);
        for (cell, width) in cells.iter().zip(&widths).skip(1) {
            line.push_str(&format!("   {cell:>width$}"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The rows as `-o json` prints them: an array of objects, `null` where the table has a dash.
pub fn json(rows: &[Row]) -> Value {
    let objects = rows
        .iter()
        .map(|row| {
            let stats = row.stats.as_ref();
            let latency = |i: usize| stats.and_then(|s| s.latency_ms[i]).map(|ms| ms as u64);
            json!({
                "namespace": row.namespace,
                "kind": row.kind,
                "name": row.name,
                "meshed": format!("{}/{}", row.meshed.0, row.meshed.1),
                "success": stats.and_then(|s| s.success),
                "rps": stats.map(|s| s.rps),
                "latency_ms_p50": latency(0),
                "latency_ms_p95": latency(1),
                "latency_ms_p99": latency(2),
                "tcp_open_connections": stats.map(|s| s.tcp_open_connections),
                "tcp_read_bytes_rate": stats.map(|s| s.read_bytes_rate),
                "tcp_write_bytes_rate": stats.map(|s| s.write_bytes_rate),
            })
        })
        .collect();
    Value::Array(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emoji() -> Row {
        Row {
            namespace: "emojivoto".into(),
            kind: "deployment".into(),
            name: "emoji".into(),
            meshed: (1, 2),
            stats: Some(Stats {
                success: Some(1.0),
                rps: 2.0,
                latency_ms: [Some(123.0), Some(123.9), Some(123.0)],
                tcp_open_connections: 123,
                read_bytes_rate: 2.0,
                write_bytes_rate: 2.0,
            }),
        }
    }

    /// The layout of Linkerd's golden output for one deployment (viz/cmd/testdata/stat_one_output.golden).
    #[test]
    fn linkerds_layout() {
        let expected = "NAME    MESHED   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   TCP_CONN\n\
                        emoji      1/2   100.00%   2.0rps         123ms         123ms         123ms        123\n";
        assert_eq!(table(&[emoji()], false, false), expected);
        let wide = table(&[emoji()], true, false);
        assert!(
            wide.starts_with("NAME    MESHED")
                && wide.lines().next().expect("a header").ends_with("TCP_CONN   READ_BYTES/SEC   WRITE_BYTES/SEC"),
            "{wide}"
        );
        assert!(wide.lines().nth(1).expect("a row").ends_with("123           2.0B/s            2.0B/s"), "{wide}");
    }

    /// A resource without traffic is dashes; JSON has nulls there.
    #[test]
    fn no_traffic_is_dashes() {
        let idle = Row { name: "web".into(), stats: None, meshed: (0, 1), ..emoji() };
        let text = table(&[emoji(), idle.clone()], false, false);
        let last = text.lines().last().expect("a row");
        assert_eq!(last.split_whitespace().collect::<Vec<_>>(), ["web", "0/1", "-", "-", "-", "-", "-", "-"]);
        let value = json(&[idle]);
        assert_eq!(value[0]["meshed"], "0/1");
        assert!(value[0]["success"].is_null() && value[0]["latency_ms_p99"].is_null());
        assert_eq!(json(&[emoji()])[0]["latency_ms_p95"], 123);
    }

    /// Across namespaces, the first column says which.
    #[test]
    fn namespace_column() {
        let idle = Row { namespace: "lab".into(), name: "web".into(), stats: None, ..emoji() };
        let text = table(&[emoji(), idle], false, true);
        let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split_whitespace().collect()).collect();
        assert_eq!(lines[0][..3], ["NAMESPACE", "NAME", "MESHED"]);
        assert_eq!(lines[1][..3], ["emojivoto", "emoji", "1/2"]);
        assert_eq!(lines[2], ["lab", "web", "1/2", "-", "-", "-", "-", "-", "-"]);
    }
}
