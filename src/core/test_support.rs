//! What the core's tests share: random numbers for the property tests (xorshift64*,
//! deterministic and without a dependency, so a failing case names its seed and runs again the
//! same way) and made-up sha256s.

/// A made-up sha256 for file `n`: its byte 32 times, so even short forms of two differ.
pub(crate) fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// A xorshift64* generator.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for `seed`; any seed works (the state is never zero, where xorshift sticks).
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub(crate) fn draw(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number from 0 to below `n` (0 when `n` is 0), in the caller's integer type.
    pub(crate) fn below<N>(&mut self, n: N) -> N
    where
        N: TryInto<u64> + TryFrom<u64>,
    {
        let n: u64 = n
            .try_into()
            .ok()
            .expect("below takes a count, not a negative number");
        N::try_from(self.draw() % n.max(1))
            .ok()
            .expect("below stays under its count")
    }

    /// True `percent` times in a hundred.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100u64) < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `len` bytes that do not compress (the high byte of each draw, the generator's best).
    pub(crate) fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| (self.draw() >> 56) as u8).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn same_seed_same_numbers_and_every_draw_stays_below_its_count() {
        let (mut a, mut b) = (Rng::new(0), Rng::new(0));
        let draws: Vec<u64> = (0..1000).map(|_| a.below(7u64)).collect();
        assert_eq!(draws, (0..1000).map(|_| b.below(7u64)).collect::<Vec<_>>());
        assert!(draws.iter().all(|d| *d < 7));
        // Every value turns up: a stuck or biased state would miss some.
        assert!((0..7).all(|v| draws.contains(&v)), "{draws:?}");
        assert_ne!(Rng::new(1).bytes(64), Rng::new(2).bytes(64));
    }
}
