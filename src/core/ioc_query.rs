//! What the IoC view is asked to load: the **Submission IDs** text, the **Query** and its cap,
//! the **Source** choice, the verdict filter choice, and the `#sids=…&source=…&server=…` deep
//! link, parsed and written back. Also the words for a submission that failed or is partial.
//!
//! A deep link never carries the API key: the link has no such field, so `key`/`apikey`
//! parameters someone put in a URL are ignored like any other unknown parameter, and nothing
//! writes them.

use std::collections::{BTreeSet, HashSet};

use url::form_urlencoded;

use super::api::{check_sid, Server, Verdict};
use super::error::ApiError;
pub use super::ioc::Source;

/// Submissions a query loads unless the user changes the cap: a thousand load in about the
/// time the server takes to answer them, so the cap guards only against runaway queries.
pub const DEFAULT_CAP: usize = 1000;
/// The most a cap may be raised to: each submission is one or two API calls.
pub const MAX_CAP: usize = 10_000;

/// The Submission IDs box, read: valid ids once each in the order typed, and one message per
/// malformed entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SidList {
    pub sids: Vec<String>,
    pub errors: Vec<String>,
    /// Entries dropped because they repeat an earlier one.
    pub repeated: usize,
}

/// Splits on white space (new lines too) and commas. Quotes and brackets around an entry are
/// dropped, so a pasted Python or JSON list (`['a', 'b']`) reads as two ids.
pub fn sid_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(|t| t.trim_matches(|c| matches!(c, '"' | '\'' | '[' | ']' | '(' | ')')))
        .filter(|t| !t.is_empty())
}

pub fn parse_sids(text: &str) -> SidList {
    let mut out = SidList::default();
    let mut seen = HashSet::new();
    let mut bad_seen = HashSet::new();
    for token in sid_tokens(text) {
        match check_sid(token) {
            Ok(sid) if seen.insert(sid.to_string()) => out.sids.push(sid.to_string()),
            Ok(_) => out.repeated += 1,
            Err(message) if bad_seen.insert(token.to_string()) => out.errors.push(message),
            Err(_) => out.repeated += 1,
        }
    }
    out
}

/// The cap field: a whole number from 1 to `MAX_CAP`; blank means the default.
pub fn parse_cap(text: &str) -> Result<usize, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_CAP);
    }
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_CAP).contains(&n) => Ok(n),
        _ => Err(format!(
            "Max submissions must be a whole number from 1 to {MAX_CAP} (got {text:?})."
        )),
    }
}

/// One press of **Show IoCs**, read from the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub sids: SidList,
    /// A submission search whose hits are loaded too, up to `cap`.
    pub query: Option<String>,
    pub cap: usize,
}

/// Err when there is nothing to load at all or the cap is unreadable. Malformed ids alone
/// still make a plan: their messages are the result.
pub fn plan(sids_text: &str, query: &str, cap_text: &str) -> Result<Plan, String> {
    let sids = parse_sids(sids_text);
    let query = Some(query.trim().to_string()).filter(|q| !q.is_empty());
    let cap = if query.is_some() {
        parse_cap(cap_text)?
    } else {
        parse_cap(cap_text).unwrap_or(DEFAULT_CAP)
    };
    if sids.sids.is_empty() && sids.errors.is_empty() && query.is_none() {
        return Err(
            "Enter one or more Submission IDs, or a Query such as max_score:>=1000.".into(),
        );
    }
    Ok(Plan { sids, query, cap })
}

/// The `<select>` value of a source.
pub fn source_param(source: Source) -> &'static str {
    match source {
        Source::Summary => "summary",
        Source::Ontology => "ontology",
    }
}

/// Anything but "ontology" means the summary, the default.
pub fn parse_source(text: &str) -> Source {
    if text.trim().eq_ignore_ascii_case("ontology") {
        Source::Ontology
    } else {
        Source::Summary
    }
}

/// Verdict filter choices: (`<option>` value, label). No "highly suspicious": summary tags
/// never carry it (see `core::verdicts`), so such a filter could never match.
pub const VERDICT_CHOICES: [(&str, &str); 6] = [
    ("all", "All verdicts"),
    ("suspicious+", "Suspicious or worse"),
    ("malicious", "Malicious"),
    ("suspicious", "Suspicious"),
    ("info", "Info"),
    ("safe", "Safe"),
];

