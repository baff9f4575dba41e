//! Quotas, injected 502s, malformed JSON, revoked keys and the stats endpoint.

use mock_al::Config;
use serde_json::json;

use crate::client::{creds, whoami_with, Mock};

#[tokio::test]
async fn concurrent_quota_gives_503() {
    let m = Mock::start(Config {
        quota: 1,
        latency_ms: 300,
        ..Config::default()
    })
    .await;
    let (a, b) = tokio::join!(m.get("/api/v4/user/whoami/"), m.get("/api/v4/user/whoami/"));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 503]);
    let rejected = if a.status == 503 { a } else { b };
    assert_eq!(
        rejected.error(),
        "You've exceeded your maximum concurrent API calls quota of 1"
    );
    assert!(rejected.header("x-remaining-quota-api").is_none());
    // Another user has their own slots.
    let (x, y) = tokio::join!(m.get("/api/v4/user/whoami/"), async {
        let (u, k) = creds("analyst");
        whoami_with(m.addr(), &[("X-USER", u), ("X-APIKEY", k)]).await
    });
    assert_eq!((x.status, y.status), (200, 200));
    let stats = m.control("GET", "/__mock/stats/", None).await.json();
    assert_eq!(stats["quota_rejections"]["concurrent"], 1);
    assert_eq!(stats["peak_concurrency"]["admin"], 1);
}

#[tokio::test]
async fn daily_quota() {
    let m = Mock::start(Config {
        daily_quota: 2,
        ..Config::default()
    })
    .await;
    let first = m.get("/api/v4/user/whoami/").await;
    assert_eq!(first.header("x-remaining-quota-api"), Some("1"));
    assert_eq!(first.data()["api_daily_quota"], 2);
    assert_eq!(
        m.get("/api/").await.status,
        200,
        "the API list does not count"
    );
    assert_eq!(
        m.get("/api/v4/user/whoami/")
            .await
            .header("x-remaining-quota-api"),
        Some("0")
    );
    let over = m.get("/api/v4/user/whoami/").await;
    assert_eq!(
        (over.status, over.error()),
        (
            503,
            "You've exceeded your daily maximum API calls quota of 2".to_string()
        )
    );
    assert_eq!(over.header("x-remaining-quota-api"), Some("0"));
    m.control("POST", "/__mock/config/", Some(&json!({"daily_quota": 0})))
        .await;
    let ok = m.get("/api/v4/user/whoami/").await;
    assert_eq!(ok.status, 200);
    assert!(ok.header("x-remaining-quota-api").is_none());
}

#[tokio::test]
async fn injected_502_pages_are_html() {
    let m = Mock::start(Config {
        fault_rate: 0.5,
        seed: 11,
        ..Config::default()
    })
    .await;
    let mut bad = 0;
    for _ in 0..40 {
        let r = m.get("/api/v4/user/whoami/").await;
        if r.status == 502 {
            bad += 1;
            assert!(r.header("content-type").unwrap().starts_with("text/html"));
            assert!(String::from_utf8_lossy(&r.body).contains("502 Bad Gateway"));
        } else {
            assert_eq!(r.status, 200);
        }
    }
    assert!((8..=32).contains(&bad), "{bad} faults for rate 0.5");
    let stats = m.control("GET", "/__mock/stats/", None).await.json();
    assert_eq!(stats["injected_faults"], bad);
    assert_eq!(stats["counts"]["user/whoami"], 40);
    assert_eq!(stats["statuses"]["user/whoami"]["502"], bad);
}

#[tokio::test]
async fn latency_spikes_hit_a_share_of_calls() {
    let m = Mock::start(Config::default()).await;
    m.control(
        "POST",
        "/__mock/config/",
        Some(&json!({"spike_rate": 0.3, "spike_ms": 200})),
    )
    .await;
    let mut spiked = 0;
    for _ in 0..30 {
        let t = std::time::Instant::now();
        assert_eq!(m.get("/api/v4/user/whoami/").await.status, 200);
        if t.elapsed() >= std::time::Duration::from_millis(200) {
            spiked += 1;
        }
    }
    assert!(
        (2..=20).contains(&spiked),
        "{spiked} of 30 calls spiked at rate 0.3"
    );
    let bad = m
        .control("POST", "/__mock/config/", Some(&json!({"spike_rate": 2})))
        .await;
    assert_eq!(bad.status, 400);
    assert!(String::from_utf8_lossy(&bad.body).contains("spike_rate must be in 0..1"));
}

#[tokio::test]
async fn malformed_json_revoked_keys_and_stats() {
    let m = Mock::start(Config::default()).await;
    let sid = m.sample("invoice");
    let sha = m
        .server
        .dataset()
        .sample_sha256("invoice.exe")
        .unwrap()
        .to_string();
    m.control(
        "POST",
        "/__mock/config/",
        Some(&json!({"malformed_json_routes": ["submission/tree"]})),
    )
    .await;
    let r = m.get(&format!("/api/v4/submission/tree/{sid}/")).await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    assert_eq!(
        m.get(&format!("/api/v4/submission/{sid}/")).await.status,
        200
    );

    let dl = m.get(&format!("/api/v4/file/download/{sha}/")).await;
    let stats = m.control("GET", "/__mock/stats/", None).await.json();
    assert_eq!(stats["bytes"]["download"], dl.body.len());
    assert_eq!(stats["counts"]["file/download"], 1);
    assert!(stats["bytes"]["api"].as_u64().unwrap() > 0);
    m.control("POST", "/__mock/reset_stats/", None).await;
    assert_eq!(
        m.control("GET", "/__mock/stats/", None).await.json()["total_requests"],
        0
    );

    let cfg = m
        .control(
            "POST",
            "/__mock/config/",
            Some(&json!({"revoked_users": ["admin"]})),
        )
        .await;
    assert_eq!(cfg.json()["revoked_users"], json!(["admin"]));
    let revoked = m.get("/api/v4/user/whoami/").await;
    assert_eq!(
        (revoked.status, revoked.error()),
        (401, "Invalid user or APIKey".to_string())
    );
    assert_eq!(
        m.control("POST", "/__mock/config/", Some(&json!({"bogus": 1})))
            .await
            .status,
        400
    );
}
