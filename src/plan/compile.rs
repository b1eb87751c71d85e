//! One column's rule compiled against the column: the action it gets
//! (keep, null, default, a masker, a `sql:` expression, a condition list, a
//! template), refused with its place when the column's type, keys or
//! nullability make the rule unsafe.

use std::path::Path;

use serde_saphyr::Spanned;

use super::spec::{mask_spec, masker_names};
use super::{ColumnAction, OmitReason, PlanOptions};
use crate::catalog::{Column, Table};
use crate::config::{expand_env, ColumnRule, Diagnostic, Loc, MaskerConfig, WhenRule};
use crate::mask::{parse_template, MaskKey, Masker, TemplatePart, ValueShape};

/// The value shape a masker must produce for this column.
pub fn shape_of(col: &Column) -> ValueShape {
    match col.base_type.as_str() {
        "int2" => ValueShape::Int16,
        "int4" => ValueShape::Int32,
        "int8" => ValueShape::Int64,
        "uuid" => ValueShape::Uuid,
        "text" | "varchar" | "bpchar" | "citext" | "name" => ValueShape::Text {
            max_chars: col.max_chars,
            case_insensitive: col.base_type == "citext",
        },
        "date" => ValueShape::Date,
        "timestamp" | "timestamptz" => ValueShape::Timestamp,
        "numeric" | "float4" | "float8" => ValueShape::Number,
        "jsonb" => ValueShape::Jsonb,
        "json" => ValueShape::Json,
        "inet" | "cidr" => ValueShape::Inet,
        array if col.category == 'A' && array.starts_with('_') => {
            let elem = Column {
                base_type: array[1..].to_string(),
                category: 'X',
                max_chars: None,
                ..col.clone()
            };
            ValueShape::Array(Box::new(shape_of(&elem)))
        }
        _ => ValueShape::Other(col.type_name.clone()),
    }
}

/// The action `rule` gives `col` of `table`, or the problem, located at `loc`.
pub(super) fn compile_column(
    path: &Path,
    table: &Table,
    col: &Column,
    rule: &ColumnRule,
    loc: Option<Loc>,
    opts: &PlanOptions,
    default_locale: &str,
) -> Result<ColumnAction, Diagnostic> {
    let site = Site {
        path,
        table,
        col,
        loc,
        opts,
        default_locale,
    };
    site.compile(rule)
}

/// One column's rule being compiled: the rules file, the column it is
/// for, the rule's place, and the plan's options.
struct Site<'a> {
    path: &'a Path,
    table: &'a Table,
    col: &'a Column,
    loc: Option<Loc>,
    opts: &'a PlanOptions<'a>,
    default_locale: &'a str,
}

