//! Connecting, as an analyst does it: good key, wrong key, a server that is not there; the
//! Assemblyline login kept apart from API-key calls, or used on purpose; Terms of Service,
//! old servers, the archive option, a proxy without backend.

use al_e2e::mock_control::configure;
use al_e2e::{mock_al::Config, user, Harness};
use serde_json::{json, Value};

#[tokio::test]
async fn good_key_shows_the_user_and_roles() {
    let s = Harness::start(Config::default()).await;
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
    assert_eq!(s.field_value("API key").await, "");
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
    let s = Harness::start(Config::default()).await;
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
    let s = Harness::start(Config::default()).await;
    s.open().await;
    let viewer = user("viewer");
    s.connect(viewer.user, viewer.apikey).await;
    s.wait_text(".identity", "lacks the 'file_download' role")
        .await;
    s.finish().await;
}

#[tokio::test]
async fn server_down_is_explained() {
    let s = Harness::start(Config::default()).await;
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
    let s = Harness::start(Config {
        fault_rate: 1.0,
        ..Config::default()
    })
    .await;
    s.open().await;
    let analyst = user("analyst");
    al_e2e::mock_control::reset_stats(s.server.addr).await;
    s.connect(analyst.user, analyst.apikey).await;
    let alert = s.wait_text("[role='alert']", "HTTP 502").await;
    assert!(
        alert.contains("proxy could not reach Assemblyline"),
        "{alert}"
    );
    // The page's retry rule for a gateway error: five tries, then the words. Counted by the
    // server, not read from the page's own text.
    let stats = al_e2e::mock_control::stats(s.server.addr).await;
    assert_eq!(stats["counts"]["user/whoami"], 5, "{stats}");
    s.finish().await;
}

/// Signs in to the mock Assemblyline web UI from the page, as an analyst does in another tab:
/// the login sets the `session` (HttpOnly) and `XSRF-TOKEN` cookies on this origin.
async fn sign_in_to_assemblyline(s: &Harness, who: &str) {
    let account = user(who);
    let status = s
        .js_async(&format!(
            "fetch('/api/v4/auth/login/', {{method: 'POST', credentials: 'same-origin', \
               headers: {{'Content-Type': 'application/json'}}, \
               body: JSON.stringify({{user: '{}', password: '{}'}})}}) \
             .then(r => done(r.status), e => done(String(e)));",
            account.user, account.password
        ))
        .await;
    assert_eq!(status, 200, "login refused");
    assert!(xsrf_cookie(s).await.is_some(), "the login set XSRF-TOKEN");
}

async fn xsrf_cookie(s: &Harness) -> Option<String> {
    s.js("return document.cookie.split('; ').find(c => c.startsWith('XSRF-TOKEN=')) || null")
        .await
        .as_str()
        .map(str::to_string)
}

/// whoami as the official UI calls it: the session cookie plus the XSRF header.
async fn web_session_status(s: &Harness) -> Value {
    s.js_async(
        "const t = (document.cookie.split('; ').find(c => c.startsWith('XSRF-TOKEN=')) || '=').split('=')[1];\
         fetch('/api/v4/user/whoami/', {credentials: 'same-origin', headers: {'X-XSRF-TOKEN': t}})\
           .then(r => done(r.status), e => done(String(e)));",
    )
    .await
}

#[tokio::test]
async fn a_wrong_key_does_not_log_the_analyst_out_of_assemblyline() {
    let s = Harness::start(Config::default()).await;
    s.open().await;
    sign_in_to_assemblyline(&s, "analyst").await;
    assert_eq!(web_session_status(&s).await, 200);
    // The server's 401 clears the session and expires XSRF-TOKEN for whoever sent cookies.
    s.connect("analyst", "demo:not-the-secret").await;
    s.wait_text("[role='alert']", "refused the credentials")
        .await;
    assert!(
        xsrf_cookie(&s).await.is_some(),
        "the API-key call must not carry or receive this origin's cookies"
    );
    assert_eq!(
        web_session_status(&s).await,
        200,
        "the Assemblyline login survives"
    );
    s.finish().await;
}

#[tokio::test]
async fn use_my_assemblyline_login_connects_without_a_key() {
    let s = Harness::start(Config::default()).await;
    s.open().await;
    sign_in_to_assemblyline(&s, "analyst").await;
    s.click_button("Use my Assemblyline login").await;
    let shown = s
        .wait_text(".identity", "with your Assemblyline login")
        .await;
    assert!(shown.contains("Connected as analyst"), "{shown}");
    // Later calls (search and summary, both XSRF-checked) ride on the same session.
    let sid = s.server.dataset().sample_sid("invoice").unwrap();
    s.open_tab("Network IoCs").await;
    s.fill("Query", &format!("sid:{sid}")).await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", "Loaded 1 of 1 submissions.")
        .await;
    s.finish().await;
}

#[tokio::test]
async fn use_my_assemblyline_login_without_one_says_how() {
    let s = Harness::start(Config::default()).await;
    s.open().await;
    s.click_button("Use my Assemblyline login").await;
    let alert = s
        .wait_text("[role='alert']", "No Assemblyline login was found")
        .await;
    assert!(
        alert.contains("sign in to the Assemblyline web UI"),
        "{alert}"
    );
    s.finish().await;
}

#[tokio::test]
async fn terms_of_service_not_agreed_is_explained_at_connect() {
    let s = Harness::start(Config::default()).await;
    configure(s.server.addr, json!({"tos_required": true})).await;
    s.open().await;
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    let alert = s.wait_text("[role='alert']", "Terms of Service").await;
    assert!(
        alert.contains("agree to the Terms of Service, then press Connect again"),
        "{alert}"
    );
    assert!(!s.page_text().await.contains("Connected as"));
    s.finish().await;
}

#[tokio::test]
async fn an_old_server_without_roles_is_not_missing_file_download() {
    let s = Harness::start(Config::default()).await;
    configure(s.server.addr, json!({"old_whoami": true})).await;
    s.open().await;
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    let shown = s.wait_text(".identity", "Connected as analyst").await;
    assert!(shown.contains("not reported by this server"), "{shown}");
    assert!(!shown.contains("lacks the 'file_download' role"), "{shown}");
    s.finish().await;
}

#[tokio::test]
async fn include_archive_is_offered_only_with_archive_view() {
    let s = Harness::start(Config::default()).await;
    s.open().await;
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    s.wait_text(".identity", "Include archive").await;
    s.click_button("Forget key").await;
    let viewer = user("viewer");
    s.connect(viewer.user, viewer.apikey).await;
    let shown = s.wait_text(".identity", "Connected as viewer").await;
    assert!(!shown.contains("Include archive"), "{shown}");
    s.finish().await;
}

#[tokio::test]
async fn an_html_503_during_a_rollout_is_retried() {
    let s = Harness::start(Config::default()).await;
    configure(s.server.addr, json!({"html_503_calls": 2})).await;
    s.open_signed_in("analyst", "Server").await;
    s.finish().await;
}
