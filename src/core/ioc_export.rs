//! Exports of large sets built a slice at a time, so the page can give the browser a turn
//! between slices (tens of thousands of values would otherwise hold the page for a long
//! task). The bytes equal one call of the `export` function over everything:
//! - CSV and MISP CSV: rows depend on one value each, so each slice is that function's
//!   output over the slice with the header left off (MISP's rows and left-out values add up).
//! - JSON: the seed shape written value by value, exactly as `export::to_json` prints it
//!   (pretty, the map's own key order).
//! - STIX: every value into the bundle writer (its observables go out as they come), then
//!   the indicators, one per pattern, a slice at a time (`StixWriter`).

use crate::core::export::{to_csv, to_json, to_misp_csv, LeftOut, StixExport, StixWriter};
use crate::core::ioc::{Filter, Ioc, IocId, IocSet};

/// A STIX value costs about as much as this many CSV rows: an object and a share of an
/// indicator, each built as a JSON value and pretty-printed.
const STIX_WEIGHT: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// Every value of every type, safelisted too (the seed scripts' shape).
    Json,
    /// What the filters show, from here on.
    Csv,
    Misp,
    Stix,
}

/// One export under way. The set it reads must be the one it was made from; values added to
/// the set meanwhile are not included, values merged meanwhile are written as they are then.
pub struct ExportJob {
    kind: ExportKind,
    /// The values to write, by type (JSON) or as one list (the others), in order.
    parts: Vec<(String, Vec<IocId>)>,
    part: usize,
    next: usize,
    /// Written and not yet taken (`take_text`).
    out: String,
    /// What goes before everything taken: STIX's opening, known only at the end.
    head: String,
    /// STIX: the bundle being written (None for the other kinds, and once done).
    stix: Option<StixWriter>,
    values: usize,
    /// MISP CSV: attributes written, and values MISP would refuse or change.
    rows: usize,
    left_out: Vec<LeftOut>,
}

impl ExportJob {
    /// `now` is the STIX timestamp (RFC 3339); `user` and `server` name STIX's identity.
    pub fn new(
        kind: ExportKind,
        set: &IocSet,
        filter: &Filter,
        now: &str,
        user: &str,
        server: &str,
    ) -> ExportJob {
        let parts = match kind {
            ExportKind::Json => json_order(set),
            _ => vec![(
                String::new(),
                set.tag_types()
                    .into_iter()
                    .flat_map(|t| set.visible_ids(t, filter))
                    .collect(),
            )],
        };
        let values = parts.iter().map(|(_, ids)| ids.len()).sum();
        let out = match kind {
            ExportKind::Json if parts.is_empty() => to_json(&IocSet::new()),
            ExportKind::Json => "{".to_string(),
            ExportKind::Csv => to_csv(&[]),
            ExportKind::Misp => to_misp_csv(&[]).text,
            // Written by the bundle writer, handed over when done.
            ExportKind::Stix => String::new(),
        };
        let stix =
            (kind == ExportKind::Stix).then(|| StixWriter::new(&StixExport { now, user, server }));
        ExportJob {
            kind,
            parts,
            part: 0,
            next: 0,
            out,
            head: String::new(),
            stix,
            values,
            rows: 0,
            left_out: Vec::new(),
        }
    }

    pub fn kind(&self) -> ExportKind {
        self.kind
    }

    /// MISP CSV: attributes written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// MISP CSV: values left out so far, with why.
    pub fn left_out(&self) -> &[LeftOut] {
        &self.left_out
    }

    /// How many values the export holds.
    pub fn values(&self) -> usize {
        self.values
    }

    /// Writes about `budget` CSV rows' worth of work (STIX: a quarter as many values, then
    /// its indicators, with `random` for their ids); true when the export is done.
    pub fn step(
        &mut self,
        set: &IocSet,
        budget: usize,
        random: &mut dyn FnMut() -> [u8; 16],
    ) -> bool {
        let mut left = match self.kind {
            ExportKind::Stix => budget / STIX_WEIGHT,
            _ => budget,
        }
        .max(1);
        while left > 0 && self.part < self.parts.len() {
            let (tag_type, ids) = &self.parts[self.part];
            let end = ids.len().min(self.next + left);
            let slice: Vec<&Ioc> = ids[self.next..end]
                .iter()
                .filter_map(|id| set.by_id(*id))
                .collect();
            let out = &mut self.out;
            match self.kind {
                ExportKind::Json => {
                    write_json_values(out, self.part, tag_type, self.next, ids.len(), &slice);
                }
                ExportKind::Csv => out.push_str(without_header(&to_csv(&slice), &to_csv(&[]))),
                ExportKind::Misp => {
                    let misp = to_misp_csv(&slice);
                    out.push_str(without_header(&misp.text, &to_misp_csv(&[]).text));
                    self.rows += misp.rows;
                    self.left_out.extend(misp.left_out);
                }
                ExportKind::Stix => {
                    let writer = self.stix.as_mut().expect("a STIX job has a writer");
                    slice.iter().for_each(|ioc| writer.add(ioc));
                }
            }
            left = left.saturating_sub(end - self.next);
            self.next = end;
            if self.next == ids.len() {
                self.part += 1;
                self.next = 0;
                if self.part == self.parts.len() {
                    self.close();
                }
            }
        }
        if self.part < self.parts.len() {
            return false;
        }
        match self.stix.take() {
            Some(mut writer) if left > 0 && writer.indicators_left() > 0 => {
                writer.write_indicators(left, random);
                self.stix = Some(writer);
                false
            }
            Some(writer) if writer.indicators_left() == 0 => {
                let (opening, rest) = writer.finish(random);
                self.head = opening;
                self.out.push_str(&rest);
                true
            }
            Some(writer) => {
                self.stix = Some(writer);
                false
            }
            None => true,
        }
    }

