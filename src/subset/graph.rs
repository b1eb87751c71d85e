//! The tenant graph: what role each table plays in a subset (the root,
//! a tenant table, a table reached through references, every row, no rows)
//! and the references between tables, declared foreign keys and the rules'
//! `references:` alike. Built from the rules, the catalog and the plan, with
//! every problem located in the rules file.

use crate::catalog::{Catalog, Table};
use crate::config::{expand_sql, Diagnostic, Diagnostics, LoadedRules, Loc, TenantConfig};
use crate::pg::ident::split_dotted;
use crate::pg::QualifiedName;
use crate::plan::{suggest_table, Decision, Plan};

/// What a table does in a subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The tenant root: its primary key is the tenant id.
    Root,
    /// A table with the tenant column (of the given type): the chosen
    /// tenants' rows.
    Tenant(String),
    /// `rows: all`: every row (that passes its filter).
    All,
    /// No tenant column: the rows reached from the tenants' rows.
    Reached,
    /// No rows are copied (schema only).
    Empty,
}

impl Role {
    /// For plans and reports.
    pub fn describe(&self) -> &'static str {
        match self {
            Role::Root => "tenant root",
            Role::Tenant(_) => "tenant table",
            Role::All => "all rows (rows: all)",
            Role::Reached => "reached through references",
            Role::Empty => "schema only",
        }
    }
}

/// One table of the graph (same order as `Plan::tables`).
#[derive(Debug, Clone)]
pub struct Node {
    /// The table.
    pub name: QualifiedName,
    /// Its role.
    pub role: Role,
    /// The rules' filter, applied wherever the table is read.
    pub filter: Option<String>,
}

/// A reference from rows of `child` to rows of `parent`.
#[derive(Debug, Clone)]
pub struct Edge {
    /// For plans and reports: the constraint, or `references[N]`.
    pub name: String,
    /// Referencing table (index into `Graph::nodes`).
    pub child: usize,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Their types.
    pub types: Vec<String>,
    /// Referenced table.
    pub parent: usize,
    /// Referenced columns.
    pub ref_columns: Vec<String>,
    /// Their types.
    pub ref_types: Vec<String>,
    /// Only rows where this holds reference the parent (polymorphic references).
    pub when: Option<String>,
    /// Referencing columns that allow NULL: set to NULL when the referenced
    /// row is not copied. Empty: the referencing row is dropped instead.
    pub null_columns: Vec<String>,
}

impl Edge {
    /// `public.tasks(project_id) → public.projects(id)`.
    pub fn describe(&self, nodes: &[Node]) -> String {
        format!(
            "{}({}) → {}({})",
            nodes[self.child].name,
            self.columns.join(", "),
            nodes[self.parent].name,
            self.ref_columns.join(", ")
        )
    }
}

/// Tables and references, as a subset sees them.
#[derive(Debug, Clone)]
pub struct Graph {
    /// One node per plan table.
    pub nodes: Vec<Node>,
    /// Every reference between two tables.
    pub edges: Vec<Edge>,
    /// The root table.
    pub root: usize,
    /// The root's primary key column.
    pub root_key: String,
    /// Its type.
    pub root_key_type: String,
    /// The tenant column.
    pub tenant_column: String,
    /// Tenants the rules exclude.
    pub excluded: Vec<String>,
}

