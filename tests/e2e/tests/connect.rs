//! Connecting, as an analyst does it: good key, wrong key, a server that is not there.

use al_e2e::{mock_al::Config, user, Session};

#[tokio::test]
async fn good_key_shows_the_user_and_roles() {
    let s = Session::start(Config::default()).await;
    s.open().await;
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    let shown = s.wait_text(".identity", "Connected as analyst").await;
    assert!(shown.contains("file_download"), "roles listed: {shown}");
    assert!(!s
        .page_text()
        .await
        .contains("lacks the 'file_download' role"));
    // The key is gone from the form once it is in use, and never in the address bar.
    assert_eq!(
        s.field("API key")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default(),
        ""
    );
    assert!(!s
        .browser
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains(analyst.apikey));
    s.finish().await;
}

#[tokio::test]
async fn wrong_key_gets_a_clear_401_message() {
    let s = Session::start(Config::default()).await;
    s.open().await;
    s.connect("analyst", "demo:not-the-secret").await;
    let alert = s
        .wait_text("[role='alert']", "refused the credentials")
        .await;
    assert!(alert.contains("Invalid user or APIKey"), "{alert}");
    assert!(
        !alert.contains("not-the-secret"),
        "the key must not be echoed: {alert}"
    );
    s.finish().await;
}

#[tokio::test]
async fn viewer_without_file_download_is_warned() {
    let s = Session::start(Config::default()).await;
    s.open().await;
    let viewer = user("viewer");
    s.connect(viewer.user, viewer.apikey).await;
    s.wait_text(".identity", "lacks the 'file_download' role")
        .await;
    s.finish().await;
}

#[tokio::test]
async fn server_down_is_explained() {
    let s = Session::start(Config::default()).await;
    s.open().await;
    // Another origin where nothing listens: the browser cannot tell "down" from "CORS", so
    // the message names both and the two fixes.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    s.fill("Server URL", &format!("http://{closed}")).await;
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    let alert = s
        .wait_text("[role='alert']", "Could not reach the Assemblyline server")
        .await;
    assert!(
        alert.contains("CORS") && alert.contains("same origin"),
        "{alert}"
    );
    s.finish().await;
}

#[tokio::test]
async fn a_failing_proxy_is_retried_then_reported() {
    let s = Session::start(Config {
        fault_rate: 1.0,
        ..Config::default()
    })
    .await;
    s.open().await;
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    let alert = s.wait_text("[role='alert']", "HTTP 502").await;
    assert!(alert.contains("retried"), "{alert}");
    s.finish().await;
}
