//! Choosing the tenants of a subset: the ids given (as the source writes
//! them) and a stable sample, minus the excluded ones; and the predicate
//! that selects the chosen tenants' rows.

use std::collections::HashSet;

use tokio_postgres::Client;

use super::graph::Graph;
use super::pred::{text_array, Pred};
use super::{sampled, Selection};
use crate::pg::{pg_text, quote_ident};
use crate::Error;

/// The rows of `tenants`, by their id in `column` (of `type_name`); `from`
/// says which tenants they are, for `plan`.
pub(super) fn tenant_pred(column: &str, type_name: &str, tenants: &[String], from: &str) -> Pred {
    Pred::In {
        columns: vec![column.to_string()],
        types: vec![type_name.to_string()],
        keys: tenants.iter().map(|t| vec![t.clone()]).collect(),
        from: from.into(),
    }
}

/// The chosen tenants (as the source writes their ids) and those excluded.
pub(super) async fn choose(
    client: &Client,
    graph: &Graph,
    selection: &Selection,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let excluded = excluded(client, graph, selection).await?;
    let mut chosen: Vec<String> = Vec::new();
    if !selection.tenants.is_empty() {
        chosen.extend(given(client, graph, &selection.tenants).await?);
    }
    if let Some(percent) = selection.sample_percent {
        chosen.extend(sample(client, graph, percent).await?);
    }
    chosen.sort();
    chosen.dedup();
    let mut dropped = Vec::new();
    chosen.retain(|t| {
        if excluded.contains(t) {
            dropped.push(t.clone());
            false
        } else {
            true
        }
    });
    for t in &dropped {
        tracing::warn!("tenant {t} is excluded (exclude_tenants or --exclude-tenant): not copied");
    }
    if chosen.is_empty() {
        return Err(Error::usage(format!(
            "no tenant left to copy: {}",
            if dropped.is_empty() {
                "--sample-tenants chose none; give a larger share or --tenant ID".to_string()
            } else {
                format!("{} excluded (exclusions win)", dropped.join(", "))
            }
        )));
    }
    Ok((chosen, dropped))
}

/// Each of `ids` as the source writes it (`None`: no such tenant); `flag`
/// names where the ids came from in errors.
async fn canonical(
    client: &Client,
    graph: &Graph,
    flag: &str,
    ids: &[String],
) -> Result<Vec<(String, Option<String>)>, Error> {
    let root = &graph.nodes[graph.root].name;
    let key = quote_ident(&graph.root_key);
    let ty = &graph.root_key_type;
    let sql = format!(
        "SELECT u.v, r.{key}::text FROM unnest({}::text[]) WITH ORDINALITY u(v, n) \
         LEFT JOIN {} r ON r.{key} = u.v::{ty} ORDER BY u.n",
        text_array(ids.iter().map(|s| s.as_str())),
        root.quoted()
    );
    let rows = client.query(&sql, &[]).await.map_err(|e| {
        Error::usage(format!(
            "{flag}: {}: not a tenant id of {root} ({} is {ty}): {}",
            ids.join(", "),
            graph.root_key,
            pg_text(&e)
        ))
    })?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<_, String>(0)
                    .map_err(|e| Error::runtime(e.to_string()))?,
                r.try_get::<_, Option<String>>(1)
                    .map_err(|e| Error::runtime(e.to_string()))?,
            ))
        })
        .collect()
}

/// The tenants excluded by the rules and `--exclude-tenant`, as the source
/// writes their ids. An excluded tenant that no longer exists is fine (it
/// was deleted); an id the root key's type cannot hold is refused.
pub(super) async fn excluded(
    client: &Client,
    graph: &Graph,
    selection: &Selection,
) -> Result<HashSet<String>, Error> {
    let mut exclude_in = graph.excluded.clone();
    exclude_in.extend(selection.exclude.iter().cloned());
    if exclude_in.is_empty() {
        return Ok(HashSet::new());
    }
    let flag = "exclude_tenants / --exclude-tenant";
    Ok(canonical(client, graph, flag, &exclude_in)
        .await?
        .into_iter()
        .map(|(given, found)| found.unwrap_or(given))
        .collect())
}

/// The tenants `--tenant` names, as the source writes their ids; an id
/// with no tenant is refused.
async fn given(client: &Client, graph: &Graph, ids: &[String]) -> Result<Vec<String>, Error> {
    let found = canonical(client, graph, "--tenant", ids).await?;
    let missing: Vec<&str> = found
        .iter()
        .filter(|(_, f)| f.is_none())
        .map(|(g, _)| g.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Error::usage(format!(
            "--tenant {}: no such tenant in {} (no row with that {}); check the id",
            missing.join(", "),
            graph.nodes[graph.root].name,
            graph.root_key
        )));
    }
    Ok(found.into_iter().filter_map(|(_, f)| f).collect())
}

/// The tenants `--sample-tenants percent` chooses, in id order.
async fn sample(client: &Client, graph: &Graph, percent: f64) -> Result<Vec<String>, Error> {
    let root = &graph.nodes[graph.root].name;
    let key = quote_ident(&graph.root_key);
    let sql = format!("SELECT {key}::text FROM {} ORDER BY 1", root.quoted());
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(|e| Error::runtime(format!("source: reading {root}: {}", pg_text(&e))))?;
    let mut chosen = Vec::new();
    for r in rows {
        let id: String = r
            .try_get(0)
            .map_err(|e| Error::runtime(format!("source: {root}: {e}")))?;
        if sampled(&id, percent) {
            chosen.push(id);
        }
    }
    Ok(chosen)
}
