use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::*;
use crate::core::api::TreeNode;
use crate::core::bundle::FailureKind;
use crate::core::test_support::sha;

/// A tree node; `children` are nested as given.
fn node(n: u8, names: &[&str], score: i64, children: Vec<TreeNode>) -> TreeNode {
    TreeNode {
        name: names.iter().map(|s| s.to_string()).collect(),
        file_type: format!("type/{n}"),
        sha256: sha(n),
        size: 100 * n as u64,
        children: children
            .into_iter()
            .map(|c| (c.sha256.clone(), c))
            .collect(),
        truncated: false,
        score,
    }
}

fn tree(roots: Vec<TreeNode>, partial: bool) -> SubmissionTree {
    SubmissionTree {
        tree: roots.into_iter().map(|c| (c.sha256.clone(), c)).collect(),
        partial,
        ..Default::default()
    }
}

fn hit(sid: &str, max_score: Option<i64>, state: &str) -> SubmissionHit {
    SubmissionHit {
        sid: sid.into(),
        max_score,
        state: Some(state.into()),
    }
}

fn shas(c: &Collection) -> Vec<String> {
    c.candidates().iter().map(|c| c.sha256.clone()).collect()
}

/// One submission S1 whose tree nests: 1 (7500) > 2 (7000) and 3 (6999) > 2 again, 4 (-50) >
/// 5 > 6 (9000, four levels down).
fn nested() -> SubmissionTree {
    let deep = node(
        5,
        &["inner.zip"],
        10,
        vec![node(6, &["payload.dll"], 9000, vec![])],
    );
    let root = node(
        1,
        &["dropper.exe"],
        7500,
        vec![
            node(2, &["stage2.bin"], 7000, vec![]),
            node(
                3,
                &["doc.docx"],
                6999,
                vec![node(2, &["stage2 copy.bin", "stage2.bin"], 7000, vec![])],
            ),
            node(4, &["benign.txt"], -50, vec![deep]),
        ],
    );
    tree(vec![root], false)
}

#[test]
fn nested_trees_are_walked_and_the_threshold_is_inclusive() {
    let mut c = Collection::new("max_score:>=7000".into(), 7000);
    c.tree_loaded("S1", &nested());
    assert_eq!(shas(&c), [sha(6), sha(1), sha(2)]);
    let two = c.candidates()[2].clone();
    assert_eq!(two.names, ["stage2.bin", "stage2 copy.bin"]);
    assert_eq!(
        (two.score, two.size, two.file_type.as_str()),
        (7000, 200, "type/2")
    );
    assert_eq!(
        two.submissions,
        [SidScore {
            sid: "S1".into(),
            score: 7000,
            partial: false
        }]
    );
    let t = c.totals();
    assert_eq!((t.files, t.bytes, t.submissions_scanned), (3, 900, 1));
}

#[test]
fn negative_scores_and_negative_thresholds() {
    let t = tree(
        vec![node(
            1,
            &["a"],
            -10,
            vec![node(2, &["b"], 0, vec![]), node(3, &["c"], -11, vec![])],
        )],
        false,
    );
    let mut c = Collection::new("q".into(), -10);
    c.tree_loaded("S1", &t);
    assert_eq!(shas(&c), [sha(2), sha(1)]);
}

#[test]
fn files_are_deduplicated_across_submissions() {
    let mut c = Collection::new("q".into(), 7000);
    c.tree_loaded("S1", &tree(vec![node(7, &["a.exe"], 7200, vec![])], false));
    c.tree_loaded(
        "S2",
        &tree(
            vec![node(
                9,
                &["x"],
                0,
                vec![node(7, &["b.exe", "a.exe"], 9000, vec![])],
            )],
            true,
        ),
    );
    // Below the threshold in S3: not listed there, and its name there is not taken.
    c.tree_loaded("S3", &tree(vec![node(7, &["c.exe"], 100, vec![])], false));
    let all = c.candidates();
    assert_eq!(all.len(), 1);
    let f = all[0];
    assert_eq!(f.score, 9000);
    assert_eq!(f.names, ["a.exe", "b.exe"]);
    let sids: Vec<(&str, i64, bool)> = f
        .submissions
        .iter()
        .map(|s| (s.sid.as_str(), s.score, s.partial))
        .collect();
    assert_eq!(sids, [("S1", 7200, false), ("S2", 9000, true)]);
    assert!(f.partial);
    assert_eq!(f.best_sid(), "S2");
    assert_eq!(c.totals().partial_submissions, 1);

    // The same tree again changes nothing.
    c.tree_loaded("S1", &tree(vec![node(7, &["a.exe"], 7200, vec![])], false));
    assert_eq!(c.candidates()[0].submissions.len(), 2);
}

