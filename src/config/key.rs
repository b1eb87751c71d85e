//! Resolving the masking key from the rules (`key:` or `key_file:`), or a
//! throwaway random key when asked for one.

use std::path::Path;

use super::{expand_env, Diagnostic, Loc, RulesFile};
use crate::mask::MaskKey;

/// Shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// The key the rules give, `None` when they give none. `random` replaces it
/// with a fresh random key.
pub fn resolve_key(
    path: &Path,
    file: &RulesFile,
    env: &dyn Fn(&str) -> Option<String>,
    random: bool,
) -> Result<Option<MaskKey>, Diagnostic> {
    if random {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| Diagnostic::at(None, format!("cannot draw a random key: {e}")))?;
        return Ok(Some(MaskKey::new(&bytes)));
    }
    let secret = match (&file.key, &file.key_file) {
        (Some(k), Some(_)) => {
            return Err(Diagnostic::at(
                Loc::of(path, k),
                "both key and key_file are set: keep one",
            ))
        }
        (Some(k), None) => Some((expand_env(path, k, env)?, Loc::of(path, k), "key")),
        (None, Some(f)) => {
            let file_path = expand_env(path, f, env)?;
            let text = std::fs::read_to_string(&file_path).map_err(|e| {
                Diagnostic::at(
                    Loc::of(path, f),
                    format!("cannot read key_file {file_path}: {e}"),
                )
            })?;
            Some((
                text.trim_end_matches(['\n', '\r']).to_string(),
                Loc::of(path, f),
                "key_file",
            ))
        }
        (None, None) => None,
    };
    match secret {
        None => Ok(None),
        Some((s, loc, what)) if s.len() < MIN_KEY_BYTES => Err(Diagnostic::at(
            loc,
            format!(
                "the {what} is {} bytes long; use at least {MIN_KEY_BYTES} random bytes (e.g. `openssl rand -hex 32`)",
                s.len()
            ),
        )),
        Some((s, _, _)) => Ok(Some(MaskKey::new(s.as_bytes()))),
    }
}
