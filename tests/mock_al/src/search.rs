//! `/search/submission/`: filtering, sorting, `fl` projection, the 10K window and deep paging.

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use crate::query::{self, field_kind};
use crate::util::{b64_decode, b64_encode};

pub const MAX_RESULT_WINDOW: usize = 10_000;
const PIT_KEEP_ALIVE_SECS: i64 = 300;
const PIT_PREFIX: &str = "mockpit";

/// Stored fields of the submission model, the default `fl` (plus `id`).
const STORED: [&str; 13] = [
    "archive_ts",
    "archived",
    "classification",
    "error_count",
    "file_count",
    "from_archive",
    "max_score",
    "params.description",
    "params.submitter",
    "sid",
    "state",
    "times.submitted",
    "to_be_deleted",
];

#[derive(Default, Debug)]
pub struct Params {
    pub query: Option<String>,
    pub offset: Option<String>,
    pub rows: Option<String>,
    pub sort: Option<String>,
    pub fl: Option<String>,
    pub filters: Vec<String>,
    pub deep_paging_id: Option<String>,
    pub track_total_hits: Option<String>,
}

pub enum SearchError {
    /// 400 with this message.
    Bad(String),
    /// 500 "Internal Server Error" (what Python raises on a malformed deep paging id).
    Internal,
}

fn bad(msg: impl Into<String>) -> SearchError {
    SearchError::Bad(msg.into())
}

struct SortKey {
    field: String,
    desc: bool,
}

fn parse_sort(sort: &str) -> Result<Vec<SortKey>, SearchError> {
    let mut out = Vec::new();
    for part in sort.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bits: Vec<&str> = part.split(' ').filter(|b| !b.is_empty()).collect();
        let (field, desc) = match bits.as_slice() {
            [f] => (*f, false),
            [f, "asc"] => (*f, false),
            [f, "desc"] => (*f, true),
            _ => {
                return Err(bad(format!(
                    "SearchException: Unknown sort parameter {part}"
                )))
            }
        };
        let field = if field == "_id" { "id" } else { field };
        if field_kind(field).is_none() {
            return Err(bad(format!(
                "SearchException: No mapping found for [{field}] in order to sort on"
            )));
        }
        out.push(SortKey {
            field: field.to_string(),
            desc,
        });
    }
    Ok(out)
}

fn sort_value(doc: &Value, field: &str) -> Value {
    query::values(doc, field)
        .first()
        .map(|v| (*v).clone())
        .unwrap_or(Value::Null)
}

