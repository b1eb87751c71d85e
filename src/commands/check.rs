//! `doppel check`: the rules against the live schema, every finding at
//! once, exit 3 on any error. A CI gate: a migration that adds a column no
//! rule covers fails the build instead of leaking into staging.

use serde_json::json;

use super::inspect::{inspect, Inspection};
use crate::cli::{InspectArgs, OutputFormat};
use crate::config::{Diagnostic, Loc};
use crate::plan::{references, suggest, Decision};
use crate::{Error, ExitCode};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Error,
    Notice,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Notice => "notice",
        }
    }
}

struct Finding {
    level: Level,
    loc: Option<Loc>,
    message: String,
}

/// Run `doppel check`.
pub async fn check(args: InspectArgs) -> Result<ExitCode, Error> {
    let ins = inspect("check", &args.source, &args.rules, false).await?;
    let findings = findings(&ins, args.target.as_deref()).await?;
    let _ = ins.client.batch_execute("COMMIT").await;
    let summary = Summary {
        errors: findings.iter().filter(|f| f.level == Level::Error).count(),
        notices: findings.iter().filter(|f| f.level == Level::Notice).count(),
        path: ins.rules.path.display().to_string(),
        source: ins.source.describe(),
    };
    match args.format {
        OutputFormat::Text => print_text(&findings, &summary),
        OutputFormat::Json => print_json(&findings, &summary)?,
        OutputFormat::Github => print_github(&findings, &summary),
    }
    Ok(if summary.errors == 0 {
        ExitCode::Success
    } else {
        ExitCode::Check
    })
}

/// What the printed summary says.
struct Summary {
    errors: usize,
    notices: usize,
    path: String,
    source: String,
}

/// Every finding of the rules against the source (and `target`'s roles).
async fn findings(ins: &Inspection, target: Option<&str>) -> Result<Vec<Finding>, Error> {
    let mut findings: Vec<Finding> = Vec::new();
    let error = |d: Diagnostic| Finding {
        level: Level::Error,
        loc: d.loc,
        message: d.message,
    };
    // Rules with a `tenant:` section may be meant for subsets, whose closure
    // keeps references valid: what only a whole copy refuses is a notice.
    let whole_copy_only = match ins.rules.file.tenant {
        Some(_) => references::whole_copy_problems(&ins.rules, &ins.catalog, &ins.plan).0,
        None => Vec::new(),
    };
    for d in ins.problems.0.iter().cloned() {
        if whole_copy_only.contains(&d) {
            findings.push(Finding {
                level: Level::Notice,
                loc: d.loc,
                message: format!(
                    "{} (a whole copy with these rules is refused; a tenant subset sets such references NULL or drops their rows)",
                    d.message
                ),
            });
        } else {
            findings.push(error(d));
        }
    }
    findings.extend(ins.source_problems().await?.into_iter().map(error));
    match ins.access_problems(target).await? {
        Some(missing) => findings.extend(missing.0.into_iter().map(error)),
        None => findings.extend(ins.access_unchecked().map(|message| Finding {
            level: Level::Notice,
            loc: None,
            message,
        })),
    }
    let env = |name: &str| std::env::var(name).ok();
    if let Err(d) = crate::subset::build_graph(&ins.rules, &ins.catalog, &ins.plan, &env) {
        findings.extend(d.0.into_iter().map(error));
    }
    for t in &ins.plan.tables {
        let Decision::SchemaOnly(why) = &t.decision else {
            continue;
        };
        if ins.locate(&t.name.to_string(), None).is_some() {
            continue; // listed with rows: none
        }
        let Some(table) = ins.catalog.by_name(&t.name) else {
            continue;
        };
        findings.push(Finding {
            level: Level::Notice,
            loc: None,
            message: format!(
                "{}: {why}: its schema is copied, no rows ({}). To copy its rows, review and add under tables:\n{}",
                t.name,
                if table.estimate_rows > 0.0 {
                    format!("about {} rows in the source", table.estimate_rows as u64)
                } else {
                    "not analyzed yet".to_string()
                },
                suggest::table_rule(table).trim_end()
            ),
        });
    }
    Ok(findings)
}

/// Findings one per line, then the summary.
fn print_text(findings: &[Finding], s: &Summary) {
    let (errors, notices) = (s.errors, s.notices);
    for f in findings {
        let at = f.loc.as_ref().map(|l| format!("{l}: ")).unwrap_or_default();
        println!("{}: {at}{}", f.level.name(), f.message);
    }
    println!(
        "{}: {errors} error{}, {notices} notice{} ({} against {})",
        if errors == 0 { "ok" } else { "failed" },
        if errors == 1 { "" } else { "s" },
        if notices == 1 { "" } else { "s" },
        s.path,
        s.source
    );
}

/// One JSON document.
fn print_json(findings: &[Finding], s: &Summary) -> Result<(), Error> {
    let list: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            json!({
                "level": f.level.name(),
                "file": f.loc.as_ref().map(|l| l.path.display().to_string()),
                "line": f.loc.as_ref().map(|l| l.line),
                "column": f.loc.as_ref().map(|l| l.column),
                "message": f.message,
            })
        })
        .collect();
    let doc = json!({
        "ok": s.errors == 0,
        "rules": s.path,
        "source": s.source,
        "errors": s.errors,
        "notices": s.notices,
        "findings": list,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&doc).map_err(Error::runtime)?
    );
    Ok(())
}

/// GitHub workflow commands, which annotate the rules file in a pull request.
fn print_github(findings: &[Finding], s: &Summary) {
    for f in findings {
        let mut props = Vec::new();
        let file = f
            .loc
            .as_ref()
            .map(|l| l.path.display().to_string())
            .unwrap_or(s.path.clone());
        props.push(format!("file={}", gh_escape_prop(&file)));
        if let Some(l) = &f.loc {
            props.push(format!("line={}", l.line));
            props.push(format!("col={}", l.column));
        }
        props.push("title=doppel check".to_string());
        println!(
            "::{} {}::{}",
            f.level.name(),
            props.join(","),
            gh_escape(&f.message)
        );
    }
    println!("doppel check: {} errors, {} notices", s.errors, s.notices);
}

/// Escape a workflow command's message.
fn gh_escape(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow command's property value.
fn gh_escape_prop(s: &str) -> String {
    gh_escape(s).replace(':', "%3A").replace(',', "%2C")
}
