//! Compact sets of 64-bit hashes for `verify`: a sorted array of the keys
//! (and, beside it, a small payload per key), found through a directory of
//! the keys' top bits, so that a look-up reads the directory once and one
//! short run of keys. No hashing of the key and no empty slots: 8 bytes per
//! key, the payload's size, and 1 to 2 bytes of directory.
//!
//! A [`Builder`] takes keys in any order, with repeats, and keeps them as a
//! sorted run plus a pending batch of at most a quarter of the run's size
//! (or 64 Ki entries); a full batch is sorted and merged into the run in
//! place, so building never holds much more than the distinct keys.
//!
//! A set that is mostly asked for keys it does not hold can also keep a
//! filter in front (a blocked Bloom filter, 12 bits a key, one 64-bit word
//! read a look-up, about 1% false positives): small enough to stay in the
//! processor's cache where the keys do not, it answers most misses alone.
//! It sees only the keys' bits from 16 up, like [`SortedHashes::agreeing`].
//!
//! The keys must be uniformly distributed (outputs of a hash function): the
//! directory and the filter assume it.

/// A set of 64-bit keys, each with a payload `P` (`()` for a plain set).
pub struct SortedHashes<P> {
    keys: Vec<u64>,
    payload: Vec<P>,
    /// `dir[b]..dir[b + 1]`: the keys whose top bits are `b`; empty when
    /// the keys do not fit `u32` indexes (then looked up by binary search).
    dir: Vec<u32>,
    shift: u32,
    /// The filter's words; empty without one.
    filter: Vec<u64>,
}

/// The filter's word for `key` and the four bits `key` sets in it.
fn filter_bits(key: u64, words: usize) -> (usize, u64) {
    let word = (((key >> 32) * words as u64) >> 32) as usize;
    let bits = (0..4).fold(0u64, |b, i| b | 1 << ((key >> (16 + 6 * i)) & 63));
    (word, bits)
}

impl<P: Copy> SortedHashes<P> {
    /// Keys held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Bytes held (keys, payloads, directory, filter).
    pub fn bytes(&self) -> u64 {
        (self.keys.capacity() * 8
            + self.payload.capacity() * std::mem::size_of::<P>()
            + self.dir.capacity() * 4
            + self.filter.capacity() * 8) as u64
    }

    /// False when the filter says no key agrees with `key` from bit 16 up.
    fn may_hold(&self, key: u64) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let (word, bits) = filter_bits(key, self.filter.len());
        self.filter[word] & bits == bits
    }

    /// The index range of the keys that share `key`'s top bits.
    fn bucket(&self, key: u64) -> (usize, usize) {
        if self.dir.is_empty() {
            return (0, self.keys.len());
        }
        let b = (key >> self.shift) as usize;
        match (self.dir.get(b), self.dir.get(b + 1)) {
            (Some(&s), Some(&e)) => (s as usize, e as usize),
            _ => (0, 0),
        }
    }

    /// The payload of `key`, if held.
    pub fn get(&self, key: u64) -> Option<&P> {
        if !self.may_hold(key) {
            return None;
        }
        let (s, e) = self.bucket(key);
        let run = &self.keys[s..e];
        let i = run.partition_point(|&k| k < key);
        (run.get(i) == Some(&key)).then(|| &self.payload[s + i])
    }

    /// Whether `key` is held.
    pub fn contains(&self, key: u64) -> bool {
        self.get(key).is_some()
    }

    /// The keys that agree with `key` on all but the `low` low bits (at
    /// most 16), in order.
    pub fn agreeing(&self, key: u64, low: u32) -> impl Iterator<Item = u64> + '_ {
        let mask = !((1u64 << low.min(16)) - 1);
        let (s, e) = if self.may_hold(key) {
            self.bucket(key)
        } else {
            (0, 0)
        };
        let run = &self.keys[s..e];
        let i = run.partition_point(|&k| k < key & mask);
        run[i..]
            .iter()
            .copied()
            .take_while(move |&k| k & mask == key & mask)
    }
}

/// Builds a [`SortedHashes`]; `combine` folds the payload of a repeated key
/// into the one kept (it must not depend on the order keys came in).
pub struct Builder<P> {
    keys: Vec<u64>,
    payload: Vec<P>,
    pending: Vec<(u64, P)>,
    combine: fn(&mut P, P),
}

/// The pending batch is merged when it holds this many entries, or a
/// quarter of the sorted run if that is more.
const MIN_BATCH: usize = 1 << 16;

impl<P: Copy + Default> Builder<P> {
    /// An empty builder.
    pub fn new(combine: fn(&mut P, P)) -> Builder<P> {
        Builder {
            keys: Vec::new(),
            payload: Vec::new(),
            pending: Vec::new(),
            combine,
        }
    }

    /// Add every entry of `batch` (which is left empty).
    pub fn extend(&mut self, batch: &mut Vec<(u64, P)>) {
        for e in batch.drain(..) {
            self.pending.push(e);
            if self.pending.len() >= MIN_BATCH.max(self.keys.len() / 4) {
                self.merge();
            }
        }
    }

