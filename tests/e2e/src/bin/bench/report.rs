//! Formatting the figures the report prints.

use std::collections::BTreeSet;
use std::time::Duration;

use super::MIB;

pub(crate) fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) fn mb(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}

pub(crate) fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}

pub(crate) fn short(sha: &str) -> String {
    if sha.len() > 16 {
        format!("{}…", &sha[..16])
    } else {
        sha.to_string()
    }
}

pub(crate) fn list(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

pub(crate) fn row(label: &str, a: &str, b: &str) {
    println!("  {label:<34} {a:>22} {b:>22}");
}