#[test]
fn candidates_sort_by_score_then_sha256() {
    let mut c = Collection::new("q".into(), 1);
    c.tree_loaded(
        "S1",
        &tree(
            vec![
                node(3, &[], 5, vec![]),
                node(2, &[], 9, vec![]),
                node(1, &[], 5, vec![]),
            ],
            false,
        ),
    );
    assert_eq!(shas(&c), [sha(2), sha(1), sha(3)]);
}

#[test]
fn search_hits_queue_trees_once_and_failed_trees_are_retried() {
    let mut c = Collection::new("q".into(), 7000);
    c.add_hits(&[
        hit("S1", Some(9000), "completed"),
        hit("S3", Some(10), "submitted"),
        hit("S1", Some(9000), "completed"),
    ]);
    c.add_hits(&[hit("S4", None, "completed")]);
    let t = c.totals();
    assert_eq!((t.submissions_total_known, t.trees_queued), (3, 3));
    assert_eq!(c.next_tree().as_deref(), Some("S1"));
    assert_eq!(c.next_tree().as_deref(), Some("S3"));
    assert_eq!(c.totals().trees_in_flight, 2);
    c.tree_loaded("S1", &nested());
    c.tree_failed("S3", "Server error (HTTP 500): boom".into());
    assert_eq!(c.next_tree().as_deref(), Some("S4"));
    assert_eq!(c.next_tree(), None);
    c.tree_loaded("S4", &tree(vec![], false));
    let t = c.totals();
    assert_eq!(
        (
            t.submissions_scanned,
            t.failed_submissions,
            t.trees_in_flight,
            t.trees_queued
        ),
        (2, 1, 0, 0)
    );

    let failures = c.failures();
    assert_eq!(failures[0].kind, FailureKind::Submission);
    assert_eq!(
        (failures[0].sids.as_slice(), failures[0].reason.as_str()),
        (&["S3".to_string()][..], "Server error (HTTP 500): boom")
    );

    c.retry_failed();
    assert_eq!(c.next_tree().as_deref(), Some("S3"));
    c.tree_loaded(
        "S3",
        &tree(vec![node(8, &["late.exe"], 8000, vec![])], false),
    );
    assert_eq!(c.totals().failed_submissions, 0);
    assert_eq!(c.totals().files, 4);
}

/// Three candidates: 6 (9000), 1 (7500), 2 (7000).
fn ready() -> Collection {
    let mut c = Collection::new("max_score:>=7000".into(), 7000);
    c.add_hits(&[hit("S1", Some(9000), "completed")]);
    let sid = c.next_tree().unwrap();
    c.tree_loaded(&sid, &nested());
    c.start_download();
    c
}