    /// Bytes held so far.
    pub fn bytes(&self) -> u64 {
        (self.keys.capacity() * 8
            + self.payload.capacity() * std::mem::size_of::<P>()
            + self.pending.capacity() * std::mem::size_of::<(u64, P)>()) as u64
    }

    /// Sort the pending batch and merge it into the run.
    fn merge(&mut self) {
        let combine = self.combine;
        let mut pend = std::mem::take(&mut self.pending);
        pend.sort_unstable_by_key(|e| e.0);
        pend.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                combine(&mut kept.1, later.1);
            }
            same
        });
        pend.retain(|(k, p)| match self.keys.binary_search(k) {
            Ok(i) => {
                combine(&mut self.payload[i], *p);
                false
            }
            Err(_) => true,
        });
        // Merge from the back, in place.
        let (n, m) = (self.keys.len(), pend.len());
        self.keys.reserve_exact(m);
        self.payload.reserve_exact(m);
        self.keys.resize(n + m, 0);
        self.payload.resize(n + m, P::default());
        let (mut i, mut j) = (n, m);
        while j > 0 {
            let k = i + j - 1;
            if i > 0 && self.keys[i - 1] > pend[j - 1].0 {
                self.keys[k] = self.keys[i - 1];
                self.payload[k] = self.payload[i - 1];
                i -= 1;
            } else {
                (self.keys[k], self.payload[k]) = pend[j - 1];
                j -= 1;
            }
        }
        pend.clear();
        self.pending = pend;
    }

    /// The finished set, with a filter in front when `filtered`.
    pub fn finish(mut self, filtered: bool) -> SortedHashes<P> {
        self.merge();
        self.pending = Vec::new();
        self.keys.shrink_to_fit();
        self.payload.shrink_to_fit();
        let n = self.keys.len();
        // Two to four keys per directory entry.
        let bits = (usize::BITS - (n / 4).leading_zeros()).clamp(1, 32);
        let shift = 64 - bits;
        let dir = match u32::try_from(n) {
            Ok(_) => {
                let mut dir = Vec::with_capacity((1usize << bits) + 1);
                let mut i = 0usize;
                for b in 0..=(1u64 << bits) {
                    while i < n && (self.keys[i] >> shift) < b {
                        i += 1;
                    }
                    dir.push(i as u32);
                }
                dir
            }
            Err(_) => Vec::new(),
        };
        let mut filter = Vec::new();
        if filtered && n > 0 {
            // 12 bits a key.
            filter = vec![0u64; n.div_ceil(64) * 12];
            for &k in &self.keys {
                let (word, bits) = filter_bits(k, filter.len());
                filter[word] |= bits;
            }
        }
        SortedHashes {
            keys: self.keys,
            payload: self.payload,
            dir,
            shift,
            filter,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(x: u64) -> u64 {
        let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn counts_repeats_and_finds_every_key_across_merges() {
        let mut b: Builder<u32> = Builder::new(|a, b| *a = a.saturating_add(b));
        let mut batch = Vec::new();
        // 300k keys, every third one twice: several merges.
        for i in 0..300_000u64 {
            batch.push((mix(i), 1));
            if i % 3 == 0 {
                batch.push((mix(i), 1));
            }
            if batch.len() > 5000 {
                b.extend(&mut batch);
            }
        }
        b.extend(&mut batch);
        let set = b.finish(true);
        assert_eq!(set.len(), 300_000);
        for i in 0..300_000u64 {
            let want = if i % 3 == 0 { 2 } else { 1 };
            assert_eq!(set.get(mix(i)), Some(&want), "key {i}");
        }
        for i in 300_000..310_000u64 {
            assert!(!set.contains(mix(i)));
        }
        assert!(set.bytes() < 300_000 * 16);
        // The filter answers most misses alone.
        let passed = (1_000_000..1_100_000u64)
            .filter(|&i| set.may_hold(mix(i)))
            .count();
        assert!(passed < 3000, "{passed} of 100000 misses passed the filter");
    }

    #[test]
    fn finds_keys_that_agree_on_the_high_bits() {
        let mut b: Builder<()> = Builder::new(|_, _| {});
        let base = mix(7) & !0xffff;
        let mut batch = vec![
            (base | 12, ()),
            (base | 40, ()),
            (mix(8), ()),
            (base | 12, ()),
        ];
        b.extend(&mut batch);
        let set = b.finish(true);
        let lens: Vec<u64> = set.agreeing(base | 5, 16).map(|k| k & 0xffff).collect();
        assert_eq!(lens, vec![12, 40]);
        assert_eq!(set.agreeing(mix(9), 16).count(), 0);
    }

    #[test]
    fn an_empty_set_finds_nothing() {
        let set = Builder::<()>::new(|_, _| {}).finish(true);
        assert!(set.is_empty());
        assert!(!set.contains(0));
        assert!(!set.contains(u64::MAX));
    }
}
