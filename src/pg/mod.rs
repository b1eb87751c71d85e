//! Everything that talks to PostgreSQL outside the data stream: connection
//! settings (libpq URLs, environment, .pgpass, TLS), identifier quoting (the
//! only place that quotes), session settings and exported snapshots, and the
//! pg_dump runner. Nothing here knows about rules or masking.

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
/// message for a server error (`ERROR: canceling statement due to lock
/// timeout`), where the driver alone would only say `db error`.
pub fn pg_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if text == "db error" {
            text = more;
        } else if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}
