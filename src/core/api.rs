//! Every Assemblyline route the page calls, and the records they return.
//!
//! Shapes follow the server's source (CybercentreCanada/assemblyline-ui `api/v4/*.py` and
//! assemblyline-base `odm/models/*.py`), not its docstrings. Parsing is tolerant where servers differ across versions (summary tag tuples of
//! 2–4 items, `api_response` of any type on errors, ports as numbers in the ontology).

use std::collections::BTreeMap;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use url::Url;

use super::error::ApiError;
use super::status::SubmissionNote;

mod whoami;
pub use whoami::{WhoAmI, WhoAmIConfiguration};

/// Rows per deep-paging page: the official client's `search.stream` uses 100 too.
pub const PAGE_ROWS: u32 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// Which route a call went to: error wording and retry rules depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    WhoAmI,
    Search,
    Submission,
    Tree,
    Summary,
    Ontology,
    Download,
}

/// A fully built request: the transport only sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub method: Method,
    pub url: Url,
    pub body: Option<String>,
    pub route: Route,
}

/// Where the API lives. An empty Server URL means "this page's origin", which the browser
/// shell supplies; anything else must be an absolute http(s) URL.
#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    base: Url,
}

/// A page of the official Assemblyline UI on `origin`, for links back from ours: the UI's
/// routes `/submission/detail/:id` and `/file/detail/:id` (assemblyline-ui-frontend
/// `src/components/routes/routes.tsx`). Each part is percent-encoded as a path segment, since
/// SIDs and hashes come from the server. Empty when `origin` is not a URL.
fn ui_page(origin: &str, parts: &[&str]) -> String {
    let Ok(mut url) = url::Url::parse(origin) else {
        return String::new();
    };
    if let Ok(mut path) = url.path_segments_mut() {
        path.clear().extend(parts);
    }
    url.to_string()
}

/// The submission's page in the Assemblyline UI.
pub fn submission_page(origin: &str, sid: &str) -> String {
    ui_page(origin, &["submission", "detail", sid])
}

/// The file's page in the Assemblyline UI.
pub fn file_page(origin: &str, sha256: &str) -> String {
    ui_page(origin, &["file", "detail", sha256])
}

