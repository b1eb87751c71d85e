//! Turning a COPY stream from the source into the COPY stream for the
//! target, row by row: kept fields are copied as bytes, masked fields are
//! decoded, masked and encoded. Rows may arrive split across chunks.

use bytes::BytesMut;

use super::text;

use crate::mask::{Masker, TemplatePart};

/// What happens to one field.
#[derive(Debug, Clone)]
pub enum FieldOp {
    /// The bytes pass through untouched.
    Keep,
    /// NULL whatever the value.
    Null,
    /// Decoded, masked, encoded; NULL stays NULL.
    Mask(Masker),
    /// The bytes of another field of the source row (a value the source computed).
    Take(usize),
    /// The first op whose flag field (a boolean the source computed) is true;
    /// `otherwise` when none is.
    Choose {
        /// Source fields holding the conditions, in order.
        flags: Vec<usize>,
        /// The op for each condition.
        ops: Vec<FieldOp>,
        /// The op when no condition holds.
        otherwise: Box<FieldOp>,
    },
    /// Text built from other output fields of the row (after their ops);
    /// a NULL field contributes nothing, and NULL stays NULL.
    Template(Vec<TemplatePart<usize>>),
}

impl FieldOp {
    /// Whether the op (or one of its choices) masks with a costly masker
    /// ([`Masker::is_costly`]).
    pub fn is_costly(&self) -> bool {
        match self {
            FieldOp::Mask(m) => m.is_costly(),
            FieldOp::Choose { ops, otherwise, .. } => {
                ops.iter().any(FieldOp::is_costly) || otherwise.is_costly()
            }
            _ => false,
        }
    }

    /// The op that applies to a row: a [`FieldOp::Choose`] gives the op of
    /// its first condition that `holds` (the source field is `t`), or its
    /// `otherwise`; any other op is itself.
    pub fn resolve(&self, holds: impl Fn(usize) -> bool) -> &FieldOp {
        let mut op = self;
        while let FieldOp::Choose {
            flags,
            ops,
            otherwise,
        } = op
        {
            op = match flags.iter().position(|&f| holds(f)) {
                Some(k) => &ops[k],
                None => otherwise,
            };
        }
        op
    }
}

/// A row that could not be transformed. Never carries the row's values.
#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    /// The row has another number of fields than columns were selected.
    #[error("row {row}: expected {expected} fields, found {found}")]
    FieldCount {
        /// 1-based row number in the stream.
        row: u64,
        /// Columns selected.
        expected: usize,
        /// Fields found.
        found: usize,
    },
    /// A masked value is not valid UTF-8.
    #[error("row {row}, column {column}: value is not valid UTF-8")]
    Utf8 {
        /// 1-based row number.
        row: u64,
        /// Column name.
        column: String,
    },
    /// The masker refused the value.
    #[error("row {row}, column {column}: {message}")]
    Mask {
        /// 1-based row number.
        row: u64,
        /// Column name.
        column: String,
        /// The masker's message.
        message: String,
    },
    /// The stream ended in the middle of a row.
    #[error("the COPY stream ended in the middle of a row")]
    Truncated,
    /// A value's binary form could not be read.
    #[error("row {row}, column {column}: cannot read the {type_name} value in binary ({message}); copy this table with --copy-format text")]
    Decode {
        /// 1-based row number.
        row: u64,
        /// Column name.
        column: String,
        /// The column's type.
        type_name: String,
        /// What is wrong (never the value).
        message: String,
    },
    /// A masked value could not be written in the column's binary form.
    #[error("row {row}, column {column}: the masked value is not a {type_name} doppel can write in binary ({message}); copy this table with --copy-format text")]
    Encode {
        /// 1-based row number.
        row: u64,
        /// Column name.
        column: String,
        /// The column's type.
        type_name: String,
        /// What is wrong (never the value).
        message: String,
    },
    /// The stream is not in the format asked for.
    #[error("{0}")]
    Stream(String),
    /// A masking thread ended without a result (a bug: please report it).
    #[error("a masking thread stopped: {0}")]
    Stopped(String),
}

/// Buffers kept between rows hold at most this much; a larger one (left
/// by a large value) is freed once its row is done, so memory follows the
/// largest row in flight, not the largest row seen.
pub(super) const RETAIN: usize = 1 << 20;

/// Empty `buf`, and free it if it grew beyond [`RETAIN`].
pub(super) fn release(buf: &mut Vec<u8>) {
    buf.clear();
    if buf.capacity() > RETAIN {
        *buf = Vec::new();
    }
}

