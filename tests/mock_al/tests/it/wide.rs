//! The collection-shaped data set: several qualifying files per submission, most of them new.

use mock_al::{dataset, Config};

#[test]
fn wide_collections_have_about_the_asked_qualifying_files_per_submission() {
    let data = dataset(&Config {
        submissions: 1_000,
        qualifying_per_submission: Some(2.0),
        ..Config::default()
    });
    let files = data.files_at_or_above(7000).len();
    // 0.9 × 2 × ~990 generated submissions, give or take the draw.
    assert!((1_550..=2_050).contains(&files), "{files} qualifying files");
    let matching = data
        .sids()
        .iter()
        .filter(|sid| data.max_score(sid).unwrap_or(0) >= 7000)
        .count();
    assert!(
        (700..990).contains(&matching),
        "submissions with nothing >= 7000 are left out by max_score: {matching}"
    );
}
