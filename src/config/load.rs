//! Reading a rules file: YAML parsing with locations, `${ENV}` expansion,
//! and the diagnostics type that carries every problem with its place.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::{Location, Spanned};
use sha2::{Digest, Sha256};

use super::RulesFile;

/// A place in the rules file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// The rules file.
    pub path: PathBuf,
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1.
    pub column: u64,
}

impl Loc {
    /// The location of a spanned value in `path`, if the parser knew it.
    pub fn of<T>(path: &Path, spanned: &Spanned<T>) -> Option<Loc> {
        Loc::from_location(path, &spanned.referenced)
    }

    fn from_location(path: &Path, l: &Location) -> Option<Loc> {
        (l.line() > 0).then(|| Loc {
            path: path.to_path_buf(),
            line: l.line(),
            column: l.column(),
        })
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// One problem found in the rules, with its place when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where in the rules file.
    pub loc: Option<Loc>,
    /// What is wrong and what to do.
    pub message: String,
}

impl Diagnostic {
    /// A problem at a place.
    pub fn at(loc: Option<Loc>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            loc,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.loc {
            Some(l) => write!(f, "{l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Every problem found, reported at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Add one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Err(self)` when anything was found.
    pub fn into_result(self) -> Result<(), Diagnostics> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} problem{} in the rules:",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, d) in self.0.iter().enumerate() {
            if i + 1 < n {
                writeln!(f, "  {d}")?;
            } else {
                write!(f, "  {d}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// A parsed rules file with what the report needs to identify it.
#[derive(Debug)]
pub struct LoadedRules {
    /// Where it was read from.
    pub path: PathBuf,
    /// sha256 of the file's bytes, hex.
    pub sha256: String,
    /// The parsed rules.
    pub file: RulesFile,
}

/// Read and parse a rules file. YAML and shape errors come back with file:line:column.
pub fn load_rules(path: &Path) -> Result<LoadedRules, Diagnostics> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::at(
            None,
            format!("cannot read rules file {}: {e}", path.display()),
        )])
    })?;
    let sha256 = hex_str(&Sha256::digest(&bytes));
    let text = String::from_utf8(bytes).map_err(|e| {
        Diagnostics(vec![Diagnostic::at(
            None,
            format!("{}: not UTF-8 text: {e}", path.display()),
        )])
    })?;
    let file = parse_rules(path, &text)?;
    Ok(LoadedRules {
        path: path.to_path_buf(),
        sha256,
        file,
    })
}

/// Parse rules held in memory (e.g. bundled with the binary) as if read from `path`.
pub fn parse_loaded_rules(path: &Path, text: &str) -> Result<LoadedRules, Diagnostics> {
    let file = parse_rules(path, text)?;
    Ok(LoadedRules {
        path: path.to_path_buf(),
        sha256: hex_str(&Sha256::digest(text.as_bytes())),
        file,
    })
}

/// Parse rules text; `path` is only used in messages.
pub fn parse_rules(path: &Path, text: &str) -> Result<RulesFile, Diagnostics> {
    let file: RulesFile = serde_saphyr::from_str(text).map_err(|e| {
        let loc = e.location().and_then(|l| Loc::from_location(path, &l));
        Diagnostics(vec![Diagnostic::at(loc, yaml_message(&e))])
    })?;
    if file.version.value != 1 {
        return Err(Diagnostics(vec![Diagnostic::at(
            Loc::of(path, &file.version),
            format!(
                "unsupported rules version {}: this doppel reads version 1",
                file.version.value
            ),
        )]));
    }
    Ok(file)
}

/// The parser's message without its own location prefix or snippet (we print our own).
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let first = full.lines().next().unwrap_or(&full).trim();
    // The parser may end its first line with " at line N column M"; drop it.
    match first.find(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    }
}