/// Build the graph. `Ok(None)` when the rules have no `tenant:`.
pub fn build(
    rules: &LoadedRules,
    catalog: &Catalog,
    plan: &Plan,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Graph>, Diagnostics> {
    let path = rules.path.as_path();
    let mut diags = Diagnostics::default();
    // References are checked whether or not a tenant is configured.
    let virtual_edges = declared_references(rules, catalog, env, &mut diags);
    let Some(tenant) = &rules.file.tenant else {
        diags.into_result()?;
        return Ok(None);
    };
    let tenant_column = tenant.column.value.clone();
    let root = tenant_root(rules, catalog, plan, &mut diags);
    check_tenant_column(path, catalog, tenant, &mut diags);
    let mut excluded = Vec::new();
    for e in &tenant.exclude_tenants {
        match expand_sql(
            path,
            e,
            env,
            "exclude_tenants: an entry is empty; give tenant ids",
        ) {
            Ok(s) => excluded.push(s.trim().to_string()),
            Err(d) => diags.push(d),
        }
    }
    diags.into_result()?;
    let Some((root, root_key, root_key_type)) = root else {
        return Ok(None);
    };
    let index_of = |name: &QualifiedName| plan.tables.iter().position(|t| &t.name == name);
    let root = index_of(&root.name).unwrap_or_default();
    let nodes = nodes(catalog, plan, root, &tenant_column);
    let mut edges = foreign_key_edges(catalog, plan, &tenant_column);
    for (name, (from_t, from_c), (to_t, to_c), when) in virtual_edges {
        let (Some(ci), Some(pi)) = (index_of(&from_t.name), index_of(&to_t.name)) else {
            continue;
        };
        edges.push(edge(
            name,
            (ci, from_t, &from_c),
            (pi, to_t, &to_c),
            when,
            &tenant_column,
        ));
    }
    Ok(Some(Graph {
        nodes,
        edges,
        root,
        root_key,
        root_key_type,
        tenant_column,
        excluded,
    }))
}

/// A reference the rules declare: its name, the referencing and the
/// referenced table and columns, and its condition.
type DeclaredReference<'c> = (
    String,
    (&'c Table, Vec<String>),
    (&'c Table, Vec<String>),
    Option<String>,
);

/// The rules' `references:`, each checked against the catalog.
fn declared_references<'c>(
    rules: &LoadedRules,
    catalog: &'c Catalog,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diagnostics,
) -> Vec<DeclaredReference<'c>> {
    let path = rules.path.as_path();
    let mut out = Vec::new();
    for (n, r) in rules.file.references.iter().enumerate() {
        let from = parse_columns(catalog, &r.from.value);
        let to = parse_columns(catalog, &r.to.value);
        let (from, to) = match (from, to) {
            (Ok(f), Ok(t)) => (f, t),
            (f, t) => {
                if let Err(e) = f {
                    diags.push(Diagnostic::at(
                        Loc::of(path, &r.from),
                        format!("references[{n}].from: {e}"),
                    ));
                }
                if let Err(e) = t {
                    diags.push(Diagnostic::at(
                        Loc::of(path, &r.to),
                        format!("references[{n}].to: {e}"),
                    ));
                }
                continue;
            }
        };
        if from.1.len() != to.1.len() {
            diags.push(Diagnostic::at(
                Loc::of(path, &r.from),
                format!(
                    "references[{n}]: from names {} column{} but to names {}: give one referenced column per referencing column",
                    from.1.len(),
                    if from.1.len() == 1 { "" } else { "s" },
                    to.1.len()
                ),
            ));
            continue;
        }
        let when = match &r.when {
            Some(w) => match expand_sql(
                path,
                w,
                env,
                "when is empty: remove it or write a SQL condition on the referencing row",
            ) {
                Ok(s) => Some(s),
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            },
            None => None,
        };
        out.push((format!("references[{n}]"), from, to, when));
    }
    out
}

/// `tenant.root`: the table, its one-column primary key and that key's
/// type, when the root exists, has such a key and has rows copied.
fn tenant_root<'c>(
    rules: &LoadedRules,
    catalog: &'c Catalog,
    plan: &Plan,
    diags: &mut Diagnostics,
) -> Option<(&'c Table, String, String)> {
    let path = rules.path.as_path();
    let tenant = rules.file.tenant.as_ref()?;
    let root_name = QualifiedName::parse_user(&tenant.root.value);
    let root = root_name.as_ref().and_then(|n| {
        let t = catalog.by_name(n)?;
        Some(catalog.rule_table(t))
    });
    let Some(t) = root else {
        diags.push(Diagnostic::at(
            Loc::of(path, &tenant.root),
            format!(
                "tenant.root `{}`: no such table in the source{}; write schema.table, e.g. public.organisations",
                tenant.root.value,
                root_name.as_ref().map(|n| suggest_table(catalog, n)).unwrap_or_default()
            ),
        ));
        return None;
    };
    let pk = t.unique_keys.iter().find(|k| k.primary);
    let key = match pk {
        Some(k) if k.columns.len() == 1 && !k.has_expressions => t
            .column(&k.columns[0])
            .map(|c| (c.name.clone(), c.type_name.clone())),
        _ => {
            diags.push(Diagnostic::at(
                Loc::of(path, &tenant.root),
                format!(
                    "tenant.root {}: the root needs a one-column primary key (the tenant id); it has {}",
                    t.name,
                    match pk {
                        Some(k) => format!("a primary key on ({})", k.columns.join(", ")),
                        None => "none".into(),
                    }
                ),
            ));
            None
        }
    };
    if let Some(p) = plan.tables.iter().find(|p| p.name == t.name) {
        if let Decision::SchemaOnly(why) = &p.decision {
            diags.push(Diagnostic::at(
                Loc::of(path, &tenant.root),
                format!(
                    "tenant.root {} has no rows copied ({why}): a subset starts from its rows; give it a rule that copies them",
                    t.name
                ),
            ));
        }
    }
    key.map(|(k, ty)| (t, k, ty))
}

