//! `--dist`: the page is served on the same origin as `/api/`, without CORS headers.

use mock_al::Config;

use crate::client::{request, Mock};

#[tokio::test]
async fn serves_dist_on_the_api_origin() {
    let dir = std::env::temp_dir().join(format!("mock-al-dist-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<html>collector</html>").unwrap();
    std::fs::write(dir.join("assets/app_bg.wasm"), b"\0asm").unwrap();
    let m = Mock::start(Config {
        dist: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    let index = request(m.addr(), "GET", "/", &[], None).await;
    assert_eq!(
        (index.status, index.body.as_slice()),
        (200, &b"<html>collector</html>"[..])
    );
    assert!(index
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let wasm = request(m.addr(), "GET", "/assets/app_bg.wasm", &[], None).await;
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(
        request(m.addr(), "GET", "/../etc/passwd", &[], None)
            .await
            .status,
        404
    );
    assert_eq!(
        request(m.addr(), "GET", "/missing.js", &[], None)
            .await
            .status,
        404
    );
    let api = m.get("/api/v4/user/whoami/").await;
    assert!(api.header("access-control-allow-origin").is_none());
    let pre = request(
        m.addr(),
        "OPTIONS",
        "/api/v4/user/whoami/",
        &[("Origin", "http://elsewhere")],
        None,
    )
    .await;
    assert_eq!(pre.status, 200);
    assert!(
        pre.header("allow").unwrap().contains("GET")
            && pre.header("access-control-allow-origin").is_none()
    );
    let head = request(
        m.addr(),
        "HEAD",
        "/api/v4/user/whoami/",
        &[("X-USER", m.user), ("X-APIKEY", m.key)],
        None,
    )
    .await;
    assert_eq!(head.status, 200);
    let stats = m.control("GET", "/__mock/stats/", None).await.json();
    assert!(stats["bytes"]["static"].as_u64().unwrap() > 0);
    std::fs::remove_dir_all(dir).unwrap();
}
