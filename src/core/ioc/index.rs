//! One tag type's values in display order, kept sorted as values arrive: adding a value or
//! moving one whose verdict or safelist mark changed costs O(log n), never a re-sort, so
//! merging a submission costs the same whether 10 or 100,000 values came before it.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use super::sort::ValueKey;
use super::Ioc;
use crate::core::api::Verdict;

/// Where a value sits in the display order: worst verdict first (a safelisted value ranks
/// as safe, so it sorts last), then its value key, then the raw text so the order is total.
/// Field order is the comparison order; `merge_tests.rs` holds it to a plain sort.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Slot {
    rank: Reverse<Verdict>,
    key: ValueKey,
    value: String,
    /// The entry's index in the set; ties never reach it, values are unique per type.
    pub(super) at: usize,
}

impl Slot {
    pub(super) fn of(ioc: &Ioc, key: &ValueKey, at: usize) -> Slot {
        Slot {
            rank: rank(ioc),
            key: key.clone(),
            value: ioc.value.clone(),
            at,
        }
    }
}

/// The verdict the order uses: safelisted values count as safe.
pub(super) fn rank(ioc: &Ioc) -> Reverse<Verdict> {
    Reverse(if ioc.safelisted {
        Verdict::Safe
    } else {
        ioc.verdict
    })
}

/// A value as a filter sees it: its entry and the two flags the filter reads, side by side
/// so a filter walks one flat list instead of a tree and the entries it points into.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Shown {
    pub(super) at: u32,
    pub(super) verdict: Verdict,
    pub(super) safelisted: bool,
}

#[derive(Clone, Debug, Default)]
pub(super) struct TypeIndex {
    pub(super) by_value: HashMap<String, usize>,
    pub(super) order: BTreeSet<Slot>,
    /// `order` flattened with each value's flags, built on first use after a change: a
    /// keystroke in the filter then costs a pass over a flat list, while a merge that
    /// changes the type only drops it. Cleared by `changed`.
    shown: OnceLock<Vec<Shown>>,
}

impl TypeIndex {
    /// Moves a value whose rank changed from `old` to where `ioc` now belongs.
    pub(super) fn reorder(&mut self, old: Reverse<Verdict>, ioc: &Ioc, key: &ValueKey, at: usize) {
        let mut slot = Slot::of(ioc, key, at);
        let new = slot.rank;
        if old == new {
            return;
        }
        slot.rank = old;
        self.order.remove(&slot);
        slot.rank = new;
        self.order.insert(slot);
    }

    /// Drops the flattened order: a value was added, or its verdict or safelist flag changed.
    pub(super) fn changed(&mut self) {
        self.shown.take();
    }

    /// The display order with each value's flags; `flags` reads them for an entry.
    pub(super) fn shown(&self, flags: impl Fn(usize) -> (Verdict, bool)) -> &[Shown] {
        self.shown.get_or_init(|| {
            self.order
                .iter()
                .map(|slot| {
                    let (verdict, safelisted) = flags(slot.at);
                    Shown {
                        at: slot.at as u32,
                        verdict,
                        safelisted,
                    }
                })
                .collect()
        })
    }

    pub(super) fn len(&self) -> usize {
        self.order.len()
    }
}