impl Server {
    /// `input` is what the user typed; `page_origin` is `window.location.origin`.
    pub fn parse(input: &str, page_origin: &str) -> Result<Server, ApiError> {
        let text = input.trim();
        let chosen = if text.is_empty() { page_origin } else { text };
        let bad = |why: &str| ApiError::BadServerUrl(format!("{chosen:?} {why}"));
        if chosen.is_empty() || chosen == "null" {
            return Err(ApiError::BadServerUrl(
                "this page has no web origin (it was opened from a file); enter the Assemblyline URL \
                 or, better, open the page from the Assemblyline host"
                    .into(),
            ));
        }
        let mut base = Url::parse(chosen).map_err(|_| {
            if chosen.is_ascii() {
                bad("is not a URL: use e.g. https://assemblyline.example.org")
            } else {
                bad("is not a URL this page can read: write a Unicode host name in its xn-- form")
            }
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("must start with https:// or http://"));
        }
        if base.host_str().is_none() {
            return Err(bad("has no host name"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(bad("must not carry a user name or password"));
        }
        // Only the origin matters: the API always lives at /api/v4/ of the host.
        base.set_path("/");
        base.set_query(None);
        base.set_fragment(None);
        Ok(Server { base })
    }

    pub fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    /// True when calls to this server leave the page's origin, which Assemblyline's lack of
    /// CORS headers makes fail.
    pub fn is_cross_origin(&self, page_origin: &str) -> bool {
        self.origin() != page_origin
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().expect("http(s) URLs have paths");
            path.clear().extend(["api", "v4"]).extend(segments);
            // The trailing '/' matters: without it the server redirects, which breaks calls.
            path.push("");
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn get(&self, route: Route, segments: &[&str], query: &[(&str, &str)]) -> Call {
        Call {
            method: Method::Get,
            url: self.url(segments, query),
            body: None,
            route,
        }
    }

    pub fn whoami(&self) -> Call {
        self.get(Route::WhoAmI, &["user", "whoami"], &[])
    }

    /// One page of a deep-paged submission search. POST, because paging ids are long and a
    /// request line over 4094 bytes is refused by the server.
    ///
    /// Submissions marked for deletion are left out, as the official UI's submission list
    /// does (assemblyline-ui-frontend `routes/submissions.tsx`: filter
    /// `NOT(to_be_deleted:true)`). `use_archive` searches the malware archive too
    /// (assemblyline-ui `api/v4/search.py`, `search`: `Index.HOT_AND_ARCHIVE`); the server
    /// refuses it without the `archive_view` role.
    pub fn search_submissions(&self, search: &SubmissionSearch, deep_paging_id: &str) -> Call {
        let mut body = serde_json::json!({
            "query": search.query,
            "fl": SUBMISSION_HIT_FIELDS,
            "rows": PAGE_ROWS,
            "deep_paging_id": deep_paging_id,
            "filters": [NOT_TO_BE_DELETED],
        });
        if search.use_archive {
            body["use_archive"] = true.into();
        }
        self.search_call(body)
    }

    /// How many submissions match `query`: no rows, and an exact total (`track_total_hits`;
    /// without it the server's count stops at 10,000).
    pub fn count_submissions(&self, query: &str) -> Call {
        self.search_call(serde_json::json!({"query": query, "rows": 0, "track_total_hits": true}))
    }

    /// `POST /api/v4/search/submission/` with this JSON body.
    fn search_call(&self, body: serde_json::Value) -> Call {
        Call {
            method: Method::Post,
            url: self.url(&["search", "submission"], &[]),
            body: Some(body.to_string()),
            route: Route::Search,
        }
    }

    pub fn submission(&self, sid: &str) -> Call {
        self.get(Route::Submission, &["submission", sid], &[])
    }

    pub fn tree(&self, sid: &str) -> Call {
        self.get(Route::Tree, &["submission", "tree", sid], &[])
    }

    pub fn summary(&self, sid: &str) -> Call {
        self.get(Route::Summary, &["submission", "summary", sid], &[])
    }

    pub fn ontology(&self, sid: &str) -> Call {
        self.get(Route::Ontology, &["ontology", "submission", sid], &[])
    }

    /// cART download. `sid` lets the server check the file belongs to a submission the user
    /// may see; `name` goes into the cART header so `cart` restores it on unpack.
    pub fn download(&self, sha256: &str, name: &str, sid: &str) -> Call {
        self.get(
            Route::Download,
            &["file", "download", sha256],
            &[("encoding", "cart"), ("name", name), ("sid", sid)],
        )
    }
}

impl Route {
    /// How an analyst would name what was being fetched.
    pub fn describe(self) -> &'static str {
        match self {
            Route::WhoAmI => "user details",
            Route::Search => "submission search",
            Route::Submission => "submission",
            Route::Tree => "submission file tree",
            Route::Summary => "submission summary",
            Route::Ontology => "submission ontology",
            Route::Download => "file download",
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct SearchPage<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub next_deep_paging_id: Option<String>,
}

impl<T> SearchPage<T> {
    /// The id for the next page, or None when this page ended the stream. A short page ends
    /// it even if the server sent an id, as the official client does.
    pub fn next_page(&self, rows: u32) -> Option<&str> {
        if self.items.len() < rows as usize {
            return None;
        }
        self.next_deep_paging_id
            .as_deref()
            .filter(|id| !id.is_empty())
    }
}

/// A search hit asked with `fl=sid,max_score,state,times.submitted`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct SubmissionHit {
    pub sid: String,
    #[serde(default)]
    pub max_score: Option<i64>,
    #[serde(default)]
    pub state: Option<String>,
}

pub const SUBMISSION_HIT_FIELDS: &str = "sid,max_score,state";

/// The filter every submission search carries.
pub const NOT_TO_BE_DELETED: &str = "NOT(to_be_deleted:true)";

/// What a submission search asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SubmissionSearch {
    pub query: String,
    /// Search the malware archive too (only offered with the `archive_view` role).
    pub use_archive: bool,
}

/// `/submission/tree/<sid>/`: per-file scores already summed by the server.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct SubmissionTree {
    #[serde(default)]
    pub tree: BTreeMap<String, TreeNode>,
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub filtered: bool,
    #[serde(default)]
    pub partial: bool,
}

impl SubmissionTree {
    /// Why this tree may not hold every file of the submission, given the submission's
    /// `state` when known; None when it is whole.
    pub fn note(&self, sid: &str, state: Option<&str>) -> Option<SubmissionNote> {
        SubmissionNote::from_flags(sid, state, self.partial, self.filtered)
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct TreeNode {
    #[serde(default)]
    pub name: Vec<String>,
    #[serde(default, rename = "type")]
    pub file_type: String,
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub children: BTreeMap<String, TreeNode>,
    #[serde(default)]
    pub truncated: bool,
    /// Sum of this file's result scores in this submission.
    #[serde(default)]
    pub score: i64,
}

/// AL's verdict words, worst last so `max` picks the worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Safe,
    #[default]
    Info,
    Suspicious,
    HighlySuspicious,
    Malicious,
}

impl Verdict {
    pub fn parse(word: &str) -> Verdict {
        match word {
            "safe" => Verdict::Safe,
            "suspicious" => Verdict::Suspicious,
            "highly_suspicious" => Verdict::HighlySuspicious,
            "malicious" => Verdict::Malicious,
            _ => Verdict::Info,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Safe => "safe",
            Verdict::Info => "info",
            Verdict::Suspicious => "suspicious",
            Verdict::HighlySuspicious => "highly_suspicious",
            Verdict::Malicious => "malicious",
        }
    }
}

/// One summary tag: `[value, verdict, safelisted, classification]`; older servers send only
/// the first two or three items.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryTag {
    pub value: String,
    pub verdict: Verdict,
    pub safelisted: bool,
    pub classification: String,
}

impl<'de> Deserialize<'de> for SummaryTag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TagVisitor;
        impl<'de> Visitor<'de> for TagVisitor {
            type Value = SummaryTag;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a tag tuple [value, verdict, safelisted?, classification?]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SummaryTag, A::Error> {
                let value: serde_json::Value = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let verdict: Option<String> = seq.next_element()?;
                let safelisted: Option<Option<bool>> = seq.next_element()?;
                let classification: Option<Option<String>> = seq.next_element()?;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(SummaryTag {
                    value: scalar_text(&value),
                    verdict: Verdict::parse(verdict.as_deref().unwrap_or("info")),
                    safelisted: safelisted.flatten().unwrap_or(false),
                    classification: classification.flatten().unwrap_or_default(),
                })
            }
        }
        d.deserialize_seq(TagVisitor)
    }
}

