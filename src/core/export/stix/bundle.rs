//! The bundle written a value at a time, so an export of tens of thousands of values can give
//! the browser a turn between slices: first every value (its cyber-observable, and its share
//! of one indicator per pattern), then the indicators, then the bundle's id, which opens the
//! bundle: what was written can be taken away as it comes (`take_body`). The bytes are
//! `serde_json::to_string_pretty` of the whole bundle: keys sorted (no `preserve_order`), so
//! `id` and `objects` come before `type`, and each object sits two levels deep.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;
use uuid::{Builder, Uuid};

use super::{
    cyber_observable, extension, indicator, object_id, observable, producer, user_identity,
    user_identity_id, StixExport,
};
use crate::core::api::Verdict;
use crate::core::ioc::Ioc;

/// The bundle's opening, around its id: written last, once every indicator has drawn its
/// own id, so ids are drawn in the order a single pass would draw them.
const OPENING: [&str; 2] = ["{\n  \"id\": \"", "\",\n  \"objects\": ["];
const CLOSING: &str = "\n  ],\n  \"type\": \"bundle\"\n}";

/// One pattern's indicator: values of several tag types (a domain seen statically, live and
/// as TLS SNI) that STIX writes the same way become one indicator.
pub(super) struct Merged {
    pub(super) pattern: String,
    /// The first value's text.
    pub(super) name: String,
    /// In the order first seen.
    pub(super) tag_types: Vec<String>,
    /// The worst, and whether any value was safelisted.
    pub(super) verdict: Verdict,
    pub(super) safelisted: bool,
    pub(super) sids: BTreeSet<String>,
    pub(super) files: BTreeSet<String>,
}

pub struct StixWriter {
    /// Objects written and not yet taken.
    out: String,
    objects: usize,
    now: String,
    user_id: String,
    seen_objects: HashSet<String>,
    by_pattern: HashMap<String, usize>,
    merged: Vec<Merged>,
    /// Indicators written so far.
    written: usize,
}

impl StixWriter {
    /// A bundle holding AL Collector's identity, the extension and the user's identity.
    pub fn new(export: &StixExport) -> StixWriter {
        let user_id = user_identity_id(export.server, export.user);
        let mut writer = StixWriter {
            out: String::new(),
            objects: 0,
            now: export.now.to_string(),
            user_id: user_id.clone(),
            seen_objects: HashSet::new(),
            by_pattern: HashMap::new(),
            merged: Vec::new(),
            written: 0,
        };
        for object in [producer(), extension(), user_identity(&user_id, export)] {
            writer.push(&object);
        }
        writer
    }

    /// Takes one value: its cyber-observable the first time one is seen, and its part in
    /// its pattern's indicator. Values STIX cannot express are left out.
    pub fn add(&mut self, ioc: &Ioc) {
        let Some(form) = observable(&ioc.tag_type, &ioc.value) else {
            return;
        };
        if let Some((kind, value)) = &form.object {
            let id = object_id(kind, value);
            if !self.seen_objects.contains(&id) {
                self.push(&cyber_observable(kind, value, &id));
                self.seen_objects.insert(id);
            }
        }
        let at = match self.by_pattern.get(&form.pattern) {
            Some(&at) => at,
            None => {
                self.by_pattern
                    .insert(form.pattern.clone(), self.merged.len());
                self.merged.push(Merged {
                    pattern: form.pattern,
                    name: ioc.value.clone(),
                    tag_types: Vec::new(),
                    verdict: ioc.verdict,
                    safelisted: false,
                    sids: BTreeSet::new(),
                    files: BTreeSet::new(),
                });
                self.merged.len() - 1
            }
        };
        let m = &mut self.merged[at];
        m.verdict = m.verdict.max(ioc.verdict);
        m.safelisted |= ioc.safelisted;
        if !m.tag_types.contains(&ioc.tag_type) {
            m.tag_types.push(ioc.tag_type.clone());
        }
        m.sids.extend(ioc.sids.iter().cloned());
        m.files.extend(ioc.files.iter().cloned());
    }

    /// Indicators still to write once every value is in.
    pub fn indicators_left(&self) -> usize {
        self.merged.len() - self.written
    }

    /// Writes up to `budget` indicators, each with a fresh id from `random`.
    pub fn write_indicators(&mut self, budget: usize, random: &mut dyn FnMut() -> [u8; 16]) {
        let end = self.merged.len().min(self.written.saturating_add(budget));
        for at in self.written..end {
            let id = format!("indicator--{}", v4(random));
            let object = indicator(&self.merged[at], &id, &self.user_id, &self.now);
            self.push(&object);
        }
        self.written = end;
    }

    /// The objects written since the last call: the bundle's body, in order.
    pub fn take_body(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    /// (the bundle's opening, the body not yet taken and the closing); the bundle is the
    /// opening, every body taken, then the rest. Its id is drawn from `random` after every
    /// indicator's.
    pub fn finish(mut self, random: &mut dyn FnMut() -> [u8; 16]) -> (String, String) {
        let id = format!("bundle--{}", v4(random));
        let opening = format!("{}{id}{}", OPENING[0], OPENING[1]);
        self.out.push_str(CLOSING);
        (opening, self.out)
    }

    /// One object as the whole bundle's pretty print places it: after a comma unless first,
    /// on its own line, indented two levels. Pretty JSON never holds a raw new line inside
    /// a string, so indenting after every new line touches structure only.
    fn push(&mut self, object: &Value) {
        let text = serde_json::to_string_pretty(object).expect("JSON values always serialize");
        if self.objects > 0 {
            self.out.push(',');
        }
        self.objects += 1;
        self.out.push_str("\n    ");
        self.out.push_str(&text.replace('\n', "\n    "));
    }
}

pub(super) fn v4(random: &mut dyn FnMut() -> [u8; 16]) -> Uuid {
    Builder::from_random_bytes(random()).into_uuid()
}