impl Site<'_> {
    /// A problem with the rule, at its place, naming the column.
    fn at(&self, msg: String) -> Diagnostic {
        Diagnostic::at(
            self.loc.clone(),
            format!("{}.{}: {msg}", self.table.name, self.col.name),
        )
    }

    /// `text` with `${NAME}` expanded, or the problem at the rule's place.
    fn expand(&self, text: &Spanned<String>) -> Result<String, Diagnostic> {
        expand_env(self.path, text, self.opts.env).map_err(|d| self.at(d.message))
    }

    /// The action `rule` gives the column.
    fn compile(&self, rule: &ColumnRule) -> Result<ColumnAction, Diagnostic> {
        match rule {
            ColumnRule::Keep => Ok(ColumnAction::Keep),
            ColumnRule::Null => self.null(),
            ColumnRule::Default => self.default(),
            ColumnRule::When(list) => self.conditions(list),
            ColumnRule::Mask(cfg) if cfg.sql.is_some() => self.sql(cfg),
            ColumnRule::Mask(cfg) if cfg.template.is_some() => self.template(cfg),
            ColumnRule::Mask(cfg) => self.masker(cfg),
        }
    }

    /// `null`: refused on a NOT NULL column.
    fn null(&self) -> Result<ColumnAction, Diagnostic> {
        if self.col.not_null {
            return Err(self.at(format!(
                "`null` on a NOT NULL column ({}): use a masker that produces a value, e.g. {{ value: … }}",
                self.col.type_name
            )));
        }
        Ok(ColumnAction::Null)
    }

    /// `default`: the column is left out, unless the target would then
    /// reject every row.
    fn default(&self) -> Result<ColumnAction, Diagnostic> {
        let col = self.col;
        if col.has_default || col.identity.is_some() || !col.not_null {
            Ok(ColumnAction::Omit(OmitReason::Default))
        } else {
            Err(self.at("`default` on a NOT NULL column without a DEFAULT: the target would reject every row; use keep or a masker".into()))
        }
    }

    /// A condition list: each entry's condition and its rule compiled, the
    /// last entry (and only it) without a condition.
    fn conditions(&self, list: &[WhenRule]) -> Result<ColumnAction, Diagnostic> {
        let mut branches = Vec::new();
        for (i, w) in list.iter().enumerate() {
            let last = i + 1 == list.len();
            let cond = match &w.when {
                Some(c) => Some(self.expand(c)?),
                None if last => None,
                None => {
                    return Err(
                        self.at("only the last entry of a condition list may omit `when`".into())
                    )
                }
            };
            if matches!(&w.mask.value, ColumnRule::When(_) | ColumnRule::Default)
                || matches!(&w.mask.value, ColumnRule::Mask(m) if m.template.is_some())
            {
                return Err(self.at("inside a condition list use keep, null or a masker (not default, template or another list)".into()));
            }
            branches.push((cond, self.compile(&w.mask.value)?));
        }
        if branches.last().is_none_or(|(c, _)| c.is_some()) {
            return Err(self.at("a condition list must end with an entry without `when` (what applies otherwise), e.g. `- mask: null`".into()));
        }
        Ok(ColumnAction::When(branches))
    }

    /// `sql:`: a non-empty expression and no other masker.
    fn sql(&self, cfg: &MaskerConfig) -> Result<ColumnAction, Diagnostic> {
        let e = cfg.sql.as_ref().map(|e| self.expand(e)).transpose()?;
        let others = masker_names(cfg).len() > 1;
        match e {
            Some(e) if !others && !e.trim().is_empty() => Ok(ColumnAction::Sql(e)),
            _ => Err(self.at("`sql:` takes a non-empty SQL expression and no other masker".into())),
        }
    }

    /// `template:`: text built from other columns of the row, never on a
    /// key column.
    fn template(&self, cfg: &MaskerConfig) -> Result<ColumnAction, Diagnostic> {
        let (table, col) = (self.table, self.col);
        if masker_names(cfg).len() > 1 {
            return Err(self.at("`template:` takes no other masker".into()));
        }
        if !matches!(shape_of(col), ValueShape::Text { .. }) {
            return Err(self.at(format!(
                "template builds text; the column is {}",
                col.type_name
            )));
        }
        let t = cfg
            .template
            .as_ref()
            .map(|t| self.expand(t))
            .transpose()?
            .unwrap_or_default();
        let parts = parse_template(&t).map_err(|e| self.at(e))?;
        for p in &parts {
            if let TemplatePart::Column(c) = p {
                if c == &col.name {
                    return Err(self.at(format!(
                        "template {t:?} refers to its own column: refer to other columns"
                    )));
                }
                if table.column(c).is_none() {
                    return Err(self.at(format!(
                        "template {t:?} refers to {c}, which {} does not have ({})",
                        table.name,
                        column_list(table)
                    )));
                }
            }
        }
        if table
            .unique_keys
            .iter()
            .any(|k| k.columns.iter().any(|c| c == &col.name))
        {
            return Err(self.at("template on a primary key or unique column cannot promise distinct values: use tokenize".into()));
        }
        Ok(ColumnAction::Template(parts))
    }

    /// A masker built for the column's type (with a placeholder key when
    /// none was given), refused when it can repeat values the column must
    /// keep distinct.
    fn masker(&self, cfg: &MaskerConfig) -> Result<ColumnAction, Diagnostic> {
        let spec =
            mask_spec(self.path, cfg, self.opts, self.default_locale).map_err(|e| self.at(e))?;
        let shape = shape_of(self.col);
        let key_for_build;
        let key = match self.opts.key {
            Some(k) => k,
            None => {
                // The missing key is reported once for the whole plan; build
                // with a placeholder so type errors are still found now.
                key_for_build = MaskKey::new(b"placeholder: no key was given");
                &key_for_build
            }
        };
        let masker = Masker::new(&spec, key, &shape)
            .map_err(|e| self.at(format!("{e} (column type {})", self.col.type_name)))?;
        if !masker.is_injective() {
            self.repeats_refused(&masker, cfg)?;
        }
        Ok(ColumnAction::Mask(masker))
    }

    /// For a masker that can give two rows the same value: the problem when
    /// the column is in a key or the rule asks for `unique: true`.
    fn repeats_refused(&self, masker: &Masker, cfg: &MaskerConfig) -> Result<(), Diagnostic> {
        let col = self.col;
        if let Some(k) = self
            .table
            .unique_keys
            .iter()
            .find(|k| k.columns.iter().any(|c| c == &col.name))
        {
            return Err(self.at(format!(
                "{} can give two rows the same value, but the column is in {} {} ({}): use a unique-safe masker (tokenize hex/uuid/integer/preserve/digits, fake email or uuid) or keep",
                masker.describe(),
                if k.primary { "primary key" } else { "unique index" },
                k.name,
                k.columns.join(", ")
            )));
        }
        if cfg.unique.as_ref().is_some_and(|u| u.value) {
            return Err(self.at(format!(
                "`unique: true`, but {} can give two rows the same value: use a unique-safe masker",
                masker.describe()
            )));
        }
        Ok(())
    }
}

/// Whether `rule` compiles for `col` of `table` as `check` compiles it
/// (without a key, the default locale `en`): the problem otherwise. For
/// drafting rules that pass `check`.
pub fn check_column_rule(table: &Table, col: &Column, rule: &ColumnRule) -> Result<(), String> {
    let no_env = |_: &str| None;
    let opts = PlanOptions::check(&no_env);
    compile_column(Path::new("draft"), table, col, rule, None, &opts, "en")
        .map(|_| ())
        .map_err(|d| d.message)
}

/// `columns a, b, c` (the first twelve), for messages about unknown columns.
pub(super) fn column_list(table: &Table) -> String {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    if names.len() <= 12 {
        format!("columns {}", names.join(", "))
    } else {
        format!("{} columns: {}, …", names.len(), names[..12].join(", "))
    }
}
