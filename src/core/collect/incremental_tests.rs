//! Property-style check: the counters and the ranked candidates kept incrementally equal a
//! from-scratch recomputation, after every event of thousands in random orders (pages of hits,
//! trees loaded twice or failed, retries, downloads that verify, fail, retry or lose their zip,
//! the size guard, a stop).

use std::collections::{BTreeMap, HashMap};

use super::download::Download;
use super::*;
use crate::core::api::TreeNode;
use crate::core::test_support::Rng;

fn sha(n: u64) -> String {
    format!("{n:064x}")
}

/// A random tree over a shared pool of files: a file recurs across submissions (and within
/// one, under several parents) with different scores and names.
fn random_tree(rng: &mut Rng, pool: u64) -> SubmissionTree {
    fn node(rng: &mut Rng, pool: u64, depth: u32) -> TreeNode {
        let f = rng.below(pool);
        let kids = if depth < 3 { rng.below(4) } else { 0 };
        TreeNode {
            name: vec![format!("name-{}", rng.below(3))],
            file_type: format!("type/{}", f % 5),
            sha256: if rng.chance(2) { "bad".into() } else { sha(f) },
            size: 1000 + f * 7,
            children: (0..kids)
                .map(|k| {
                    let n = node(rng, pool, depth + 1);
                    (format!("{}-{depth}-{k}", n.sha256), n)
                })
                .collect(),
            truncated: false,
            score: rng.below(12_000) as i64 - 1000,
        }
    }
    let roots = 1 + rng.below(2);
    SubmissionTree {
        tree: (0..roots)
            .map(|k| (format!("root{k}"), node(rng, pool, 0)))
            .collect(),
        partial: rng.chance(10),
        filtered: rng.chance(5),
        ..Default::default()
    }
}

