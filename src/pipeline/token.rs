//! `token`'s source side. Each value is read by the source as the column's
//! type, with the column's `when` conditions evaluated on it, through the
//! same `COPY … TO STDOUT` text format a job of `run` reads; the plan's
//! field operation masks it; the masked text is then read back as the
//! column's type, so that it prints as the copy prints it. Read-only,
//! inside the caller's transaction.

use futures_util::StreamExt;
use tokio_postgres::Client;

use super::probe::{db_message, in_savepoint};
use crate::copy::{text, Format};
use crate::pg::quote_literal;
use crate::plan::{ColumnToken, Token};
use crate::Error;

/// What the copy holds for each of `values`, in order, or why a value has
/// no token. `Err` when the column's conditions refer to more than the
/// column (a usage error) or the source fails.
pub async fn tokens(
    src: &Client,
    column: &ColumnToken,
    values: &[String],
) -> Result<Vec<Result<Token, String>>, Error> {
    if column.has_conditions() {
        // Parsed, not run: a condition naming another column does not parse
        // against the single-column relation.
        let sql = column.source_sql("NULL");
        if let Err(e) = in_savepoint(src, src.prepare(&sql)).await? {
            let why = match e.code().map(|c| c.code()) {
                Some("42703" | "42P01") => "refer to other columns of the row",
                _ => "cannot run on a value alone",
            };
            return Err(Error::usage(format!(
                "{}: its `when` conditions {why} ({}), so the value alone does not decide which entry applies",
                column.name,
                db_message(&e)
            )));
        }
    }
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        out.push(one(src, column, value).await?);
    }
    Ok(out)
}

/// The token of one value.
async fn one(
    src: &Client,
    column: &ColumnToken,
    value: &str,
) -> Result<Result<Token, String>, Error> {
    let type_name = &column.column.type_name;
    if let Err(why) = column.check_input(value) {
        return Ok(Err(why));
    }
    let select = column.source_sql(&quote_literal(value));
    let row = match in_savepoint(src, copy_text(src, &select)).await? {
        Ok(row) => row,
        Err(e) => {
            let what = if column.has_conditions() {
                format!("read it as {type_name} or evaluate the column's conditions on it")
            } else {
                format!("read it as {type_name}")
            };
            return Ok(Err(format!("the source cannot {what}: {}", db_message(&e))));
        }
    };
    let token = match column.token(row.strip_suffix(b"\n").unwrap_or(&row)) {
        Ok(t) => t,
        Err(why) => return Ok(Err(why)),
    };
    let (Token::Masked(t) | Token::Kept(t)) = &token;
    let select = format!("SELECT {}::{type_name}", quote_literal(t));
    let printed = match in_savepoint(src, copy_text(src, &select)).await? {
        Ok(row) => text::decode_lossy(row.strip_suffix(b"\n").unwrap_or(&row)),
        Err(e) => {
            return Ok(Err(format!(
                "its masked value is not a valid {type_name} ({}): `run` fails on such a row",
                db_message(&e)
            )))
        }
    };
    let Some(printed) = printed else {
        return Ok(Err("the copy holds NULL for it".into()));
    };
    Ok(Ok(match token {
        Token::Masked(_) => Token::Masked(printed),
        Token::Kept(_) => Token::Kept(printed),
    }))
}

/// The rows of `select` in COPY text format, as a job of `run` reads them.
async fn copy_text(src: &Client, select: &str) -> Result<Vec<u8>, tokio_postgres::Error> {
    let sql = format!(
        "COPY ({select}) TO STDOUT WITH ({})",
        Format::default().copy_options()
    );
    let stream = src.copy_out(&sql).await?;
    let mut stream = std::pin::pin!(stream);
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}
