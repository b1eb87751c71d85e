//! The keyed hash functions `verify` shares between the source and the
//! target side: of a whole value, of a value in one row, and the rolling
//! hash of a window of bytes for the substring search.
//!
//! The hashes are SipHash-1-3 with a key drawn for this process
//! (`RandomState`), over the value's bytes with ASCII letters lower-cased,
//! so a value with another case is found too. A 64-bit collision between
//! two different values is ~n/2^64 per look-up: never seen in practice.

use std::hash::{BuildHasher, Hasher as _};

/// The keyed hash functions.
pub struct Hashes {
    state: std::collections::hash_map::RandomState,
    base: u64,
    /// Bytes in a substring window: `min_length`.
    pub window: usize,
    pow: u64,
}

impl Hashes {
    /// Hash functions with a fresh key, for windows of `window` bytes.
    pub fn new(window: usize) -> Hashes {
        let state = std::collections::hash_map::RandomState::new();
        let base = state.hash_one(0x5eed_u64) | 1;
        let window = window.max(1);
        let pow = (1..window).fold(1u64, |p, _| p.wrapping_mul(base));
        Hashes {
            state,
            base,
            window,
            pow,
        }
    }

    fn feed_folded(h: &mut impl std::hash::Hasher, v: &[u8]) {
        let mut buf = [0u8; 64];
        for chunk in v.chunks(64) {
            for (d, s) in buf.iter_mut().zip(chunk) {
                *d = s.to_ascii_lowercase();
            }
            h.write(&buf[..chunk.len()]);
        }
    }

    /// The hash of a whole value.
    pub fn value(&self, v: &[u8]) -> u64 {
        let mut h = self.state.build_hasher();
        h.write_u8(0);
        Self::feed_folded(&mut h, v);
        h.finish()
    }

    /// The hash of a value in one row of a table (`key`: the row's primary
    /// key fields as COPY text writes them).
    pub fn in_row(&self, table: &str, key: &[u8], v: &[u8]) -> u64 {
        let mut h = self.state.build_hasher();
        h.write_u8(1);
        h.write(table.as_bytes());
        h.write_u8(0xff);
        h.write(key);
        h.write_u8(0xff);
        Self::feed_folded(&mut h, v);
        h.finish()
    }

    /// The rolling hash of `window` bytes.
    pub fn window_of(&self, w: &[u8]) -> u64 {
        w.iter().fold(0u64, |h, b| {
            h.wrapping_mul(self.base)
                .wrapping_add(u64::from(b.to_ascii_lowercase()))
        })
    }

    /// The rolling hash moved one byte on: `out` leaves, `inn` enters.
    pub fn roll(&self, h: u64, out: u8, inn: u8) -> u64 {
        h.wrapping_sub(u64::from(out.to_ascii_lowercase()).wrapping_mul(self.pow))
            .wrapping_mul(self.base)
            .wrapping_add(u64::from(inn.to_ascii_lowercase()))
    }

    /// A rolling hash spread over all 64 bits (a bijection: the low bits of
    /// a polynomial hash modulo 2^64 are weak, and the sets index by the
    /// high ones).
    pub fn spread(h: u64) -> u64 {
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Characters in UTF-8 bytes.
pub fn chars(v: &[u8]) -> usize {
    v.iter().filter(|&&b| (b & 0xc0) != 0x80).count()
}
