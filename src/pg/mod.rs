//! Everything that talks to PostgreSQL outside the data stream: connection
//! settings (libpq URLs, environment, .pgpass, TLS), identifier quoting (the
//! only place that quotes), session settings and exported snapshots, and the
//! pg_dump runner. Nothing here knows about rules or masking.

pub mod cancel;
pub mod cluster;
pub mod conninfo;
pub mod dump;
pub mod ident;
pub mod session;
pub mod tls;

pub use conninfo::ConnInfo;
pub use ident::{quote_ident, quote_literal, QualifiedName};

/// `/usr/lib/postgresql/<major>/bin` directories that hold every one of
/// `tools`, newest major first (Debian's layout for server and client binaries).
pub fn versioned_bin_dirs(tools: &[&str]) -> Vec<(u32, std::path::PathBuf)> {
    let mut found: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            tools
                .iter()
                .all(|t| bin.join(t).is_file())
                .then_some((major, bin))
        })
        .collect();
    found.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    found
}

/// The text of an error and its causes, for messages: the database's own
/// message for a server error, with its SQLSTATE and whatever the server
/// said of the object (`ERROR: insert or update on table "lines" violates
/// foreign key constraint "lines_invoice_fkey" (SQLSTATE 23503); DETAIL: Key
/// (invoice_id)=(7) is not present in table "invoices".`), where the driver
/// alone would only say `db error`.
pub fn pg_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        let more = match c.downcast_ref::<tokio_postgres::error::DbError>() {
            Some(db) => db_error_text(db),
            None => c.to_string(),
        };
        if text == "db error" || text == more {
            text = more;
        } else if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}

/// One server error as users read it: severity, message, SQLSTATE, and the
/// detail, hint and object the server named.
pub fn db_error_text(db: &tokio_postgres::error::DbError) -> String {
    let mut text = format!(
        "{}: {} (SQLSTATE {})",
        db.severity(),
        db.message(),
        db.code().code()
    );
    if let Some(d) = db.detail() {
        text.push_str(&format!("; DETAIL: {d}"));
    }
    if let Some(h) = db.hint() {
        text.push_str(&format!("; HINT: {h}"));
    }
    if let Some(w) = db.where_() {
        text.push_str(&format!("; WHERE: {w}"));
    }
    text
}

/// The SQLSTATE of a server error anywhere in `e`'s causes.
pub fn sqlstate(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(db) = c.downcast_ref::<tokio_postgres::error::DbError>() {
            return Some(db.code().code().to_string());
        }
        cause = c.source();
    }
    None
}
