//! Row predicates of a subset, kept as a small tree so that the same
//! predicate is sent to the source as SQL (key sets written as array
//! literals, which PostgreSQL matches with an index or a hash) and shown in
//! `plan` in a readable, bounded form.

use crate::pg::{quote_ident, quote_literal};

/// A predicate on one table's rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// Every row.
    True,
    /// No row.
    False,
    /// A SQL expression as written (a `when` condition, a filter).
    Sql(String),
    /// The columns' values are one of `keys` (each key one text value per
    /// column, cast to the column's type by the source).
    In {
        /// Column names.
        columns: Vec<String>,
        /// Each column's type, as `format_type` writes it.
        types: Vec<String>,
        /// The values, as text.
        keys: Vec<Vec<String>>,
        /// Where the values come from, for `plan` (e.g. `public.tasks`).
        from: String,
    },
    /// All of them.
    And(Vec<Pred>),
    /// Any of them.
    Or(Vec<Pred>),
    /// Not this one.
    Not(Box<Pred>),
}

impl Pred {
    /// `self AND other`, simplified.
    pub fn and(self, other: Pred) -> Pred {
        match (self, other) {
            (Pred::True, p) | (p, Pred::True) => p,
            (Pred::False, _) | (_, Pred::False) => Pred::False,
            (Pred::And(mut a), Pred::And(b)) => {
                a.extend(b);
                Pred::And(a)
            }
            (Pred::And(mut a), p) => {
                a.push(p);
                Pred::And(a)
            }
            (p, q) => Pred::And(vec![p, q]),
        }
    }

    /// `p`, limited to the rows where the SQL condition `when` holds.
    pub fn when(when: &Option<String>, p: Pred) -> Pred {
        match when {
            Some(w) => Pred::Sql(w.clone()).and(p),
            None => p,
        }
    }

    /// Any of `preds`, simplified (`False` when empty).
    pub fn any(preds: Vec<Pred>) -> Pred {
        let mut kept: Vec<Pred> = Vec::new();
        for p in preds {
            match p {
                Pred::True => return Pred::True,
                Pred::False => {}
                Pred::In { ref keys, .. } if keys.is_empty() => {}
                p => kept.push(p),
            }
        }
        match kept.len() {
            0 => Pred::False,
            1 => kept.remove(0),
            _ => Pred::Or(kept),
        }
    }

    /// Rows matching `self` are excluded.
    pub fn negate(self) -> Pred {
        match self {
            Pred::True => Pred::False,
            Pred::False => Pred::True,
            p => Pred::Not(Box::new(p)),
        }
    }

    /// The predicate as SQL for the source. NULL counts as false: a row
    /// whose key columns are NULL is not in a key set, and `Not` of it holds.
    pub fn sql(&self) -> String {
        match self {
            Pred::True => "true".into(),
            Pred::False => "false".into(),
            Pred::Sql(s) => format!("({s})"),
            Pred::In {
                columns,
                types,
                keys,
                ..
            } => {
                if keys.is_empty() {
                    return "false".into();
                }
                if columns.len() == 1 {
                    return format!(
                        "{} = ANY({})",
                        quote_ident(&columns[0]),
                        typed_array(keys.iter().map(|k| k[0].as_str()), &types[0])
                    );
                }
                let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
                let arrays: Vec<String> = types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| typed_array(keys.iter().map(|k| k[i].as_str()), t))
                    .collect();
                format!(
                    "({}) IN (SELECT * FROM unnest({}))",
                    cols.join(", "),
                    arrays.join(", ")
                )
            }
            Pred::And(ps) => join(ps.iter().map(|p| p.sql()), " AND "),
            Pred::Or(ps) => join(ps.iter().map(|p| p.sql()), " OR "),
            Pred::Not(p) => format!("({} IS NOT TRUE)", p.sql()),
        }
    }

    /// The predicate for people: key sets of more than three values are
    /// counted rather than listed.
    pub fn describe(&self) -> String {
        match self {
            Pred::In {
                columns,
                keys,
                from,
                ..
            } => {
                let cols = if columns.len() == 1 {
                    quote_ident(&columns[0])
                } else {
                    let c: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
                    format!("({})", c.join(", "))
                };
                if keys.len() <= 3 {
                    let vals: Vec<String> = keys
                        .iter()
                        .map(|k| {
                            let v: Vec<String> = k.iter().map(|v| quote_literal(v)).collect();
                            if v.len() == 1 {
                                v[0].clone()
                            } else {
                                format!("({})", v.join(", "))
                            }
                        })
                        .collect();
                    format!("{cols} IN ({})", vals.join(", "))
                } else {
                    format!("{cols} IN ({} keys of {from})", keys.len())
                }
            }
            Pred::And(ps) => join(ps.iter().map(|p| p.describe()), " AND "),
            Pred::Or(ps) => join(ps.iter().map(|p| p.describe()), " OR "),
            Pred::Not(p) => format!("NOT {}", p.describe()),
            Pred::True => "every row".into(),
            other => other.sql(),
        }
    }
}

fn join(parts: impl Iterator<Item = String>, sep: &str) -> String {
    let v: Vec<String> = parts.collect();
    format!("({})", v.join(sep))
}

/// `'{…}'::text[]::TYPE[]`: the values as an array of the column's type.
pub fn typed_array<'a>(values: impl Iterator<Item = &'a str>, type_name: &str) -> String {
    format!("{}::text[]::{type_name}[]", text_array(values))
}

/// A `text[]` literal holding `values` exactly.
pub fn text_array<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut lit = String::from("{");
    for (i, v) in values.enumerate() {
        if i > 0 {
            lit.push(',');
        }
        lit.push('"');
        for c in v.chars() {
            if c == '"' || c == '\\' {
                lit.push('\\');
            }
            lit.push(c);
        }
        lit.push('"');
    }
    lit.push('}');
    quote_literal(&lit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|k| k.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn arrays_quote_every_value() {
        assert_eq!(
            text_array(["a", "b\"c", "d\\e", "it's", ""].into_iter()),
            r#"'{"a","b\"c","d\\e","it''s",""}'"#
        );
    }

    #[test]
    fn in_sets_render_as_sql_and_for_people() {
        let one = Pred::In {
            columns: vec!["org_id".into()],
            types: vec!["uuid".into()],
            keys: keys(&[&["x"]]),
            from: "--tenant".into(),
        };
        assert_eq!(one.sql(), r#""org_id" = ANY('{"x"}'::text[]::uuid[])"#);
        assert_eq!(one.describe(), r#""org_id" IN ('x')"#);
        let two = Pred::In {
            columns: vec!["a".into(), "B".into()],
            types: vec!["integer".into(), "text".into()],
            keys: keys(&[&["1", "x"], &["2", "y"], &["3", "z"], &["4", "w"]]),
            from: "public.t".into(),
        };
        assert_eq!(
            two.sql(),
            r#"("a", "B") IN (SELECT * FROM unnest('{"1","2","3","4"}'::text[]::integer[], '{"x","y","z","w"}'::text[]::text[]))"#
        );
        assert_eq!(two.describe(), r#"("a", "B") IN (4 keys of public.t)"#);
    }

    #[test]
    fn simplification_keeps_meaning() {
        assert_eq!(Pred::any(vec![]), Pred::False);
        assert_eq!(Pred::True.and(Pred::Sql("x".into())), Pred::Sql("x".into()));
        assert_eq!(Pred::False.negate(), Pred::True);
        assert_eq!(
            Pred::Sql("x".into()).negate().sql(),
            "((x) IS NOT TRUE)".to_string()
        );
    }
}
