//! PostgreSQL's binary COPY format, source stream to target stream: an
//! 11-byte signature, a flags word and a header extension; then per row a
//! 16-bit field count and per field a 32-bit length (-1 for NULL) and the
//! value's bytes; then a count of -1. Kept fields are copied as bytes (a
//! table whose fields are all kept is copied as it comes, only counted);
//! masked fields are decoded to their text form ([`WireType`]), masked,
//! and encoded back. Rows may arrive split across chunks.

use bytes::{BufMut, BytesMut};

use super::transform::{release, FieldOp, TransformError, RETAIN};
use super::wire::WireType;

/// The signature every binary COPY stream starts with.
pub const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
/// The header doppel writes: the signature, no flags, no extension.
pub const HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The trailer: a field count of -1.
pub const TRAILER: &[u8; 2] = b"\xff\xff";

/// Where the stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Rows,
    Done,
}

/// What the next unit of the stream needs.
enum Scan {
    /// The unit is complete and this long.
    Complete(usize),
    /// At least this many more bytes are needed.
    Need(usize),
}

/// Per-table state of the binary row transformation. Apart from the row
/// counter (for error messages), where the stream is and scratch buffers it
/// holds no state between rows, so runs of rows can be transformed by
/// clones on several threads ([`super::parallel`]).
#[derive(Clone)]
pub struct BinaryTransform {
    ops: Vec<FieldOp>,
    names: Vec<String>,
    types: Vec<Option<WireType>>,
    source_fields: usize,
    passthrough: bool,
    /// Whether the output has a header and a trailer (not for one range
    /// of a table whose ranges share one COPY).
    framed: bool,
    state: State,
    carry: Vec<u8>,
    rows: u64,
    /// Per source field of the row: its bytes' span, `None` for NULL.
    spans: Vec<Option<(usize, usize)>>,
    text: String,
    masked: String,
    whole: String,
    encoded: Vec<u8>,
}

impl BinaryTransform {
    /// A transform for rows of `source_fields` fields whose first ones are
    /// the output columns `names` with `ops`; `types` gives each output
    /// column's binary form (needed where it is masked).
    pub fn new(
        names: Vec<String>,
        ops: Vec<FieldOp>,
        types: Vec<Option<WireType>>,
        source_fields: usize,
    ) -> BinaryTransform {
        let passthrough =
            source_fields == ops.len() && ops.iter().all(|o| matches!(o, FieldOp::Keep));
        BinaryTransform {
            ops,
            names,
            types,
            source_fields,
            passthrough,
            framed: true,
            state: State::Header,
            carry: Vec::new(),
            rows: 0,
            spans: Vec::new(),
            text: String::new(),
            masked: String::new(),
            whole: String::new(),
            encoded: Vec::new(),
        }
    }

    /// The same transform writing rows only, without the header and the
    /// trailer (the stream read must still have them).
    pub fn unframed(mut self) -> BinaryTransform {
        self.framed = false;
        self
    }

    /// Whether the output has a header and a trailer.
    pub fn framed(&self) -> bool {
        self.framed
    }

    /// Rows completed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The length of the complete rows at the start of `buf` (a stream
    /// without its header), and how many rows that is; the trailer is not
    /// a row.
    pub fn complete_rows(&self, buf: &[u8]) -> (usize, u64) {
        let (mut at, mut count) = (0, 0);
        while let Scan::Complete(len) = scan_row(&buf[at..]) {
            if buf[at..].starts_with(TRAILER) {
                break;
            }
            at += len;
            count += 1;
        }
        (at, count)
    }

    /// The length of the stream's header at the start of `buf` (`None`:
    /// more bytes are needed), checked; the target's header is appended to
    /// `out` when the output is framed.
    pub fn header(&self, buf: &[u8], out: &mut BytesMut) -> Result<Option<usize>, TransformError> {
        let len = match scan_header(buf)? {
            Scan::Complete(len) => len,
            Scan::Need(_) => return Ok(None),
        };
        self.check_header(&buf[..len], out)?;
        Ok(Some(len))
    }

    /// Transform `rows` (complete rows, as [`BinaryTransform::complete_rows`]
    /// cuts them), the first of which is row `first_row` (1-based) of the
    /// stream; append the target's rows to `out`. Independent of what was
    /// pushed before.
    pub fn transform_rows(
        &mut self,
        rows: &[u8],
        first_row: u64,
        out: &mut BytesMut,
    ) -> Result<(), TransformError> {
        self.carry.clear();
        self.state = State::Rows;
        self.rows = first_row.saturating_sub(1);
        let mut at = 0;
        while at < rows.len() {
            match scan_row(&rows[at..]) {
                Scan::Complete(len) => {
                    self.tuple(&rows[at..at + len], out)?;
                    at += len;
                }
                Scan::Need(_) => return Err(TransformError::Truncated),
            }
        }
        Ok(())
    }