/// The verdicts a choice keeps; None keeps all (also for unknown choices).
pub fn verdict_filter(choice: &str) -> Option<BTreeSet<Verdict>> {
    use Verdict::*;
    let set = |v: &[Verdict]| Some(v.iter().copied().collect());
    match choice {
        "suspicious+" => set(&[Suspicious, HighlySuspicious, Malicious]),
        "malicious" => set(&[Malicious]),
        "suspicious" => set(&[Suspicious]),
        "info" => set(&[Info]),
        "safe" => set(&[Safe]),
        _ => None,
    }
}

/// A verdict as a person reads it.
pub fn verdict_words(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Safe => "safe",
        Verdict::Info => "info",
        Verdict::Suspicious => "suspicious",
        Verdict::HighlySuspicious => "highly suspicious",
        Verdict::Malicious => "malicious",
    }
}

/// The error line for a submission that could not be loaded.
pub fn failure_line(sid: &str, error: &ApiError) -> String {
    match error {
        ApiError::NotFound(_) => format!(
            "Submission {sid}: not found on this server (HTTP 404). Check the ID; the submission \
             may also have expired."
        ),
        other => format!("Submission {sid}: {other}"),
    }
}

/// Where an IoC load is, for its status line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadProgress {
    pub searching: bool,
    /// Set when the search stopped at the cap with more matches left.
    pub capped_at: Option<usize>,
    /// How many submissions the query matches in all (a counting search), when known.
    pub matched: Option<u64>,
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub finished: bool,
    pub cancelled: bool,
    /// An error that ended the whole load (daily quota, key refused).
    pub stopped: Option<String>,
}

impl LoadProgress {
    pub fn words(&self) -> String {
        if self.searching && self.total == 0 {
            return "Searching submissions…".into();
        }
        let loaded = self.done - self.failed;
        let mut out = if self.finished {
            format!("Loaded {loaded} of {} submissions", self.total)
        } else if self.searching {
            // Loading starts with the search's first page; the total is what it found so far.
            format!(
                "Loading… {} of {} submissions found so far; still searching",
                self.done, self.total
            )
        } else {
            format!("Loading… {} of {} submissions", self.done, self.total)
        };
        if self.failed > 0 {
            out.push_str(&format!("; {} failed", self.failed));
        }
        out.push('.');
        if let Some(cap) = self.capped_at {
            match self.matched {
                Some(matched) if matched > MAX_CAP as u64 => out.push_str(&format!(
                    " The search stopped at Max submissions ({cap}) of {matched} matching; Load the rest adds up to {MAX_CAP} in all."
                )),
                Some(matched) => out.push_str(&format!(
                    " The search stopped at Max submissions ({cap}) of {matched} matching; Load the rest adds the other {}.",
                    matched.saturating_sub(cap as u64)
                )),
                None => out.push_str(&format!(
                    " The search stopped at Max submissions ({cap}); it may match more: Load the rest adds them."
                )),
            }
        }
        if let Some(why) = &self.stopped {
            out.push_str(&format!(" Stopped: {why}"));
        } else if self.cancelled {
            out.push_str(" Cancelled; what was loaded is kept.");
        }
        out
    }
}

/// What a `#…` deep link holds. Never a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeepLink {
    /// Entries as written in the link, checked only when the run starts (so a bad one is
    /// reported like a typed one).
    pub sids: Vec<String>,
    pub query: String,
    pub cap: usize,
    pub source: Source,
    /// The server origin the link was made for; empty for "the page's own".
    pub server: String,
}

impl Default for DeepLink {
    fn default() -> Self {
        DeepLink {
            sids: Vec::new(),
            query: String::new(),
            cap: DEFAULT_CAP,
            source: Source::Summary,
            server: String::new(),
        }
    }
}