/// `tenant.column` must be a column of some table.
fn check_tenant_column(
    path: &std::path::Path,
    catalog: &Catalog,
    tenant: &TenantConfig,
    diags: &mut Diagnostics,
) {
    let column = &tenant.column.value;
    if !catalog
        .tables
        .iter()
        .any(|t| t.parent.is_none() && t.column(column).is_some())
    {
        diags.push(Diagnostic::at(
            Loc::of(path, &tenant.column),
            format!(
                "tenant.column `{column}`: no table of the source has this column; name the column that holds the tenant id (e.g. org_id)"
            ),
        ));
    }
}

/// Each plan table's role.
fn nodes(catalog: &Catalog, plan: &Plan, root: usize, tenant_column: &str) -> Vec<Node> {
    plan.tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let role = if t.decision != Decision::Copy {
                Role::Empty
            } else if i == root {
                Role::Root
            } else if t.all_rows {
                Role::All
            } else {
                match catalog
                    .by_name(&t.name)
                    .and_then(|c| c.column(tenant_column))
                {
                    Some(c) => Role::Tenant(c.type_name.clone()),
                    None => Role::Reached,
                }
            };
            Node {
                name: t.name.clone(),
                role,
                filter: t.filter.clone(),
            }
        })
        .collect()
}

/// The declared foreign keys between plan tables, the partitions' included.
fn foreign_key_edges(catalog: &Catalog, plan: &Plan, tenant_column: &str) -> Vec<Edge> {
    let index_of = |name: &QualifiedName| plan.tables.iter().position(|t| &t.name == name);
    let mut edges = Vec::new();
    for (ci, child) in plan.tables.iter().enumerate() {
        let Some(table) = catalog.by_name(&child.name) else {
            continue;
        };
        let mut fks: Vec<&crate::catalog::ForeignKey> = table.foreign_keys.iter().collect();
        for leaf in catalog.leaves(table) {
            if leaf.oid != table.oid {
                fks.extend(leaf.foreign_keys.iter());
            }
        }
        for fk in fks {
            let Some(parent) = catalog.by_oid(fk.ref_table).map(|t| catalog.rule_table(t)) else {
                continue;
            };
            let Some(pi) = index_of(&parent.name) else {
                continue;
            };
            edges.push(edge(
                fk.name.clone(),
                (ci, table, &fk.columns),
                (pi, parent, &fk.ref_columns),
                None,
                tenant_column,
            ));
        }
    }
    edges
}

fn edge(
    name: String,
    (ci, child, cols): (usize, &Table, &Vec<String>),
    (pi, parent, ref_cols): (usize, &Table, &Vec<String>),
    when: Option<String>,
    tenant_column: &str,
) -> Edge {
    let type_of = |t: &Table, c: &str| {
        t.column(c)
            .map(|c| c.type_name.clone())
            .unwrap_or_else(|| "text".into())
    };
    let null_columns = cols
        .iter()
        .filter(|c| {
            c.as_str() != tenant_column
                && child
                    .column(c)
                    .is_some_and(|col| !col.not_null && !col.generated)
        })
        .cloned()
        .collect();
    Edge {
        name,
        child: ci,
        types: cols.iter().map(|c| type_of(child, c)).collect(),
        columns: cols.clone(),
        parent: pi,
        ref_types: ref_cols.iter().map(|c| type_of(parent, c)).collect(),
        ref_columns: ref_cols.clone(),
        when,
        null_columns,
    }
}

/// `schema.table(col, …)` → the rules-level table and its columns.
fn parse_columns<'c>(catalog: &'c Catalog, text: &str) -> Result<(&'c Table, Vec<String>), String> {
    let (table, rest) = text
        .split_once('(')
        .ok_or_else(|| format!("`{text}` must be written schema.table(column, …)"))?;
    let cols = rest
        .trim_end()
        .strip_suffix(')')
        .ok_or_else(|| format!("`{text}` must end with `)`: schema.table(column, …)"))?;
    let name = QualifiedName::parse_user(table.trim())
        .ok_or_else(|| format!("`{}` must be written schema.table", table.trim()))?;
    let t = catalog
        .by_name(&name)
        .map(|t| catalog.rule_table(t))
        .ok_or_else(|| {
            format!(
                "unknown table {name}: the source has no such table{}",
                suggest_table(catalog, &name)
            )
        })?;
    let mut out = Vec::new();
    for c in cols.split(',') {
        let c = c.trim();
        let c = split_dotted(c)
            .filter(|v| v.len() == 1)
            .map(|mut v| v.remove(0))
            .ok_or_else(|| format!("`{c}` is not a column name"))?;
        if t.column(&c).is_none() {
            let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            return Err(format!(
                "unknown column {}.{c}: the table has {}",
                t.name,
                names.join(", ")
            ));
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err(format!("`{text}` names no column"));
    }
    Ok((t, out))
}
