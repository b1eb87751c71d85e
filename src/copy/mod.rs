//! The COPY row formats: splitting a byte stream into rows and rows into
//! fields, and decoding/encoding the fields that are masked. Fields that
//! are kept are never decoded. Knows nothing of rules or databases.
//!
//! Two formats ([`Format`]): text (`text.rs`, [`RowTransform`]) and binary
//! (`binary.rs`, [`BinaryTransform`], with the types' binary forms in
//! `wire/`). [`StreamTransform`] is either, behind one interface.

pub mod binary;
pub mod parallel;
pub mod text;
pub mod transform;
pub mod wire;

use bytes::BytesMut;

pub use binary::BinaryTransform;
pub use parallel::{BatchFormat, MaskPool, Ordered};
pub use transform::{FieldOp, RowTransform, TransformError};
pub use wire::WireType;

/// The COPY format used both ways for one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// PostgreSQL's text format: tab-separated, backslash escapes, `\N` for NULL.
    #[default]
    Text,
    /// PostgreSQL's binary format: each value in its type's send/receive form.
    Binary,
}

impl Format {
    /// What a target stream in this format starts and ends with, whatever
    /// its rows: binary's header and trailer (text has neither).
    pub fn frame(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Format::Text => (b"", b""),
            Format::Binary => (binary::HEADER, binary::TRAILER),
        }
    }

    /// The `WITH (…)` options of a COPY statement in this format.
    pub fn copy_options(self) -> &'static str {
        match self {
            Format::Text => "FORMAT text",
            Format::Binary => "FORMAT binary",
        }
    }

    /// `text` or `binary`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Binary => "binary",
        }
    }
}

/// The format a run asks for (`--copy-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormatChoice {
    /// Binary for every table that can be copied in binary, text for the others.
    #[default]
    Auto,
    /// Text for every table.
    Text,
    /// Binary where possible, as `Auto`; a table that cannot be copied in
    /// binary is copied in text (the plan says why).
    Binary,
}

/// A table's row transformation in its format.
#[derive(Clone)]
pub enum StreamTransform {
    /// Text rows.
    Text(RowTransform),
    /// Binary rows.
    Binary(BinaryTransform),
}

impl StreamTransform {
    /// The transform for `format`: rows of `source_fields` fields whose
    /// first ones are the output columns `names` with `ops`; `types` gives
    /// each output column's binary form (used in binary where masked).
    pub fn new(
        format: Format,
        names: Vec<String>,
        ops: Vec<FieldOp>,
        types: Vec<Option<WireType>>,
        source_fields: usize,
    ) -> StreamTransform {
        match format {
            Format::Text => {
                StreamTransform::Text(RowTransform::with_source_fields(names, ops, source_fields))
            }
            Format::Binary => {
                StreamTransform::Binary(BinaryTransform::new(names, ops, types, source_fields))
            }
        }
    }

    /// The same transform writing rows only: a binary stream without its
    /// header and trailer, for one range of a table whose ranges share one
    /// COPY (text has neither).
    pub fn unframed(self) -> StreamTransform {
        match self {
            StreamTransform::Binary(t) => StreamTransform::Binary(t.unframed()),
            text => text,
        }
    }

    /// The length of the target's complete rows at the start of `buf`,
    /// where a stream may be cut for ranges sharing one COPY: any length
    /// for a framed binary stream, which is loaded alone.
    pub fn output_rows(&self, buf: &[u8]) -> usize {
        match self {
            StreamTransform::Text(t) => t.complete_rows(buf).0,
            StreamTransform::Binary(t) if t.framed() => buf.len(),
            StreamTransform::Binary(t) => t.complete_rows(buf).0,
        }
    }

    /// Feed one chunk of the source stream; append the target stream to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut BytesMut) -> Result<(), TransformError> {
        match self {
            StreamTransform::Text(t) => t.push(chunk, out),
            StreamTransform::Binary(t) => t.push(chunk, out),
        }
    }

    /// The stream ended: there must be no partial row left.
    pub fn finish(&mut self) -> Result<(), TransformError> {
        match self {
            StreamTransform::Text(t) => t.finish(),
            StreamTransform::Binary(t) => t.finish(),
        }
    }

    /// Rows completed so far.
    pub fn rows(&self) -> u64 {
        match self {
            StreamTransform::Text(t) => t.rows(),
            StreamTransform::Binary(t) => t.rows(),
        }
    }
}
