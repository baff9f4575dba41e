//! `Config::bulk` (memory benchmark): one submission of large generated files, all downloadable.

use cart_container::unpack_stream;
use mock_al::{Config, BULK_FILE_SCORE, BULK_QUERY};
use sha2::{Digest, Sha256};

use crate::client::{enc, Mock};

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[tokio::test]
async fn bulk_submission_is_found_scored_and_downloadable() {
    let m = Mock::start(Config {
        bulk: Some((3, 150_000)),
        ..Config::default()
    })
    .await;
    let ds = m.server.dataset();
    let sid = ds.bulk_sid().expect("bulk sid").to_string();
    let files = ds.bulk_files();
    assert_eq!(files.len(), 3);
    assert!(ds
        .files_at_or_above(7000)
        .is_superset(&files.iter().map(|f| f.0.clone()).collect()));

    let r = m
        .get(&format!(
            "/api/v4/search/submission/?query={}&fl=sid,max_score",
            enc(BULK_QUERY)
        ))
        .await;
    let items = r.data()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["sid"], sid.as_str());
    assert_eq!(items[0]["max_score"], BULK_FILE_SCORE);

    let tree = m
        .get(&format!("/api/v4/submission/tree/{sid}/"))
        .await
        .data();
    let root = tree["tree"].as_object().unwrap().values().next().unwrap();
    let children = root["children"].as_object().unwrap();
    assert_eq!(children.len(), 3);
    for (sha, name, size) in &files {
        let node = &children[sha.as_str()];
        assert_eq!(node["score"], BULK_FILE_SCORE);
        assert_eq!(node["size"], *size);
        assert_eq!(node["name"][0], name.as_str());
        // As the collector asks (prepared), and with another name (official encoder).
        for query in [
            format!("encoding=cart&name={name}&sid={sid}"),
            "encoding=cart".to_string(),
        ] {
            let r = m
                .get(&format!("/api/v4/file/download/{sha}/?{query}"))
                .await;
            assert_eq!(r.status, 200);
            let mut out = Vec::new();
            let (h, f) = unpack_stream(&r.body[..], &mut out, None).expect("valid cART");
            assert_eq!(out.len() as u64, *size);
            assert_eq!(&sha256_hex(&out), sha);
            let f = f.unwrap();
            assert_eq!(f["sha256"], sha.as_str());
            assert_eq!(f["length"], size.to_string());
            let h = h.unwrap();
            assert_eq!(h["classification"], "TLP:CLEAR");
            let want = if query.contains("sid") {
                name.as_str()
            } else {
                sha.as_str()
            };
            assert_eq!(h["name"], want);
        }
        let raw = m
            .get(&format!("/api/v4/file/download/{sha}/?encoding=raw"))
            .await;
        assert_eq!(&sha256_hex(&raw.body), sha);
    }
}

#[tokio::test]
async fn ioc_submission_summary_holds_every_value_with_verdicts() {
    let m = Mock::start(Config {
        ioc_values: Some(1_000),
        ..Config::default()
    })
    .await;
    let r = m
        .get(&format!(
            "/api/v4/search/submission/?query={}&fl=sid",
            enc(mock_al::IOC_QUERY)
        ))
        .await;
    let items = r.data()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    let sid = items[0]["sid"].as_str().unwrap().to_string();
    let summary = m
        .get(&format!("/api/v4/submission/summary/{sid}/"))
        .await
        .data();
    let mut values = std::collections::BTreeSet::new();
    let mut verdicts = std::collections::BTreeSet::new();
    for (_, tags) in summary["tags"]["ioc"].as_object().unwrap() {
        for tag in tags.as_array().unwrap() {
            values.insert(tag[0].as_str().unwrap().to_string());
            verdicts.insert(tag[1].as_str().unwrap().to_string());
        }
    }
    assert_eq!(values.len(), 1_000);
    assert_eq!(
        verdicts.into_iter().collect::<Vec<_>>(),
        ["info", "malicious", "suspicious"]
    );
}
