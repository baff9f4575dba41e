//! Seeded bulk submissions for benchmarks: a shared pool of files, realistic score spreads.

use serde_json::{json, Value};

use crate::builder::*;
use crate::content::{FileKind, ALL_KINDS};
use crate::data::{make_sid, rng_for, Section, Store, Submission, Svc, CLEAR, GREEN};
use crate::samples::T0;
use crate::util::Rng;

struct PoolFile {
    sha: String,
    name: String,
    /// 0 benign, 1 suspicious, 2 malicious.
    tier: u8,
    iocs: Vec<(&'static str, Value)>,
}

const WORDS: [&str; 10] = [
    "update", "cdn", "api", "mail", "files", "login", "static", "sync", "track", "portal",
];
const SCORERS: [Svc; 7] = [PE, CAPE, YARA, FRANKEN, JSJAWS, OLETOOLS, SAFELIST];

fn ioc(k: u64) -> (&'static str, Value) {
    let w = WORDS[(k % WORDS.len() as u64) as usize];
    match k % 8 {
        0 => (
            "network.static.domain",
            json!(format!("{w}-{k}.example.net")),
        ),
        1 => (
            "network.static.ip",
            json!(format!("198.51.100.{}", k % 250 + 1)),
        ),
        2 => (
            "network.dynamic.ip",
            json!(format!("203.0.113.{}", k % 250 + 1)),
        ),
        3 => (
            "network.static.uri",
            json!(format!("http://{w}-{k}.example.com/{w}/{k}.php")),
        ),
        4 => (
            "network.dynamic.domain",
            json!(format!("{w}{k}.example.org")),
        ),
        5 => ("network.dynamic.ip", json!(format!("2001:db8::{k:x}:1"))),
        6 => (
            "network.email.address",
            json!(format!("{w}.{k}@example.com")),
        ),
        _ => (
            "network.port",
            json!([80, 443, 8080, 4444][(k % 4) as usize]),
        ),
    }
}

fn pool_file(store: &mut Store, seed: u64, i: usize) -> PoolFile {
    let mut rng = rng_for(seed, &format!("pool:{i}"));
    let kind = *rng.pick(&ALL_KINDS);
    let size = match rng.below(100) {
        0..=69 => rng.range(300, 20_000),
        70..=96 => rng.range(20_000, 150_000),
        _ => rng.range(150_000, 400_000),
    } as usize;
    let c12n = if rng.chance(0.8) { CLEAR } else { GREEN };
    let ext = match kind {
        FileKind::Pe => "exe",
        FileKind::Dll => "dll",
        FileKind::Zip => "zip",
        FileKind::SevenZip => "7z",
        FileKind::Docm => "docm",
        FileKind::Html => "html",
        FileKind::Js => "js",
        FileKind::Vba => "vba",
        FileKind::Ps1 => "ps1",
        FileKind::Text => "txt",
        FileKind::Msi => "msi",
        FileKind::Bin => "bin",
    };
    let name = format!("{}_{i:04}.{ext}", rng.pick(&WORDS));
    let sha = store.add_file(&format!("gen:{seed}:{i}"), kind, size, c12n);
    let tier = [0u8, 0, 0, 0, 1, 1, 1, 2, 2, 2][rng.below(10) as usize];
    let iocs = (0..rng.range(1, 4)).map(|_| ioc(rng.below(120))).collect();
    PoolFile {
        sha,
        name,
        tier,
        iocs,
    }
}

fn heur_score(rng: &mut Rng, tier: u8, svc: &Svc) -> i64 {
    if svc.name == "Safelist" {
        return *rng.pick(&[-1000, -100, 0]);
    }
    match tier {
        0 => *rng.pick(&[0, 10, 50, 100, 250]),
        1 => *rng.pick(&[100, 300, 500, 700, 1000]),
        _ => *rng.pick(&[1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000]),
    }
}

fn scored_sections(rng: &mut Rng, f: &PoolFile, svc: &Svc) -> Vec<Section> {
    (0..rng.range(1, 2))
        .map(|n| {
            let score = heur_score(rng, f.tier, svc);
            let id = format!("{}.{}", svc.name.to_uppercase(), rng.range(1, 12));
            let tags: Vec<(&str, Value)> = (0..rng.range(0, 2))
                .map(|_| f.iocs[rng.below(f.iocs.len() as u64) as usize].clone())
                .collect();
            sec(
                &format!("{} finding {n}", svc.name),
                heur(&id, &format!("{} heuristic", svc.name), score),
                &tags,
            )
        })
        .collect()
}

fn add_file_results(b: &mut SubBuilder, rng: &mut Rng, f: &PoolFile, children: &[&PoolFile]) {
    if !children.is_empty() {
        let ex: Vec<(&str, &str)> = children
            .iter()
            .map(|c| (c.name.as_str(), c.sha.as_str()))
            .collect();
        b.ext(
            &f.sha,
            EXTRACT,
            vec![sec("Extracted files", None, &[])],
            &ex,
        );
    }
    if rng.chance(0.5) {
        b.empty(&f.sha, CHARACTERIZE);
    }
    let mut services: Vec<Svc> = Vec::new();
    for _ in 0..rng.range(1, 3) {
        let s = *rng.pick(&SCORERS);
        if !services.iter().any(|x| x.name == s.name) {
            services.push(s);
        }
    }
    for s in services {
        if rng.chance(0.2) {
            b.empty(&f.sha, s);
        } else {
            let sections = scored_sections(rng, f, &s);
            b.res(&f.sha, s, sections);
        }
    }
}

/// `count` submissions after the hand-made ones, reusing a pool of about 2/3 as many files.
pub fn generate(store: &mut Store, count: usize, seed: u64) -> Vec<Submission> {
    if count == 0 {
        return vec![];
    }
    let pool_len = (count * 2 / 3).clamp(8, 400);
    let pool: Vec<PoolFile> = (0..pool_len).map(|i| pool_file(store, seed, i)).collect();
    let mut out = Vec::with_capacity(count);
    for j in 0..count {
        let mut rng = rng_for(seed, &format!("sub:{j}"));
        // Squaring favours low indices, so popular files recur across submissions.
        let pick = |rng: &mut Rng| (rng.unit() * rng.unit() * pool_len as f64) as usize % pool_len;
        let root = pick(&mut rng);
        let mut used = vec![root];
        let mut children = Vec::new();
        for _ in 0..[0, 0, 1, 1, 2, 3][rng.below(6) as usize] {
            let c = pick(&mut rng);
            if !used.contains(&c) {
                used.push(c);
                children.push(c);
            }
        }
        let grandchild = (!children.is_empty() && rng.chance(0.25))
            .then(|| pick(&mut rng))
            .filter(|g| !used.contains(g));
        let submitted = T0 - (j as i64 + 1) * 8_220 - rng.range(0, 3_600);
        let f = &pool[root];
        let mut b = SubBuilder::new(
            make_sid(seed, &format!("gen:{j}")),
            &format!("gen-{j}"),
            &f.name,
            &f.sha,
            submitted,
        );
        b.sub.submitter = rng.pick(&["admin", "analyst", "feeder"]).to_string();
        b.sub.completed = !rng.chance(0.02);
        b.sub.duration_secs = rng.range(20, 900);
        if rng.chance(0.3) {
            let source = *rng.pick(&["mail-gateway", "proxy", "edr", "manual"]);
            b.meta("source", source);
        }
        let kids: Vec<&PoolFile> = children.iter().map(|&c| &pool[c]).collect();
        add_file_results(&mut b, &mut rng, f, &kids);
        for (n, &c) in children.iter().enumerate() {
            let grand: Vec<&PoolFile> = match grandchild {
                Some(g) if n == 0 => vec![&pool[g]],
                _ => vec![],
            };
            add_file_results(&mut b, &mut rng, &pool[c], &grand);
        }
        if let Some(g) = grandchild {
            add_file_results(&mut b, &mut rng, &pool[g], &[]);
        }
        out.push(b.done());
    }
    out
}

/// `count` submissions shaped like a real collection: each extracts a few files, of which 0 to
/// `2 × per` score >= 7000 (CAPE 4000 + YARA 3500; `per` on average), the rest under 1000. Nine
/// in ten qualifying files are new, one in ten was seen in an earlier submission, so about
/// `0.9 × per × count` distinct files qualify. A submission with none scores under 7000, so
/// `max_score:>=7000` leaves it out, as on a server. Files are small (0.5–40 KB): thousands of
/// them stay cheap to build and serve.
pub fn generate_wide(store: &mut Store, count: usize, seed: u64, per: f64) -> Vec<Submission> {
    let per = per.max(0.0);
    let most_high = (2.0 * per).round() as i64;
    let benign: Vec<PoolFile> = (0..64)
        .map(|i| wide_file(store, seed, &format!("wide-benign:{i}"), 0))
        .collect();
    let mut high: Vec<PoolFile> = Vec::new();
    let mut out = Vec::with_capacity(count);
    for j in 0..count {
        let mut rng = rng_for(seed, &format!("wide:{j}"));
        let mut files: Vec<usize> = Vec::new();
        for _ in 0..rng.range(0, most_high) {
            let k = if high.is_empty() || rng.chance(0.9) {
                high.push(wide_file(
                    store,
                    seed,
                    &format!("wide-high:{}", high.len()),
                    3,
                ));
                high.len() - 1
            } else {
                rng.below(high.len() as u64) as usize
            };
            if !files.contains(&k) {
                files.push(k);
            }
        }
        let lows: Vec<usize> = (0..rng.range(1, 3))
            .map(|_| rng.below(benign.len() as u64) as usize)
            .collect();
        let mut members: Vec<&PoolFile> = files.iter().map(|&k| &high[k]).collect();
        for &l in &lows {
            if !members.iter().any(|m| m.sha == benign[l].sha) {
                members.push(&benign[l]);
            }
        }
        // The root is a benign archive or the first qualifying file; the rest are extracted.
        let root = members.remove(members.len() - 1);
        let submitted = T0 - (j as i64 + 1) * 600 - rng.range(0, 600);
        let mut b = SubBuilder::new(
            make_sid(seed, &format!("wide:{j}")),
            &format!("wide-{j}"),
            &root.name,
            &root.sha,
            submitted,
        );
        b.sub.submitter = rng.pick(&["analyst", "feeder"]).to_string();
        b.sub.duration_secs = rng.range(20, 900);
        let children: Vec<(&str, &str)> = members
            .iter()
            .map(|m| (m.name.as_str(), m.sha.as_str()))
            .collect();
        b.ext(
            &root.sha,
            EXTRACT,
            vec![sec("Extracted files", None, &[])],
            &children,
        );
        wide_results(&mut b, &mut rng, root);
        for m in members {
            wide_results(&mut b, &mut rng, m);
        }
        out.push(b.done());
    }
    out
}

fn wide_file(store: &mut Store, seed: u64, label: &str, tier: u8) -> PoolFile {
    let mut rng = rng_for(seed, label);
    let kind = *rng.pick(&ALL_KINDS);
    let size = rng.range(500, 40_000) as usize;
    let sha = store.add_file(label, kind, size, CLEAR);
    let name = format!("{}_{}.bin", rng.pick(&WORDS), &sha[..8]);
    let iocs = (0..rng.range(1, 3)).map(|_| ioc(rng.below(120))).collect();
    PoolFile {
        sha,
        name,
        tier,
        iocs,
    }
}

/// A qualifying file (tier 3) scores 7500 in every submission; any other stays under 1000.
fn wide_results(b: &mut SubBuilder, rng: &mut Rng, f: &PoolFile) {
    let tags: Vec<(&str, Value)> = f.iocs.iter().take(2).cloned().collect();
    if f.tier == 3 {
        b.res(
            &f.sha,
            CAPE,
            vec![sec(
                "Malicious behaviour",
                heur("CAPE.7", "CAPE heuristic", 4000),
                &tags,
            )],
        );
        b.res(
            &f.sha,
            YARA,
            vec![sec(
                "Signature match",
                heur("YARA.3", "YARA heuristic", 3500),
                &[],
            )],
        );
    } else {
        let score = *rng.pick(&[0, 10, 100, 300, 500]);
        b.res(
            &f.sha,
            PE,
            vec![sec("Header", heur("PE.1", "PE heuristic", score), &tags)],
        );
    }
}