/// Reads `location.hash` (with or without the `#`). Unknown parameters are ignored; a
/// server that is not an http(s) URL is dropped, and only its origin is kept.
pub fn parse_deep_link(hash: &str) -> DeepLink {
    let text = hash.strip_prefix('#').unwrap_or(hash);
    let mut link = DeepLink::default();
    for (key, value) in form_urlencoded::parse(text.as_bytes()) {
        match key.as_ref() {
            "sids" => {
                for token in sid_tokens(&value) {
                    if !link.sids.iter().any(|s| s == token) {
                        link.sids.push(token.to_string());
                    }
                }
            }
            "query" => link.query = value.trim().to_string(),
            "cap" => link.cap = parse_cap(&value).unwrap_or(DEFAULT_CAP),
            "source" => link.source = parse_source(&value),
            "server" if !value.trim().is_empty() => {
                link.server = Server::parse(&value, "")
                    .map(|s| s.origin())
                    .unwrap_or_default()
            }
            _ => {}
        }
    }
    link
}

/// The hash to write back (without the `#`). Ids are comma-separated; empty parts are left
/// out, and the cap only when a query uses one other than the default.
pub fn format_deep_link(link: &DeepLink) -> String {
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut parts = Vec::new();
    if !link.sids.is_empty() {
        let sids: Vec<String> = link.sids.iter().map(|s| encode(s)).collect();
        parts.push(format!("sids={}", sids.join(",")));
    }
    if !link.query.is_empty() {
        parts.push(format!("query={}", encode(&link.query)));
        if link.cap != DEFAULT_CAP {
            parts.push(format!("cap={}", link.cap));
        }
    }
    parts.push(format!("source={}", source_param(link.source)));
    if !link.server.is_empty() {
        parts.push(format!("server={}", encode(&link.server)));
    }
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_split_on_spaces_commas_and_new_lines_and_dedupe() {
        let list = parse_sids(" 4bXyZ12,5cAbC34\n\n6dEfG56\t4bXyZ12 , ,7x_y-Z\r\n5cAbC34");
        assert_eq!(list.sids, ["4bXyZ12", "5cAbC34", "6dEfG56", "7x_y-Z"]);
        assert!(list.errors.is_empty());
        assert_eq!(list.repeated, 2);
    }

    #[test]
    fn pasted_lists_lose_their_quotes_and_brackets() {
        let list = parse_sids(r#"['aaa', "bbb"] (ccc)"#);
        assert_eq!(list.sids, ["aaa", "bbb", "ccc"]);
    }

    #[test]
    fn a_bad_id_gets_its_own_message_and_the_others_still_load() {
        let list = parse_sids("good1\nbad!sid\nnot/a/sid good2 bad!sid");
        assert_eq!(list.sids, ["good1", "good2"]);
        assert_eq!(list.errors.len(), 2, "{:?}", list.errors);
        assert!(list.errors[0].contains("bad!sid") && list.errors[0].contains("'!'"));
        assert!(list.errors[1].contains("not/a/sid") && list.errors[1].contains("'/'"));
        let long = "x".repeat(65);
        assert!(parse_sids(&long).errors[0].contains("too long"));
    }

    #[test]
    fn plan_needs_something_to_load() {
        assert!(plan(" \n, ", "  ", "").is_err());
        let p = plan("", " max_score:>=1000 ", "").unwrap();
        assert_eq!(p.query.as_deref(), Some("max_score:>=1000"));
        assert_eq!(p.cap, DEFAULT_CAP);
        assert_eq!(plan("", "q", "250").unwrap().cap, 250);
        assert!(plan("", "q", "0").unwrap_err().contains("1 to"));
        assert!(plan("", "q", "lots").is_err());
        // The cap is ignored when there is no query.
        assert_eq!(plan("a1", "", "lots").unwrap().cap, DEFAULT_CAP);
        // Only malformed ids: a plan whose result is their messages.
        let p = plan("no!", "", "").unwrap();
        assert!(p.sids.sids.is_empty() && p.sids.errors.len() == 1);
    }

    #[test]
    fn source_choice_defaults_to_summary() {
        assert_eq!(parse_source("ontology"), Source::Ontology);
        assert_eq!(parse_source(" Ontology "), Source::Ontology);
        assert_eq!(parse_source("summary"), Source::Summary);
        assert_eq!(parse_source("whatever"), Source::Summary);
        for s in [Source::Summary, Source::Ontology] {
            assert_eq!(parse_source(source_param(s)), s);
        }
    }

    #[test]
    fn verdict_choices_map_to_sets() {
        assert_eq!(verdict_filter("all"), None);
        assert_eq!(verdict_filter("nonsense"), None);
        let worse = verdict_filter("suspicious+").unwrap();
        assert!(worse.contains(&Verdict::Malicious) && !worse.contains(&Verdict::Info));
        for (value, _) in VERDICT_CHOICES.iter().skip(2) {
            let set = verdict_filter(value).unwrap();
            assert_eq!(set.len(), 1);
            assert_eq!(set.iter().next().unwrap().as_str(), *value);
        }
    }

    #[test]
    fn failures_are_worded_per_submission() {
        let line = failure_line("S1", &ApiError::NotFound("no".into()));
        assert!(line.contains("S1") && line.contains("not found"), "{line}");
        let line = failure_line("S2", &ApiError::Gateway(502));
        assert!(
            line.starts_with("Submission S2: ") && line.contains("502"),
            "{line}"
        );
    }

    #[test]
    fn progress_is_worded() {
        let mut p = LoadProgress {
            searching: true,
            ..LoadProgress::default()
        };
        assert_eq!(p.words(), "Searching submissions…");
        p.total = 200;
        p.done = 12;
        assert_eq!(
            p.words(),
            "Loading… 12 of 200 submissions found so far; still searching."
        );
        p.searching = false;
        p.total = 6;
        p.done = 3;
        p.failed = 1;
        assert_eq!(p.words(), "Loading… 3 of 6 submissions; 1 failed.");
        p.done = 6;
        p.finished = true;
        p.capped_at = Some(100);
        let words = p.words();
        assert!(
            words.starts_with("Loaded 5 of 6 submissions; 1 failed."),
            "{words}"
        );
        assert!(words.contains("may match more"), "{words}");
        p.matched = Some(2345);
        let words = p.words();
        assert!(
            words.contains("stopped at Max submissions (100) of 2345 matching")
                && words.contains("Load the rest adds the other 2245."),
            "{words}"
        );
        p.matched = Some(25_000);
        assert!(
            p.words()
                .contains("of 25000 matching; Load the rest adds up to 10000 in all."),
            "{}",
            p.words()
        );
        p.cancelled = true;
        assert!(p.words().ends_with("Cancelled; what was loaded is kept."));
        p.stopped = Some("The daily API quota…".into());
        assert!(p.words().ends_with("Stopped: The daily API quota…"));
    }

    #[test]
    fn deep_link_round_trips() {
        let link = DeepLink {
            sids: vec!["4bXyZ12".into(), "5c_d-E".into()],
            query: "max_score:>=1000 AND params.description:\"a&b #1\"".into(),
            cap: 250,
            source: Source::Ontology,
            server: "https://al.example.org".into(),
        };
        let text = format_deep_link(&link);
        assert!(text.starts_with("sids=4bXyZ12,5c_d-E&query="), "{text}");
        assert!(!text.contains(' ') && !text.contains('#'), "{text}");
        assert_eq!(parse_deep_link(&format!("#{text}")), link);
        assert_eq!(parse_deep_link(&text), link);
        let plain = DeepLink {
            sids: vec!["a1".into()],
            ..DeepLink::default()
        };
        assert_eq!(format_deep_link(&plain), "sids=a1&source=summary");
        assert_eq!(parse_deep_link(&format_deep_link(&plain)), plain);
    }

    #[test]
    fn deep_link_ignores_unknown_params_and_never_reads_a_key() {
        let link = parse_deep_link(
            "#sids=a1%2Cb2+c3&key=analyst%3Asecret&apikey=s3cr3t&utm=x&source=ontology&server=https%3A%2F%2Fal.lab%2Fpath%3Fq",
        );
        assert_eq!(link.sids, ["a1", "b2", "c3"]);
        assert_eq!(link.source, Source::Ontology);
        assert_eq!(link.server, "https://al.lab");
        let shown = format!("{link:?} {}", format_deep_link(&link));
        assert!(
            !shown.contains("secret") && !shown.contains("s3cr3t"),
            "{shown}"
        );
        assert!(!format_deep_link(&link).contains("key"));
        // Junk and a server that is not http(s) leave the defaults.
        let junk = parse_deep_link("#%zz&&=&server=javascript%3Aalert(1)&cap=-4");
        assert_eq!(junk, DeepLink::default());
        assert_eq!(parse_deep_link(""), DeepLink::default());
    }
}
