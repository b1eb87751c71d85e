//! Finding scrub's spans in one pass, in order, holding only the candidates
//! near the current position: memory does not grow with the number of
//! findings in a text.
//!
//! Each pattern of each kind, in [`PRIORITY`] order, is a *level* that
//! yields validated candidates in order (never overlapping each other). A
//! candidate is taken when no taken candidate of an earlier level overlaps
//! it, which is what searching level by level over the whole text and
//! skipping overlaps gives; here each level's search advances lazily,
//! only as far as the candidates being decided reach.

use std::collections::VecDeque;

use super::{ScrubKind, PRIORITY};

/// One candidate: its span and, once known, whether it is taken.
type Candidate = (usize, usize, Option<bool>);

/// One level's candidates, lazily.
type Level<'a> = Box<dyn Iterator<Item = (usize, usize)> + 'a>;

/// The spans `kinds` find in `input` (start, end, kind), without overlaps,
/// in order; where two overlap the kind earlier in [`PRIORITY`] wins.
pub struct Finder<'a> {
    levels: Vec<(ScrubKind, Level<'a>)>,
    /// Per level, the candidates read from its search and not yet passed.
    queue: Vec<VecDeque<Candidate>>,
    /// The end of the last span taken.
    taken_end: usize,
}

impl<'a> Finder<'a> {
    /// Find `kinds` in `input`.
    pub fn new(kinds: &[ScrubKind], input: &'a str) -> Finder<'a> {
        let mut levels: Vec<(ScrubKind, Level<'a>)> = Vec::new();
        for kind in PRIORITY.into_iter().filter(|k| kinds.contains(k)) {
            for re in kind.regexes() {
                let found = re.find_iter(input).filter_map(move |m| {
                    if m.start() == m.end() {
                        return None;
                    }
                    let end = kind.validate(input, m.start(), m.end())?;
                    Some((m.start(), end))
                });
                // Fused: a finished search is not run again.
                levels.push((kind, Box::new(found.fuse())));
            }
        }
        let queue = levels.iter().map(|_| VecDeque::new()).collect();
        Finder {
            levels,
            queue,
            taken_end: 0,
        }
    }

    /// Read level `i` until it holds every candidate starting before `end`.
    fn fill(&mut self, i: usize, end: usize) {
        while self.queue[i].back().is_none_or(|c| c.0 < end) {
            match self.levels[i].1.next() {
                Some((s, e)) => self.queue[i].push_back((s, e, None)),
                None => return,
            }
        }
    }

    /// Whether candidate `k` of level `j` is taken: no taken candidate of
    /// an earlier level overlaps it.
    fn taken(&mut self, j: usize, k: usize) -> bool {
        let (s, e, known) = self.queue[j][k];
        if let Some(t) = known {
            return t;
        }
        // A span already passed that reaches into this one was taken first.
        let mut take = self.taken_end <= s;
        for i in 0..j {
            if !take {
                break;
            }
            self.fill(i, e);
            let mut m = 0;
            while m < self.queue[i].len() && self.queue[i][m].0 < e {
                if self.queue[i][m].1 > s && self.taken(i, m) {
                    take = false;
                    break;
                }
                m += 1;
            }
        }
        self.queue[j][k].2 = Some(take);
        take
    }
}

impl Iterator for Finder<'_> {
    type Item = (usize, usize, ScrubKind);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            // The next candidate in the text, the earlier level first.
            let mut next: Option<(usize, usize)> = None;
            for i in 0..self.levels.len() {
                if self.queue[i].is_empty() {
                    self.fill(i, 0);
                }
                if let Some(c) = self.queue[i].front() {
                    if next.is_none_or(|(_, s)| c.0 < s) {
                        next = Some((i, c.0));
                    }
                }
            }
            let (j, _) = next?;
            let take = self.taken(j, 0);
            let (s, e, _) = self.queue[j].pop_front()?;
            if take {
                self.taken_end = e;
                return Some((s, e, self.levels[j].0));
            }
        }
    }
}
