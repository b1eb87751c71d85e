//! The COPY row format: splitting a byte stream into rows and rows into
//! fields, and decoding/encoding the fields that are masked. Fields that
//! are kept are never decoded. Knows nothing of rules or databases.
//!
//! The format is chosen in one place ([`Format`]); text is the format of
//! this version. A binary codec plugs in behind the same [`RowTransform`].

pub mod text;
pub mod transform;

pub use transform::{FieldOp, RowTransform, TransformError};

/// The COPY format used both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// PostgreSQL's text format: tab-separated, backslash escapes, `\N` for NULL.
    #[default]
    Text,
}

impl Format {
    /// The `WITH (…)` options of a COPY statement in this format.
    pub fn copy_options(self) -> &'static str {
        match self {
            Format::Text => "FORMAT text",
        }
    }
}
