//! Maskers (interim: replaced by the full keyed implementation).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Key.
#[derive(Clone)]
pub struct MaskKey(Vec<u8>);
impl std::fmt::Debug for MaskKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MaskKey(..)")
    }
}
impl MaskKey {
    /// New.
    pub fn new(secret: &[u8]) -> MaskKey {
        MaskKey(secret.to_vec())
    }
    /// Fingerprint.
    pub fn fingerprint(&self) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length");
        m.update(b"fingerprint");
        let b = m.finalize().into_bytes();
        format!("hmac-sha256:{}", crate::config::hex_str(&b[..8]))
    }
}
/// Locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// English.
    En,
}
/// Fake kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeKind {
    /// x
    Name,
    /// x
    FirstName,
    /// x
    LastName,
    /// x
    Email,
    /// x
    Phone,
    /// x
    Company,
    /// x
    Street,
    /// x
    City,
}
/// Token formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFormat {
    /// x
    Hex,
    /// x
    Uuid,
    /// x
    Integer,
    /// x
    Preserve,
}
/// Shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueShape {
    /// x
    Text {
        /// x
        max_chars: Option<usize>,
    },
    /// x
    Int16,
    /// x
    Int32,
    /// x
    Int64,
    /// x
    Uuid,
    /// x
    Other(String),
}
/// Specs.
#[derive(Debug, Clone)]
pub enum MaskSpec {
    /// x
    Null,
    /// x
    Value(String),
    /// x
    Tokenize {
        /// x
        format: TokenFormat,
        /// x
        length: Option<usize>,
        /// x
        prefix: Option<String>,
        /// x
        domain: Option<String>,
    },
    /// x
    Fake {
        /// x
        kind: FakeKind,
        /// x
        locale: Locale,
        /// x
        domain: Option<String>,
    },
}
/// Masker.
#[derive(Debug, Clone)]
pub struct Masker(MaskSpec);
/// Build error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MaskBuildError(String);
/// Apply error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MaskError(String);
impl Masker {
    /// New.
    pub fn new(
        spec: &MaskSpec,
        _key: &MaskKey,
        _shape: &ValueShape,
    ) -> Result<Masker, MaskBuildError> {
        Ok(Masker(spec.clone()))
    }
    /// Apply.
    pub fn apply(&self, input: &str, out: &mut String) -> Result<bool, MaskError> {
        match &self.0 {
            MaskSpec::Null => Ok(false),
            MaskSpec::Value(v) => {
                out.push_str(v);
                Ok(true)
            }
            _ => {
                out.push_str(&input.chars().rev().collect::<String>());
                Ok(true)
            }
        }
    }
    /// Describe.
    pub fn describe(&self) -> String {
        format!("{:?}", self.0)
    }
    /// Keyed.
    pub fn is_keyed(&self) -> bool {
        matches!(self.0, MaskSpec::Tokenize { .. } | MaskSpec::Fake { .. })
    }
}
