//! Envelope, authentication, roles, routing and the login-cookie flow.

use mock_al::Config;
use serde_json::json;

use crate::client::{creds, request, whoami_with, Mock};

#[tokio::test]
async fn envelope_and_auth_errors() {
    let m = Mock::start(Config::default()).await;
    let ok = m.get("/api/v4/user/whoami/").await;
    assert_eq!(ok.status, 200);
    let env = ok.json();
    assert_eq!(env["api_status_code"], 200);
    assert_eq!(env["api_error_message"], "");
    assert_eq!(env["api_server_version"], mock_al::VERSION);
    let me = ok.data();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["type"], json!(["admin"]));
    assert!(me["roles"]
        .as_array()
        .unwrap()
        .contains(&json!("file_download")));
    assert_eq!(me["c12nDef"]["enforce"], true);

    let none = whoami_with(m.addr(), &[]).await;
    assert_eq!(
        (none.status, none.error()),
        (401, "Session not found".to_string())
    );
    assert_eq!(none.data()["allow_userpass_login"], true);
    assert_eq!(none.json()["api_status_code"], 401);
    assert!(none
        .all("set-cookie")
        .iter()
        .any(|c| c.starts_with("XSRF-TOKEN=;")));

    let wrong = whoami_with(m.addr(), &[("X-USER", "admin"), ("X-APIKEY", "demo:nope")]).await;
    assert_eq!(
        (wrong.status, wrong.error()),
        (401, "Invalid user or APIKey".to_string())
    );
    let unknown = whoami_with(m.addr(), &[("X-USER", "mallory"), ("X-APIKEY", "demo:x")]).await;
    assert_eq!(unknown.error(), "Invalid user or APIKey");
    // Only one of the two headers: AL falls back to session auth.
    let half = whoami_with(m.addr(), &[("X-APIKEY", creds("admin").1)]).await;
    assert_eq!(half.error(), "Session not found");
}

#[tokio::test]
async fn routing_roles_and_redirects() {
    let m = Mock::start(Config::default()).await;
    let nope = m.get("/api/v4/nope/").await;
    assert_eq!(
        (nope.status, nope.error()),
        (404, "Api does not exist (/api/v4/nope/)".to_string())
    );
    let list = m.get("/api/").await;
    assert_eq!(list.data(), json!(["v4"]));
    let redirect = m.get("/api/v4/user/whoami?x=1").await;
    assert_eq!(redirect.status, 308);
    assert_eq!(
        redirect.header("location"),
        Some("/api/v4/user/whoami/?x=1")
    );
    let sid = m.sample("invoice");
    let missing = m.get("/api/v4/submission/doesnotexist/").await;
    assert_eq!(
        (missing.status, missing.error()),
        (
            404,
            "Submission ID doesnotexist does not exists.".to_string()
        )
    );

    let viewer = m.with_user("viewer");
    let sha = viewer
        .server
        .dataset()
        .sample_sha256("invoice.exe")
        .unwrap()
        .to_string();
    let path = format!("/api/v4/file/download/{sha}/");
    let denied = viewer.get(&path).await;
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.error(),
        format!("Access Denied ({path}) [API {path} requires one of the following roles: file_download]")
    );
    assert_eq!(
        viewer
            .get(&format!("/api/v4/submission/{sid}/"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn login_cookie_flow() {
    let m = Mock::start(Config::default()).await;
    let (user, key) = creds("analyst");
    let body = serde_json::to_vec(&json!({"user": user, "apikey": key})).unwrap();
    let ua = ("User-Agent", "python-requests/2.32");
    let login = request(
        m.addr(),
        "POST",
        "/api/v4/auth/login/",
        &[ua, ("Content-Type", "application/json")],
        Some(&body),
    )
    .await;
    assert_eq!(login.status, 200);
    assert_eq!(login.data()["username"], "analyst");
    assert_eq!(login.data()["session_duration"], 3600);
    assert!(login.data()["roles_limit"]
        .as_array()
        .unwrap()
        .contains(&json!("submission_view")));
    let cookies: Vec<String> = login
        .all("set-cookie")
        .iter()
        .map(|c| c.split(';').next().unwrap().to_string())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("session="))
            && cookies.iter().any(|c| c.starts_with("XSRF-TOKEN="))
    );
    let jar = cookies.join("; ");

    // Apikey sessions are exempt from the XSRF check.
    let me = whoami_with(m.addr(), &[ua, ("Cookie", &jar)]).await;
    assert_eq!(me.data()["username"], "analyst");
    assert!(!me.data()["roles"]
        .as_array()
        .unwrap()
        .contains(&json!("administration")));
    let other_ua = whoami_with(m.addr(), &[("User-Agent", "curl"), ("Cookie", &jar)]).await;
    assert_eq!(other_ua.error(), "Invalid user agent for this session");

    // Password sessions must echo the XSRF token on every call except downloads and logout.
    let form = b"user=admin&password=admin-password";
    let pw = request(
        m.addr(),
        "POST",
        "/api/v4/auth/login/",
        &[ua, ("Content-Type", "application/x-www-form-urlencoded")],
        Some(form),
    )
    .await;
    assert_eq!(pw.data()["roles_limit"], json!(null));
    let cookies: Vec<String> = pw
        .all("set-cookie")
        .iter()
        .map(|c| c.split(';').next().unwrap().to_string())
        .collect();
    let xsrf = cookies
        .iter()
        .find_map(|c| c.strip_prefix("XSRF-TOKEN="))
        .unwrap()
        .to_string();
    let jar = cookies.join("; ");
    let no_token = whoami_with(m.addr(), &[ua, ("Cookie", &jar)]).await;
    assert_eq!(
        (no_token.status, no_token.error()),
        (
            403,
            "Access Denied (/api/v4/user/whoami/) [Invalid XSRF token]".to_string()
        )
    );
    let with_token = whoami_with(m.addr(), &[ua, ("Cookie", &jar), ("X-XSRF-TOKEN", &xsrf)]).await;
    assert_eq!(with_token.status, 200);
    let sha = m
        .server
        .dataset()
        .sample_sha256("macro.vba")
        .unwrap()
        .to_string();
    let dl = request(
        m.addr(),
        "GET",
        &format!("/api/v4/file/download/{sha}/"),
        &[ua, ("Cookie", &jar)],
        None,
    )
    .await;
    assert_eq!(dl.status, 200);

    let out = request(
        m.addr(),
        "GET",
        "/api/v4/auth/logout/",
        &[ua, ("Cookie", &jar)],
        None,
    )
    .await;
    assert_eq!(out.data()["success"], true);
    let after = whoami_with(m.addr(), &[ua, ("Cookie", &jar), ("X-XSRF-TOKEN", &xsrf)]).await;
    assert_eq!(
        (after.status, after.error()),
        (401, "Session expired".to_string())
    );

    let bad = request(
        m.addr(),
        "POST",
        "/api/v4/auth/login/",
        &[ua],
        Some(br#"{"user":"admin","apikey":"demo:bad"}"#),
    )
    .await;
    assert_eq!(
        (bad.status, bad.error()),
        (401, "Invalid user or APIKey".to_string())
    );
}
