//! A large leaf job cut into ranges of heap blocks (ctid ranges), so that
//! several jobs read one table at once in the same snapshot. Only the
//! reading is split: the pipeline loads all ranges of a table through one
//! target COPY. No I/O.

use super::LeafJob;

/// Tables larger than this (heap + TOAST) are split by default; each range
/// is about this large.
pub const SPLIT_ABOVE: u64 = 64 << 20;

/// Ranges per table at most.
const MAX_RANGES: u64 = 256;

/// One part of a table: the rows whose ctid lies in heap blocks
/// `[from, to)`. The first range has no lower bound and the last no upper
/// one, so together they hold every row, whatever the table grew to since
/// its size was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRange {
    /// Its place among the table's ranges (0-based).
    pub index: usize,
    /// The table's number of ranges.
    pub of: usize,
    /// First block, when bounded below.
    pub from: Option<u64>,
    /// The block after the last, when bounded above.
    pub to: Option<u64>,
}

impl BlockRange {
    /// The range as a SQL predicate on `ctid` (a TID range scan from
    /// PostgreSQL 14 on).
    pub fn predicate(&self) -> String {
        let from = self
            .from
            .map(|b| format!("ctid >= '({b},0)'::pg_catalog.tid"));
        let to = self.to.map(|b| format!("ctid < '({b},0)'::pg_catalog.tid"));
        let parts: Vec<String> = from.into_iter().chain(to).collect();
        match parts.is_empty() {
            true => "true".into(),
            false => parts.join(" AND "),
        }
    }

    /// For plans and logs: `range 2 of 8 (blocks 1200..2400)`.
    pub fn describe(&self) -> String {
        let blocks = match (self.from, self.to) {
            (None, Some(t)) => format!("blocks ..{t}"),
            (Some(f), None) => format!("blocks {f}.."),
            (Some(f), Some(t)) => format!("blocks {f}..{t}"),
            (None, None) => "every block".into(),
        };
        format!("range {} of {} ({blocks})", self.index + 1, self.of)
    }
}

/// The ranges `job` is read as when it is larger than `above` bytes (0:
/// never split): ranges of about `above` bytes each, as many as the size
/// gives (at least 2). Empty when the job is not split (small, too few
/// blocks, or already a range).
pub fn split(job: &LeafJob, above: u64) -> Vec<LeafJob> {
    if above == 0 || job.bytes <= above || job.range.is_some() || job.pages < 2 {
        return Vec::new();
    }
    let n = job
        .bytes
        .div_ceil(above)
        .clamp(2, MAX_RANGES)
        .min(job.pages);
    (0..n)
        .map(|i| {
            let bound = |k: u64| job.pages * k / n;
            let mut part = job.clone();
            part.range = Some(BlockRange {
                index: i as usize,
                of: n as usize,
                from: (i > 0).then(|| bound(i)),
                to: (i + 1 < n).then(|| bound(i + 1)),
            });
            part.estimate_rows = job.estimate_rows / n + u64::from(i < job.estimate_rows % n);
            part.bytes = job.bytes / n;
            part
        })
        .collect()
}

/// A size as `--split-above` takes it: bytes, or a number with kB, MB, GB
/// (powers of 1024, case-insensitive); `0` never splits.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a size: write e.g. 64MB, 1GB or 0"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1 << 10,
        "mb" | "m" => 1 << 20,
        "gb" | "g" => 1 << 30,
        other => return Err(format!("'{other}' is not a unit of size: use kB, MB or GB")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("'{text}' is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::QualifiedName;

    fn job(bytes: u64, pages: u64) -> LeafJob {
        LeafJob {
            table: QualifiedName::new("public", "t"),
            rule_table: QualifiedName::new("public", "t"),
            columns: vec!["a".into()],
            select: vec!["a".into()],
            fields: vec![super::super::FieldAction::Keep],
            filter: None,
            estimate_rows: 1001,
            bytes,
            pages,
            range: None,
            wire: vec![None],
            text_only: None,
        }
    }

    #[test]
    fn ranges_cover_every_block_once() {
        let parts = split(&job(300 << 20, 38_400), 64 << 20);
        assert_eq!(parts.len(), 5);
        let ranges: Vec<BlockRange> = parts.iter().filter_map(|p| p.range).collect();
        assert_eq!(ranges[0].from, None);
        assert_eq!(ranges[4].to, None);
        for w in ranges.windows(2) {
            assert_eq!(w[0].to, w[1].from);
            assert!(w[0].to.is_some());
        }
        assert_eq!(parts.iter().map(|p| p.estimate_rows).sum::<u64>(), 1001);
        assert_eq!(
            ranges[1].predicate(),
            "ctid >= '(7680,0)'::pg_catalog.tid AND ctid < '(15360,0)'::pg_catalog.tid"
        );
        assert!(parts.iter().all(|p| p.needs_select()));
    }

    #[test]
    fn small_tables_and_zero_are_not_split() {
        assert!(split(&job(64 << 20, 8192), 64 << 20).is_empty());
        assert!(split(&job(1 << 30, 131_072), 0).is_empty());
        assert!(split(&job(1 << 30, 1), 1 << 20).is_empty());
        assert_eq!(split(&job(1 << 30, 3), 1 << 20).len(), 3);
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("64MB"), Ok(64 << 20));
        assert_eq!(parse_size("1 gb"), Ok(1 << 30));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3TB").is_err());
    }
}
