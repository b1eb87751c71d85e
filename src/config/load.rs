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
    let bytes = read_capped(path)?;
    let sha256 = hex_str(&Sha256::digest(&bytes));
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        // Characters before the bad byte on its line, which are valid UTF-8.
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count() as u64
            + 1;
        Diagnostics(vec![Diagnostic::at(
            Some(Loc {
                path: path.to_path_buf(),
                line,
                column,
            }),
            format!("not UTF-8 text (byte {at} of the file): save the rules as UTF-8"),
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
    if text.len() > MAX_RULES_BYTES {
        return Err(too_large(path, text.len() as u64));
    }
    let located = |e: &serde_saphyr::Error| e.location().and_then(|l| Loc::from_location(path, &l));
    // Repeated keys first reach our own maps, which name both lines; a
    // repeated field of a fixed mapping (`version:` twice) is only located
    // by the parser's own check, so an unlocated error is looked at again
    // with that check on.
    let file: RulesFile = match serde_saphyr::from_str_with_options(text, yaml_options(true)) {
        Ok(f) => f,
        Err(e) => {
            let e = match located(&e) {
                Some(_) => e,
                None => match serde_saphyr::from_str_with_options::<RulesFile>(
                    text,
                    yaml_options(false),
                ) {
                    Err(strict) if located(&strict).is_some() => strict,
                    _ => e,
                },
            };
            return Err(Diagnostics(vec![Diagnostic::at(
                located(&e),
                yaml_message(&e),
            )]));
        }
    };
    if file.version.value != 1 {
        return Err(Diagnostics(vec![Diagnostic::at(
            Loc::of(path, &file.version),
            format!(
                "unsupported rules version {}: this doppel reads version 1",
                file.version.value
            ),
        )]));
    }
    super::sql::check_fragments(path, &file).into_result()?;
    Ok(file)
}

/// The largest rules file doppel reads (16 MiB): rules are a few hundred
/// lines, so a bigger file is a mistake (a dump, a binary) and is refused
/// before it is parsed.
pub const MAX_RULES_BYTES: usize = 16 * 1024 * 1024;

/// Limits on YAML aliases: a rules file has no use for many of them, and
/// without limits a few lines of nested aliases ("billion laughs") expand
/// into billions of nodes. Past these the parser stops with an error.
const MAX_ALIASES: usize = 1_000;
const MAX_REPLAYED_EVENTS: usize = 100_000;

fn yaml_options(pass_repeated_keys: bool) -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    let mut budget = serde_saphyr::Budget::default();
    budget.max_aliases = MAX_ALIASES;
    budget.max_recorded_anchor_events = MAX_REPLAYED_EVENTS;
    budget.max_total_scalar_bytes = MAX_RULES_BYTES;
    o.budget = Some(budget);
    o.alias_limits.max_total_replayed_events = MAX_REPLAYED_EVENTS;
    o.alias_limits.max_replay_stack_depth = 16;
    if pass_repeated_keys {
        o.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::PassThrough;
    }
    o
}

fn too_large(path: &Path, size: u64) -> Diagnostics {
    Diagnostics(vec![Diagnostic::at(
        None,
        format!(
            "rules file {} is larger than {} MiB ({size} bytes or more): rules are a few hundred lines; check that this is the rules file",
            path.display(),
            MAX_RULES_BYTES / (1024 * 1024)
        ),
    )])
}

/// The file's bytes, refusing (without reading it all) one larger than
/// [`MAX_RULES_BYTES`], whatever it is (a regular file, a pipe, a device).
fn read_capped(path: &Path) -> Result<Vec<u8>, Diagnostics> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        Diagnostics(vec![Diagnostic::at(
            None,
            format!("cannot read rules file {}: {e}", path.display()),
        )])
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_RULES_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > MAX_RULES_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    Ok(bytes)
}