/// Per-table state of the row transformation. Apart from the row counter
/// (for error messages) and scratch buffers it holds no state between rows:
/// every row's output depends only on the row, so runs of rows can be
/// transformed by clones on several threads ([`super::parallel`]).
#[derive(Clone)]
pub struct RowTransform {
    ops: Vec<FieldOp>,
    names: Vec<String>,
    source_fields: usize,
    spans: Vec<(usize, usize)>,
    passthrough: bool,
    carry: Vec<u8>,
    rows: u64,
    scratch: Vec<u8>,
    masked: String,
    /// With templates: the row's output fields, and their spans in it.
    row_out: BytesMut,
    out_spans: Vec<(usize, usize)>,
    has_template: bool,
}

impl RowTransform {
    /// A transform for rows whose fields are, in order, `names` with `ops`
    /// (the source row has exactly these fields).
    pub fn new(names: Vec<String>, ops: Vec<FieldOp>) -> RowTransform {
        let n = ops.len();
        RowTransform::with_source_fields(names, ops, n)
    }

    /// A transform whose source rows have `source_fields` fields: the first
    /// ones are the output columns, the rest values and conditions the
    /// source computed for [`FieldOp::Take`] and [`FieldOp::Choose`].
    pub fn with_source_fields(
        names: Vec<String>,
        ops: Vec<FieldOp>,
        source_fields: usize,
    ) -> RowTransform {
        let passthrough =
            source_fields == ops.len() && ops.iter().all(|o| matches!(o, FieldOp::Keep));
        let has_template = ops.iter().any(|o| matches!(o, FieldOp::Template(_)));
        RowTransform {
            ops,
            names,
            source_fields,
            spans: Vec::new(),
            passthrough,
            carry: Vec::new(),
            rows: 0,
            scratch: Vec::new(),
            masked: String::new(),
            row_out: BytesMut::new(),
            out_spans: Vec::new(),
            has_template,
        }
    }

