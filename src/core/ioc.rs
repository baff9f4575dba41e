//! Network IoCs gathered from many submissions, deduplicated on (tag type, value) and kept in
//! the order the Assemblyline UI shows them, so a render only has to filter.
//!
//! Merge rules when one value is seen more than once (other submissions, files, records):
//! - **verdict**: the worst, as AL's summary does.
//! - **safelisted**: true if any occurrence says so. The safelist is system-wide, so a value
//!   safelisted in one submission is known-good everywhere (older submissions just predate the
//!   entry). The worst verdict is still kept for display, and safelisted values sort last and are
//!   hidden by default, as in AL.
//! - **classification**: the first non-empty one. AL keeps the least restrictive within one
//!   summary, but comparing markings needs the classification engine, which the page lacks.
//! - sids, files and (sid, file) pairs: the union.
//!
//! Order inside a type is AL's: worst verdict first, safelisted last, then per type (IPs
//! numerically, domains by registrable domain, …; see `sort.rs`). Types come in AL's order.
//!
//! Which values: the seed scripts' rule, tag names starting with `network`. From a summary only
//! `tags.ioc` is read (where the admin's IoC types live); from the ontology every `results.tags`
//! entry, which adds `uri_path`, `port`, `tls.*`, `user_agent`. One deviation from the seeds:
//! empty values (and JSON nulls) are dropped, as AL's summary already does, because an empty
//! IoC exports as a broken CSV row or STIX pattern.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::api::{scalar_text, OntologyRecord, Summary, Verdict};
use super::verdicts::VerdictThresholds;

mod sort;
mod suffixes;
#[cfg(test)]
mod tests;

use sort::ValueKey;
#[cfg(test)]
pub(crate) use suffixes::bundled as bundled_suffixes;
pub use suffixes::SuffixList;

/// Where a value was read from; a value can come from both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Summary,
    Ontology,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ioc {
    pub tag_type: String,
    pub value: String,
    /// The worst verdict of any occurrence.
    pub verdict: Verdict,
    pub safelisted: bool,
    /// False while only ontology records saw the value: they are written before the server
    /// checks its safelist, so "not safelisted" would be a guess.
    pub safelist_known: bool,
    pub classification: String,
    pub sids: BTreeSet<String>,
    /// sha256s of the files that produced the value.
    pub files: BTreeSet<String>,
    /// Which file produced it in which submission: (sid, sha256), sha256 empty when the server
    /// named no file. `sids × files` would pair files with submissions they were never in.
    pub occurrences: BTreeSet<(String, String)>,
    pub origins: BTreeSet<Source>,
}

impl Ioc {
    /// A value seen nowhere yet: info, not safelisted.
    pub fn new(tag_type: &str, value: &str) -> Ioc {
        Ioc {
            tag_type: tag_type.to_string(),
            value: value.to_string(),
            verdict: Verdict::Info,
            safelisted: false,
            safelist_known: false,
            classification: String::new(),
            sids: BTreeSet::new(),
            files: BTreeSet::new(),
            occurrences: BTreeSet::new(),
            origins: BTreeSet::new(),
        }
    }
}

/// Ontology results carry no per-tag verdict; AL derives one from the score of the heuristic
/// that flagged the tag, with the default thresholds (no "highly suspicious" step, as in the
/// summary). A connected server's own thresholds: `IocSet::with_verdicts`.
pub fn verdict_for_score(score: i64) -> Verdict {
    VerdictThresholds::default().verdict(score)
}

/// What the IoC view shows. `Filter::default()` hides safelisted values, as AL does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Case-insensitive substring of the value or the tag type; blank matches everything.
    pub text: String,
    /// Verdicts to show (the merged, worst verdict); None shows all.
    pub verdicts: Option<BTreeSet<Verdict>>,
    pub hide_safelisted: bool,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            text: String::new(),
            verdicts: None,
            hide_safelisted: true,
        }
    }
}

impl Filter {
    pub fn matches(&self, ioc: &Ioc) -> bool {
        let needle = self.text.trim().to_lowercase();
        let text_hit = ioc.tag_type.to_lowercase().contains(&needle)
            || ioc.value.to_lowercase().contains(&needle);
        text_hit && self.keeps_flags(ioc)
    }

    fn keeps_flags(&self, ioc: &Ioc) -> bool {
        !(self.hide_safelisted && ioc.safelisted)
            && self
                .verdicts
                .as_ref()
                .is_none_or(|v| v.contains(&ioc.verdict))
    }
}

/// One row of the IoC view: a tag type and its visible values, in display order.
#[derive(Clone, Debug, PartialEq)]
pub struct Group<'a> {
    pub tag_type: &'a str,
    /// Values of this type before filtering.
    pub total: usize,
    pub iocs: Vec<&'a Ioc>,
}

impl Group<'_> {
    /// How many values the filter hid, for a "N hidden" note.
    pub fn hidden(&self) -> usize {
        self.total - self.iocs.len()
    }
}

