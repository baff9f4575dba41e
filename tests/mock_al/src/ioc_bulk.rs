//! Many IoCs for the benchmarks.
//!
//! `Config::ioc_values = Some(n)`: one extra submission, tagged `metadata.bench: iocs`, whose
//! sandbox and static results carry `n` distinct network values spread over IPs, domains, URIs
//! and e-mail addresses, in sections of every verdict, so the IoC view sorts, filters and
//! renders a realistic mix.
//!
//! `Config::ioc_submissions = Some(n)`: `n` extra submissions, tagged `metadata.bench:
//! iocs-many` (`IOC_MANY_QUERY`), each with about a dozen network values: most its own, some
//! shared with other submissions under another verdict (so merging raises verdicts), over a
//! small pool of files (so source files repeat too).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::builder::{heur, sec, SubBuilder, CAPE, FRANKEN};
use crate::content::FileKind;
use crate::data::{make_sid, Store, Submission, CLEAR};
use crate::samples::T0;

/// Search query that matches the IoC submission and nothing else.
pub const IOC_QUERY: &str = "metadata.bench:iocs";
/// Search query that matches the `ioc_submissions` submissions and nothing else.
pub const IOC_MANY_QUERY: &str = "metadata.bench:iocs-many";
/// Files the `ioc_submissions` submissions are made of.
const MANY_POOL: usize = 64;

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

/// The network values of the `j`-th of many submissions: (tag type, value, verdict step).
fn many_values(j: usize) -> Vec<(&'static str, Value, usize)> {
    let mut out = vec![
        // Shared: the same values recur every 40 / 200 submissions with another verdict.
        (
            "network.static.domain",
            json!(format!("shared{}.example.com", j % 40)),
            j % 4,
        ),
        (
            "network.dynamic.ip",
            json!(format!("192.0.2.{}", j % 200)),
            (j / 7) % 4,
        ),
        ("network.port", json!([80, 443, 8080, 4444][j % 4]), j % 3),
    ];
    for k in 0..4 {
        out.push((
            "network.dynamic.domain",
            json!(format!("c2-{j}-{k}.camp{}.example.net", j % 50)),
            (j + k) % 4,
        ));
    }
    let (a, b) = (j % 250, j / 250);
    for k in 0..3 {
        out.push((
            "network.dynamic.ip",
            json!(format!("10.{}.{b}.{a}", k * 50 + b / 250)),
            (j + k) % 4,
        ));
    }
    for k in 0..2 {
        out.push((
            "network.static.uri",
            json!(format!("http://dl{}.example.org/g/{j}/{k}.bin", j % 30)),
            (j + k + 1) % 4,
        ));
    }
    out.push((
        "network.email.address",
        json!(format!("drop{j}@mail{}.example.com", j % 9)),
        j % 2,
    ));
    out
}

pub fn build_many(store: &mut Store, count: usize, seed: u64) -> Vec<Submission> {
    let pool: Vec<String> = (0..MANY_POOL.min(count.max(1)))
        .map(|i| store.add_file(&format!("iocs-many:{seed}:{i}"), FileKind::Pe, 512, CLEAR))
        .collect();
    (0..count)
        .map(|j| {
            let sid = make_sid(seed, &format!("iocs-many:{j}"));
            let root = &pool[j % pool.len()];
            let mut b = SubBuilder::new(
                sid,
                &format!("iocs-many-{j}"),
                "campaign-sample.exe",
                root,
                T0 + 30 * 86_400 - j as i64 * 60,
            );
            b.sub.metadata = BTreeMap::from([("bench".to_string(), "iocs-many".to_string())]);
            let mut dealt: Vec<Vec<(&str, Value)>> = vec![Vec::new(); VERDICTS.len()];
            for (tag_type, value, step) in many_values(j) {
                dealt[step].push((tag_type, value));
            }
            let sections = VERDICTS
                .iter()
                .zip(&dealt)
                .filter(|(_, tags)| !tags.is_empty())
                .map(|((id, name, score), tags)| sec(name, heur(id, name, *score), tags))
                .collect();
            b.res(root, CAPE, sections);
            b.done()
        })
        .collect()
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

    #[test]
    fn many_submissions_share_some_values_and_not_others() {
        let all: Vec<String> = (0..5000)
            .flat_map(|j| {
                many_values(j)
                    .into_iter()
                    .map(|(t, v, _)| format!("{t} {v}"))
            })
            .collect();
        let distinct: BTreeSet<&String> = all.iter().collect();
        assert!(
            distinct.len() >= 50_000 && distinct.len() < all.len(),
            "{}",
            distinct.len()
        );
    }
}