#[test]
fn downloads_go_best_first_with_one_automatic_retry() {
    let mut c = ready();
    assert_eq!(
        c.progress(),
        DownloadCounts {
            total: 3,
            queued: 3,
            expected_bytes: 900,
            ..DownloadCounts::default()
        }
    );
    let job = c.next_download().unwrap();
    assert_eq!(
        job,
        DownloadJob {
            sha256: sha(6),
            name: "payload.dll".into(),
            sid: "S1".into(),
            expected_size: 600
        }
    );
    c.download_verified(&sha(6), 1234);

    let j1 = c.next_download().unwrap();
    assert_eq!(j1.sha256, sha(1));
    c.download_failed(&sha(1), "content sha256 is x, expected y".into(), true);
    assert_eq!(
        c.progress().failed,
        0,
        "first verification failure is retried"
    );
    let j2 = c.next_download().unwrap();
    assert_eq!(j2.sha256, sha(2));
    c.download_failed(
        &sha(2),
        "Not found: The file was not found in the system.".into(),
        false,
    );
    let again = c.next_download().unwrap();
    assert_eq!(again.sha256, sha(1));
    assert_eq!(c.progress().in_flight, 1);
    c.download_failed(&sha(1), "content sha256 is x, expected y".into(), true);
    assert_eq!(c.next_download(), None);
    assert!(c.is_finished());
    assert_eq!(
        c.progress(),
        DownloadCounts {
            total: 3,
            downloaded: 1,
            failed: 2,
            bytes: 1234,
            expected_bytes: 900,
            admitted_bytes: 600,
            ..DownloadCounts::default()
        }
    );

    let m = c.manifest("https://al", "bob", "t0", "t1");
    assert_eq!(m.files.len(), 1);
    assert_eq!(
        (
            m.files[0].cart_size,
            m.files[0].verified,
            m.files[0].name.as_str()
        ),
        (1234, true, "payload.dll")
    );
    assert_eq!(m.files[0].sid_scores["S1"], 9000);
    let reasons: BTreeMap<&str, &str> = m
        .failures
        .iter()
        .map(|f| (f.sha256.as_str(), f.reason.as_str()))
        .collect();
    assert_eq!(reasons[sha(1).as_str()], "content sha256 is x, expected y");
    assert_eq!(
        reasons[sha(2).as_str()],
        "Not found: The file was not found in the system."
    );
    assert_eq!(
        (m.query.as_str(), m.threshold, m.user.as_str()),
        ("max_score:>=7000", 7000, "bob")
    );

    // The user's retry gives each failed file another go, with a fresh automatic retry.
    c.retry_failed();
    assert!(!c.is_finished());
    assert_eq!(c.progress().queued, 2);
    let j = c.next_download().unwrap();
    c.download_failed(&j.sha256, "again".into(), true);
    assert_eq!(c.progress().failed, 0);
}

#[test]
fn files_of_a_zip_that_could_not_be_saved_fail_again_and_can_be_retried() {
    let mut c = ready();
    let a = c.next_download().unwrap().sha256;
    c.download_verified(&a, 10);
    let b = c.next_download().unwrap().sha256;
    c.download_verified(&b, 20);
    let still = c.next_download().unwrap().sha256;
    c.zip_lost(&[a.clone(), still.clone()], "the zip could not be saved: x");
    let p = c.progress();
    assert_eq!((p.downloaded, p.failed, p.in_flight), (1, 1, 1), "{p:?}");
    let failures = c.failures();
    let lost = failures.iter().find(|f| f.sha256 == a).unwrap();
    assert_eq!(lost.reason, "the zip could not be saved: x");
    c.download_verified(&still, 30);
    c.retry_failed();
    assert_eq!(c.next_download().unwrap().sha256, a);
}

#[test]
fn a_zip_closed_mid_run_lists_only_settled_failures() {
    let mut c = ready();
    let best = c.next_download().unwrap().sha256;
    c.download_failed(&best, "Not found".into(), false);
    let under_way = c.next_download().unwrap().sha256;
    // One file failed, one is downloading, one still queued: only the first is a failure yet.
    let settled: Vec<String> = c.settled_failures().into_iter().map(|f| f.sha256).collect();
    assert_eq!(settled, vec![best.clone()]);
    // Once the run is over, whatever never arrived is a failure with its reason.
    let all = c.failures();
    assert_eq!(all.len(), 3);
    let stopped = all.iter().find(|f| f.sha256 == under_way).unwrap();
    assert!(stopped.reason.contains("stopped before"), "{stopped:?}");
}

#[test]
fn stale_reports_are_ignored() {
    let mut c = ready();
    c.download_verified(&sha(6), 1);
    c.download_failed(&sha(99), "?".into(), false);
    assert_eq!(c.progress().downloaded, 0);
    let job = c.next_download().unwrap();
    c.download_verified(&job.sha256, 10);
    c.download_failed(&job.sha256, "late cancel".into(), false);
    assert_eq!((c.progress().downloaded, c.progress().failed), (1, 0));
}

