//! A Lucene subset: `*`, `field:value`, `field:"quoted"`, `field:*`, `field:>=N` (and `>`, `<`, `<=`),
//! `field:[a TO b]` / `{a TO b}` with `*` open ends, `AND` / `OR` / `NOT`, parentheses and bare words.
//! Anything else is refused the way Elasticsearch refuses it: "Failed to parse query [...]".

use serde_json::Value;

use crate::util::iso_time;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    All,
    Term(Option<String>, Val),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Exists,
    Text {
        text: String,
        quoted: bool,
    },
    Range {
        lo: Option<String>,
        lo_inc: bool,
        hi: Option<String>,
        hi_inc: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Kind {
    Keyword,
    Text,
    Int,
    Date,
    Bool,
}

/// The submission index mapping, as far as the mock models it.
pub fn field_kind(field: &str) -> Option<Kind> {
    use Kind::*;
    Some(match field {
        "id"
        | "sid"
        | "classification"
        | "state"
        | "params.submitter"
        | "params.groups"
        | "params.type"
        | "params.classification"
        | "files.name"
        | "files.sha256"
        | "results"
        | "errors"
        | "verdict.malicious"
        | "verdict.non_malicious" => Keyword,
        "params.description" => Text,
        "max_score" | "file_count" | "error_count" | "files.size" | "params.priority"
        | "params.ttl" => Int,
        "times.submitted" | "times.completed" | "expiry_ts" | "archive_ts" => Date,
        "archived" | "to_be_deleted" | "from_archive" | "params.deep_scan" => Bool,
        f if f.starts_with("metadata.") && f.len() > 9 => Keyword,
        _ => return None,
    })
}

/// Fields searched by a bare word (AL's `__text__` copy targets).
const TEXT_FIELDS: [&str; 5] = [
    "sid",
    "files.name",
    "files.sha256",
    "params.description",
    "params.submitter",
];

pub fn parse(q: &str, now: i64) -> Result<Node, String> {
    let fail = || format!("Failed to parse query [{q}]");
    let mut p = Parser {
        c: q.chars().collect(),
        i: 0,
    };
    let node = p.or_expr().map_err(|_| fail())?;
    p.ws();
    if p.i != p.c.len() {
        return Err(fail());
    }
    check(&node, now)?;
    Ok(node)
}

struct Parser {
    c: Vec<char>,
    i: usize,
}

type PResult<T> = Result<T, ()>;

impl Parser {
    fn ws(&mut self) {
        while self.i < self.c.len() && self.c[self.i].is_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn keyword(&mut self, words: &[&str]) -> bool {
        self.ws();
        for w in words {
            let n = w.chars().count();
            let end = self.i + n;
            if end <= self.c.len() && self.c[self.i..end].iter().collect::<String>() == *w {
                let boundary = self
                    .c
                    .get(end)
                    .is_none_or(|ch| ch.is_whitespace() || *ch == '(');
                if boundary || !w.chars().all(char::is_alphabetic) {
                    self.i = end;
                    return true;
                }
            }
        }
        false
    }

    fn or_expr(&mut self) -> PResult<Node> {
        let mut items = vec![self.and_expr()?];
        loop {
            self.ws();
            if self.i >= self.c.len() || self.peek() == Some(')') {
                break;
            }
            // Lucene's default operator is OR, so juxtaposition means OR too.
            self.keyword(&["OR", "||"]);
            items.push(self.and_expr()?);
        }
        Ok(if items.len() == 1 {
            items.pop().ok_or(())?
        } else {
            Node::Or(items)
        })
    }

    fn and_expr(&mut self) -> PResult<Node> {
        let mut items = vec![self.unary()?];
        while self.keyword(&["AND", "&&"]) {
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 {
            items.pop().ok_or(())?
        } else {
            Node::And(items)
        })
    }

    fn unary(&mut self) -> PResult<Node> {
        if self.keyword(&["NOT", "!", "-"]) {
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        self.keyword(&["+"]);
        self.primary()
    }

    fn primary(&mut self) -> PResult<Node> {
        self.ws();
        if self.peek() == Some('(') {
            self.i += 1;
            let n = self.or_expr()?;
            self.ws();
            if self.peek() != Some(')') {
                return Err(());
            }
            self.i += 1;
            return Ok(n);
        }
        let start = self.i;
        while let Some(ch) = self.peek() {
            if ch.is_alphanumeric() || "._-*".contains(ch) {
                self.i += 1;
            } else {
                break;
            }
        }
        if self.peek() == Some(':') && self.i > start {
            let field: String = self.c[start..self.i].iter().collect();
            self.i += 1;
            if field == "*" {
                return match self.value()? {
                    Val::Exists => Ok(Node::All),
                    _ => Err(()),
                };
            }
            let v = self.value()?;
            return Ok(if field == "_exists_" {
                match v {
                    Val::Text { text, .. } => Node::Term(Some(text), Val::Exists),
                    _ => return Err(()),
                }
            } else {
                Node::Term(Some(field), v)
            });
        }
        self.i = start;
        match self.value()? {
            Val::Exists => Ok(Node::All),
            // A dangling operator, as in "a AND" or "OR b".
            Val::Text {
                text,
                quoted: false,
            } if matches!(text.as_str(), "AND" | "OR" | "NOT") => Err(()),
            v => Ok(Node::Term(None, v)),
        }
    }

    fn value(&mut self) -> PResult<Val> {
        match self.peek() {
            Some('"') => {
                self.i += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => return Err(()),
                        Some('"') => {
                            self.i += 1;
                            break;
                        }
                        Some('\\') => {
                            s.push(*self.c.get(self.i + 1).ok_or(())?);
                            self.i += 2;
                        }
                        Some(ch) => {
                            s.push(ch);
                            self.i += 1;
                        }
                    }
                }
                Ok(Val::Text {
                    text: s,
                    quoted: true,
                })
            }
            Some(open @ ('[' | '{')) => {
                self.i += 1;
                self.ws();
                let lo = self.bound()?;
                if !self.keyword(&["TO"]) {
                    return Err(());
                }
                self.ws();
                let hi = self.bound()?;
                self.ws();
                let close = self.peek().ok_or(())?;
                if close != ']' && close != '}' {
                    return Err(());
                }
                self.i += 1;
                let bound = |s: String| (s != "*").then_some(s);
                Ok(Val::Range {
                    lo: bound(lo),
                    lo_inc: open == '[',
                    hi: bound(hi),
                    hi_inc: close == ']',
                })
            }
            Some('>' | '<') => {
                let lt = self.peek() == Some('<');
                self.i += 1;
                let inc = self.peek() == Some('=');
                if inc {
                    self.i += 1;
                }
                let v = self.bare(false)?;
                Ok(if lt {
                    Val::Range {
                        lo: None,
                        lo_inc: false,
                        hi: Some(v),
                        hi_inc: inc,
                    }
                } else {
                    Val::Range {
                        lo: Some(v),
                        lo_inc: inc,
                        hi: None,
                        hi_inc: false,
                    }
                })
            }
            _ => {
                let t = self.bare(false)?;
                Ok(if t == "*" {
                    Val::Exists
                } else {
                    Val::Text {
                        text: t,
                        quoted: false,
                    }
                })
            }
        }
    }

    fn bound(&mut self) -> PResult<String> {
        if self.peek() != Some('"') {
            return self.bare(true);
        }
        match self.value()? {
            Val::Text { text, .. } => Ok(text),
            _ => Err(()),
        }
    }

    /// An unquoted token; backslash escapes anything. Unescaped Lucene specials are parse errors.
    fn bare(&mut self, in_range: bool) -> PResult<String> {
        let mut s = String::new();
        while let Some(ch) = self.peek() {
            if ch.is_whitespace() || ch == ')' || (in_range && (ch == ']' || ch == '}')) {
                break;
            }
            if ch == '\\' {
                s.push(*self.c.get(self.i + 1).ok_or(())?);
                self.i += 2;
                continue;
            }
            if !in_range && ":/[]{}()^~\"<>=".contains(ch) {
                return Err(());
            }
            s.push(ch);
            self.i += 1;
        }
        if s.is_empty() {
            Err(())
        } else {
            Ok(s)
        }
    }
}

/// Elasticsearch refuses values that do not fit the field type; so does the mock.
fn check(node: &Node, now: i64) -> Result<(), String> {
    match node {
        Node::All => Ok(()),
        Node::And(v) | Node::Or(v) => v.iter().try_for_each(|n| check(n, now)),
        Node::Not(n) => check(n, now),
        Node::Term(Some(f), val) => {
            let vals: Vec<&String> = match val {
                Val::Exists => vec![],
                Val::Text { text, .. } => vec![text],
                Val::Range { lo, hi, .. } => lo.iter().chain(hi.iter()).collect(),
            };
            for v in vals {
                match field_kind(f) {
                    Some(Kind::Int) if !v.contains('*') && v.parse::<f64>().is_err() => {
                        return Err(format!("failed to create query: For input string: \"{v}\""));
                    }
                    Some(Kind::Date) if !v.contains('*') && date_bound(v, now).is_none() => {
                        return Err(format!("failed to parse date field [{v}] with format [strict_date_optional_time||epoch_millis]"));
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        Node::Term(None, _) => Ok(()),
    }
}

/// ISO dates compare as strings; `now[+-]N(y|M|w|d|h|H|m|s)` date math is resolved here.
fn date_bound(v: &str, now: i64) -> Option<String> {
    let lower = v.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("now") {
        let rest = rest.split('/').next().unwrap_or("");
        if rest.is_empty() {
            return Some(iso_time(now, 0));
        }
        let (sign, num) = match rest.chars().next()? {
            '+' => (1, &rest[1..]),
            '-' => (-1, &rest[1..]),
            _ => return None,
        };
        let unit = v.split('/').next()?.chars().last()?;
        // `now+` or `now-d` has no number: not a date, never a panic.
        let n: i64 = num.get(..num.len().checked_sub(1)?)?.parse().ok()?;
        let secs = match unit {
            'y' => 365 * 86_400,
            'M' => 30 * 86_400,
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' | 'H' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let shift = n.checked_mul(secs)?.checked_mul(sign)?;
        return Some(iso_time(now.checked_add(shift)?, 0));
    }
    let b = v.as_bytes();
    (b.len() >= 4 && b[..4].iter().all(u8::is_ascii_digit)).then(|| v.to_string())
}

fn lookup<'a>(v: &'a Value, path: &[&str], out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| lookup(x, path, out)),
        Value::Null => {}
        _ if path.is_empty() => out.push(v),
        Value::Object(m) => {
            if let Some(x) = m.get(path[0]) {
                lookup(x, &path[1..], out);
            }
        }
        _ => {}
    }
}

pub fn values<'a>(doc: &'a Value, field: &str) -> Vec<&'a Value> {
    let field = if field == "id" { "sid" } else { field };
    let path: Vec<&str> = field.split('.').collect();
    let mut out = Vec::new();
    lookup(doc, &path, &mut out);
    out
}

fn glob(pat: &str, s: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pat.chars().collect(), s.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn cmp_value(kind: Kind, doc: &Value, bound: &str, now: i64) -> Option<std::cmp::Ordering> {
    match kind {
        Kind::Int => doc.as_f64()?.partial_cmp(&bound.parse::<f64>().ok()?),
        Kind::Date => Some(
            scalar_string(doc)
                .as_str()
                .cmp(date_bound(bound, now)?.as_str()),
        ),
        _ => Some(scalar_string(doc).as_str().cmp(bound)),
    }
}

fn term_matches(kind: Kind, doc: &Value, val: &Val, now: i64) -> bool {
    use std::cmp::Ordering::*;
    match val {
        Val::Exists => true,
        Val::Text { text, quoted } => match kind {
            Kind::Int => doc
                .as_f64()
                .zip(text.parse::<f64>().ok())
                .is_some_and(|(a, b)| a == b),
            Kind::Text => scalar_string(doc)
                .to_lowercase()
                .contains(&text.to_lowercase()),
            Kind::Date if !quoted && !text.contains('*') => {
                date_bound(text, now).is_some_and(|b| scalar_string(doc).starts_with(&b))
            }
            _ if !quoted && (text.contains('*') || text.contains('?')) => {
                glob(text, &scalar_string(doc))
            }
            _ => scalar_string(doc) == *text,
        },
        Val::Range {
            lo,
            lo_inc,
            hi,
            hi_inc,
        } => {
            let lo_ok = lo
                .as_ref()
                .is_none_or(|b| match cmp_value(kind, doc, b, now) {
                    Some(Greater) => true,
                    Some(Equal) => *lo_inc,
                    _ => false,
                });
            let hi_ok = hi
                .as_ref()
                .is_none_or(|b| match cmp_value(kind, doc, b, now) {
                    Some(Less) => true,
                    Some(Equal) => *hi_inc,
                    _ => false,
                });
            lo_ok && hi_ok
        }
    }
}

pub fn matches(node: &Node, doc: &Value, now: i64) -> bool {
    match node {
        Node::All => true,
        Node::And(v) => v.iter().all(|n| matches(n, doc, now)),
        Node::Or(v) => v.iter().any(|n| matches(n, doc, now)),
        Node::Not(n) => !matches(n, doc, now),
        // Unmapped fields match nothing, as in Elasticsearch.
        Node::Term(Some(f), val) => match field_kind(f) {
            Some(kind) => values(doc, f)
                .into_iter()
                .any(|d| term_matches(kind, d, val, now)),
            None => false,
        },
        Node::Term(None, val) => TEXT_FIELDS.iter().any(|f| {
            values(doc, f)
                .into_iter()
                .any(|d| term_matches(Kind::Text, d, &text_only(val), now))
        }),
    }
}

fn text_only(v: &Val) -> Val {
    match v {
        Val::Text { text, quoted } => Val::Text {
            text: text.trim_matches('*').to_string(),
            quoted: *quoted,
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_math_without_a_number_is_refused_not_a_panic() {
        for q in [
            "times.submitted:[now+ TO now]",
            "times.submitted:>=now-d",
            "times.submitted:[now-9999999999999y TO now]",
        ] {
            assert!(parse(q, 1_700_000_000).is_err(), "{q}");
        }
        assert!(parse("times.submitted:[now-7d TO now]", 1_700_000_000).is_ok());
    }

    #[test]
    fn syntax() {
        assert_eq!(parse("*", 0).unwrap(), Node::All);
        assert_eq!(parse("*:*", 0).unwrap(), Node::All);
        assert!(matches!(
            parse("max_score:>=7000", 0).unwrap(),
            Node::Term(Some(_), Val::Range { .. })
        ));
        assert!(matches!(
            parse("a:1 AND b:\"x y\"", 0).unwrap(),
            Node::And(_)
        ));
        assert!(matches!(
            parse("a:1 OR (b:2 AND NOT c:3)", 0).unwrap(),
            Node::Or(_)
        ));
        assert!(matches!(
            parse("max_score:[1000 TO *]", 0).unwrap(),
            Node::Term(_, Val::Range { hi: None, .. })
        ));
        for bad in [
            "max_score:>=",
            "max_score:[1 TO",
            "(",
            "a:",
            ":x",
            "a:\"open",
            "http://x.com",
            "a:b^2",
            "max_score:>=abc",
            "AND",
        ] {
            assert!(parse(bad, 0).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn glob_works() {
        assert!(glob("ab*", "abc"));
        assert!(glob("*c", "abc"));
        assert!(!glob("a?", "abc"));
    }
}