/// Expand `${NAME}` from the environment in a rules string (`$${` writes a literal `${`).
/// An unset variable is an error naming it and the place it is used.
pub fn expand_env(
    path: &Path,
    s: &Spanned<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Diagnostic> {
    let text = &s.value;
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let Some(end) = tail.find('}') else {
                return Err(Diagnostic::at(
                    Loc::of(path, s),
                    "unterminated `${`: write ${NAME}, or $${ for a literal `${`",
                ));
            };
            let name = &tail[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Diagnostic::at(
                    Loc::of(path, s),
                    format!("`${{{name}}}` is not a valid environment variable reference"),
                ));
            }
            match env(name) {
                Some(v) => out.push_str(&v),
                None => {
                    return Err(Diagnostic::at(
                        Loc::of(path, s),
                        format!("environment variable {name} is not set (used as ${{{name}}}); set it or change the rules"),
                    ))
                }
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// [`expand_env`] for a SQL fragment (a filter, a `when` condition): an
/// empty result is an error at its place, saying `what` to write instead.
pub fn expand_sql(
    path: &Path,
    s: &Spanned<String>,
    env: &dyn Fn(&str) -> Option<String>,
    what: &str,
) -> Result<String, Diagnostic> {
    let text = expand_env(path, s, env)?;
    if text.trim().is_empty() {
        return Err(Diagnostic::at(Loc::of(path, s), what));
    }
    Ok(text)
}

pub fn hex_str(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ColumnRule, TableRule};

    fn parse(text: &str) -> Result<RulesFile, Diagnostics> {
        parse_rules(Path::new("r.yaml"), text)
    }

    #[test]
    fn parses_the_spec_forms() {
        let f = parse(
            "version: 1\nkey: ${K}\ntables:\n  public.users:\n    filter: \"deleted_at IS NULL\"\n    columns:\n      email: { fake: email, unique: true }\n      notes: null\n      id: keep\n      role:\n        - when: \"role = 'admin'\"\n          mask: keep\n        - mask: { value: member }\n  public.countries: keep\n  auth.sessions: { rows: none }\n",
        )
        .unwrap();
        assert_eq!(f.tables.0.len(), 3);
        let (k, TableRule::Rules(users)) = &f.tables.0[0] else {
            panic!()
        };
        assert_eq!(k.value, "public.users");
        assert_eq!(k.referenced.line(), 4);
        assert!(matches!(
            users.columns.get("notes").unwrap().1,
            ColumnRule::Null
        ));
        assert!(matches!(
            users.columns.get("id").unwrap().1,
            ColumnRule::Keep
        ));
        assert!(
            matches!(users.columns.get("role").unwrap().1, ColumnRule::When(ref w) if w.len() == 2)
        );
        assert!(matches!(f.tables.0[1].1, TableRule::Keep));
    }

    #[test]
    fn yaml_errors_carry_line_and_column() {
        let e = parse("version: 1\ntables:\n  public.users:\n    colums: {}\n").unwrap_err();
        let d = &e.0[0];
        assert_eq!(d.loc.as_ref().map(|l| l.line), Some(4), "{e}");
        assert!(d.message.contains("colums"), "{e}");
        let e = parse("version: 1\ntables:\n  a.b:\n    columns:\n      x: { fak: email }\n")
            .unwrap_err();
        assert_eq!(e.0[0].loc.as_ref().map(|l| l.line), Some(5), "{e}");
        let e = parse("version: 1\ntables: [\n").unwrap_err();
        assert!(e.0[0].loc.is_some(), "{e}");
    }

    #[test]
    fn rejects_unknown_masker_words_and_versions() {
        let e = parse("version: 1\ntables:\n  a.b:\n    columns:\n      x: maskit\n").unwrap_err();
        assert!(e.to_string().contains("unknown masker `maskit`"), "{e}");
        let e = parse("version: 2\n").unwrap_err();
        assert!(e.to_string().contains("unsupported rules version 2"), "{e}");
    }

    #[test]
    fn expands_environment_variables() {
        let env = |n: &str| (n == "K").then(|| "s3cret".to_string());
        let s = Spanned::new(
            "a-${K}-$${K}-$2b$".to_string(),
            Location::UNKNOWN,
            Location::UNKNOWN,
        );
        assert_eq!(
            expand_env(Path::new("r"), &s, &env).unwrap(),
            "a-s3cret-${K}-$2b$"
        );
        let s = Spanned::new(
            "${MISSING}".to_string(),
            Location::UNKNOWN,
            Location::UNKNOWN,
        );
        let e = expand_env(Path::new("r"), &s, &env).unwrap_err();
        assert!(e.message.contains("MISSING is not set"));
    }
}
