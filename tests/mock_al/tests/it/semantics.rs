//! The real server's states the mock reproduces on request (`semantics.rs`).

use mock_al::{Config, STORED_CART_QUERY};
use serde_json::{json, Value};

use crate::client::Mock;

async fn set(m: &Mock, patch: Value) {
    let r = m.control("POST", "/__mock/config/", Some(&patch)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

#[tokio::test]
async fn terms_of_service_refuse_everything_but_whoami() {
    let m = Mock::start(Config::default()).await;
    set(&m, json!({"tos_required": true})).await;
    let me = m.get("/api/v4/user/whoami/").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.data()["agrees_with_tos"], Value::Null);
    assert_eq!(me.data()["configuration"]["ui"]["tos"], true);
    let tree = m
        .get(&format!("/api/v4/submission/tree/{}/", m.sample("invoice")))
        .await;
    assert_eq!(tree.status, 403);
    assert!(
        tree.error()
            .contains("Agree to Terms of Service before you can make any API calls"),
        "{}",
        tree.error()
    );
}

#[tokio::test]
async fn old_whoami_has_no_roles_and_verdicts_are_configurable() {
    let m = Mock::start(Config::default()).await;
    set(
        &m,
        json!({"old_whoami": true, "verdicts": {"info": 0, "suspicious": 1, "highly_suspicious": 2, "malicious": 3}}),
    )
    .await;
    let me = m.get("/api/v4/user/whoami/").await.data();
    assert!(me.get("roles").is_none());
    assert_eq!(
        me["configuration"]["submission"]["verdicts"]["malicious"],
        3
    );
}

#[tokio::test]
async fn html_503s_come_first_then_the_api() {
    let m = Mock::start(Config::default()).await;
    set(&m, json!({"html_503_calls": 2})).await;
    for _ in 0..2 {
        let r = m.get("/api/v4/user/whoami/").await;
        assert_eq!(r.status, 503);
        assert!(String::from_utf8_lossy(&r.body).contains("<html>"));
    }
    assert_eq!(m.get("/api/v4/user/whoami/").await.status, 200);
}

#[tokio::test]
async fn hidden_files_leave_the_tree_with_their_subtree_and_flag_it() {
    let m = Mock::start(Config::default()).await;
    let dropper = m.sample("dropper");
    let tree = m.server.dataset().tree_json(&dropper).unwrap();
    let root = tree["tree"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    set(&m, json!({"hidden_files": [root]})).await;
    let seen = m
        .get(&format!("/api/v4/submission/tree/{dropper}/"))
        .await
        .data();
    assert_eq!(seen["filtered"], true);
    assert_eq!(seen["partial"], true);
    assert_eq!(seen["tree"], json!({}));
    let summary = m
        .get(&format!("/api/v4/submission/summary/{dropper}/"))
        .await
        .data();
    assert_eq!(summary["filtered"], true);
    let download = m
        .get(&format!("/api/v4/file/download/{root}/?encoding=cart"))
        .await;
    assert_eq!(download.status, 404);
}

#[tokio::test]
async fn deleted_submissions_are_still_found_but_gone() {
    let m = Mock::start(Config::default()).await;
    let dropper = m.sample("dropper");
    set(&m, json!({"deleted_sids": [dropper]})).await;
    let found = m.search(&format!("sid:{dropper}"), "&fl=sid").await.data();
    assert_eq!(found["items"][0]["sid"], dropper.as_str());
    for route in [
        "submission",
        "submission/tree",
        "submission/summary",
        "ontology/submission",
    ] {
        let r = m.get(&format!("/api/v4/{route}/{dropper}/")).await;
        assert_eq!(r.status, 404, "{route}");
    }
}

#[tokio::test]
async fn archive_and_deletion_marks_shape_the_search() {
    let m = Mock::start(Config::default()).await;
    let (invoice, dropper) = (m.sample("invoice"), m.sample("dropper"));
    set(
        &m,
        json!({"archived_sids": [invoice], "to_be_deleted_sids": [dropper]}),
    )
    .await;
    let query = format!("sid:{invoice} OR sid:{dropper}");
    let body = |archive: bool| {
        json!({"query": query, "fl": "sid", "rows": 10, "filters": ["NOT(to_be_deleted:true)"],
               "use_archive": archive})
    };
    let hot = m
        .post_json("/api/v4/search/submission/", &body(false))
        .await
        .data();
    assert_eq!(hot["items"], json!([]));
    let both = m
        .post_json("/api/v4/search/submission/", &body(true))
        .await
        .data();
    assert_eq!(both["items"], json!([{"sid": invoice}]));
}

#[tokio::test]
async fn an_expired_cursor_is_refused_as_elasticsearch_does() {
    let m = Mock::start(Config::default()).await;
    set(&m, json!({"expire_cursors": 1})).await;
    let first = m
        .post_json(
            "/api/v4/search/submission/",
            &json!({"query": "*", "fl": "sid", "rows": 5, "deep_paging_id": "*"}),
        )
        .await
        .data();
    let cursor = first["next_deep_paging_id"].as_str().unwrap().to_string();
    let page = |id: &str| json!({"query": "*", "fl": "sid", "rows": 5, "deep_paging_id": id});
    let expired = m
        .post_json("/api/v4/search/submission/", &page(&cursor))
        .await;
    assert_eq!(expired.status, 400);
    assert!(expired.error().contains("No search context found"));
    let again = m
        .post_json("/api/v4/search/submission/", &page(&cursor))
        .await;
    assert_eq!(again.status, 200, "only the next one expires");
}

#[tokio::test]
async fn a_stored_cart_is_downloaded_unchanged() {
    let m = Mock::start(Config {
        stored_cart: true,
        ..Config::default()
    })
    .await;
    let found = m.search(STORED_CART_QUERY, "&fl=sid").await.data();
    let sid = found["items"][0]["sid"].as_str().unwrap().to_string();
    let tree = m
        .get(&format!("/api/v4/submission/tree/{sid}/"))
        .await
        .data();
    let root = tree["tree"].as_object().unwrap().values().next().unwrap();
    let (sha, node) = root["children"].as_object().unwrap().iter().next().unwrap();
    assert_eq!(node["score"], 8000);
    let r = m
        .get(&format!(
            "/api/v4/file/download/{sha}/?encoding=cart&sid={sid}"
        ))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with(b"CART"));
    assert_eq!(&r.body, m.server.dataset().file_bytes(sha).unwrap());
}