    /// What follows the last value; the empty cases were written whole by `new`.
    fn close(&mut self) {
        if self.kind == ExportKind::Json {
            self.out.push_str("\n}");
        }
    }

    /// The text written since the last call, in order: a big export can leave WASM memory
    /// a part at a time instead of as one string at the end.
    pub fn take_text(&mut self) -> String {
        if let Some(writer) = &mut self.stix {
            self.out.push_str(&writer.take_body());
        }
        std::mem::take(&mut self.out)
    }

    /// (what goes before every part taken, the rest); call once `step` said it is done. The
    /// export is the first, every `take_text` in order, then the second.
    pub fn finish_parts(self) -> (String, String) {
        (self.head, self.out)
    }

    /// The export's whole text, when nothing was taken; call once `step` said it is done.
    pub fn finish(self) -> String {
        self.head + &self.out
    }
}

/// Types in the order `seed_json`'s map iterates them (its key order, whatever the map type
/// is built with), each with every value in display order.
fn json_order(set: &IocSet) -> Vec<(String, Vec<IocId>)> {
    let everything = Filter {
        hide_safelisted: false,
        ..Filter::default()
    };
    let mut keys = serde_json::Map::new();
    for tag_type in set.tag_types() {
        keys.insert(tag_type.to_string(), serde_json::Value::Null);
    }
    keys.keys()
        .map(|t| (t.clone(), set.visible_ids(t, &everything)))
        .collect()
}

/// Part of `"type": [ … ]` as `serde_json::to_string_pretty` writes it (two spaces a level).
fn write_json_values(
    out: &mut String,
    part: usize,
    tag_type: &str,
    from: usize,
    len: usize,
    slice: &[&Ioc],
) {
    let text = |s: &str| serde_json::to_string(s).expect("strings always serialize");
    if from == 0 {
        if part > 0 {
            out.push(',');
        }
        out.push_str("\n  ");
        out.push_str(&text(tag_type));
        out.push_str(if len == 0 { ": []" } else { ": [" });
    }
    for (i, ioc) in slice.iter().enumerate() {
        if from + i > 0 {
            out.push(',');
        }
        out.push_str("\n    ");
        out.push_str(&text(&ioc.value));
    }
    if len > 0 && from + slice.len() == len {
        out.push_str("\n  ]");
    }
}