/// The parser's message without its own location prefix or snippet (we print our own).
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let mut first = full.lines().next().unwrap_or(&full).trim();
    // The parser may start with "error: line N column M: " or end with
    // " at line N column M"; drop both.
    first = first.strip_prefix("error: ").unwrap_or(first);
    if let Some(rest) = first.strip_prefix("line ") {
        if let Some((_, after)) = rest.split_once(": ") {
            first = after;
        }
    }
    if let Some(i) = first.find(" at line ") {
        first = &first[..i];
    }
    if first.starts_with("budget breached") || first.contains("alias replay") {
        return format!(
            "the YAML expands beyond what a rules file needs ({first}; at most {MAX_ALIASES} aliases and {MAX_REPLAYED_EVENTS} expanded nodes): write the values out instead of nesting aliases"
        );
    }
    first.to_string()
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
    fn alias_bombs_stop_early_with_a_location() {
        // Nine levels of ten aliases each, every level a valid condition
        // list: 10^9 entries once expanded.
        let ten = |item: &str| format!("[{}]", [item; 10].join(", "));
        let mut bomb = format!(
            "version: 1\ntables:\n  a.b:\n    columns:\n      c0: &a0 {}\n",
            ten("{ mask: keep }")
        );
        for i in 1..10 {
            bomb.push_str(&format!(
                "      c{i}: &a{i} {}\n",
                ten(&format!("{{ mask: *a{} }}", i - 1))
            ));
        }
        let e = parse(&bomb).unwrap_err();
        eprintln!("{e}");
        assert!(e.0[0].loc.is_some(), "{e}");
        assert!(
            e.to_string()
                .contains("the YAML expands beyond what a rules file needs"),
            "{e}"
        );
    }

    #[test]
    fn too_large_rules_are_refused_naming_file_and_limit() {
        let big = format!("version: 1\n#{}\n", "x".repeat(MAX_RULES_BYTES));
        let e = parse(&big).unwrap_err();
        assert!(
            e.to_string().contains("r.yaml is larger than 16 MiB"),
            "{e}"
        );
        let dir = std::env::temp_dir().join(format!("doppel-big-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("big.yaml");
        std::fs::write(&p, &big).unwrap();
        let e = load_rules(&p).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            e.to_string().contains("big.yaml is larger than 16 MiB"),
            "{e}"
        );
        // A device that never ends is refused too, not read forever.
        let e = load_rules(Path::new("/dev/zero")).unwrap_err();
        assert!(
            e.to_string().contains("/dev/zero is larger than 16 MiB"),
            "{e}"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_located() {
        let dir = std::env::temp_dir().join(format!("doppel-utf8-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("r.yaml");
        std::fs::write(&p, b"version: 1\ntables:\n  ab\xffc: keep\n").unwrap();
        let e = load_rules(&p).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            e.0[0].loc.as_ref().map(|l| (l.line, l.column)),
            Some((3, 5)),
            "{e}"
        );
        assert!(e.to_string().contains("not UTF-8"), "{e}");
    }

    #[test]
    fn a_column_named_twice_names_both_lines() {
        let e = parse("version: 1\ntables:\n  a.b:\n    columns:\n      x: keep\n      y: keep\n      x: null\n")
            .unwrap_err();
        eprintln!("{e}");
        assert!(e.0[0].loc.is_some(), "{e}");
        assert!(
            e.to_string()
                .contains("`x` is named twice in this mapping (lines 5 and 7)"),
            "{e}"
        );
        // A fixed field written twice is located too (found by the property tests).
        let e = parse("version: 1\nversion: 1").unwrap_err();
        assert_eq!(e.0[0].loc.as_ref().map(|l| l.line), Some(2), "{e}");
        let e = parse("version: 1\ntables:\n  a.b: keep\n  a.b: { rows: none }\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("`a.b` is named twice in this mapping (lines 3 and 4)"),
            "{e}"
        );
    }

    #[test]
    fn filters_that_are_not_one_expression_are_refused_at_their_line() {
        let e = parse("version: 1\ntables:\n  a.b:\n    filter: 1=1) OR (1=1\n  a.c:\n    filter: \"a = 1; DROP TABLE x\"\n    columns:\n      w:\n        - when: \"(x\"\n          mask: keep\n        - mask: null\n")
            .unwrap_err();
        let lines: Vec<u64> =
            e.0.iter()
                .filter_map(|d| d.loc.as_ref().map(|l| l.line))
                .collect();
        assert_eq!(lines, vec![4, 6, 9], "{e}");
        assert!(
            e.to_string()
                .contains("r.yaml:4:13: filter is not one SQL expression: `)` at character 4"),
            "{e}"
        );
        assert!(e.to_string().contains("`;` at character 6"), "{e}");
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