#[derive(Clone, Debug)]
struct Entry {
    ioc: Ioc,
    key: ValueKey,
    /// Lowercased value, so text filtering on every keystroke allocates nothing per value.
    lower: String,
}

#[derive(Clone, Debug, Default)]
struct TypeIndex {
    by_value: HashMap<String, usize>,
    /// Entry indexes in display order once `sorted`.
    order: Vec<usize>,
    sorted: bool,
}

/// Every IoC collected so far. Adding re-sorts only the types it touched; `groups` just filters.
#[derive(Clone, Debug, Default)]
pub struct IocSet {
    entries: Vec<Entry>,
    types: HashMap<String, TypeIndex>,
    /// Groups domains by registrable domain; without it they sort by labels alone (`sort.rs`).
    suffixes: Option<Arc<SuffixList>>,
    /// Score → verdict for ontology heuristics, as the server is configured.
    verdicts: VerdictThresholds,
}

/// One occurrence of a value, before merging.
struct Sighting<'a> {
    sid: &'a str,
    verdict: Verdict,
    /// None when the source cannot know (ontology).
    safelisted: Option<bool>,
    classification: &'a str,
    origin: Source,
}

impl IocSet {
    /// A set without the public suffix list: see `with_suffixes`.
    pub fn new() -> IocSet {
        IocSet::default()
    }

    /// A set that orders domains by registrable domain, as AL does, when given the list.
    pub fn with_suffixes(suffixes: Option<Arc<SuffixList>>) -> IocSet {
        IocSet {
            suffixes,
            ..IocSet::default()
        }
    }

    /// Ontology verdicts from the server's own thresholds (whoami).
    pub fn with_verdicts(mut self, verdicts: VerdictThresholds) -> IocSet {
        self.verdicts = verdicts;
        self
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, tag_type: &str, value: &str) -> Option<&Ioc> {
        let index = self.types.get(tag_type)?.by_value.get(value)?;
        Some(&self.entries[*index].ioc)
    }

    /// `network*` types of the summary's `tags.ioc`; source files from `summary.map`.
    pub fn add_summary(&mut self, sid: &str, summary: &Summary) {
        for (tag_type, tags) in summary.tags.ioc.iter().filter(|(t, _)| is_network(t)) {
            for tag in tags.iter().filter(|t| !t.value.is_empty()) {
                let sighting = Sighting {
                    sid,
                    verdict: tag.verdict,
                    safelisted: Some(tag.safelisted),
                    classification: &tag.classification,
                    origin: Source::Summary,
                };
                let files = summary
                    .sources(tag_type, &tag.value)
                    .iter()
                    .map(String::as_str);
                self.record(tag_type, &tag.value, &sighting, files);
            }
        }
        self.sort_touched();
    }

    /// Every `network*` tag of every record; the source file is the record's.
    pub fn add_ontology(&mut self, sid: &str, records: &[OntologyRecord]) {
        self.add_ontology_with_summary(sid, records, None);
    }

    /// Like `add_ontology`, taking verdict and safelisted flag from the same submission's
    /// summary where it has the value: ontology records are written by the services before
    /// the server safelists tags, and carry only base heuristic scores. Values the summary
    /// lacks keep the heuristic verdict and an unknown safelist flag.
    pub fn add_ontology_with_summary(
        &mut self,
        sid: &str,
        records: &[OntologyRecord],
        summary: Option<&Summary>,
    ) {
        let from_summary = summary_flags(summary);
        for record in records {
            let verdicts = heuristic_verdicts(record, &self.verdicts);
            let file = Some(record.file.sha256.as_str()).filter(|f| !f.is_empty());
            for (tag_type, values) in record.results.tags.iter().filter(|(t, _)| is_network(t)) {
                for raw in values.iter().filter(|v| !v.is_null()) {
                    let value = scalar_text(raw);
                    if value.is_empty() {
                        continue;
                    }
                    let known = from_summary.get(&(tag_type.as_str(), value.as_str()));
                    let verdict = verdicts
                        .get(tag_type.as_str())
                        .and_then(|v| v.get(&value))
                        .copied();
                    let sighting = Sighting {
                        sid,
                        verdict: known.map(|k| k.0).or(verdict).unwrap_or(Verdict::Info),
                        safelisted: known.map(|k| k.1),
                        classification: &record.classification,
                        origin: Source::Ontology,
                    };
                    self.record(tag_type, &value, &sighting, file.into_iter());
                }
            }
        }
        self.sort_touched();
    }

