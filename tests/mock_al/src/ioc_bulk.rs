//! Many IoCs for the responsiveness benchmark (`Config::ioc_values = Some(n)`): one extra
//! submission, tagged `metadata.bench: iocs`, whose sandbox and static results carry `n`
//! distinct network values spread over IPs, domains, URIs and e-mail addresses, in sections
//! of every verdict, so the IoC view sorts, filters and renders a realistic mix.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::builder::{heur, sec, SubBuilder, CAPE, FRANKEN};
use crate::content::FileKind;
use crate::data::{make_sid, Store, Submission, CLEAR};
use crate::samples::T0;

/// Search query that matches the IoC submission and nothing else.
pub const IOC_QUERY: &str = "metadata.bench:iocs";

/// Section heuristics (AL maps heuristic scores to info, suspicious and malicious); values
/// are dealt out to them in turn.
const VERDICTS: [(&str, &str, i64); 4] = [
    ("CAPE.1", "Network activity", 0),
    ("CAPE.2", "Suspicious network activity", 300),
    ("CAPE.3", "Command and control traffic", 500),
    ("CAPE.4", "Known malicious infrastructure", 1000),
];

/// The `i`-th value: its tag type and text, all distinct.
fn value(i: usize) -> (&'static str, String) {
    let (a, b, c) = (i % 251, (i / 251) % 251, i / (251 * 251));
    match i % 5 {
        0 => ("network.dynamic.ip", format!("10.{c}.{b}.{a}")),
        1 => (
            "network.static.domain",
            format!("host{i}.zone{}.example.com", i % 97),
        ),
        2 => (
            "network.dynamic.domain",
            format!("c2-{i}.bad{}.example.net", i % 13),
        ),
        3 => (
            "network.static.uri",
            format!("http://dl{}.example.org/p/{i}.bin", i % 41),
        ),
        _ => (
            "network.email.address",
            format!("user{i}@mail{}.example.com", i % 7),
        ),
    }
}

pub fn build(store: &mut Store, values: usize, seed: u64) -> Submission {
    let sid = make_sid(seed, "iocs");
    let root = store.add_file(&format!("iocs-root:{seed}"), FileKind::Pe, 8192, CLEAR);
    let mut b = SubBuilder::new(sid, "iocs", "bench-iocs.exe", &root, T0 + 31 * 86_400);
    b.sub.description = "Benchmark: a sample with many network IoCs".into();
    b.sub.metadata = BTreeMap::from([("bench".to_string(), "iocs".to_string())]);
    let mut dealt: Vec<Vec<(&str, Value)>> = vec![Vec::new(); VERDICTS.len()];
    for i in 0..values {
        let (tag_type, text) = value(i);
        dealt[i % VERDICTS.len()].push((tag_type, json!(text)));
    }
    let sections = VERDICTS
        .iter()
        .zip(&dealt)
        .map(|((id, name, score), tags)| sec(name, heur(id, name, *score), tags))
        .collect();
    b.res(&root, CAPE, sections);
    b.res(
        &root,
        FRANKEN,
        vec![sec(
            "Strings",
            None,
            &[("network.static.domain", json!(value(1).1))],
        )],
    );
    b.done()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn values_are_distinct() {
        let all: BTreeSet<String> = (0..20_000).map(|i| value(i).1).collect();
        assert_eq!(all.len(), 20_000);
    }
}
