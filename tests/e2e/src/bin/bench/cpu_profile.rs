//! The page's CPU profile over one workload, through Chrome's DevTools protocol (chromedriver's
//! `goog/cdp/execute`): written whole for DevTools, and summed per function for the terminal,
//! to show where the page's time goes. Function names need a page built without wasm-opt
//! (which drops the name section).

use serde_json::{json, Value};

use al_e2e::Harness;

#[derive(Debug)]
struct Cdp(Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

async fn cdp(s: &Harness, cmd: &str, params: Value) -> Result<Value, String> {
    s.browser
        .issue_cmd(Cdp(json!({"cmd": cmd, "params": params})))
        .await
        .map_err(|e| format!("{cmd}: {e}"))
}

pub async fn start(s: &Harness) -> Result<(), String> {
    cdp(s, "Profiler.enable", json!({})).await?;
    cdp(s, "Profiler.setSamplingInterval", json!({"interval": 200})).await?;
    cdp(s, "Profiler.start", json!({})).await?;
    Ok(())
}

/// Stops the profile, writes it to `path` and prints the functions with the most self time.
pub async fn stop(s: &Harness, path: &str) -> Result<(), String> {
    let answer = cdp(s, "Profiler.stop", json!({})).await?;
    let profile = &answer["profile"];
    std::fs::write(path, profile.to_string()).map_err(|e| format!("{path}: {e}"))?;
    let mut name_of = std::collections::HashMap::new();
    for node in profile["nodes"].as_array().into_iter().flatten() {
        let frame = &node["callFrame"];
        let mut name = frame["functionName"].as_str().unwrap_or("").to_string();
        if name.is_empty() {
            name = format!("(anonymous {})", frame["url"].as_str().unwrap_or(""));
        }
        name_of.insert(node["id"].as_u64().unwrap_or(0), name);
    }
    let mut self_ms: std::collections::HashMap<&str, f64> = Default::default();
    let samples = profile["samples"].as_array().cloned().unwrap_or_default();
    let deltas = profile["timeDeltas"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (id, delta) in samples.iter().zip(deltas.iter().skip(1).chain([&json!(0)])) {
        let name = name_of
            .get(&id.as_u64().unwrap_or(0))
            .map_or("?", String::as_str);
        *self_ms.entry(name).or_default() += delta.as_f64().unwrap_or(0.0) / 1000.0;
    }
    let mut top: Vec<_> = self_ms.into_iter().collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!("  profile {path}: self time by function");
    for (name, ms) in top.iter().take(30) {
        let short: String = name.chars().take(110).collect();
        println!("    {ms:>9.1} ms  {short}");
    }
    Ok(())
}
