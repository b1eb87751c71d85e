//! The `access:` section compiled against the catalog: for each role, the
//! copied schemas it reads and every relation and sequence in them. Names
//! that match no copied schema, a role named twice and empty names are
//! refused with their place in the rules. Whether the role exists is a
//! question for the target's cluster, asked by `sink::access`.

use std::path::Path;

use serde_saphyr::Spanned;

use super::glob::glob_match;
use crate::catalog::Catalog;
use crate::config::{expand_env, AccessRule, Diagnostic, Diagnostics, Loc, ReadScope};
use crate::pg::QualifiedName;

/// What one role of `access:` is granted inside the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    /// The role, as written (after `${NAME}`), matched exactly.
    pub role: String,
    /// Where the rules name it.
    pub loc: Option<Loc>,
    /// The copied schemas it reads, in name order.
    pub schemas: Vec<String>,
    /// Tables (partitions included), views, materialized views and foreign
    /// tables of those schemas: SELECT.
    pub relations: Vec<QualifiedName>,
    /// Sequences of those schemas: SELECT (their current value, not nextval).
    pub sequences: Vec<QualifiedName>,
}

impl AccessGrant {
    /// One line for plans and logs: what the role is given.
    pub fn describe(&self) -> String {
        format!(
            "{}: CONNECT on the database; USAGE on schema{} {}; SELECT on {} table{}, view{} and materialized view{} and {} sequence{}; the same on tables and sequences the loading role creates there later",
            self.role,
            plural(self.schemas.len()),
            self.schemas.join(", "),
            self.relations.len(),
            plural(self.relations.len()),
            plural(self.relations.len()),
            plural(self.relations.len()),
            self.sequences.len(),
            plural(self.sequences.len()),
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Compile `access:`; every problem goes to `diags`.
pub(super) fn compile(
    path: &Path,
    rules: &[AccessRule],
    catalog: &Catalog,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diagnostics,
) -> Vec<AccessGrant> {
    let mut grants: Vec<AccessGrant> = Vec::new();
    for rule in rules {
        let loc = Loc::of(path, &rule.role);
        let role = match expand_env(path, &rule.role, env) {
            Ok(r) if r.trim().is_empty() => {
                diags.push(Diagnostic::at(
                    loc,
                    "access: the role is empty: name a role of the target's cluster",
                ));
                continue;
            }
            Ok(r) => r,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        if let Some(first) = grants.iter().find(|g| g.role == role) {
            diags.push(Diagnostic::at(
                loc,
                format!(
                    "access: role {role} is named twice (also at line {}): give it one entry listing every schema it reads",
                    first.loc.as_ref().map_or(0, |l| l.line)
                ),
            ));
            continue;
        }
        let Some(schemas) = read_schemas(path, &role, &rule.read, catalog, env, diags) else {
            continue;
        };
        let within = |n: &QualifiedName| schemas.contains(&n.schema);
        let mut relations: Vec<QualifiedName> = catalog
            .tables
            .iter()
            .map(|t| t.name.clone())
            .chain(catalog.views.iter().cloned())
            .chain(catalog.matviews.iter().cloned())
            .filter(within)
            .collect();
        relations.sort();
        let sequences: Vec<QualifiedName> = catalog
            .sequences
            .iter()
            .filter(|n| within(n))
            .cloned()
            .collect();
        grants.push(AccessGrant {
            role,
            loc,
            schemas,
            relations,
            sequences,
        });
    }
    grants
}

/// The copied schemas `read` names; `None` after a problem.
fn read_schemas(
    path: &Path,
    role: &str,
    read: &Spanned<ReadScope>,
    catalog: &Catalog,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diagnostics,
) -> Option<Vec<String>> {
    let patterns = match &read.value {
        ReadScope::All => return Some(catalog.schemas.clone()),
        ReadScope::Schemas(p) if p.is_empty() => {
            diags.push(Diagnostic::at(
                Loc::of(path, read),
                format!(
                    "access: role {role} reads no schema: write `read: all`, or list the schemas"
                ),
            ));
            return None;
        }
        ReadScope::Schemas(p) => p,
    };
    let mut ok = true;
    let mut schemas: Vec<String> = Vec::new();
    for p in patterns {
        let pattern = match expand_env(path, p, env) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                ok = false;
                continue;
            }
        };
        let matched: Vec<&String> = catalog
            .schemas
            .iter()
            .filter(|s| glob_match(&pattern, s))
            .collect();
        if matched.is_empty() {
            diags.push(Diagnostic::at(
                Loc::of(path, p),
                format!(
                    "access: `{pattern}` names no schema of the copy (it holds {}): correct the name, or remove it",
                    catalog.schemas.join(", ")
                ),
            ));
            ok = false;
        }
        schemas.extend(matched.into_iter().cloned());
    }
    schemas.sort();
    schemas.dedup();
    ok.then_some(schemas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_rules;

    fn catalog() -> Catalog {
        Catalog {
            schemas: vec![
                "app_a".into(),
                "app_b".into(),
                "billing".into(),
                "public".into(),
            ],
            views: vec![QualifiedName::new("billing", "v")],
            matviews: vec![QualifiedName::new("public", "m")],
            sequences: vec![
                QualifiedName::new("billing", "s"),
                QualifiedName::new("public", "s"),
            ],
            ..Catalog::default()
        }
    }

    fn compiled(access: &str) -> (Vec<AccessGrant>, Diagnostics) {
        let path = Path::new("r.yaml");
        let file = parse_rules(path, &format!("version: 1\naccess:\n{access}")).unwrap();
        let env = |n: &str| (n == "ROLE").then(|| "from_env".to_string());
        let mut diags = Diagnostics::default();
        let grants = compile(path, &file.access, &catalog(), &env, &mut diags);
        (grants, diags)
    }

    #[test]
    fn all_lists_and_globs_name_copied_schemas_and_their_objects() {
        let (g, d) = compiled(
            "  - role: support_ro\n    read: all\n  - role: ${ROLE}\n    read: [billing, \"app_*\", billing]\n",
        );
        assert!(d.is_empty(), "{d}");
        assert_eq!(g[0].schemas, ["app_a", "app_b", "billing", "public"]);
        assert_eq!(g[1].role, "from_env");
        assert_eq!(g[1].schemas, ["app_a", "app_b", "billing"]);
        assert_eq!(g[1].relations, [QualifiedName::new("billing", "v")]);
        assert_eq!(g[1].sequences, [QualifiedName::new("billing", "s")]);
        assert_eq!(g[0].relations.len(), 2);
        assert!(
            g[1].describe().contains("USAGE on schemas app_a, app_b, billing; SELECT on 1 table, view and materialized view and 1 sequence"),
            "{}",
            g[1].describe()
        );
    }

    #[test]
    fn unknown_schemas_twice_named_roles_and_empty_names_are_located() {
        let (g, d) = compiled(
            "  - role: a\n    read: [billing, nope]\n  - role: b\n    read: all\n  - role: b\n    read: all\n  - role: \"\"\n    read: all\n  - role: c\n    read: []\n",
        );
        let lines: Vec<u64> =
            d.0.iter()
                .filter_map(|d| d.loc.as_ref().map(|l| l.line))
                .collect();
        assert_eq!(lines, [4, 7, 9, 12], "{d}");
        let text = d.to_string();
        assert!(
            text.contains(
                "`nope` names no schema of the copy (it holds app_a, app_b, billing, public)"
            ),
            "{text}"
        );
        assert!(
            text.contains("role b is named twice (also at line 5)"),
            "{text}"
        );
        assert!(text.contains("the role is empty"), "{text}");
        assert!(text.contains("role c reads no schema"), "{text}");
        assert_eq!(g.iter().map(|g| g.role.as_str()).collect::<Vec<_>>(), ["b"]);
    }
}