/// The candidates a from-scratch pass over the loaded trees gives: (sha256, score, sids).
fn from_scratch(
    c: &Collection,
    trees: &HashMap<String, SubmissionTree>,
) -> Vec<(String, i64, Vec<String>)> {
    let mut files: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
    for s in c.subs.iter().filter(|s| s.ever_loaded) {
        let (hits, _) = qualify::qualifying(&trees[&s.sid], c.threshold, &s.sid);
        for h in hits {
            let e = files.entry(h.sha256).or_insert((h.score, Vec::new()));
            e.0 = e.0.max(h.score);
            e.1.push(s.sid.clone());
        }
    }
    let mut out: Vec<(String, i64, Vec<String>)> = files
        .into_iter()
        .map(|(k, (s, sids))| (k, s, sids))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

fn check(c: &Collection, trees: &HashMap<String, SubmissionTree>, seed: u64, step: usize) {
    let at = format!("seed {seed}, step {step}");
    let mut got: Vec<(String, i64, Vec<String>)> = c
        .candidates()
        .iter()
        .map(|f| {
            let mut sids: Vec<String> = f.submissions.iter().map(|s| s.sid.clone()).collect();
            sids.sort();
            (f.sha256.clone(), f.score, sids)
        })
        .collect();
    let mut want = from_scratch(c, trees);
    for w in &mut want {
        w.2.sort();
    }
    for g in &mut got {
        g.2.sort();
    }
    assert_eq!(got, want, "candidates at {at}");

    let count = |f: &dyn Fn(&TreeState) -> bool| c.subs.iter().filter(|s| f(&s.state)).count();
    let totals = Totals {
        files: c.files.len(),
        bytes: c.files.iter().map(|f| f.size).sum(),
        submissions_total_known: c.subs.len(),
        submissions_scanned: count(&|s| matches!(s, TreeState::Loaded { .. })),
        partial_submissions: count(&|s| matches!(s, TreeState::Loaded { partial: true, .. })),
        hidden_submissions: count(&|s| matches!(s, TreeState::Loaded { filtered: true, .. })),
        failed_submissions: count(&|s| matches!(s, TreeState::Failed(_))),
        already_collected: c.files.iter().filter(|f| f.already_collected).count(),
        trees_in_flight: count(&|s| *s == TreeState::InFlight),
        trees_queued: count(&|s| *s == TreeState::Queued),
    };
    assert_eq!(c.totals(), totals, "totals at {at}");
    assert_eq!(c.notes().len(), c.notes_count(), "notes at {at}");

    let mut p = DownloadCounts::default();
    if c.is_downloading() {
        for (i, f) in c.files.iter().enumerate() {
            let Some(state) = c.download_state(i) else {
                continue;
            };
            p.total += 1;
            p.expected_bytes += f.size;
            match state {
                Download::Queued { .. } => p.queued += 1,
                Download::InFlight { .. } => {
                    p.in_flight += 1;
                    p.admitted_bytes += f.size;
                }
                Download::Verified { cart_size } => {
                    p.downloaded += 1;
                    p.bytes += cart_size;
                    p.admitted_bytes += f.size;
                }
                Download::Failed(_) => p.failed += 1,
            }
        }
        // Once downloading, every candidate is in the set: none is left behind.
        assert_eq!(p.total, c.files.len(), "download set at {at}");
    }
    assert_eq!(c.progress(), p, "progress at {at}");
    if c.is_downloading() && p.queued == 0 && p.in_flight == 0 {
        assert_eq!(
            c.failures().len(),
            c.failure_count(),
            "failure count at {at}"
        );
    }
}

fn run(seed: u64, events: usize) {
    let mut rng = Rng::new(seed);
    let subs = 60 + rng.below(60);
    let pool = 20 + rng.below(80);
    let trees: HashMap<String, SubmissionTree> = (0..subs)
        .map(|k| (format!("S{k}"), random_tree(&mut rng, pool)))
        .collect();
    let mut c = Collection::new("q".into(), 1000 + rng.below(6000) as i64);
    let mut next_hit = 0u64;
    let mut flying_trees: Vec<String> = Vec::new();
    let mut flying_files: Vec<DownloadJob> = Vec::new();
    let mut verified: Vec<String> = Vec::new();
    // The notes as last seen, and their version: a view redraws them only when it moves.
    let mut seen_notes = (c.notes(), c.notes_version());
    for step in 0..events {
        match rng.below(14) {
            0 | 1 if next_hit < subs => {
                let page: Vec<SubmissionHit> = (0..1 + rng.below(8))
                    .map(|k| SubmissionHit {
                        // Some pages repeat a sid already seen.
                        sid: format!("S{}", (next_hit + k).min(subs - 1)),
                        max_score: None,
                        state: Some("completed".into()),
                    })
                    .collect();
                next_hit += page.len() as u64;
                c.add_hits(&page);
            }
            2..=4 => match c.next_job() {
                Next::Tree(sid) => flying_trees.push(sid),
                Next::Download(job) => flying_files.push(job),
                Next::Wait => {}
            },
            5 | 6 if !flying_trees.is_empty() => {
                let sid = flying_trees.swap_remove(rng.below(flying_trees.len() as u64) as usize);
                if rng.chance(15) {
                    c.tree_failed(&sid, "Server error (HTTP 500)".into());
                } else if rng.chance(3) {
                    c.tree_gone(&sid);
                } else {
                    c.tree_loaded(&sid, &trees[&sid]);
                    if rng.chance(5) {
                        // A tree folded in twice changes nothing.
                        c.tree_loaded(&sid, &trees[&sid]);
                    }
                }
            }
            7 | 8 if !flying_files.is_empty() => {
                let job = flying_files.swap_remove(rng.below(flying_files.len() as u64) as usize);
                match rng.below(10) {
                    0 => c.download_failed(&job.sha256, "did not verify".into(), true),
                    1 => c.download_failed(&job.sha256, "HTTP 404".into(), false),
                    _ => {
                        c.download_verified(&job.sha256, job.expected_size / 2);
                        verified.push(job.sha256);
                    }
                }
            }
            9 if !c.is_downloading() => {
                if rng.chance(50) {
                    c.collect_as_found(Some(rng.below(200_000)));
                } else {
                    c.start_download();
                }
            }
            10 if rng.chance(20) => c.retry_failed(),
            11 if c.guard_tripped().is_some() => c.lift_guard(),
            12 if rng.chance(10) && !verified.is_empty() => {
                let lost: Vec<String> = verified.drain(..verified.len().min(3)).collect();
                c.zip_lost(&lost, "the zip could not be saved");
            }
            13 if rng.chance(2) => c.abandon("cancelled"),
            _ => {}
        }
        check(&c, &trees, seed, step);
        let notes = c.notes();
        assert_eq!(
            notes != seen_notes.0,
            c.notes_version() != seen_notes.1,
            "the notes' version moves exactly when the notes change (seed {seed}, step {step})"
        );
        seen_notes = (notes, c.notes_version());
    }
}

#[test]
fn incremental_state_equals_a_recomputation_on_random_event_orders() {
    for seed in 1..=16 {
        run(seed, 500);
    }
}
