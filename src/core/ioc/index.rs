//! One tag type's values in display order, kept sorted as values arrive: adding a value or
//! moving one whose verdict or safelist mark changed costs O(log n), never a re-sort, so
//! merging a submission costs the same whether 10 or 100,000 values came before it.

use std::cell::OnceCell;
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

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
    rank_of(flags(ioc))
}

fn rank_of((verdict, safelisted): Flags) -> Reverse<Verdict> {
    Reverse(if safelisted { Verdict::Safe } else { verdict })
}

/// What a value's place in the order and the filter's flags depend on: its verdict and
/// whether it is safelisted.
pub(super) type Flags = (Verdict, bool);

pub(super) fn flags(ioc: &Ioc) -> Flags {
    (ioc.verdict, ioc.safelisted)
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
    order: BTreeSet<Slot>,
    /// `order` flattened with each value's flags, built on first use after a change: a
    /// keystroke in the filter then costs a pass over a flat list, while a merge that
    /// changes the type only drops it (`add`, `update`).
    shown: OnceCell<Vec<Shown>>,
}

impl TypeIndex {
    /// A new value, entry `at` of the set.
    pub(super) fn add(&mut self, ioc: &Ioc, key: &ValueKey, at: usize) {
        self.order.insert(Slot::of(ioc, key, at));
        self.by_value.insert(ioc.value.clone(), at);
        self.shown.take();
    }

    /// A value merged again, whose flags were `before`: moves it to where `ioc` now belongs
    /// when its rank changed, and drops the flattened order when a flag did.
    pub(super) fn update(&mut self, before: Flags, ioc: &Ioc, key: &ValueKey, at: usize) {
        if before == flags(ioc) {
            return;
        }
        self.shown.take();
        let mut slot = Slot::of(ioc, key, at);
        let (old, new) = (rank_of(before), slot.rank);
        if old == new {
            return;
        }
        slot.rank = old;
        self.order.remove(&slot);
        slot.rank = new;
        self.order.insert(slot);
    }

    /// The display order with each value's flags; `flags` reads them for an entry.
    pub(super) fn shown(&self, flags: impl Fn(usize) -> Flags) -> &[Shown] {
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
