//! One tag type's values in display order, kept sorted as values arrive: adding a value or
//! moving one whose verdict or safelist mark changed costs O(log n), never a re-sort, so
//! merging a submission costs the same whether 10 or 100,000 values came before it.

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
    Reverse(if ioc.safelisted {
        Verdict::Safe
    } else {
        ioc.verdict
    })
}

#[derive(Clone, Debug, Default)]
pub(super) struct TypeIndex {
    pub(super) by_value: HashMap<String, usize>,
    pub(super) order: BTreeSet<Slot>,
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

    pub(super) fn len(&self) -> usize {
        self.order.len()
    }
}
