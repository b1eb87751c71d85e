//! SQL identifiers and literals. Every name that reaches SQL is quoted here.

use std::fmt;

/// Quote an identifier for SQL: always double-quoted, inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 2);
    s.push('"');
    for c in name.chars() {
        if c == '"' {
            s.push('"');
        }
        s.push(c);
    }
    s.push('"');
    s
}

/// Quote a string literal for SQL (standard_conforming_strings on): inner quotes doubled.
pub fn quote_literal(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('\'');
    for c in value.chars() {
        if c == '\'' {
            s.push('\'');
        }
        s.push(c);
    }
    s.push('\'');
    s
}

/// A schema-qualified relation name, as the catalog spells it (unquoted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    /// Schema name.
    pub schema: String,
    /// Relation name.
    pub name: String,
}

impl QualifiedName {
    /// A name from its two parts.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> QualifiedName {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// `"schema"."name"`, ready for SQL.
    pub fn quoted(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }

    /// Parse what a user writes in rules: `schema.table`, each part optionally
    /// double-quoted (`"My Schema"."Table.with.dots"`). `None` if malformed.
    pub fn parse_user(text: &str) -> Option<QualifiedName> {
        let parts = split_dotted(text)?;
        match parts.as_slice() {
            [schema, name] => Some(QualifiedName::new(schema.clone(), name.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for QualifiedName {
    /// `schema.name` as a user writes it; parts that need quoting are quoted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            display_ident(&self.schema),
            display_ident(&self.name)
        )
    }
}

/// A name part as a user writes it: plain when PostgreSQL reads it back
/// unchanged unquoted, double-quoted otherwise.
pub fn display_ident(p: &str) -> String {
    let plain = !p.is_empty()
        && p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        p.to_string()
    } else {
        quote_ident(p)
    }
}

/// Split `a.b.c` where each part may be `"quoted"` (with `""` for a quote).
/// Unquoted parts are taken as written (no case folding: names are matched exactly).
pub fn split_dotted(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                part.push(c);
                chars.next();
            }
            if part.is_empty() {
                return None;
            }
        }
        parts.push(part);
        match chars.next() {
            None => return Some(parts),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert_eq!(quote_ident(r#"a "b""#), r#""a ""b""""#);
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(
            QualifiedName::new("public", "Order Items").quoted(),
            r#""public"."Order Items""#
        );
        assert_eq!(
            QualifiedName::new("public", "Order Items").to_string(),
            r#"public."Order Items""#
        );
    }

    #[test]
    fn parses_user_names() {
        assert_eq!(
            QualifiedName::parse_user("public.users"),
            Some(QualifiedName::new("public", "users"))
        );
        assert_eq!(
            QualifiedName::parse_user(r#""My S"."a.b""c""#),
            Some(QualifiedName::new("My S", r#"a.b"c"#))
        );
        assert_eq!(QualifiedName::parse_user("users"), None);
        assert_eq!(QualifiedName::parse_user("a..b"), None);
        assert_eq!(QualifiedName::parse_user(r#""a"x.b"#), None);
    }
}