    /// The end of a stream whose rows were cut off: `rest` is what followed
    /// the last complete row, which must be the trailer; the target's
    /// trailer is appended to `out` when the output is framed.
    pub fn trailer(&self, rest: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        if rest == TRAILER {
            if self.framed {
                out.extend_from_slice(TRAILER);
            }
            Ok(())
        } else if rest.starts_with(TRAILER) {
            Err(bad_stream("data after the end"))
        } else {
            Err(TransformError::Truncated)
        }
    }

    /// Feed one chunk of the source stream; append the target stream to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        let mut rest = chunk;
        // Complete the unit a previous chunk began, taking only its bytes.
        while !self.carry.is_empty() {
            match self.scan(&self.carry)? {
                Scan::Need(n) => {
                    let take = n.min(rest.len());
                    self.carry.extend_from_slice(&rest[..take]);
                    rest = &rest[take..];
                    if take < n {
                        return Ok(());
                    }
                }
                Scan::Complete(_) => {
                    let unit = std::mem::take(&mut self.carry);
                    self.unit(&unit, out)?;
                    self.carry = unit;
                    release(&mut self.carry);
                }
            }
        }
        let mut at = 0;
        while at < rest.len() {
            match self.scan(&rest[at..])? {
                Scan::Complete(len) => {
                    self.unit(&rest[at..at + len], out)?;
                    at += len;
                }
                Scan::Need(_) => break,
            }
        }
        self.carry.extend_from_slice(&rest[at..]);
        Ok(())
    }

    /// The stream ended: it must have ended with its trailer.
    pub fn finish(&mut self) -> Result<(), TransformError> {
        match (self.state, self.carry.is_empty()) {
            (State::Done, true) => Ok(()),
            _ => Err(TransformError::Truncated),
        }
    }

    /// How long the unit at the start of `buf` is (the header, a row or the
    /// trailer), or how many more bytes it needs at least.
    fn scan(&self, buf: &[u8]) -> Result<Scan, TransformError> {
        match self.state {
            State::Header => scan_header(buf),
            State::Rows => Ok(scan_row(buf)),
            State::Done => Err(bad_stream("data after the end")),
        }
    }

    /// Handle one complete unit.
    fn unit(&mut self, unit: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        match self.state {
            State::Header => {
                self.check_header(unit, out)?;
                self.state = State::Rows;
            }
            State::Rows if unit == TRAILER => {
                if self.framed {
                    out.extend_from_slice(TRAILER);
                }
                self.state = State::Done;
            }
            State::Rows => self.tuple(unit, out)?,
            State::Done => return Err(bad_stream("data after the end")),
        }
        Ok(())
    }

    /// Check the source's header; append doppel's when the output is framed.
    fn check_header(&self, header: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        if &header[..11] != SIGNATURE {
            return Err(bad_stream("signature"));
        }
        // Bit 16 says rows carry OIDs; bits 0-15 are flags a reader must
        // understand. doppel asks for neither.
        if be_i32(&header[11..15]) & 0x0001_ffff != 0 {
            return Err(bad_stream("header flags"));
        }
        if self.framed {
            out.extend_from_slice(HEADER);
        }
        Ok(())
    }

    /// Transform one complete row (not the trailer).
    fn tuple(&mut self, unit: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        self.rows += 1;
        if self.passthrough && be_i16(unit) as usize == self.source_fields {
            out.extend_from_slice(unit);
            Ok(())
        } else {
            self.row(unit, out)
        }
    }

    fn row(&mut self, row: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        let ops = std::mem::take(&mut self.ops);
        let done = self.fields(&ops, row, out);
        self.ops = ops;
        done
    }

    fn fields(
        &mut self,
        ops: &[FieldOp],
        row: &[u8],
        out: &mut BytesMut,
    ) -> Result<(), TransformError> {
        let count = be_i16(row);
        if count < 0 || count as usize != self.source_fields {
            return Err(TransformError::FieldCount {
                row: self.rows,
                expected: self.source_fields,
                found: count.max(0) as usize,
            });
        }
        self.spans.clear();
        let mut pos = 2;
        for _ in 0..count {
            let len = be_i32(&row[pos..pos + 4]);
            pos += 4;
            if len < 0 {
                self.spans.push(None);
            } else {
                self.spans.push(Some((pos, pos + len as usize)));
                pos += len as usize;
            }
        }
        out.put_i16(ops.len() as i16);
        for (i, op) in ops.iter().enumerate() {
            let spans = &self.spans;
            let op = op.resolve(|f| spans[f].is_some_and(|(a, b)| row[a..b] == [1]));
            let span = match op {
                FieldOp::Take(src) => self.spans[*src],
                _ => self.spans[i],
            };
            let field = span.map(|(a, b)| &row[a..b]);
            match (op, field) {
                (FieldOp::Keep | FieldOp::Take(_), Some(f)) => put_field(f, out),
                (_, None) | (FieldOp::Null, _) => out.put_i32(-1),
                (FieldOp::Mask(m), Some(f)) => self.mask(i, m, f, out)?,
                (FieldOp::Template(_) | FieldOp::Choose { .. }, Some(_)) => {
                    return Err(TransformError::Mask {
                        row: self.rows,
                        column: self.names[i].clone(),
                        message: "templates are built in text COPY only".into(),
                    })
                }
            }
        }
        Ok(())
    }

    /// Decode, mask and encode field `i`'s value `raw`.
    fn mask(
        &mut self,
        i: usize,
        m: &crate::mask::Masker,
        raw: &[u8],
        out: &mut BytesMut,
    ) -> Result<(), TransformError> {
        let (row, column) = (self.rows, &self.names[i]);
        let Some(ty) = self.types.get(i).and_then(Option::as_ref) else {
            return Err(TransformError::Mask {
                row,
                column: column.clone(),
                message: "no binary form is known for the column's type".into(),
            });
        };
        self.text.clear();
        ty.decode(raw, &mut self.text)
            .map_err(|e| TransformError::Decode {
                row,
                column: column.clone(),
                type_name: ty.name(),
                message: e.0,
            })?;
        let at = out.len();
        out.put_i32(0);
        let mask_err = |e: crate::mask::MaskError| TransformError::Mask {
            row,
            column: column.clone(),
            message: e.to_string(),
        };
        // Text-like values are written as the masker hands them over (a
        // long scrubbed text in pieces); the others are encoded whole.
        let written = if let Some(prefix) = ty.text_prefix() {
            out.extend_from_slice(prefix);
            m.apply_in_pieces(&self.text, &mut self.masked, &mut |p| {
                out.extend_from_slice(p.as_bytes())
            })
            .map_err(mask_err)?
        } else {
            self.whole.clear();
            let whole = &mut self.whole;
            let written = m
                .apply_in_pieces(&self.text, &mut self.masked, &mut |p| whole.push_str(p))
                .map_err(mask_err)?;
            if written {
                self.encoded.clear();
                ty.encode(&self.whole, raw, &mut self.encoded)
                    .map_err(|e| TransformError::Encode {
                        row,
                        column: column.clone(),
                        type_name: ty.name(),
                        message: e.0,
                    })?;
                out.extend_from_slice(&self.encoded);
            }
            written
        };
        if written {
            let len = i32::try_from(out.len() - at - 4).map_err(|_| TransformError::Mask {
                row,
                column: column.clone(),
                message: "the masked value is larger than a field can be".into(),
            })?;
            out[at..at + 4].copy_from_slice(&len.to_be_bytes());
        } else {
            out.truncate(at);
            out.put_i32(-1);
        }
        for s in [&mut self.text, &mut self.masked, &mut self.whole] {
            if s.capacity() > RETAIN {
                *s = String::new();
            }
        }
        release(&mut self.encoded);
        Ok(())
    }
}

