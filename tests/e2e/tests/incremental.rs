//! Incremental collection, as a weekly run uses it: last run's zip given as the Previous
//! manifest, only what it lacks is downloaded; Since puts its clause in the Query box; a
//! foreign file is refused in words and changes nothing.

use std::collections::BTreeSet;

use al_e2e::mock_al::Config;
use al_e2e::seed::{downloadable, open_zip, seed_selection};
use al_e2e::Harness;
use fantoccini::Locator;

async fn choose_file(s: &Harness, path: &std::path::Path) {
    s.browser
        .find(Locator::Css("#previous-manifest"))
        .await
        .unwrap()
        .send_keys(&path.to_string_lossy())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_previous_zip_makes_the_next_run_download_only_what_it_lacks() {
    let s = Harness::start(Config::default()).await;
    let data = s.server.dataset();
    let first_set = downloadable(data, &seed_selection(data, 9000));
    let full_set = downloadable(data, &seed_selection(data, 7000));
    assert!(!first_set.is_empty() && first_set.len() < full_set.len());

    // Last week's run: the files scoring >= 9000.
    s.open_signed_in("analyst", "Collect files").await;
    s.fill("Score threshold", "9000").await;
    s.click_button("Collect zip").await;
    s.wait_text(".progress", "Zip handed to the browser").await;
    let first = s.wait_download(".zip").await;
    let (first_carts, _) = open_zip(&first, data);
    assert_eq!(first_carts, first_set);
    let kept = std::env::temp_dir().join(format!("al-e2e-previous-{}.zip", std::process::id()));
    std::fs::rename(&first, &kept).unwrap();

    // This week's, in a fresh page: the previous zip first, then >= 7000.
    s.open_signed_in("analyst", "Collect files").await;
    let notes = std::env::temp_dir().join(format!("al-e2e-notes-{}.json", std::process::id()));
    std::fs::write(&notes, r#"{"notes": "not a manifest"}"#).unwrap();
    choose_file(&s, &notes).await;
    let words = s
        .wait_text("section:not([hidden]) [role='alert']", "Previous manifest")
        .await;
    assert!(words.contains("not an AL Collector manifest"), "{words}");

    choose_file(&s, &kept).await;
    s.wait_text(".previous", &format!("{} files collected", first_set.len()))
        .await;
    // Since: the clause shows in the Query box, and goes again.
    s.choose("Since", "7d").await;
    assert_eq!(
        s.field_value("Query").await,
        "max_score:>=7000 AND times.submitted:[now-7d TO now]"
    );
    s.choose("Since", "previous").await;
    assert!(
        s.field_value("Query")
            .await
            .starts_with("max_score:>=7000 AND times.submitted:[20"),
        "{}",
        s.field_value("Query").await
    );
    s.choose("Since", "any").await;
    assert_eq!(s.field_value("Query").await, "max_score:>=7000");

    s.click_button("Find files").await;
    s.wait_text(
        ".progress",
        &format!("{} already collected by the previous run", first_set.len()),
    )
    .await;
    s.click_button("Download zip").await;
    s.wait_text(".progress", "Zip handed to the browser").await;
    let second = s.wait_download(".zip").await;
    let (second_carts, manifest) = open_zip(&second, data);
    assert_eq!(
        second_carts,
        full_set
            .difference(&first_set)
            .cloned()
            .collect::<BTreeSet<_>>(),
        "only what the previous zip lacks"
    );
    let already: BTreeSet<String> = manifest["already_collected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(already, first_set, "listed as already collected");
    let _ = std::fs::remove_file(kept);
    let _ = std::fs::remove_file(notes);
    s.finish().await;
}