/// Tag values are strings, but numbers (ports) and booleans appear in some records.
pub fn scalar_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct SummaryTags {
    #[serde(default)]
    pub ioc: BTreeMap<String, Vec<SummaryTag>>,
    #[serde(default)]
    pub behavior: BTreeMap<String, Vec<SummaryTag>>,
    #[serde(default)]
    pub attribution: BTreeMap<String, Vec<SummaryTag>>,
}

/// `/submission/summary/<sid>/`, reduced to what the IoC view uses.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Summary {
    #[serde(default)]
    pub tags: SummaryTags,
    /// `"type__value"` → sha256s of the files that produced it (and sha256 → tag keys).
    #[serde(default)]
    pub map: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub filtered: bool,
    #[serde(default)]
    pub partial: bool,
}

impl Summary {
    /// Why this summary may not hold every tag of the submission; see `SubmissionTree::note`.
    pub fn note(&self, sid: &str, state: Option<&str>) -> Option<SubmissionNote> {
        SubmissionNote::from_flags(sid, state, self.partial, self.filtered)
    }

    /// The files that produced a tag value, from `map`.
    pub fn sources(&self, tag_type: &str, value: &str) -> &[String] {
        self.map
            .get(&format!("{tag_type}__{value}"))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// One line of `/ontology/submission/<sid>/`: one service's result on one file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OntologyRecord {
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub file: OntologyFile,
    #[serde(default)]
    pub service: OntologyService,
    #[serde(default)]
    pub submission: OntologySubmission,
    #[serde(default)]
    pub results: OntologyResults,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OntologyFile {
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default, rename = "type")]
    pub file_type: String,
    #[serde(default)]
    pub size: u64,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OntologyService {
    #[serde(default)]
    pub name: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OntologySubmission {
    #[serde(default)]
    pub sid: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OntologyResults {
    /// Flat dotted tag names; values may be strings or numbers (`network.port`).
    #[serde(default)]
    pub tags: BTreeMap<String, Vec<serde_json::Value>>,
    #[serde(default)]
    pub score: i64,
    /// Heuristics raised, with the tags each one flagged: the only verdict source the
    /// ontology has (score ≥1000 malicious, ≥300 suspicious, ≥0 info, <0 safe).
    #[serde(default)]
    pub heuristics: Vec<OntologyHeuristic>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OntologyHeuristic {
    #[serde(default)]
    pub heur_id: String,
    #[serde(default)]
    pub score: i64,
    #[serde(default)]
    pub tags: BTreeMap<String, Vec<serde_json::Value>>,
}

/// Parses the NDJSON ontology body. A line that is not a record is an error naming the line,
/// because silently skipping it would drop IoCs.
pub fn parse_ontology(body: &str) -> Result<Vec<OntologyRecord>, ApiError> {
    body.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .map_err(|e| ApiError::Decode(format!("submission ontology, line {}: {e}", i + 1)))
        })
        .collect()
}

/// A sha256 as the server writes it. Zip entry names are built only from values that pass.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Submission ids are base62 uuids in practice, but the server stores any keyword; accept
/// what can be a path segment and looks like an id, reject obvious paste mistakes.
pub fn check_sid(text: &str) -> Result<&str, String> {
    let sid = text.trim();
    if sid.is_empty() {
        return Err("empty submission ID".into());
    }
    if sid.len() > 64 {
        return Err(format!(
            "{:?} is too long to be a submission ID",
            truncate(sid, 40)
        ));
    }
    if let Some(bad) = sid
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "{:?} is not a submission ID: it contains {bad:?}",
            truncate(sid, 40)
        ));
    }
    Ok(sid)
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::response::parse_json;

    fn server() -> Server {
        Server::parse("", "http://127.0.0.1:8080").unwrap()
    }

    #[test]
    fn empty_server_url_means_page_origin_and_routes_end_in_slash() {
        let s = server();
        assert_eq!(
            s.whoami().url.as_str(),
            "http://127.0.0.1:8080/api/v4/user/whoami/"
        );
        assert_eq!(
            s.tree("abc").url.as_str(),
            "http://127.0.0.1:8080/api/v4/submission/tree/abc/"
        );
        assert!(!s.is_cross_origin("http://127.0.0.1:8080"));
    }

    #[test]
    fn server_url_keeps_only_the_origin() {
        let s = Server::parse(
            " https://al.example.org/some/page?x=1#y ",
            "http://127.0.0.1:1",
        )
        .unwrap();
        assert_eq!(s.origin(), "https://al.example.org");
        assert_eq!(
            s.summary("S1").url.as_str(),
            "https://al.example.org/api/v4/submission/summary/S1/"
        );
        assert!(s.is_cross_origin("http://127.0.0.1:1"));
    }

    #[test]
    fn bad_server_urls_are_explained() {
        for (input, word) in [
            ("al.example.org", "not a URL"),
            ("ftp://al.example.org", "https://"),
            ("https://user:pw@al.example.org", "user name"),
            ("https://bücher.example", "xn--"),
        ] {
            let err = Server::parse(input, "http://x").unwrap_err().to_string();
            assert!(err.contains(word), "{input}: {err}");
        }
        let err = Server::parse("", "null").unwrap_err().to_string();
        assert!(err.contains("opened from a file"), "{err}");
    }

    #[test]
    fn download_url_carries_encoding_name_and_sid_encoded() {
        let call = server().download(&"a".repeat(64), "bücher & co.exe", "S1");
        assert_eq!(
            call.url.as_str(),
            format!(
                "http://127.0.0.1:8080/api/v4/file/download/{}/?encoding=cart&name=b%C3%BCcher+%26+co.exe&sid=S1",
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn path_segments_are_escaped() {
        let call = server().submission("a/b?c");
        assert_eq!(call.url.path(), "/api/v4/submission/a%2Fb%3Fc/");
    }

    #[test]
    fn search_is_a_post_with_deep_paging() {
        let mut search = SubmissionSearch {
            query: "max_score:>=7000".into(),
            use_archive: false,
        };
        let call = server().search_submissions(&search, "*");
        assert_eq!(call.method, Method::Post);
        let body: serde_json::Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["deep_paging_id"], "*");
        assert_eq!(body["rows"], 100);
        assert_eq!(body["query"], "max_score:>=7000");
        assert_eq!(body["fl"], SUBMISSION_HIT_FIELDS);
        assert_eq!(
            body["filters"],
            serde_json::json!(["NOT(to_be_deleted:true)"])
        );
        assert!(body.get("use_archive").is_none());
        search.use_archive = true;
        let body: serde_json::Value = serde_json::from_str(
            server()
                .search_submissions(&search, "x,y")
                .body
                .as_deref()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(body["use_archive"], true);
        assert_eq!(body["deep_paging_id"], "x,y");
    }

    #[test]
    fn summary_tags_of_two_to_four_items_parse() {
        let body = r#"{"api_response":{"tags":{"ioc":{"network.static.ip":[
            ["1.2.3.4","malicious",false,"TLP:CLEAR"],
            ["5.6.7.8","suspicious",true],
            ["9.9.9.9","info"],
            [443,"safe",null,null]
        ]}},"map":{"network.static.ip__1.2.3.4":["aa"]},"partial":true},
        "api_error_message":"","api_status_code":200}"#;
        let s: Summary = parse_json(Route::Summary, 200, body).unwrap();
        let ips = &s.tags.ioc["network.static.ip"];
        assert_eq!(ips[0].verdict, Verdict::Malicious);
        assert_eq!(ips[0].classification, "TLP:CLEAR");
        assert!(ips[1].safelisted);
        assert_eq!(ips[2].verdict, Verdict::Info);
        assert!(!ips[2].safelisted);
        assert_eq!(ips[3].value, "443");
        assert_eq!(
            s.sources("network.static.ip", "1.2.3.4"),
            ["aa".to_string()]
        );
        assert!(s.partial);
    }

    #[test]
    fn tree_nodes_nest() {
        let body = r#"{"api_response":{"tree":{"aa":{"name":["a.exe"],"type":"executable/windows/pe32",
            "sha256":"aa","size":10,"score":7500,"truncated":false,"children":{"bb":{"name":["b.dll"],
            "sha256":"bb","size":3,"score":-10,"children":{}}}}},"classification":"TLP:C","filtered":false,
            "partial":false,"supplementary":[]},"api_status_code":200}"#;
        let t: SubmissionTree = parse_json(Route::Tree, 200, body).unwrap();
        assert_eq!(t.tree["aa"].score, 7500);
        assert_eq!(t.tree["aa"].children["bb"].score, -10);
    }

    #[test]
    fn a_record_of_the_wrong_shape_is_a_decode_error_in_words() {
        let words = |body: &str| {
            parse_json::<WhoAmI>(Route::WhoAmI, 200, body)
                .unwrap_err()
                .to_string()
        };
        // Our words, and what was wrong; serde's own phrasing is its business.
        for (body, names) in [
            (r#"{"api_response":{"username":5}}"#, "5"),
            (
                r#"{"api_response":{"name":"x"},"api_status_code":200}"#,
                "username",
            ),
            (r#"{"api_status_code":200}"#, "null"),
        ] {
            let said = words(body);
            assert!(
                said.starts_with("Unexpected answer from the server: user details: "),
                "{said}"
            );
            assert!(said.contains(names), "{said}");
            // A position inside `api_response` would only mislead.
            assert!(!said.contains(" at line "), "{said}");
        }
        let absent: Option<WhoAmI> = parse_json(Route::WhoAmI, 200, "{}").unwrap();
        assert_eq!(absent, None);
    }

    #[test]
    fn short_page_ends_deep_paging() {
        let page: SearchPage<SubmissionHit> = serde_json::from_str(
            r#"{"items":[{"sid":"a","max_score":1}],"total":null,"next_deep_paging_id":"x,y"}"#,
        )
        .unwrap();
        assert_eq!(page.next_page(1), Some("x,y"));
        assert_eq!(page.next_page(2), None);
    }

    #[test]
    fn ontology_lines_parse_and_bad_lines_are_named() {
        let body = "{\"file\":{\"sha256\":\"aa\"},\"results\":{\"tags\":{\"network.port\":[443],\"network.static.domain\":[\"x.org\"]}}}\n\n";
        let recs = parse_ontology(body).unwrap();
        assert_eq!(scalar_text(&recs[0].results.tags["network.port"][0]), "443");
        let err = parse_ontology("{}\nnot json\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn sha256_and_sid_checks() {
        assert!(is_sha256(&"0f".repeat(32)));
        assert!(!is_sha256(&"0F".repeat(32)));
        assert!(!is_sha256("../../etc/passwd"));
        assert_eq!(check_sid(" 4bXyZ12 "), Ok("4bXyZ12"));
        assert!(check_sid("abc def").unwrap_err().contains("' '"));
        assert!(check_sid("").is_err());
    }

    #[test]
    fn links_back_to_the_assemblyline_ui_encode_what_the_server_sent() {
        assert_eq!(
            submission_page("https://al.example.org", "4d2bJfrn3VrCPfRWu6v4NB"),
            "https://al.example.org/submission/detail/4d2bJfrn3VrCPfRWu6v4NB"
        );
        assert_eq!(
            file_page("https://al.example.org:8443", &"ab".repeat(32)),
            format!(
                "https://al.example.org:8443/file/detail/{}",
                "ab".repeat(32)
            )
        );
        assert_eq!(
            submission_page("https://al", "../x?y#z"),
            "https://al/submission/detail/..%2Fx%3Fy%23z"
        );
        assert_eq!(file_page("not a url", "ab"), "");
    }
}
