//! What `check` and `plan` share: the rules, and the source read inside one
//! read-only snapshot, compiled into a plan together with every problem;
//! and, when a target is given, the roles of `access:` looked up on its
//! cluster.

use tokio_postgres::Client;

use crate::catalog::Catalog;
use crate::cli::SourceArgs;
use crate::config::{
    load_rules, resolve_key, Diagnostic, Diagnostics, LoadedRules, Loc, TableRule,
};
use crate::mask::MaskKey;
use crate::pg::{session, ConnInfo, QualifiedName};
use crate::plan::{self, Plan, PlanOptions};
use crate::Error;

/// The rules compiled against the live source.
pub struct Inspection {
    /// The rules.
    pub rules: LoadedRules,
    /// The source, for display.
    pub source: ConnInfo,
    /// The source session, still inside its read-only snapshot.
    pub client: Client,
    /// The source's catalog.
    pub catalog: Catalog,
    /// Everything that compiled.
    pub plan: Plan,
    /// Every problem the rules have against the schema.
    pub problems: Diagnostics,
    /// The key, when the environment has it (never needed to inspect).
    pub key: Option<MaskKey>,
}

/// Load the rules, open the source read-only and compile (for a tenant
/// subset when `subset` is true); the source session is named after the
/// command (`doppel check`, `doppel plan`, …).
pub async fn inspect(
    command: &str,
    source: &SourceArgs,
    rules: &std::path::Path,
    subset: bool,
) -> Result<Inspection, Error> {
    let rules = load_rules(rules).map_err(Error::usage)?;
    let env = |name: &str| std::env::var(name).ok();
    // `check` runs in CI, where the key is usually absent: a key that
    // cannot be resolved is not a problem here.
    let key = resolve_key(&rules.path, &rules.file, &env, false)
        .ok()
        .flatten();
    let (conn, client) = open_source(source, command).await?;
    let catalog = read_catalog(&client).await?;
    let (plan, problems) = plan::build_all(
        &rules,
        &catalog,
        &PlanOptions {
            key: key.as_ref(),
            env: &env,
            require_key: false,
            subset,
        },
    );
    Ok(Inspection {
        rules,
        source: conn,
        client,
        catalog,
        plan,
        problems,
        key,
    })
}

/// Connect to the source with doppel's session settings and the source
/// limits (`--lock-timeout`, `--statement-timeout`), and open one
/// read-only repeatable-read transaction: the snapshot everything is read in.
pub async fn open_source(source: &SourceArgs, role: &str) -> Result<(ConnInfo, Client), Error> {
    let limits = source.limits()?;
    let conn =
        ConnInfo::parse(&source.source).map_err(|e| Error::usage(format!("--source: {e}")))?;
    let src_err =
        |e: tokio_postgres::Error| Error::runtime(format!("source: {}", crate::pg::pg_text(&e)));
    let client = conn
        .connect()
        .await
        .map_err(|e| Error::runtime(format!("source: {}", crate::pg::pg_text(&e))))?;
    session::prepare(&client, role).await.map_err(src_err)?;
    limits.apply(&client).await.map_err(src_err)?;
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .map_err(src_err)?;
    Ok((conn, client))
}

/// The source's catalog, read in the session's snapshot.
pub async fn read_catalog(client: &Client) -> Result<Catalog, Error> {
    Catalog::load(client).await.map_err(|e| {
        Error::runtime(format!(
            "source: reading the catalog: {}",
            crate::pg::pg_text(&e)
        ))
    })
}

impl Inspection {
    /// Where the rules mention `table` (and `column`), for findings the
    /// source made.
    pub fn locate(&self, table: &str, column: Option<&str>) -> Option<Loc> {
        let path = &self.rules.path;
        let (key, rule) = self.rules.file.tables.iter().find(|(k, _)| {
            QualifiedName::parse_user(&k.value).is_some_and(|n| n.to_string() == table)
        })?;
        if let (Some(c), TableRule::Rules(r)) = (column, rule) {
            if let Some((ck, _)) = r.columns.get(c) {
                return Loc::of(path, ck);
            }
        }
        Loc::of(path, key)
    }

    /// The problems only the source can find (filters and expressions that
    /// do not run, masked values a domain or enum rejects), located in the rules.
    pub async fn source_problems(&self) -> Result<Vec<Diagnostic>, Error> {
        let found = crate::pipeline::probe::all(&self.client, &self.plan, &self.catalog).await?;
        Ok(found
            .into_iter()
            .map(|f| Diagnostic::at(self.locate(&f.table, f.column.as_deref()), f.to_string()))
            .collect())
    }

    /// The roles of `access:` looked up on the target's cluster (roles
    /// belong to a cluster, and the target's is usually not the source's):
    /// one problem per role that does not exist. `None` when the rules
    /// have no `access:` or no target was given.
    pub async fn access_problems(
        &self,
        target: Option<&str>,
    ) -> Result<Option<Diagnostics>, Error> {
        let (Some(target), false) = (target, self.plan.access.is_empty()) else {
            return Ok(None);
        };
        let conn = ConnInfo::parse(target).map_err(|e| Error::usage(format!("--target: {e}")))?;
        let fail = |e: &(dyn std::error::Error + 'static)| {
            Error::runtime(format!("target: {}", crate::pg::pg_text(e)))
        };
        let client = conn.connect().await.map_err(|e| fail(&e))?;
        session::prepare(&client, "access check")
            .await
            .map_err(|e| fail(&e))?;
        let diags =
            crate::sink::access::missing_roles(&client, &self.plan.access, &conn.describe())
                .await
                .map_err(|e| fail(&e))?;
        Ok(Some(diags))
    }

    /// What `check` and `plan` say when the rules have `access:` but no
    /// target was given.
    pub fn access_unchecked(&self) -> Option<String> {
        let roles: Vec<&str> = self.plan.access.iter().map(|g| g.role.as_str()).collect();
        (!roles.is_empty()).then(|| format!(
            "access: role{} {} not looked up: roles belong to the target's cluster; pass --target URL (or set DOPPEL_TARGET) to check that they exist (run refuses before writing when one does not)",
            if roles.len() == 1 { "" } else { "s" },
            roles.join(", ")
        ))
    }
}
