//! The SQL fragments of a rules file (`filter:`, `when:`, `sql:`) must each
//! be one SQL expression: doppel puts them inside parentheses in the
//! statements it builds, so a `;`, a parenthesis closed that was never
//! opened, an unterminated quote or a `--` comment would change those
//! statements. This is a lexical check (quotes, quoted identifiers,
//! dollar quotes and comments as PostgreSQL reads them), run when the rules
//! are loaded, before any connection; the source's EXPLAIN checks the rest.

use std::path::Path;

use serde_saphyr::Spanned;

use super::{
    expand_sql, ColumnRule, Diagnostic, Diagnostics, Loc, MaskerConfig, RulesFile, TableRule,
};

/// Why `text` is not one SQL expression, or `Ok` when it may be one.
pub fn one_expression(text: &str) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| format!("at character {}", i + 1);
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev_ident = i > 0 && is_ident(chars[i - 1]);
        match c {
            ';' => return Err(format!("`;` {} ends the statement: write one expression, not statements", at(i))),
            '(' => open.push(i),
            // The guard pops the `(` this closes.
            ')' if open.pop().is_none() => {
                return Err(format!(
                    "`)` {} closes a parenthesis that was not opened",
                    at(i)
                ));
            }
            '\'' => {
                let escapes = i > 0
                    && matches!(chars[i - 1], 'e' | 'E')
                    && (i < 2 || !is_ident(chars[i - 2]));
                i = quoted(&chars, i, '\'', escapes)
                    .ok_or_else(|| format!("the string opened {} is never closed", at(i)))?;
                continue;
            }
            '"' => {
                i = quoted(&chars, i, '"', false).ok_or_else(|| {
                    format!("the quoted identifier opened {} is never closed", at(i))
                })?;
                continue;
            }
            '$' if !prev_ident => {
                if let Some(end) = dollar_quoted(&chars, i)? {
                    i = end;
                    continue;
                }
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                return Err(format!(
                    "the `--` comment {} would hide the rest of the statement: remove it or write /* … */",
                    at(i)
                ))
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i = block_comment(&chars, i)
                    .ok_or_else(|| format!("the comment opened {} is never closed", at(i)))?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    match open.first() {
        Some(&o) => Err(format!("`(` {} is never closed", at(o))),
        None => Ok(()),
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The index after the closing `q` of a quoted text opened at `start`
/// (`qq` inside stands for `q`; with `escapes`, `\` escapes the next character).
fn quoted(chars: &[char], start: usize, q: char, escapes: bool) -> Option<usize> {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if escapes => i += 2,
            c if c == q => {
                if chars.get(i + 1) == Some(&q) {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// A `$tag$ … $tag$` string opened at `start`: the index after it, `None`
/// when `$` does not open one here (`$1`, `${NAME}`).
fn dollar_quoted(chars: &[char], start: usize) -> Result<Option<usize>, String> {
    let mut j = start + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        if j == start + 1 && chars[j].is_ascii_digit() {
            return Ok(None);
        }
        j += 1;
    }
    if chars.get(j) != Some(&'$') {
        return Ok(None);
    }
    let tag = &chars[start..=j];
    let mut k = j + 1;
    while k + tag.len() <= chars.len() {
        if chars[k..k + tag.len()] == *tag {
            return Ok(Some(k + tag.len()));
        }
        k += 1;
    }
    Err(format!(
        "the dollar-quoted string opened at character {} is never closed",
        start + 1
    ))
}

/// The index after a `/* … */` comment (nested as PostgreSQL nests them).
fn block_comment(chars: &[char], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// [`expand_sql`] for a SQL expression (a filter): what `${NAME}` brought
/// in is checked with [`one_expression`] too, as the text written in the
/// file was when the rules were loaded. The message never shows the
/// variable's value.
pub fn expand_expr(
    path: &Path,
    s: &Spanned<String>,
    env: &dyn Fn(&str) -> Option<String>,
    label: &str,
    if_empty: &str,
) -> Result<String, Diagnostic> {
    let text = expand_sql(path, s, env, if_empty)?;
    if s.value.contains("${") {
        one_expression(&text).map_err(|why| {
            Diagnostic::at(
                Loc::of(path, s),
                format!("{label} is not one SQL expression once ${{…}} is expanded: {why}"),
            )
        })?;
    }
    Ok(text)
}

/// Every SQL fragment of the rules checked with [`one_expression`], each
/// problem at its place.
pub(super) fn check_fragments(path: &Path, file: &RulesFile) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let mut check = |what: &str, s: &Spanned<String>| {
        if let Err(why) = one_expression(&s.value) {
            diags.push(Diagnostic::at(
                Loc::of(path, s),
                format!("{what} is not one SQL expression: {why}"),
            ));
        }
    };
    for (_, rule) in file.tables.iter() {
        let TableRule::Rules(r) = rule else { continue };
        if let Some(f) = &r.filter {
            check("filter", f);
        }
        for (_, c) in r.columns.iter() {
            column_fragments(c, &mut check);
        }
    }
    for m in &file.match_rules {
        column_fragments(&m.mask.value, &mut check);
    }
    for r in &file.references {
        if let Some(w) = &r.when {
            check("when", w);
        }
    }
    diags
}

fn column_fragments(rule: &ColumnRule, check: &mut dyn FnMut(&str, &Spanned<String>)) {
    match rule {
        ColumnRule::When(list) => {
            for w in list {
                if let Some(c) = &w.when {
                    check("when", c);
                }
                column_fragments(&w.mask.value, check);
            }
        }
        ColumnRule::Mask(cfg) => masker_fragments(cfg, check),
        _ => {}
    }
}

fn masker_fragments(cfg: &MaskerConfig, check: &mut dyn FnMut(&str, &Spanned<String>)) {
    if let Some(e) = &cfg.sql {
        check("sql", e);
    }
    if let Some(e) = &cfg.each {
        column_fragments(e, check);
    }
    for (_, c) in cfg.json.iter().flat_map(|j| j.iter()) {
        column_fragments(c, check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_saphyr::Location;

    #[test]
    fn expanded_filters_are_checked_without_showing_the_value() {
        let env = |n: &str| (n == "F").then(|| "1=1) OR (secret".to_string());
        let s = Spanned::new("${F}".to_string(), Location::UNKNOWN, Location::UNKNOWN);
        let e = expand_expr(Path::new("r"), &s, &env, "filter", "empty").unwrap_err();
        assert!(
            e.message.starts_with(
                "filter is not one SQL expression once ${…} is expanded: `)` at character 4"
            ),
            "{}",
            e.message
        );
        assert!(!e.message.contains("secret"), "{}", e.message);
        let ok = |n: &str| (n == "F").then(|| "id > 3".to_string());
        assert_eq!(
            expand_expr(Path::new("r"), &s, &ok, "filter", "empty").unwrap(),
            "id > 3"
        );
    }

    #[test]
    fn accepts_expressions() {
        for ok in [
            "deleted_at IS NULL",
            "created_at > now() - interval '90 days'",
            "name = 'it''s; (not) a problem'",
            "note = E'a \\' ; )'",
            "\"odd;name)\" = 1",
            "body = $$ ; ) $$ AND x = $t$ -- $t$",
            "a = ${TENANT} AND b = $1",
            "x /* a ; ) /* nested */ */ = 1",
            "(a = 1) OR (b IN (1, 2))",
            "price$ > 0",
            "note = E'\\'; DROP'",
        ] {
            assert_eq!(one_expression(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_what_is_not_one_expression() {
        for (bad, why) in [
            ("a = 1; DROP TABLE x", "`;` at character 6"),
            ("1=1) OR (1=1", "`)` at character 4 closes"),
            ("(a = 1", "`(` at character 1 is never closed"),
            ("a = 'x", "string opened at character 5"),
            ("\"a = 1", "quoted identifier"),
            ("a = $q$ x", "dollar-quoted"),
            ("a = 1 -- ) OR true", "`--` comment at character 7"),
            ("a = 1 /* ) OR true", "comment opened at character 7"),
            ("E'\\\\'; DROP TABLE x", "`;` at character 6"),
        ] {
            let e = one_expression(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