    /// Rows completed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Feed one chunk of the source stream; append the target stream to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        let mut rest = chunk;
        if !self.carry.is_empty() {
            match memchr::memchr(b'\n', rest) {
                None => {
                    self.carry.extend_from_slice(rest);
                    return Ok(());
                }
                Some(i) => {
                    let mut row = std::mem::take(&mut self.carry);
                    row.extend_from_slice(&rest[..i]);
                    self.row(&row, out)?;
                    row.clear();
                    release(&mut row);
                    self.carry = row;
                    rest = &rest[i + 1..];
                }
            }
        }
        let complete = match memchr::memrchr(b'\n', rest) {
            Some(i) => i + 1,
            None => 0,
        };
        if self.passthrough {
            out.extend_from_slice(&rest[..complete]);
            self.rows += memchr::memchr_iter(b'\n', &rest[..complete]).count() as u64;
        } else {
            for row in rest[..complete].split_inclusive(|&b| b == b'\n') {
                self.row(&row[..row.len() - 1], out)?;
            }
        }
        self.carry.extend_from_slice(&rest[complete..]);
        Ok(())
    }

    /// The length of the complete rows at the start of `buf`, and how many
    /// rows that is (rows end with `\n`; one inside a value is escaped).
    pub fn complete_rows(&self, buf: &[u8]) -> (usize, u64) {
        match memchr::memrchr(b'\n', buf) {
            Some(i) => (i + 1, memchr::memchr_iter(b'\n', &buf[..=i]).count() as u64),
            None => (0, 0),
        }
    }

    /// Transform `rows`, complete rows only (the last ends with `\n`),
    /// whose first is row number `first_row` (1-based) of the stream;
    /// append the target's rows to `out`. Independent of what was pushed
    /// before.
    pub fn transform_rows(
        &mut self,
        rows: &[u8],
        first_row: u64,
        out: &mut BytesMut,
    ) -> Result<(), TransformError> {
        if !rows.is_empty() && rows.last() != Some(&b'\n') {
            return Err(TransformError::Truncated);
        }
        self.carry.clear();
        self.rows = first_row.saturating_sub(1);
        self.push(rows, out)
    }

    /// The stream ended: there must be no partial row left.
    pub fn finish(&mut self) -> Result<(), TransformError> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(TransformError::Truncated)
        }
    }

    fn row(&mut self, row: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        self.rows += 1;
        if self.passthrough {
            out.extend_from_slice(row);
            out.extend_from_slice(b"\n");
            return Ok(());
        }
        self.spans.clear();
        let mut start = 0;
        for i in memchr::memchr_iter(b'\t', row) {
            self.spans.push((start, i));
            start = i + 1;
        }
        self.spans.push((start, row.len()));
        if self.spans.len() != self.source_fields {
            return Err(TransformError::FieldCount {
                row: self.rows,
                expected: self.source_fields,
                found: self.spans.len(),
            });
        }
        // With templates, fields are written to `row_out` first and the row
        // is assembled once every field it refers to is known.
        let mut staged = std::mem::take(&mut self.row_out);
        staged.clear();
        self.out_spans.clear();
        let out_final = out;
        let out: &mut BytesMut = if self.has_template {
            &mut staged
        } else {
            &mut *out_final
        };
        for i in 0..self.ops.len() {
            if i > 0 && !self.has_template {
                out.extend_from_slice(b"\t");
            }
            let at = out.len();
            let spans = &self.spans;
            let op = self.ops[i].resolve(|f| {
                let (a, b) = spans[f];
                &row[a..b] == b"t"
            });
            let (a, b) = match op {
                FieldOp::Take(src) => self.spans[*src],
                _ => self.spans[i],
            };
            let field = &row[a..b];
            match op {
                FieldOp::Keep | FieldOp::Take(_) => out.extend_from_slice(field),
                FieldOp::Null => out.extend_from_slice(text::NULL),
                FieldOp::Mask(_) if field == text::NULL => out.extend_from_slice(text::NULL),
                FieldOp::Mask(m) => {
                    let raw: &[u8] = if memchr::memchr(b'\\', field).is_some() {
                        text::unescape(field, &mut self.scratch);
                        &self.scratch
                    } else {
                        field
                    };
                    let value = std::str::from_utf8(raw).map_err(|_| TransformError::Utf8 {
                        row: self.rows,
                        column: self.names[i].clone(),
                    })?;
                    // The masked text is encoded into the output as the
                    // masker hands it over (a long scrubbed text in pieces),
                    // so it is not held whole beside the row and the output.
                    let masked = m.apply_in_pieces(value, &mut self.masked, &mut |piece| {
                        text::escape(piece.as_bytes(), out)
                    });
                    release(&mut self.scratch);
                    if self.masked.capacity() > RETAIN {
                        self.masked = String::new();
                    }
                    match masked {
                        Ok(true) => {}
                        Ok(false) => out.extend_from_slice(text::NULL),
                        Err(e) => {
                            return Err(TransformError::Mask {
                                row: self.rows,
                                column: self.names[i].clone(),
                                message: e.to_string(),
                            })
                        }
                    }
                }
                FieldOp::Template(_) => {}
                FieldOp::Choose { .. } => unreachable!("resolved above"),
            }
            self.out_spans.push((at, out.len()));
        }
        if self.has_template {
            self.assemble(row, &staged, out_final);
            if staged.capacity() <= RETAIN {
                self.row_out = staged;
            }
        } else {
            out.extend_from_slice(b"\n");
        }
        Ok(())
    }

    /// Write the staged fields of a row with templates, filling them in.
    fn assemble(&mut self, row: &[u8], staged: &[u8], out: &mut BytesMut) {
        for (i, op) in self.ops.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b"\t");
            }
            let FieldOp::Template(parts) = op else {
                let (a, b) = self.out_spans[i];
                out.extend_from_slice(&staged[a..b]);
                continue;
            };
            let (a, b) = self.spans[i];
            if &row[a..b] == text::NULL {
                out.extend_from_slice(text::NULL);
                continue;
            }
            let mut value: Vec<u8> = Vec::new();
            for p in parts {
                match p {
                    TemplatePart::Text(t) => value.extend_from_slice(t.as_bytes()),
                    TemplatePart::Column(j) => {
                        let Some(&(a, b)) = self.out_spans.get(*j) else {
                            continue;
                        };
                        let field = &staged[a..b];
                        if field != text::NULL {
                            text::unescape(field, &mut self.scratch);
                            value.extend_from_slice(&self.scratch);
                        }
                    }
                }
            }
            release(&mut self.scratch);
            text::escape(&value, out);
        }
        out.extend_from_slice(b"\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_and_choose_use_fields_the_source_computed() {
        let ops = vec![
            FieldOp::Keep,
            FieldOp::Take(3),
            FieldOp::Choose {
                flags: vec![4],
                ops: vec![FieldOp::Keep],
                otherwise: Box::new(FieldOp::Null),
            },
        ];
        let names = vec!["a".into(), "b".into(), "c".into()];
        let mut t = RowTransform::with_source_fields(names, ops, 5);
        let mut out = BytesMut::new();
        t.push(
            b"1\tx\tkeep me\tcomputed\tt\n2\ty\tdrop me\tc2\tf\n3\tz\tw\tc3\t\\N\n",
            &mut out,
        )
        .unwrap();
        assert_eq!(&out[..], b"1\tcomputed\tkeep me\n2\tc2\t\\N\n3\tc3\t\\N\n");
        assert!(t.push(b"1\t2\n", &mut out).is_err());
    }
}
