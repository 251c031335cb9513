//! Whole record lines as BIND's `dns_rdataset_totext` writes them: owner, TTL, class, type and rdata on the
//! column grid of a [`LineStyle`], and question lines (owner, class and type after a `;`). The rdata itself
//! comes from [`crate::text::rdata`]. Every format is pinned by unit tests against output captured from
//! BIND 9.18.

use hickory_proto::op::Query;
use hickory_proto::rr::Record;

use crate::protocol::mnemonics::{class_text, type_text};
use crate::text::escape::name_text;
use crate::text::layout::{LineStyle, pad_to, ttl_with_units};
use crate::text::rdata::record_rdata_text;

/// The numeric type of a record.
pub fn record_type_code(record: &Record) -> u16 {
    u16::from(record.record_type())
}

/// Records grouped into rdatasets: by owner name, then by type, both in order of first appearance.
pub fn grouped(records: &[Record]) -> Vec<&Record> {
    let mut names: Vec<Vec<Vec<&Record>>> = Vec::new();
    for record in records {
        let same_name = names.iter_mut().find(|sets| sets[0][0].name == record.name);
        match same_name {
            Some(sets) => {
                let key = (record_type_code(record), record.dns_class);
                match sets.iter_mut().find(|set| (record_type_code(set[0]), set[0].dns_class) == key) {
                    Some(set) => set.push(record),
                    None => sets.push(vec![record]),
                }
            }
            None => names.push(vec![vec![record]]),
        }
    }
    names.into_iter().flatten().flatten().collect()
}

/// A full record line: owner, TTL, class, type and rdata on the column grid of `style`.
pub fn record_line(record: &Record, style: &LineStyle) -> String {
    let mut line = name_text(&record.name);
    let columns = &style.columns;
    if style.ttl {
        pad_to(&mut line, columns.ttl);
        line.push_str(&if style.ttl_units { ttl_with_units(record.ttl) } else { record.ttl.to_string() });
    }
    if style.class {
        pad_to(&mut line, columns.class);
        line.push_str(&class_text(u16::from(record.dns_class)));
    }
    pad_to(&mut line, columns.rtype);
    line.push_str(&type_text(record_type_code(record)));
    pad_to(&mut line, columns.rdata);
    line.push_str(&record_rdata_text(record, style.layout));
    line
}

/// A question line: `;` owner, class and type on the class/type columns (no TTL).
///
/// BIND counts columns from the owner name, so the leading `;` pushes every field one character
/// right of the grid (`;a.test.` gets four tabs, not three).
pub fn question_line(query: &Query, style: &LineStyle) -> String {
    let mut line = name_text(&query.name);
    if style.class {
        pad_to(&mut line, style.columns.class);
        line.push_str(&class_text(u16::from(query.query_class)));
    }
    pad_to(&mut line, style.columns.rtype);
    line.push_str(&type_text(u16::from(query.query_type)));
    format!(";{line}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::layout::DEFAULT_STYLE;
    use hickory_proto::rr::RData;
    use hickory_proto::rr::rdata::{A, CNAME};
    use hickory_proto::rr::{Name, RecordType};
    use std::str::FromStr;

    fn name(text: &str) -> Name {
        Name::from_str(text).expect("test name")
    }

    fn record(owner: &str, ttl: u32, data: RData) -> Record {
        Record::from_rdata(name(owner), ttl, data)
    }

    /// Owner names past the TTL column get one space; short ones tab to each column (captured from dig).
    #[test]
    fn record_line_follows_column_rule() {
        let long = record("web.default.svc.cluster.local.", 5, RData::A(A::new(10, 96, 0, 20)));
        assert_eq!(record_line(&long, &DEFAULT_STYLE), "web.default.svc.cluster.local. 5 IN\tA\t10.96.0.20");
        let short = record("a.test.", 5, RData::A(A::new(10, 0, 0, 1)));
        assert_eq!(record_line(&short, &DEFAULT_STYLE), "a.test.\t\t\t5\tIN\tA\t10.0.0.1");
        let host = record("kubernetes.default.svc.cluster.local.", 5, RData::A(A::new(10, 96, 0, 1)));
        assert_eq!(record_line(&host, &DEFAULT_STYLE), "kubernetes.default.svc.cluster.local. 5\tIN A\t10.96.0.1");
    }

    /// Question lines skip the TTL column (captured from dig and host -v).
    #[test]
    fn question_line_skips_ttl() {
        let q = Query::query(name("cluster.local."), RecordType::ANY);
        assert_eq!(question_line(&q, &DEFAULT_STYLE), ";cluster.local.\t\t\tIN\tANY");
        let q = Query::query(name("kubernetes.default.svc.cluster.local."), RecordType::A);
        assert_eq!(question_line(&q, &DEFAULT_STYLE), ";kubernetes.default.svc.cluster.local. IN A");
        let q = Query::query(name("a.test."), RecordType::A);
        assert_eq!(question_line(&q, &DEFAULT_STYLE), ";a.test.\t\t\t\tIN\tA");
    }

    /// Interleaved records come out grouped by owner and type.
    #[test]
    fn groups_rdatasets() {
        let x = Name::from_str("x.").expect("name");
        let y = Name::from_str("y.").expect("name");
        let records = vec![
            Record::from_rdata(x.clone(), 5, RData::A(A::new(1, 1, 1, 1))),
            Record::from_rdata(y.clone(), 5, RData::CNAME(CNAME(x.clone()))),
            Record::from_rdata(x.clone(), 5, RData::A(A::new(2, 2, 2, 2))),
        ];
        let order: Vec<&Name> = grouped(&records).into_iter().map(|r| &r.name).collect();
        assert_eq!(order, [&x, &x, &y]);
    }
}
