//! Page security, in the browser: the Content-Security-Policy is there, strict, does not get in
//! the page's way, and stops calls to third parties and injected script; the API key stays out
//! of storage and out of the address bar.

use al_e2e::{mock_al::Config, user, Harness};
use fantoccini::Locator;
use serde_json::Value;

async fn violations(s: &Harness) -> Vec<Value> {
    s.csp_violations().await
}

#[tokio::test]
async fn strict_csp_lets_the_page_work_and_blocks_third_parties() {
    let s = Harness::start(Config::default()).await;
    s.open().await;

    let csp = s
        .js(
            "const m = document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]');
             return m ? m.content : null;",
        )
        .await;
    let csp = csp
        .as_str()
        .expect(
            "the page has a CSP <meta> tag: build with scripts/build.sh (it runs scripts/csp.sh)",
        )
        .to_string();
    let directive = |name: &str| -> String {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in {csp}"))
            .to_string()
    };
    assert_eq!(directive("default-src"), "default-src 'none'");
    assert_eq!(
        directive("script-src"),
        "script-src 'self' 'wasm-unsafe-eval'"
    );
    assert_eq!(directive("connect-src"), "connect-src 'self'");
    assert_eq!(directive("style-src"), "style-src 'self'");
    assert_eq!(directive("base-uri"), "base-uri 'none'");
    assert_eq!(directive("object-src"), "object-src 'none'");
    assert_eq!(directive("form-action"), "form-action 'none'");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'") && !csp.contains("//"),
        "no inline script, no eval, no other origin: {csp}"
    );
    // Nothing inline left for the policy to allow: Trunk's boot script was moved to a file.
    let inline = s
        .js("return [...document.scripts].filter(x => !x.src).length")
        .await;
    assert_eq!(inline, 0, "inline <script> elements in the page");

    // The page works under it: connect, search, preview — with no violation on the way.
    s.watch_csp().await;
    s.sign_in("analyst", "Collect files").await;
    s.find_files().await;
    s.wait_text("table.files", "files qualify").await;
    assert_eq!(
        violations(&s).await,
        Vec::<Value>::new(),
        "the page's own work trips the policy"
    );

    // A call to a third party is refused by the policy before it leaves the browser.
    let outcome = s
        .js_async(
            "fetch('http://127.0.0.2:9/').then(
                 () => done('fetched'),
                 e => setTimeout(() => done('refused: ' + e), 300));",
        )
        .await;
    assert!(
        outcome.as_str().unwrap_or("").starts_with("refused"),
        "{outcome}"
    );
    let seen = violations(&s).await;
    assert!(
        seen.iter().any(|v| v["directive"] == "connect-src"
            && v["blocked"]
                .as_str()
                .unwrap_or("")
                .starts_with("http://127.0.0.2:9")
            && v["disposition"] == "enforce"),
        "no connect-src violation for the third-party fetch: {seen:?}"
    );

    // Injected markup cannot run script: neither an inline <script> nor an inline handler.
    // (eval is not probed here: WebDriver's own scripts are exempt from the page's CSP; the
    // policy above has no 'unsafe-eval'.)
    let injected = s
        .js_async(
            "const x = document.createElement('script');
             x.textContent = 'window.__injected = true';
             document.body.append(x);
             const d = document.createElement('div');
             d.setAttribute('onclick', 'window.__handler = true');
             document.body.append(d);
             d.click();
             setTimeout(() => done({
                 script: window.__injected === true, handler: window.__handler === true,
             }), 300);",
        )
        .await;
    assert_eq!(
        injected,
        serde_json::json!({"script": false, "handler": false}),
        "injected script ran"
    );
    let seen = violations(&s).await;
    for directive in ["script-src-elem", "script-src-attr"] {
        assert!(
            seen.iter().any(|v| v["directive"] == directive),
            "no {directive} violation: {seen:?}"
        );
    }
    s.finish().await;
}

async fn storage_keys(s: &Harness) -> (Vec<String>, Vec<String>) {
    let both = s
        .js("return [Object.keys(localStorage), Object.keys(sessionStorage)]")
        .await;
    serde_json::from_value(both).unwrap()
}

async fn href(s: &Harness) -> String {
    s.js("return location.href")
        .await
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_key_stays_out_of_storage_and_the_address_bar() {
    let s = Harness::start(Config::default()).await;
    s.open().await;
    let analyst = user("analyst");
    let secret = analyst.apikey.split(':').nth(1).unwrap();
    let remember = s
        .wait_for(Locator::XPath(
            "//label[contains(normalize-space(), 'Remember for this tab')]//input[@type='checkbox']",
        ))
        .await;
    assert_eq!(
        remember.prop("checked").await.unwrap().as_deref(),
        Some("false"),
        "remembering is opt-in"
    );

    s.sign_in("analyst", "Collect files").await;
    // Using the key (API calls, the IoC tab's deep link) puts it nowhere either.
    s.find_files().await;
    assert_eq!(
        storage_keys(&s).await,
        (vec![], vec![]),
        "localStorage and sessionStorage hold nothing when 'Remember' is off"
    );
    let cookies = s.js("return document.cookie").await;
    assert_eq!(cookies, "", "no cookies");
    let url = href(&s).await;
    assert!(
        !url.contains(secret) && !url.contains(analyst.apikey),
        "{url}"
    );

    // Opting in keeps it in this tab's sessionStorage only, and Forget key clears it.
    s.open_tab("Server").await;
    remember.click().await.unwrap();
    s.sign_in("analyst", "Server").await;
    let (local, session) = storage_keys(&s).await;
    assert!(local.is_empty(), "never localStorage: {local:?}");
    assert!(!session.is_empty(), "remembered for the tab");
    s.click_button("Forget key").await;
    assert_eq!(storage_keys(&s).await, (vec![], vec![]), "forgotten");
    let url = href(&s).await;
    assert!(!url.contains(secret), "{url}");
    s.finish().await;
}
