//! `doppel demo`: start a throwaway cluster, load the bundled multi-tenant
//! SaaS database, copy it masked with `masking-rules/demo.yaml`, show rows
//! before and after, and stop the cluster.

use std::path::Path;

use tokio_postgres::Client;

use crate::cli::DemoArgs;
use crate::config::{parse_loaded_rules, resolve_key, Diagnostics};
use crate::pg::cluster::TempCluster;
use crate::pg::ConnInfo;
use crate::pipeline::{copy_database, CopyRecord, CopyRequest, Destination, PipelineOptions};
use crate::report::ProgressStyle;
use crate::{Error, ExitCode};

const DEMO_SCHEMA: &str = include_str!("../../demo/schema.sql");
const DEMO_DATA: &str = include_str!("../../demo/data.sql");
const DEMO_RULES: &str = include_str!("../../masking-rules/demo.yaml");
const DEMO_KEY: &str = "doppel-demo-key: not a secret, never use it for real data";

/// Queries shown before and after, with a title each.
const SHOWCASE: &[(&str, &str)] = &[
    (
        "public.users",
        "SELECT id::text, email, full_name, phone, date_of_birth::text AS born FROM public.users ORDER BY created_at, email LIMIT 5",
    ),
    (
        "billing.payments",
        "SELECT card_last4, iban, payer_email FROM billing.payments ORDER BY paid_at, amount LIMIT 4",
    ),
    (
        "public.memberships (joins survive tokenized ids)",
        "SELECT m.role::text, u.email FROM public.memberships m JOIN public.users u ON u.id = m.user_id ORDER BY m.joined_at, m.role LIMIT 4",
    ),
];

/// Run `doppel demo`.
pub async fn demo(args: DemoArgs) -> Result<ExitCode, Error> {
    println!("Starting a throwaway PostgreSQL cluster…");
    let cluster = TempCluster::start().await.map_err(Error::runtime)?;
    let outcome = run_demo(&cluster, &args).await;
    if args.keep && outcome.is_ok() {
        println!(
            "\nThe cluster keeps running: psql {} (stop it with: pg_ctl -D {} stop)",
            cluster.url("demo_staging"),
            cluster.data_dir().display()
        );
        std::mem::forget(cluster);
    } else if let Err(e) = cluster.stop().await {
        tracing::warn!("could not stop the demo cluster cleanly: {e}");
    }
    outcome.map(|_| ExitCode::Success)
}

async fn run_demo(cluster: &TempCluster, args: &DemoArgs) -> Result<(), Error> {
    let admin = connect(&cluster.url("postgres")).await?;
    admin
        .batch_execute("CREATE DATABASE demo_prod")
        .await
        .map_err(|e| Error::runtime(format!("demo: {e}")))?;
    admin
        .batch_execute("CREATE DATABASE demo_staging")
        .await
        .map_err(|e| Error::runtime(format!("demo: {e}")))?;
    let prod = connect(&cluster.url("demo_prod")).await?;
    prod.batch_execute(DEMO_SCHEMA)
        .await
        .map_err(|e| Error::runtime(format!("demo: loading demo/schema.sql: {e}")))?;
    prod.batch_execute(DEMO_DATA)
        .await
        .map_err(|e| Error::runtime(format!("demo: loading demo/data.sql: {e}")))?;
    prod.batch_execute("ANALYZE")
        .await
        .map_err(|e| Error::runtime(format!("demo: {e}")))?;
    let rows: i64 = prod
        .query_one("SELECT sum(n_live_tup)::int8 FROM pg_stat_user_tables", &[])
        .await
        .and_then(|r| r.try_get(0))
        .unwrap_or(0);
    println!("Loaded the demo SaaS database demo_prod ({rows} rows).\n");

    println!("== Before (demo_prod, real personal data) ==");
    for (title, sql) in SHOWCASE {
        show(&prod, title, sql).await?;
    }

    let rules = parse_loaded_rules(Path::new("masking-rules/demo.yaml"), DEMO_RULES)
        .map_err(Error::usage)?;
    let env = |name: &str| match name {
        "DOPPEL_KEY" => Some(std::env::var("DOPPEL_KEY").unwrap_or_else(|_| DEMO_KEY.to_string())),
        other => std::env::var(other).ok(),
    };
    let key = resolve_key(&rules.path, &rules.file, &env, false)
        .map_err(|d| Error::usage(Diagnostics(vec![d])))?;
    let req = CopyRequest {
        selection: Default::default(),
        replace: false,
        analyze: true,
        swap: None,
        verify: None,
        source: ConnInfo::parse(&cluster.url("demo_prod")).map_err(Error::runtime)?,
        target: Destination::Database(Box::new(
            ConnInfo::parse(&cluster.url("demo_staging")).map_err(Error::runtime)?,
        )),
        rules,
        key,
        options: PipelineOptions {
            jobs: args.jobs.unwrap_or_else(super::default_jobs).max(1),
            ..PipelineOptions::default()
        },
        progress: ProgressStyle::Quiet,
    };
    println!("\nCopying demo_prod → demo_staging with masking-rules/demo.yaml…");
    let mut record = CopyRecord::default();
    let result = copy_database(&req, &mut record).await;
    super::run::finish(&req, &record, &result)?;
    result?;
    if let Some(plan) = &record.plan {
        println!("\n{}", crate::report::plan_summary(plan, &record.stats));
    }

    let staging = connect(&cluster.url("demo_staging")).await?;
    println!("== After (demo_staging, masked) ==");
    for (title, sql) in SHOWCASE {
        show(&staging, title, sql).await?;
    }
    println!("Same key, same input, same output: run it again and the masked rows are identical.");
    Ok(())
}

async fn connect(url: &str) -> Result<Client, Error> {
    ConnInfo::parse(url)
        .map_err(Error::runtime)?
        .connect()
        .await
        .map_err(|e| Error::runtime(format!("demo: {e}")))
}

/// Print a query's rows as an aligned table.
async fn show(client: &Client, title: &str, sql: &str) -> Result<(), Error> {
    let rows = client
        .query(sql, &[])
        .await
        .map_err(|e| Error::runtime(format!("demo: {title}: {e}")))?;
    let Some(first) = rows.first() else {
        println!("{title}: (no rows)\n");
        return Ok(());
    };
    let headers: Vec<String> = first
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            (0..headers.len())
                .map(|i| {
                    r.try_get::<_, Option<String>>(i)
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| "NULL".into())
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0)
                .min(48)
        })
        .collect();
    let line = |vals: &[String]| -> String {
        vals.iter()
            .zip(&widths)
            .map(|(v, w)| {
                let v: String = v.chars().take(*w).collect();
                format!("{v:<w$}")
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    println!("{title}:");
    println!("  {}", line(&headers));
    println!(
        "  {}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-")
    );
    for r in &cells {
        println!("  {}", line(r));
    }
    println!();
    Ok(())
}