fn without_header<'a>(text: &'a str, header: &str) -> &'a str {
    text.strip_prefix(header).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::api::Summary;
    use crate::core::export::to_stix;

    fn set_of(n: usize) -> IocSet {
        let mut set = IocSet::new();
        for s in 0..n {
            let summary: Summary = serde_json::from_value(json!({
                "tags": {"ioc": {
                    "network.static.ip": [[format!("10.0.{}.{}", s % 3, s % 7), "malicious", s % 5 == 0, "TLP:CLEAR"]],
                    "network.static.domain": [[format!("h{s}.example.com"), "info", false, ""]],
                    "network.static.uri": [[format!("http://x.example/{s}?\"q\"=\u{e9}\n"), "suspicious", false, ""]],
                    "network.email.address": [[format!("=cmd|{s}@evil.example"), "info", false, ""]],
                    "network.user_agent": [[format!("-agent {s}"), "info", false, ""]]
                }},
                "map": {format!("network.static.ip__10.0.{}.{}", s % 3, s % 7): [format!("{s:064x}")]}
            }))
            .unwrap();
            set.add_summary(&format!("S{}", s % 11), &summary);
        }
        set
    }

    const NOW: &str = "2026-01-01T00:00:00.000Z";

    /// The same "random" ids every time, so two exports compare byte for byte.
    fn counter() -> impl FnMut() -> [u8; 16] {
        let mut n = 0u8;
        move || {
            n = n.wrapping_add(1);
            [n; 16]
        }
    }

    fn whole(kind: ExportKind, set: &IocSet, filter: &Filter) -> (String, usize, usize) {
        let shown = set.visible(filter);
        match kind {
            ExportKind::Json => (to_json(set), 0, 0),
            ExportKind::Csv => (to_csv(&shown), 0, 0),
            ExportKind::Misp => {
                let misp = to_misp_csv(&shown);
                (misp.text, misp.rows, misp.left_out.len())
            }
            ExportKind::Stix => {
                let export = StixExport {
                    now: NOW,
                    user: "analyst",
                    server: "https://al",
                };
                (to_stix(&shown, &export, &mut counter()), 0, 0)
            }
        }
    }

    #[test]
    fn sliced_exports_are_byte_identical_to_one_call() {
        let filters = [
            Filter::default(),
            Filter {
                text: "example.com".into(),
                ..Filter::default()
            },
            Filter {
                text: "nothing matches this".into(),
                ..Filter::default()
            },
        ];
        for n in [0, 1, 2, 40] {
            let set = set_of(n);
            for filter in &filters {
                for kind in [
                    ExportKind::Json,
                    ExportKind::Csv,
                    ExportKind::Misp,
                    ExportKind::Stix,
                ] {
                    let (want, rows, left_out) = whole(kind, &set, filter);
                    for budget in [1, 3, 7, 1000] {
                        let mut job =
                            ExportJob::new(kind, &set, filter, NOW, "analyst", "https://al");
                        let mut random = counter();
                        let mut steps = 0;
                        while !job.step(&set, budget, &mut random) {
                            steps += 1;
                            assert!(steps < 10_000, "never finishes");
                        }
                        let at = format!("{kind:?}, {n} submissions, budget {budget}, {filter:?}");
                        assert_eq!(job.rows(), rows, "{at}");
                        assert_eq!(job.left_out().len(), left_out, "{at}");
                        assert_eq!(job.finish(), want, "{at}");
                    }
                }
            }
        }
    }

    /// `set_of(10)` and the same domains seen live too (one indicator per pattern).
    fn stix_set() -> IocSet {
        let mut set = set_of(10);
        let summary: Summary = serde_json::from_value(json!({
            "tags": {"ioc": {
                "network.dynamic.domain": [["h1.example.com", "malicious", false, ""], ["h2.example.com", "safe", true, ""]],
                "network.tls.sni": [["h3.example.com", "info", false, ""]],
                "network.port": [["443", "info", false, ""]]
            }}
        }))
        .unwrap();
        set.add_summary("S99", &summary);
        set
    }

    /// The bundle as the single-pass writer made it before exports were sliced (same ids
    /// from `counter`): slicing changed no byte.
    #[test]
    fn stix_bytes_are_pinned() {
        let set = stix_set();
        let want = include_str!("export/stix/bundle-10.json");
        let (whole, _, _) = whole(ExportKind::Stix, &set, &Filter::default());
        assert!(whole == want, "to_stix changed its bytes");
        for budget in [1, 5, 1000] {
            let mut job = ExportJob::new(
                ExportKind::Stix,
                &set,
                &Filter::default(),
                NOW,
                "analyst",
                "https://al",
            );
            let mut random = counter();
            while !job.step(&set, budget, &mut random) {}
            assert!(job.finish() == want, "budget {budget}: sliced bytes differ");
        }
    }

    /// Parts taken after every step, between the head and the rest, are the export.
    #[test]
    fn parts_taken_as_written_make_the_whole_export() {
        let set = stix_set();
        for kind in [
            ExportKind::Json,
            ExportKind::Csv,
            ExportKind::Misp,
            ExportKind::Stix,
        ] {
            let (want, _, _) = whole(kind, &set, &Filter::default());
            let mut job =
                ExportJob::new(kind, &set, &Filter::default(), NOW, "analyst", "https://al");
            let mut random = counter();
            let mut parts = Vec::new();
            while !job.step(&set, 16, &mut random) {
                parts.push(job.take_text());
            }
            parts.push(job.take_text());
            let written = parts.iter().filter(|p| !p.is_empty()).count();
            assert!(written > 2, "{kind:?} in {written} parts");
            let (head, rest) = job.finish_parts();
            let joined = head + &parts.concat() + &rest;
            assert!(joined == want, "{kind:?}: parts differ from the whole");
        }
    }

    #[test]
    fn a_small_budget_takes_several_steps() {
        let set = set_of(40);
        let mut job = ExportJob::new(ExportKind::Csv, &set, &Filter::default(), "", "", "");
        assert!(job.values() > 100);
        let mut steps = 1;
        while !job.step(&set, 10, &mut counter()) {
            steps += 1;
        }
        assert!(steps >= job.values() / 10, "{steps} steps");
        // STIX too: values, then indicators, a slice at a time.
        let mut job = ExportJob::new(ExportKind::Stix, &set, &Filter::default(), "", "", "");
        let mut steps = 1;
        while !job.step(&set, 40, &mut counter()) {
            steps += 1;
        }
        assert!(steps >= job.values() / 10, "{steps} STIX steps");
    }
}