#[test]
fn nothing_found_is_silently_lost() {
    let mut c = Collection::new("q".into(), 7000);
    c.add_hits(&[
        hit("S1", None, "completed"),
        hit("S2", None, "completed"),
        hit("S3", None, "completed"),
    ]);
    let s1 = c.next_tree().unwrap();
    let s2 = c.next_tree().unwrap();
    c.tree_loaded(&s1, &tree(vec![node(1, &["a"], 8000, vec![])], false));
    c.start_download();
    // S2 was in flight at the freeze: its file joins the queue. S3 was never fetched.
    c.tree_loaded(&s2, &tree(vec![node(2, &["b"], 7000, vec![])], false));
    assert_eq!(c.next_tree(), None);
    let jobs: Vec<String> = std::iter::from_fn(|| c.next_download())
        .map(|j| j.sha256)
        .collect();
    assert_eq!(jobs, [sha(1), sha(2)]);
    // Stopped before either finished.
    let m = c.manifest("s", "u", "a", "b");
    assert!(m.files.is_empty());
    let failures: Vec<(FailureKind, String)> = m
        .failures
        .iter()
        .map(|f| (f.kind, f.reason.clone()))
        .collect();
    assert_eq!(
        failures[0],
        (FailureKind::Submission, NOT_SCANNED.to_string())
    );
    assert!(failures[1].1.starts_with("not downloaded"));
    assert_eq!(failures.len(), 3);
    assert!(!c.is_finished());
    // Retrying fetches S3 after all; its file is downloaded too.
    c.retry_failed();
    assert_eq!(c.next_tree().as_deref(), Some("S3"));
    c.tree_loaded("S3", &tree(vec![node(3, &["c"], 7001, vec![])], false));
    assert_eq!(c.next_download().map(|j| j.sha256), Some(sha(3)));
    assert_eq!(c.progress().total, 3);
}

#[test]
fn malformed_sha256s_are_reported_not_downloaded() {
    let mut bad = node(1, &["odd.exe"], 9000, vec![]);
    bad.sha256 = "../../etc/passwd".into();
    let mut upper = node(2, &["upper.exe"], 9000, vec![]);
    upper.sha256 = sha(0xab).to_uppercase();
    let mut c = Collection::new("q".into(), 7000);
    c.tree_loaded("S1", &tree(vec![bad, upper], false));
    assert_eq!(shas(&c), [sha(0xab)], "upper case is still a sha256");
    let f = &c.failures()[0];
    assert_eq!(
        (f.sha256.as_str(), f.names[0].as_str()),
        ("../../etc/passwd", "odd.exe")
    );
    assert!(f.reason.contains("invalid sha256"));
}

#[test]
fn download_names_are_base_names() {
    let mut c = Collection::new("q".into(), 0);
    c.tree_loaded(
        "S1",
        &tree(
            vec![
                node(1, &["C:\\Users\\x\\evil.exe"], 1, vec![]),
                node(2, &[], 1, vec![]),
                node(3, &["a/.."], 1, vec![]),
            ],
            false,
        ),
    );
    let names: Vec<String> = c.candidates().iter().map(|c| c.download_name()).collect();
    assert_eq!(names, ["evil.exe".to_string(), sha(2), sha(3)]);
}

