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

mod index;
#[cfg(test)]
mod merge_tests;
mod ndjson;
mod sort;
mod suffixes;
#[cfg(test)]
mod tests;

use index::TypeIndex;
pub use ndjson::OntologyLines;
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
        self.keeps(ioc.verdict, ioc.safelisted)
    }

    fn keeps(&self, verdict: Verdict, safelisted: bool) -> bool {
        !(self.hide_safelisted && safelisted)
            && self.verdicts.as_ref().is_none_or(|v| v.contains(&verdict))
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

/// Ends each value in `IocSet::lowered`.
const END: char = '\0';

/// Which values hold a filter's text (lowercased, `needle`).
struct TextHits {
    needle: String,
    /// By entry; None for blank text, which every value holds.
    values: Option<Vec<bool>>,
}

impl TextHits {
    fn value(&self, at: usize) -> bool {
        self.values
            .as_ref()
            .is_none_or(|values| values.get(at).copied().unwrap_or(false))
    }
}

#[derive(Clone, Debug)]
struct Entry {
    ioc: Ioc,
    key: ValueKey,
    /// The set's `merges` when this value last changed: a view redraws a row only then.
    changed: u64,
}

/// A value's handle in its set: stable for the set's life, so a view can hold the filtered
/// list as plain numbers and look rows up only for what it draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IocId(u32);

/// Every IoC collected so far, each type kept in display order as values arrive (`index.rs`):
/// merging an answer costs O(values in it × log n); `groups` just walks and filters.
#[derive(Clone, Debug, Default)]
pub struct IocSet {
    entries: Vec<Entry>,
    /// Every value lowercased, in `entries` order, each followed by `END`: a filter's text is
    /// searched for once over all of it, not value by value (a searcher set up 50,000 times
    /// was most of a keystroke's cost).
    lowered: String,
    /// Where each entry's text starts in `lowered`.
    lowered_at: Vec<usize>,
    types: HashMap<String, TypeIndex>,
    /// Sightings merged so far: a clock for `Entry::changed`.
    merges: u64,
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
        self.visible_id_groups(filter)
            .into_iter()
            .map(|(tag_type, total, ids)| Group {
                tag_type,
                total,
                iocs: ids.into_iter().filter_map(|id| self.by_id(id)).collect(),
            })
            .collect()
    }

    /// Tag types present, in AL's order.
    pub fn tag_types(&self) -> Vec<&str> {
        let mut types: Vec<&str> = self.types.keys().map(String::as_str).collect();
        types.sort_by_key(|t| sort::type_rank(t));
        types
    }

    /// How many values a type holds before filtering.
    pub fn count(&self, tag_type: &str) -> usize {
        self.types.get(tag_type).map_or(0, TypeIndex::len)
    }

    /// The values of one type the filter lets through, in display order, as handles: what a
    /// windowed view keeps, looking up only the rows it draws (`by_id`).
    pub fn visible_ids(&self, tag_type: &str, filter: &Filter) -> Vec<IocId> {
        let hits = self.text_hits(filter);
        self.visible_slots(tag_type, filter, &hits)
            .map(|at| IocId(at as u32))
            .collect()
    }

    /// Every type in AL's order, with how many values it holds and the handles of those the
    /// filter lets through: `visible_ids` for all types at once, the text searched once.
    pub fn visible_id_groups(&self, filter: &Filter) -> Vec<(&str, usize, Vec<IocId>)> {
        let hits = self.text_hits(filter);
        self.tag_types()
            .into_iter()
            .map(|t| {
                let ids = self
                    .visible_slots(t, filter, &hits)
                    .map(|at| IocId(at as u32))
                    .collect();
                (t, self.count(t), ids)
            })
            .collect()
    }

    /// The value behind a handle from `visible_ids`; None for a handle of another set.
    pub fn by_id(&self, id: IocId) -> Option<&Ioc> {
        self.entries.get(id.0 as usize).map(|e| &e.ioc)
    }

    /// When the value behind `id` last changed, on a clock that only moves forward: equal
    /// numbers mean an unchanged value, so a drawn row can stay.
    pub fn changed(&self, id: IocId) -> u64 {
        self.entries.get(id.0 as usize).map_or(0, |e| e.changed)
    }

    /// Which values hold the filter's text, searched for once over every value.
    fn text_hits(&self, filter: &Filter) -> TextHits {
        let needle = filter.text.trim().to_lowercase();
        if needle.is_empty() {
            return TextHits {
                needle,
                values: None,
            };
        }
        let mut values = vec![false; self.entries.len()];
        if needle.contains(END) {
            // Text that holds the separator could match across two values: value by value.
            for (i, hit) in values.iter_mut().enumerate() {
                *hit = self.lowered_text(i).contains(&needle);
            }
        } else {
            // A match cannot span END, so each lies within one value.
            for (offset, _) in self.lowered.match_indices(&needle) {
                let i = self.lowered_at.partition_point(|&start| start <= offset) - 1;
                values[i] = true;
            }
        }
        TextHits {
            needle,
            values: Some(values),
        }
    }

    fn lowered_text(&self, i: usize) -> &str {
        let start = self.lowered_at[i];
        let end = self
            .lowered_at
            .get(i + 1)
            .map_or(self.lowered.len(), |&next| next)
            - END.len_utf8();
        &self.lowered[start..end]
    }

    fn visible_slots<'s>(
        &'s self,
        tag_type: &str,
        filter: &'s Filter,
        hits: &'s TextHits,
    ) -> impl Iterator<Item = usize> + 's {
        let type_hit = tag_type.to_lowercase().contains(&hits.needle);
        self.types
            .get(tag_type)
            .into_iter()
            .flat_map(|index| index.shown(|at| index::flags(&self.entries[at].ioc)))
            .filter(move |s| {
                (type_hit || hits.value(s.at as usize)) && filter.keeps(s.verdict, s.safelisted)
            })
            .map(|s| s.at as usize)
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
            Some(&at) => {
                let entry = &mut self.entries[at];
                let before = index::flags(&entry.ioc);
                entry.ioc.verdict = entry.ioc.verdict.max(s.verdict);
                // The ontology cannot know the flag (None): it never clears or sets it.
                if let Some(safelisted) = s.safelisted {
                    entry.ioc.safelisted |= safelisted;
                    entry.ioc.safelist_known = true;
                }
                index.update(before, &entry.ioc, &entry.key, at);
                at
            }
            None => {
                let at = self.entries.len();
                // Start from this sighting's verdict: starting from `Ioc::new`'s info would
                // hide a safe verdict under the max below.
                let ioc = Ioc {
                    verdict: s.verdict,
                    safelisted: s.safelisted.unwrap_or(false),
                    safelist_known: s.safelisted.is_some(),
                    ..Ioc::new(tag_type, value)
                };
                let key = ValueKey::new(tag_type, value, self.suffixes.as_deref());
                index.add(&ioc, &key, at);
                self.entries.push(Entry {
                    ioc,
                    key,
                    changed: 0,
                });
                self.lowered_at.push(self.lowered.len());
                self.lowered.push_str(&value.to_lowercase());
                self.lowered.push(END);
                at
            }
        };
        self.merges += 1;
        self.entries[at].changed = self.merges;
        let ioc = &mut self.entries[at].ioc;
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