    /// The seed scripts' result: `{tag_type: [values]}` with every value, safelisted ones too
    /// (the scripts do not filter), each once, in display order.
    pub fn seed_json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for group in self.groups(&Filter {
            hide_safelisted: false,
            ..Filter::default()
        }) {
            let values = group
                .iocs
                .iter()
                .map(|i| serde_json::Value::from(i.value.as_str()))
                .collect();
            out.insert(group.tag_type.to_string(), serde_json::Value::Array(values));
        }
        serde_json::Value::Object(out)
    }

    /// Every type in AL's order, each with the values the filter lets through. A type whose
    /// values are all hidden is still listed, so the view can say how many it hides.
    pub fn groups(&self, filter: &Filter) -> Vec<Group<'_>> {
        let needle = filter.text.trim().to_lowercase();
        let mut types: Vec<(&String, &TypeIndex)> = self.types.iter().collect();
        types.sort_by(|a, b| sort::type_rank(a.0).cmp(&sort::type_rank(b.0)));
        types
            .into_iter()
            .map(|(tag_type, index)| {
                let type_hit = tag_type.to_lowercase().contains(&needle);
                let iocs = index
                    .order
                    .iter()
                    .map(|&i| &self.entries[i])
                    .filter(|e| {
                        (type_hit || e.lower.contains(&needle)) && filter.keeps_flags(&e.ioc)
                    })
                    .map(|e| &e.ioc)
                    .collect();
                Group {
                    tag_type,
                    total: index.order.len(),
                    iocs,
                }
            })
            .collect()
    }

    /// All visible values, flattened in display order: what "export what I see" exports.
    pub fn visible(&self, filter: &Filter) -> Vec<&Ioc> {
        self.groups(filter)
            .into_iter()
            .flat_map(|g| g.iocs)
            .collect()
    }

    fn record<'f>(
        &mut self,
        tag_type: &str,
        value: &str,
        s: &Sighting,
        files: impl Iterator<Item = &'f str>,
    ) {
        if !self.types.contains_key(tag_type) {
            self.types
                .insert(tag_type.to_string(), TypeIndex::default());
        }
        let index = self.types.get_mut(tag_type).expect("inserted above");
        let at = match index.by_value.get(value) {
            Some(&at) => at,
            None => {
                let at = self.entries.len();
                // Start from this sighting's verdict: starting from `Ioc::new`'s info would
                // hide a safe verdict under the max below.
                let ioc = Ioc {
                    verdict: s.verdict,
                    ..Ioc::new(tag_type, value)
                };
                self.entries.push(Entry {
                    ioc,
                    key: ValueKey::new(tag_type, value, self.suffixes.as_deref()),
                    lower: value.to_lowercase(),
                });
                index.by_value.insert(value.to_string(), at);
                index.order.push(at);
                at
            }
        };
        index.sorted = false;
        let ioc = &mut self.entries[at].ioc;
        ioc.verdict = ioc.verdict.max(s.verdict);
        if let Some(safelisted) = s.safelisted {
            ioc.safelisted |= safelisted;
            ioc.safelist_known = true;
        }
        if ioc.classification.is_empty() {
            ioc.classification = s.classification.to_string();
        }
        ioc.origins.insert(s.origin);
        if !ioc.sids.contains(s.sid) {
            ioc.sids.insert(s.sid.to_string());
        }
        let mut any_file = false;
        for file in files {
            any_file = true;
            if !ioc.files.contains(file) {
                ioc.files.insert(file.to_string());
            }
            ioc.occurrences
                .insert((s.sid.to_string(), file.to_string()));
        }
        if !any_file {
            ioc.occurrences.insert((s.sid.to_string(), String::new()));
        }
    }

    /// Re-sorts the types an add touched. The stable sort finds the already-sorted run, so a
    /// batch costs about O(n + k log k) for k new values, not a full sort.
    fn sort_touched(&mut self) {
        let entries = &self.entries;
        for index in self.types.values_mut().filter(|i| !i.sorted) {
            index.order.sort_by(|&a, &b| {
                let (a, b) = (&entries[a], &entries[b]);
                sort::display_cmp((&a.ioc, &a.key), (&b.ioc, &b.key))
            });
            index.sorted = true;
        }
    }
}

/// The seed scripts' test: `tag_name.startswith('network')`.
fn is_network(tag_type: &str) -> bool {
    tag_type.starts_with("network")
}

/// (type, value) → (verdict, safelisted) of a summary's network tags.
fn summary_flags(summary: Option<&Summary>) -> HashMap<(&str, &str), (Verdict, bool)> {
    let mut out = HashMap::new();
    for (tag_type, tags) in summary.iter().flat_map(|s| s.tags.ioc.iter()) {
        for tag in tags {
            out.insert(
                (tag_type.as_str(), tag.value.as_str()),
                (tag.verdict, tag.safelisted),
            );
        }
    }
    out
}

/// type → value → worst verdict of the record's heuristics that flagged it.
fn heuristic_verdicts<'r>(
    record: &'r OntologyRecord,
    thresholds: &VerdictThresholds,
) -> HashMap<&'r str, HashMap<String, Verdict>> {
    let mut out: HashMap<&str, HashMap<String, Verdict>> = HashMap::new();
    for heuristic in &record.results.heuristics {
        let verdict = thresholds.verdict(heuristic.score);
        for (tag_type, values) in &heuristic.tags {
            let by_value = out.entry(tag_type.as_str()).or_default();
            for value in values {
                let slot = by_value.entry(scalar_text(value)).or_insert(verdict);
                *slot = (*slot).max(verdict);
            }
        }
    }
    out
}