/// How long the header at the start of `buf` is, or how many more bytes
/// it needs at least.
fn scan_header(buf: &[u8]) -> Result<Scan, TransformError> {
    if buf.len() < HEADER.len() {
        return Ok(Scan::Need(HEADER.len() - buf.len()));
    }
    let ext = be_i32(&buf[15..19]);
    let len = HEADER.len() + usize::try_from(ext).map_err(|_| bad_stream("header"))?;
    match buf.len() < len {
        true => Ok(Scan::Need(len - buf.len())),
        false => Ok(Scan::Complete(len)),
    }
}

/// How long the row (or the trailer) at the start of `buf` is, or how
/// many more bytes it needs at least.
fn scan_row(buf: &[u8]) -> Scan {
    let need = |n: usize| Scan::Need(n - buf.len());
    if buf.len() < 2 {
        return need(2);
    }
    let count = be_i16(&buf[..2]);
    if count == -1 {
        return Scan::Complete(2);
    }
    let mut pos = 2;
    for _ in 0..count.max(0) {
        if buf.len() < pos + 4 {
            return need(pos + 4);
        }
        let len = be_i32(&buf[pos..pos + 4]);
        pos += 4;
        if len > 0 {
            pos += len as usize;
            if buf.len() < pos {
                return need(pos);
            }
        }
    }
    Scan::Complete(pos)
}

fn put_field(f: &[u8], out: &mut BytesMut) {
    out.put_i32(f.len() as i32);
    out.extend_from_slice(f);
}

fn be_i16(b: &[u8]) -> i16 {
    i16::from_be_bytes([b[0], b[1]])
}

fn be_i32(b: &[u8]) -> i32 {
    i32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn bad_stream(what: &str) -> TransformError {
    TransformError::Stream(format!(
        "the binary COPY stream from the source has an unexpected {what}"
    ))
}

#[cfg(test)]
#[path = "binary_tests.rs"]
pub(crate) mod tests;
