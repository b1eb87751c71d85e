//! What the source database holds: tables (partitioned parents and leaves),
//! columns with their types, generated and identity columns, primary and
//! unique keys, foreign keys, RLS flags, row estimates, sequences,
//! materialized views, views and the schemas pg_dump copies, and what the
//! reading role may read. Read once, inside the run's snapshot; the SQL lives in
//! `catalog/sql/*.sql`. Nothing here knows about rules.

mod load;

use crate::pg::QualifiedName;

/// The source's schema, as far as copying needs it.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Tables, partitioned parents and partitions, ordered by schema and name.
    pub tables: Vec<Table>,
    /// Sequences (including those behind serial and identity columns).
    pub sequences: Vec<QualifiedName>,
    /// Materialized views, refreshed on the target after the load.
    pub matviews: Vec<QualifiedName>,
    /// Views and foreign tables: no rows to copy, but readers of the copy
    /// are granted them.
    pub views: Vec<QualifiedName>,
    /// The schemas the copy holds (pg_dump makes every one but the system
    /// schemas and those of extensions), in name order.
    pub schemas: Vec<String>,
    /// Sequences the reading role cannot read (no SELECT, or no USAGE on
    /// their schema): their values cannot be copied.
    pub unreadable_sequences: Vec<QualifiedName>,
    /// The role doppel reads as.
    pub role: Role,
}

/// The reading role's privileges that decide what it can see.
#[derive(Debug, Clone, Default)]
pub struct Role {
    /// Role name.
    pub name: String,
    /// Superuser (sees every row).
    pub superuser: bool,
    /// BYPASSRLS (sees every row).
    pub bypass_rls: bool,
}

/// What kind of table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableKind {
    /// A table that holds rows itself.
    Ordinary,
    /// A partitioned parent: no rows of its own, rows live in partitions.
    Partitioned,
}

/// One table or partition.
#[derive(Debug, Clone)]
pub struct Table {
    /// pg_class oid.
    pub oid: u32,
    /// Schema and name.
    pub name: QualifiedName,
    /// Holds rows, or partitioned.
    pub kind: TableKind,
    /// The direct parent, when this is a partition.
    pub parent: Option<u32>,
    /// Row-level security enabled.
    pub rls: bool,
    /// Row-level security forced even for the owner.
    pub force_rls: bool,
    /// Owner role.
    pub owner: String,
    /// Planner's row estimate (0 when never analyzed).
    pub estimate_rows: f64,
    /// Heap + TOAST bytes (0 for partitioned parents).
    pub bytes: i64,
    /// Blocks of the heap (its main fork; 0 for partitioned parents).
    pub pages: i64,
    /// Columns in attribute order.
    pub columns: Vec<Column>,
    /// Primary key and unique indexes.
    pub unique_keys: Vec<UniqueKey>,
    /// Foreign keys declared on this table.
    pub foreign_keys: Vec<ForeignKey>,
    /// The reading role has SELECT on the table itself (COPY of its rows
    /// and pg_dump's lock need it; column grants are not enough for the lock).
    pub can_select: bool,
    /// The reading role has USAGE on the table's schema.
    pub schema_usage: bool,
}

/// One column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Attribute number.
    pub num: i32,
    /// Name as in the catalog.
    pub name: String,
    /// Type as written (`character varying(20)`, `my_domain`, `integer[]`).
    pub type_name: String,
    /// Base type name behind a domain (`varchar`, `int4`, `uuid`, `_text`).
    pub base_type: String,
    /// pg_type.typcategory of the base type (`S` string, `N` numeric, `A` array, …).
    pub category: char,
    /// Length limit in characters for varchar(n)/char(n), if any.
    pub max_chars: Option<usize>,
    /// The column's type is a domain.
    pub is_domain: bool,
    /// NOT NULL.
    pub not_null: bool,
    /// GENERATED ALWAYS AS (…) STORED: the target computes it.
    pub generated: bool,
    /// Identity column (`a` always, `d` by default).
    pub identity: Option<char>,
    /// Has a DEFAULT.
    pub has_default: bool,
    /// The reading role may SELECT it (granted on the table or the column).
    pub can_select: bool,
    /// The base type's binary form: its built-in send function
    /// (`uuid_send`, `array_send:textsend`), `other` (not built in), `oids`
    /// (names user-defined types by oid, which differ between databases) or
    /// empty (no binary form).
    pub wire: String,
}

/// A primary key or unique index.
#[derive(Debug, Clone)]
pub struct UniqueKey {
    /// Index name.
    pub name: String,
    /// Is the primary key.
    pub primary: bool,
    /// Key columns, in order (expression parts left out).
    pub columns: Vec<String>,
    /// Has expressions (e.g. lower(email)).
    pub has_expressions: bool,
    /// Has a WHERE clause.
    pub partial: bool,
}

/// A declared foreign key.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: String,
    /// Referencing columns, in order.
    pub columns: Vec<String>,
    /// Referenced table's oid.
    pub ref_table: u32,
    /// Referenced columns, in order.
    pub ref_columns: Vec<String>,
}

impl Catalog {
    /// The table with this oid.
    pub fn by_oid(&self, oid: u32) -> Option<&Table> {
        self.tables.iter().find(|t| t.oid == oid)
    }

    /// The table with this name.
    pub fn by_name(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.iter().find(|t| &t.name == name)
    }

    /// The topmost partitioned ancestor of a partition (the table rules name), or itself.
    pub fn rule_table<'a>(&'a self, table: &'a Table) -> &'a Table {
        let mut t = table;
        while let Some(p) = t.parent.and_then(|p| self.by_oid(p)) {
            t = p;
        }
        t
    }

    /// The leaves (tables that hold rows) under `table`: itself if ordinary,
    /// every partition at any depth if partitioned.
    pub fn leaves<'a>(&'a self, table: &'a Table) -> Vec<&'a Table> {
        if table.kind == TableKind::Ordinary {
            return vec![table];
        }
        let mut out = Vec::new();
        for child in self.tables.iter().filter(|c| c.parent == Some(table.oid)) {
            out.extend(self.leaves(child));
        }
        out
    }

    /// Whether the reading role sees every row of `table` despite row-level security.
    pub fn sees_all_rows(&self, table: &Table) -> bool {
        !table.rls
            || self.role.superuser
            || self.role.bypass_rls
            || (table.owner == self.role.name && !table.force_rls)
    }
}

impl Table {
    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}