/// The seed exercise scores files from `/submission/full/<sid>/`: it sums `result.score` of
/// every result, grouped by the result's sha256, and keeps the sums >= threshold. The tree
/// holds the same sums per node, so both must pick the same files.
#[test]
fn tree_rule_selects_what_the_seed_selects() {
    let result = |file: u8, service: &str, score: i64| {
        (
            format!("{}.{service}.v4_5.c0", sha(file)),
            json!({"sha256": sha(file), "result": {"score": score}}),
        )
    };
    let results = [
        result(1, "PEFile", 5000),
        result(1, "YARA", 2000), // 7000 exactly
        result(2, "PEFile", 6999),
        result(3, "YARA", 9000),
        result(3, "Safelist", -3000), // 6000
        result(4, "Extract", 4000),
        result(4, "YARA", 4000), // 8000, extracted twice
        result(5, "Cuckoo", -10),
    ];
    let full =
        json!({"sid": "S1", "results": results.iter().cloned().collect::<serde_json::Map<_, _>>()});

    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for r in full["results"].as_object().unwrap().values() {
        *sums
            .entry(r["sha256"].as_str().unwrap().to_string())
            .or_default() += r["result"]["score"].as_i64().unwrap();
    }
    let seed: BTreeSet<String> = sums
        .iter()
        .filter(|(_, s)| **s >= 7000)
        .map(|(k, _)| k.clone())
        .collect();

    // The tree the server builds from the same results: each node's score is its file's sum
    // (assemblyline-base `datastore/helper.py`, `get_or_create_file_tree`), not typed by hand.
    let score = |n: u8| sums[&sha(n)];
    let t = tree(
        vec![node(
            1,
            &["root.exe"],
            score(1),
            vec![
                node(2, &["a"], score(2), vec![node(4, &["x"], score(4), vec![])]),
                node(
                    3,
                    &["b"],
                    score(3),
                    vec![node(
                        4,
                        &["x"],
                        score(4),
                        vec![node(5, &["y"], score(5), vec![])],
                    )],
                ),
            ],
        )],
        false,
    );
    let mut c = Collection::new("q".into(), 7000);
    c.tree_loaded("S1", &t);
    let ours: BTreeSet<String> = shas(&c).into_iter().collect();
    assert_eq!(ours, seed);
    assert_eq!(ours, [sha(1), sha(4)].into_iter().collect());
}

#[test]
fn hidden_running_missing_and_deleted_submissions_are_noted_in_scan_order() {
    let mut c = Collection::new("q".into(), 7000);
    c.add_hits(&[
        hit("S1", Some(9000), "completed"),
        hit("S2", Some(9000), "submitted"),
        hit("S3", Some(9000), "completed"),
        hit("S4", Some(9000), "completed"),
    ]);
    while c.next_tree().is_some() {}
    let mut hidden = nested();
    hidden.filtered = true;
    hidden.partial = true;
    c.tree_loaded("S1", &hidden);
    c.tree_loaded("S2", &tree(vec![], true));
    c.tree_loaded("S3", &tree(vec![], true));
    c.tree_gone("S4");
    let lines: Vec<String> = c.notes().iter().map(|n| n.line()).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("Submission S1: some files of this submission are hidden"));
    assert_eq!(lines[1], "Submission S2: still being analysed.");
    assert_eq!(
        lines[2],
        "Submission S3: some information about this submission is missing (purged or hidden)."
    );
    assert_eq!(lines[3], "Submission S4: deleted since it was found.");
    assert_eq!(c.notes_count(), 4);
    assert_eq!(c.totals().hidden_submissions, 1);
    // A deleted submission is done with, not a failure Retry failed would ask again.
    assert!(!c.has_failures());
    c.mark_stored_as_cart(&sha(6));
    let notes = c.manifest_notes();
    assert_eq!(notes.submissions.len(), 4);
    assert!(notes.stored_as_cart.contains(&sha(6)));
}

#[test]
fn files_a_previous_run_collected_are_shown_but_not_downloaded_again() {
    let mut c = Collection::new("q".into(), 7000);
    c.skip_collected([sha(1), sha(9)].into_iter().collect());
    c.add_hits(&[hit("S1", Some(9000), "completed")]);
    let sid = c.next_tree().unwrap();
    c.tree_loaded(&sid, &nested());
    assert_eq!(c.totals().files, 3);
    assert_eq!(c.totals().already_collected, 1);
    assert!(c.candidate(&sha(1)).unwrap().already_collected);
    c.start_download();
    let mut fetched = Vec::new();
    while let Some(job) = c.next_download() {
        c.download_verified(&job.sha256, 1);
        fetched.push(job.sha256);
    }
    assert_eq!(
        fetched,
        [sha(6), sha(2)],
        "the one collected before is skipped"
    );
    assert!(c.is_finished());
    assert!(c.failures().is_empty(), "{:?}", c.failures());
    let m = c.manifest("https://al", "bob", "t0", "t1");
    assert_eq!(m.already_collected, [sha(1)]);
    assert!(m.to_csv().contains("already collected"));
    assert_eq!(m.files.len(), 2);
}
