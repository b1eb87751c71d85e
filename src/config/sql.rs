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

/// A token of an expression, for [`standalone_identifiers`].
#[derive(Debug, PartialEq)]
enum Token {
    /// An identifier: folded to lower case unless quoted, and whether it was quoted.
    Ident(String, bool),
    /// One punctuation or operator character.
    Punct(char),
    /// A string, number, parameter or comment.
    Other,
}

/// The tokens of an expression (unterminated strings and comments run to the end).
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let end = chars.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < end {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (token, after) = match c {
            '\'' => (Token::Other, quoted(&chars, i, '\'', false).unwrap_or(end)),
            '"' => {
                let after = quoted(&chars, i, '"', false).unwrap_or(end);
                let inner: String = chars[i + 1..after.saturating_sub(1).max(i + 1)]
                    .iter()
                    .collect();
                (Token::Ident(inner.replace("\"\"", "\""), true), after)
            }
            '$' => match dollar_quoted(&chars, i) {
                Ok(Some(after)) => (Token::Other, after),
                _ => {
                    let digits = chars[i + 1..].iter().take_while(|c| c.is_ascii_digit());
                    (Token::Other, i + 1 + digits.count())
                }
            },
            '-' if next == Some('-') => {
                let line = chars[i..].iter().position(|&c| c == '\n');
                (Token::Other, line.map_or(end, |n| i + n))
            }
            '/' if next == Some('*') => (Token::Other, block_comment(&chars, i).unwrap_or(end)),
            c if c.is_alphabetic() || c == '_' => {
                let len = chars[i..].iter().take_while(|&&c| is_ident(c)).count();
                let word: String = chars[i..i + len].iter().collect();
                if chars.get(i + len) == Some(&'\'') {
                    // A string with a prefix: E'…', B'…', X'…', N'…'.
                    let escapes = word.eq_ignore_ascii_case("e");
                    let after = quoted(&chars, i + len, '\'', escapes).unwrap_or(end);
                    (Token::Other, after)
                } else {
                    (Token::Ident(word.to_ascii_lowercase(), false), i + len)
                }
            }
            c if c.is_ascii_digit() => {
                let len = chars[i..]
                    .iter()
                    .take_while(|&&c| c.is_alphanumeric() || c == '.' || c == '_')
                    .count();
                (Token::Other, i + len)
            }
            c => (Token::Punct(c), i + 1),
        };
        out.push(token);
        i = after;
    }
    out
}

/// The identifiers of an expression that stand alone as names of values:
/// not qualified (after `.`), not a type (after `::`), not a qualifier
/// (before `.name`), not called (before `(`) and not a relation (after
/// FROM or JOIN). Unquoted ones are folded to lower case as PostgreSQL
/// folds them. In a condition on a table, such a name is a column of the
/// table or, when no column has that name, the whole row (`users`,
/// `users.*`). Lexical, like [`one_expression`].
pub fn standalone_identifiers(text: &str) -> Vec<String> {
    let toks = tokens(text);
    let at = |k: usize| toks.get(k);
    let punct = |k: usize, c: char| at(k) == Some(&Token::Punct(c));
    let mut out = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        let Token::Ident(name, _) = t else { continue };
        let before = |c: char| k > 0 && punct(k - 1, c);
        let qualified = before('.');
        let a_type = k > 1 && before(':') && punct(k - 2, ':');
        let relation = k > 0
            && matches!(at(k - 1), Some(Token::Ident(w, false)) if w == "from" || w == "join");
        let called = punct(k + 1, '(');
        let qualifier = punct(k + 1, '.') && matches!(at(k + 2), Some(Token::Ident(..)));
        if !(qualified || a_type || relation || called || qualifier) {
            out.push(name.clone());
        }
    }
    out
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
    fn finds_the_identifiers_that_stand_alone() {
        for (expr, want) in [
            ("email LIKE '%@corp.test'", vec!["email", "like"]),
            ("users.email = 'x'", vec![]),
            ("row_to_json(users)->>'role' = 'a'", vec!["users"]),
            ("(users.*) IS NOT NULL", vec!["users", "is", "not", "null"]),
            ("\"Role\" = 'admin'", vec!["Role"]),
            ("Role::text = $1", vec!["role"]),
            (
                "email IN (SELECT v.email FROM public.vip v)",
                vec!["email", "select", "from", "v"],
            ),
            ("note = E'users\\' users' /* users */", vec!["note"]),
            ("x = $q$ users $q$ -- users", vec!["x"]),
            ("lower(email) = 'a' AND 1.5e3 > 2", vec!["email", "and"]),
        ] {
            assert_eq!(standalone_identifiers(expr), want, "{expr}");
        }
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