fn cmp_json(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Sort values end with the document index, standing in for `_shard_doc desc`.
fn compare(keys: &[SortKey], a: &[Value], b: &[Value]) -> Ordering {
    for (i, k) in keys.iter().enumerate() {
        let ord = match (&a[i], &b[i]) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Greater,
            (_, Value::Null) => Ordering::Less,
            (x, y) if k.desc => cmp_json(y, x),
            (x, y) => cmp_json(x, y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    let n = keys.len();
    cmp_json(&b[n], &a[n])
}

fn project_path(doc: &Value, path: &[&str]) -> Option<Value> {
    if path.is_empty() {
        return Some(doc.clone());
    }
    match doc {
        Value::Object(m) if path[0] == "*" => Some(Value::Object(m.clone())),
        Value::Object(m) => {
            let inner = project_path(m.get(path[0])?, &path[1..])?;
            Some(json!({ path[0]: inner }))
        }
        Value::Array(a) => {
            let items: Vec<Value> = a.iter().filter_map(|x| project_path(x, path)).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        _ => None,
    }
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (x, y) in a.iter_mut().zip(b) {
                merge(x, y);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// ES source filtering: nested dicts, no `id` unless asked for (the default list asks for it).
fn project(doc: &Value, fl: &[String]) -> Value {
    let mut out = Value::Object(Map::new());
    for f in fl {
        if f == "id" {
            out["id"] = doc["sid"].clone();
            continue;
        }
        if f == "*" {
            merge(&mut out, doc.clone());
            continue;
        }
        let path: Vec<&str> = f.split('.').collect();
        if let Some(v) = project_path(doc, &path) {
            merge(&mut out, v);
        }
    }
    out
}

fn parse_usize(v: &Option<String>, default: usize, name: &str) -> Result<usize, SearchError> {
    match v {
        None => Ok(default),
        Some(s) => s.trim().parse().map_err(|_| {
            bad(format!(
                "SearchException: failed to parse [{name}] value [{s}]"
            ))
        }),
    }
}

fn pit_id(now: i64) -> String {
    b64_encode(format!("{PIT_PREFIX}:{now}").as_bytes())
}

fn check_pit(pit: &str, now: i64) -> Result<(), SearchError> {
    let text = b64_decode(pit)
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let opened = text
        .strip_prefix(&format!("{PIT_PREFIX}:"))
        .and_then(|t| t.parse::<i64>().ok());
    match opened {
        Some(t) if now - t <= PIT_KEEP_ALIVE_SECS => Ok(()),
        _ => Err(bad(format!(
            "SearchException: No search context found for id [{pit}]"
        ))),
    }
}

/// Runs a search over submission records (in creation order) and builds the API response.
pub fn search(records: &[Value], p: &Params, now: i64) -> Result<Value, SearchError> {
    let q = p.query.as_deref().unwrap_or("");
    let node = query::parse(q, now).map_err(|e| bad(format!("SearchException: {e}")))?;
    let filters = p
        .filters
        .iter()
        .map(|f| query::parse(f, now))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("SearchException: {e}")))?;
    let offset = parse_usize(&p.offset, 0, "from")?;
    let rows = parse_usize(&p.rows, 25, "size")?;
    let keys = parse_sort(p.sort.as_deref().unwrap_or("times.submitted desc"))?;
    if offset + rows > MAX_RESULT_WINDOW {
        return Err(bad(format!(
            "SearchException: Result window is too large, from + size must be less than or equal to: [{MAX_RESULT_WINDOW}] but was [{}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.",
            offset + rows
        )));
    }

    let mut hits: Vec<(Vec<Value>, &Value)> = records
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            query::matches(&node, d, now) && filters.iter().all(|f| query::matches(f, d, now))
        })
        .map(|(i, d)| {
            let mut sv: Vec<Value> = keys.iter().map(|k| sort_value(d, &k.field)).collect();
            sv.push(json!(i));
            (sv, d)
        })
        .collect();
    hits.sort_by(|a, b| compare(&keys, &a.0, &b.0));
    let count = hits.len();

    let deep = p.deep_paging_id.as_deref();
    let mut start = offset;
    if let Some(id) = deep.filter(|id| id.contains(',')) {
        let parts: Vec<&str> = id.split(',').collect();
        if parts.len() != 2 {
            return Err(SearchError::Internal);
        }
        let after: Vec<Value> = b64_decode(parts[1])
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(SearchError::Internal)?;
        check_pit(parts[0], now)?;
        if offset != 0 {
            return Err(bad(
                "SearchException: [from] parameter must be set to 0 when [search_after] is used",
            ));
        }
        if after.len() != keys.len() + 1 {
            return Err(bad(
                "SearchException: search_after has 1 value(s) but sort has 2.",
            ));
        }
        start = hits
            .iter()
            .position(|h| compare(&keys, &h.0, &after) == Ordering::Greater)
            .unwrap_or(count);
    }
    let page: Vec<&(Vec<Value>, &Value)> = hits.iter().skip(start).take(rows).collect();

    let fl: Vec<String> = match p.fl.as_deref().filter(|f| !f.is_empty()) {
        Some(f) => f
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        None => STORED
            .iter()
            .map(|s| s.to_string())
            .chain(["id".to_string()])
            .collect(),
    };
    let items: Vec<Value> = page.iter().map(|(_, d)| project(d, &fl)).collect();

    let total = if deep.is_some() {
        Value::Null
    } else {
        match p
            .track_total_hits
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("true") => json!(count),
            Some("false") => Value::Null,
            Some(n) => n
                .parse::<usize>()
                .map(|n| json!(count.min(n)))
                .unwrap_or(json!(count.min(MAX_RESULT_WINDOW))),
            None => json!(count.min(MAX_RESULT_WINDOW)),
        }
    };
    let mut out = json!({"items": items, "offset": offset, "rows": rows, "total": total});
    if deep.is_some() && items_len(&out) >= rows && !page.is_empty() {
        let last = &page[page.len() - 1].0;
        let after = b64_encode(serde_json::to_string(last).unwrap_or_default().as_bytes());
        out["next_deep_paging_id"] = json!(format!("{},{after}", pit_id(now)));
    }
    Ok(out)
}

fn items_len(v: &Value) -> usize {
    v["items"].as_array().map_or(0, Vec::len)
}
