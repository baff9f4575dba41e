use std::collections::BTreeSet;

use serde_json::Value;

use super::*;
use crate::core::api::Verdict;

pub(super) const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub(super) const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// A value seen in the given (sid, sha256) pairs.
pub(super) fn ioc(
    tag_type: &str,
    value: &str,
    verdict: Verdict,
    safelisted: bool,
    seen: &[(&str, &str)],
) -> Ioc {
    let occurrences: BTreeSet<(String, String)> = seen
        .iter()
        .map(|(s, f)| (s.to_string(), f.to_string()))
        .collect();
    Ioc {
        verdict,
        safelisted,
        safelist_known: true,
        classification: "TLP:CLEAR".into(),
        sids: seen.iter().map(|(s, _)| s.to_string()).collect(),
        files: seen
            .iter()
            .filter(|(_, f)| !f.is_empty())
            .map(|(_, f)| f.to_string())
            .collect(),
        occurrences,
        ..Ioc::new(tag_type, value)
    }
}

pub(super) fn sample() -> Vec<Ioc> {
    vec![
        ioc(
            "network.static.ip",
            "10.0.0.1",
            Verdict::Malicious,
            false,
            &[("S1", SHA_A), ("S2", SHA_B)],
        ),
        ioc(
            "network.dynamic.ip",
            "2001:db8::1",
            Verdict::Info,
            false,
            &[("S1", SHA_A)],
        ),
        ioc(
            "network.static.domain",
            "evil.co.uk",
            Verdict::Suspicious,
            false,
            &[("S1", "")],
        ),
        ioc(
            "network.static.uri",
            "http://evil.co.uk/it's\\here",
            Verdict::Malicious,
            true,
            &[("S2", SHA_B)],
        ),
        ioc(
            "network.email.address",
            "bob@evil.co.uk",
            Verdict::HighlySuspicious,
            false,
            &[("S1", SHA_A)],
        ),
        ioc("network.port", "-1", Verdict::Info, false, &[("S1", SHA_A)]),
        ioc(
            "network.user_agent",
            "=HYPERLINK(\"http://x\")",
            Verdict::Safe,
            false,
            &[("S1", SHA_A)],
        ),
        ioc(
            "network.tls.ja3s_hash",
            "0123456789abcdef0123456789abcdef",
            Verdict::Info,
            false,
            &[("S1", SHA_A)],
        ),
    ]
}

pub(super) fn refs(iocs: &[Ioc]) -> Vec<&Ioc> {
    iocs.iter().collect()
}

#[test]
fn plain_text_headers_only_when_several_types() {
    let iocs = sample();
    let ips: Vec<&Ioc> = iocs
        .iter()
        .filter(|i| i.tag_type == "network.static.ip")
        .collect();
    assert_eq!(plain_text(&ips, false), "10.0.0.1\n");
    assert_eq!(plain_text(&ips, true), "10[.]0[.]0[.]1\n");
    let text = plain_text(&refs(&iocs[..3]), true);
    assert_eq!(
        text,
        "# network.static.ip\n10[.]0[.]0[.]1\n\n# network.dynamic.ip\n2001[:]db8[:][:]1\n\n\
         # network.static.domain\nevil[.]co[.]uk\n"
    );
    assert_eq!(plain_text(&[], true), "");
}

#[test]
fn json_is_the_seed_shape() {
    let mut set = IocSet::new();
    let summary = serde_json::json!({"tags": {"ioc": {"network.static.ip": [["1.2.3.4", "info", true, ""]]}}});
    set.add_summary("S1", &serde_json::from_value(summary).unwrap());
    let parsed: Value = serde_json::from_str(&to_json(&set)).unwrap();
    assert_eq!(
        parsed,
        serde_json::json!({"network.static.ip": ["1.2.3.4"]})
    );
    assert!(to_json(&set).contains('\n'), "pretty-printed");
}

pub(super) fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn csv_says_unknown_when_only_the_ontology_saw_a_value() {
    let mut iocs = sample();
    iocs[0].safelist_known = false;
    let (_, rows) = read_csv(&to_csv(&refs(&iocs[..1])));
    assert!(rows.iter().all(|r| r[6] == "unknown"), "{rows:?}");
}

#[test]
fn csv_has_one_row_per_occurrence_and_parses_back() {
    let iocs = sample();
    let (header, rows) = read_csv(&to_csv(&refs(&iocs)));
    assert_eq!(header, CSV_HEADER);
    assert_eq!(rows.len(), 9, "10.0.0.1 was seen in two (sid, file) pairs");
    assert_eq!(
        rows[0],
        [
            "S1",
            SHA_A,
            "network.static.ip",
            "10.0.0.1",
            "10[.]0[.]0[.]1",
            "malicious",
            "false",
            "TLP:CLEAR"
        ]
    );
    assert_eq!(rows[1][..2], ["S2", SHA_B]);
    assert_eq!(rows[3][1], "", "no file named");
    let uri = &rows[4];
    assert_eq!(uri[3], "http://evil.co.uk/it's\\here", "raw value");
    assert_eq!(uri[4], "hxxp[://]evil[.]co[.]uk/it's\\here");
    assert_eq!(uri[6], "true");
    assert_eq!(rows[6][3], "-1", "a plain number is left alone");
    assert_eq!(rows[7][3], "'=HYPERLINK(\"http://x\")", "formula guarded");
    assert_eq!(rows[7][4], "'=HYPERLINK(\"http://x\")");
}

#[test]
fn csv_guard_and_quoting() {
    for (cell, want) in [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-1", "-1"),
        ("+1.5", "+1.5"),
        ("a,\"b\"\nc", "a,\"b\"\nc"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ] {
        let one = [ioc(
            "network.user_agent",
            cell,
            Verdict::Info,
            false,
            &[("S", "")],
        )];
        let (_, rows) = read_csv(&to_csv(&refs(&one)));
        assert_eq!(rows[0][3], want, "{cell:?}");
    }
}
