//! `doppel token`: the value the copy holds for each given value of one
//! column, one per line in input order, so that support can find a customer
//! in the masked copy by their real email or phone. The rules are compiled
//! against the source as `run` compiles them and each value goes through
//! the plan's own field operation (`plan::column_token`,
//! `pipeline::token`). Standard output holds the values and nothing else;
//! nothing of the key is printed.

use std::io::{IsTerminal, Read, Write};

use super::inspect::inspect;
use crate::cli::TokenArgs;
use crate::config::resolve_key;
use crate::plan::{column_token, ColumnAction, Token};
use crate::{Error, ExitCode};

/// Run `doppel token`.
pub async fn token(args: TokenArgs) -> Result<ExitCode, Error> {
    let from_stdin = args.values.is_empty();
    let values = if from_stdin {
        stdin_values()?
    } else {
        args.values.clone()
    };
    let ins = inspect("token", &args.source, &args.rules, false).await?;
    let column =
        column_token(&ins.plan, &ins.catalog, &ins.problems, &args.column).map_err(Error::usage)?;
    if column.needs_key() && ins.key.is_none() {
        let env = |name: &str| std::env::var(name).ok();
        let why = match resolve_key(&ins.rules.path, &ins.rules.file, &env, false) {
            Err(d) => d.to_string(),
            Ok(_) => "the rules give none: set `key: ${DOPPEL_KEY}` (or key_file:) as for the run that made the copy".into(),
        };
        return Err(Error::usage(format!(
            "{} is masked with a keyed masker ({}): its values need the key the copy was made with; {why}",
            column.name,
            column.column.action.describe()
        )));
    }
    let found = crate::pipeline::token::tokens(&ins.client, &column, &values).await?;
    let _ = ins.client.batch_execute("COMMIT").await;
    let place = |i: usize| match from_stdin {
        true => format!("line {} of standard input", i + 1),
        false => format!("value {}", i + 1),
    };
    let mut lines = Vec::with_capacity(found.len());
    let mut failed = Vec::new();
    let mut kept = 0;
    for (i, f) in found.into_iter().enumerate() {
        match f {
            Ok(Token::Masked(t) | Token::Kept(t)) if t.contains(['\n', '\r']) => {
                failed.push(format!(
                    "{}: its value in the copy spans lines, which one line per value cannot show",
                    place(i)
                ))
            }
            Ok(Token::Masked(t)) => lines.push(t),
            Ok(Token::Kept(t)) => {
                kept += 1;
                lines.push(t);
            }
            Err(why) => failed.push(format!("{}: {why}", place(i))),
        }
    }
    if !failed.is_empty() {
        return Err(Error::usage(format!(
            "{}: nothing printed, {} of {} value{} {} no token:\n  {}",
            column.name,
            failed.len(),
            values.len(),
            if values.len() == 1 { "" } else { "s" },
            if failed.len() == 1 { "has" } else { "have" },
            failed.join("\n  ")
        )));
    }
    if matches!(column.column.action, ColumnAction::Keep) {
        eprintln!(
            "note: {} is not masked (keep): the copy holds the values as they are",
            column.name
        );
    } else if kept > 0 {
        eprintln!(
            "note: {}: its `when` list keeps {kept} of the values unchanged",
            column.name
        );
    }
    if !ins.problems.is_empty() {
        eprintln!(
            "note: `run` refuses these rules as they stand ({} problem{}; `doppel check` lists them); the values printed are what they give {}",
            ins.problems.0.len(),
            if ins.problems.0.len() == 1 { "" } else { "s" },
            column.name
        );
    }
    let mut out = std::io::stdout().lock();
    for l in &lines {
        writeln!(out, "{l}")
            .map_err(|e| Error::runtime(format!("cannot write to standard output: {e}")))?;
    }
    out.flush()
        .map_err(|e| Error::runtime(format!("cannot write to standard output: {e}")))?;
    Ok(ExitCode::Success)
}

/// The values on standard input, one per line (a trailing `\r` dropped).
fn stdin_values() -> Result<Vec<String>, Error> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Error::usage(
            "give the values after the options, or one per line on standard input (e.g. `doppel token … < emails.txt`)",
        ));
    }
    let mut raw = Vec::new();
    stdin
        .read_to_end(&mut raw)
        .map_err(|e| Error::runtime(format!("cannot read standard input: {e}")))?;
    let text = String::from_utf8(raw).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::usage(format!(
            "standard input is not UTF-8 text (line {line}, byte {} of the input)",
            at + 1
        ))
    })?;
    if text.is_empty() {
        return Ok(Vec::new());
    }
    Ok(text
        .strip_suffix('\n')
        .unwrap_or(&text)
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect())
}
