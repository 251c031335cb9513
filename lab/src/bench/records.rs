//! The measurements a benchmark run leaves behind: one tab-separated line per figure,
//! `COMPONENT  SUBJECT  MEASURE  VALUE  UNIT`, appended by the bench scripts' `record` function
//! (scripts/lib/common.sh) to the file `$BENCH_RECORDS` names.
//!
//! A subject is what was measured (`go-web /host`, `nginx pair`, `knotd`); a measure is what of it
//! (`req/s`, `rss`). A measure spelled `NAME@X` is one point of the series NAME at x = X: a latency
//! distribution (`latency@99` is the 99th percentile), a failover per trial (`failover@3`), a timeline
//! (`answered by@-120`). The report reads figures by those names and nothing else.

use std::fmt;

/// One measured figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The part of the lab whose benchmark measured it (`go-web`, `mini-proxy`, `images`).
    pub component: String,
    /// What was measured: ours (`mini-proxy pair`) or a peer (`nginx pair`).
    pub subject: String,
    /// What of it, possibly a series point (`latency 1k@99.9`).
    pub measure: String,
    /// The figure.
    pub value: f64,
    /// Its unit as the scripts write it (`req/s`, `ms`, `MB`, `count`, `bool`).
    pub unit: String,
}

/// A line of a records file that is not a record.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RecordError {
    /// Not five tab-separated fields.
    #[error("line {line}: expected 5 tab-separated fields (component, subject, measure, value, unit), found {found}")]
    Fields {
        /// The line's number, from 1.
        line: usize,
        /// How many fields it has.
        found: usize,
    },
    /// A value that is not a finite decimal number.
    #[error("line {line}: the value {value:?} is not a number")]
    Value {
        /// The line's number, from 1.
        line: usize,
        /// The field as written.
        value: String,
    },
    /// An empty component, subject, measure or unit.
    #[error("line {line}: the {field} is empty")]
    Empty {
        /// The line's number, from 1.
        line: usize,
        /// Which field.
        field: &'static str,
    },
}

/// Every record of one or more runs, in the order they were written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Records(Vec<Record>);

impl Records {
    /// Parses a records file; blank lines are skipped, anything else must be a record.
    pub fn parse(text: &str) -> Result<Records, RecordError> {
        let mut records = Vec::new();
        for (index, text) in text.lines().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            records.push(parse_line(index + 1, text)?);
        }
        Ok(Records(records))
    }

    /// Adds `other`'s records after these.
    pub fn extend(&mut self, other: Records) {
        self.0.extend(other.0);
    }

    /// The figure `measure` of `subject` in `component`'s run; the last one written when it was
    /// written twice.
    pub fn get(&self, component: &str, subject: &str, measure: &str) -> Option<f64> {
        self.find(component, subject, measure).map(|record| record.value)
    }

    /// Like [`Records::get`], with the unit.
    pub fn find(&self, component: &str, subject: &str, measure: &str) -> Option<&Record> {
        self.0.iter().rev().find(|r| r.component == component && r.subject == subject && r.measure == measure)
    }

    /// The points `(x, value)` of series `name` of `subject`, by increasing x.
    pub fn series(&self, component: &str, subject: &str, name: &str) -> Vec<(f64, f64)> {
        let mut points: Vec<(f64, f64)> = self
            .0
            .iter()
            .filter(|r| r.component == component && r.subject == subject)
            .filter_map(|r| {
                let (series, x) = r.measure.rsplit_once('@')?;
                (series == name).then(|| x.parse::<f64>().ok().map(|x| (x, r.value)))?
            })
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        points.dedup_by(|later, earlier| later.0 == earlier.0);
        points
    }
}

impl fmt::Display for Record {
    /// The record's line, as the scripts write it (without the newline).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\t{}\t{}\t{}\t{}", self.component, self.subject, self.measure, self.value, self.unit)
    }
}

fn parse_line(line: usize, text: &str) -> Result<Record, RecordError> {
    let fields: Vec<&str> = text.split('\t').collect();
    let [component, subject, measure, value, unit] = fields[..] else {
        return Err(RecordError::Fields { line, found: fields.len() });
    };
    for (field, name) in [(component, "component"), (subject, "subject"), (measure, "measure"), (unit, "unit")] {
        if field.trim().is_empty() {
            return Err(RecordError::Empty { line, field: name });
        }
    }
    let number = value.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let value = number.ok_or_else(|| RecordError::Value { line, value: value.to_string() })?;
    Ok(Record {
        component: component.to_string(),
        subject: subject.to_string(),
        measure: measure.to_string(),
        value,
        unit: unit.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "go-web\tgo-web /host\treq/s\t101809.56\treq/s\n\
                       go-web\tgo-web /host\tlatency@99\t4.37\tms\n\
                       go-web\tgo-web /host\tlatency@50\t0.249\tms\n\
                       \n\
                       mini-lb\tmini-lb\tfailover@2\t390\tms\n\
                       mini-lb\tmini-lb\tfailover@1\t408\tms\n\
                       go-web\tgo-web /host\treq/s\t99000\treq/s\n";

    /// Figures are found by component, subject and measure; a figure written twice reads as the last.
    #[test]
    fn figures_by_name() {
        let records = Records::parse(RUN).expect("valid");
        assert_eq!(records.get("go-web", "go-web /host", "req/s"), Some(99000.0));
        assert_eq!(records.find("mini-lb", "mini-lb", "failover@1").map(|r| r.unit.as_str()), Some("ms"));
        assert_eq!(records.get("go-web", "nginx", "req/s"), None);
    }

    /// A series is its `NAME@X` points sorted by x, whatever order they were written in.
    #[test]
    fn series_by_x() {
        let records = Records::parse(RUN).expect("valid");
        assert_eq!(records.series("go-web", "go-web /host", "latency"), [(50.0, 0.249), (99.0, 4.37)]);
        assert_eq!(records.series("mini-lb", "mini-lb", "failover"), [(1.0, 408.0), (2.0, 390.0)]);
        assert!(records.series("mini-lb", "mini-lb", "fail").is_empty());
    }

    /// A malformed line is an error naming its line and what is wrong with it.
    #[test]
    fn malformed_lines() {
        assert_eq!(Records::parse("a\tb\tc\t1\n"), Err(RecordError::Fields { line: 1, found: 4 }));
        let error = Records::parse("a\tb\tc\t1\tms\na\tb\tc\t12,5\tms\n").expect_err("not a number");
        assert_eq!(error.to_string(), "line 2: the value \"12,5\" is not a number");
        assert_eq!(Records::parse("a\tb\tc\tNaN\tms"), Err(RecordError::Value { line: 1, value: "NaN".into() }));
        assert_eq!(Records::parse("a\t \tc\t1\tms"), Err(RecordError::Empty { line: 1, field: "subject" }));
    }

    /// A record prints as the line it was read from.
    #[test]
    fn round_trip() {
        let records = Records::parse(RUN).expect("valid");
        let text: String = records.0.iter().map(|r| format!("{r}\n")).collect();
        assert_eq!(Records::parse(&text).expect("valid"), records);
    }
}
