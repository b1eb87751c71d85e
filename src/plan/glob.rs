//! Glob patterns on `schema.table.column` for `match:` rules.

/// Whether `text` matches `pattern`, where `*` is any run of characters and `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Whether a three-part pattern (`schema.table.column`, parts may be quoted) matches.
pub fn column_pattern_match(parts: &[String; 3], schema: &str, table: &str, column: &str) -> bool {
    glob_match(&parts[0], schema) && glob_match(&parts[1], table) && glob_match(&parts[2], column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("*_id", "user_id"));
        assert!(!glob_match("*_id", "id"));
        assert!(glob_match("us?rs", "users"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("", ""));
    }
}
