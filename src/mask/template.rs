//! `template: "…{column}…"`: a value built from other columns of the same
//! row, after they are masked. This module only parses the template; the row
//! transformation (copy::transform) fills it in.

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<C> {
    /// Text written as is.
    Text(String),
    /// The (masked) value of a column.
    Column(C),
}

/// Parse `{name}` references; `{{` and `}}` stand for braces.
pub fn parse(template: &str) -> Result<Vec<Part<String>>, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => {
                            return Err(format!(
                                "template {template:?}: `{{{name}` is not closed; write {{column}}, or {{{{ for a brace"
                            ))
                        }
                    }
                }
                if name.trim().is_empty() {
                    return Err(format!("template {template:?}: `{{}}` names no column"));
                }
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Column(name));
            }
            '}' => {
                return Err(format!(
                    "template {template:?}: a lone `}}`; write }}}} for a brace"
                ))
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    if !parts.iter().any(|p| matches!(p, Part::Column(_))) {
        return Err(format!(
            "template {template:?} names no column: use `value:` for a constant"
        ));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_columns_and_braces() {
        assert_eq!(
            parse("{first_name}.{last_name}@example.com {{x}}").unwrap(),
            vec![
                Part::Column("first_name".into()),
                Part::Text(".".into()),
                Part::Column("last_name".into()),
                Part::Text("@example.com {x}".into()),
            ]
        );
        assert!(parse("{a").unwrap_err().contains("not closed"));
        assert!(parse("a}").unwrap_err().contains("lone"));
        assert!(parse("plain").unwrap_err().contains("names no column"));
        assert!(parse("{}").is_err());
    }
}
