//! Running pg_dump for the schema: finding a binary as new as the server,
//! running one section inside the run's snapshot, and making its plain SQL
//! fit to be sent through a driver.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::ConnInfo;

/// What can go wrong with pg_dump.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// No pg_dump anywhere.
    #[error("pg_dump was not found on PATH nor in /usr/lib/postgresql/*/bin; install the PostgreSQL client {0} or newer (Debian: apt-get install postgresql-client-{0}), or set PG_DUMP=/path/to/pg_dump")]
    NotFound(u32),
    /// Only an older pg_dump.
    #[error("{path} is pg_dump {found}, older than the source server ({server}); pg_dump cannot dump a newer server. Install postgresql-client-{server} or newer, or set PG_DUMP=/path/to/pg_dump")]
    TooOld {
        /// The binary found.
        path: String,
        /// Its major version.
        found: u32,
        /// The server's major version.
        server: u32,
    },
    /// Could not start or read it.
    #[error("cannot run {path}: {source}")]
    Spawn {
        /// The binary.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// It ran and failed.
    #[error("pg_dump --section={section} failed ({status}): {stderr}")]
    Failed {
        /// The section being dumped.
        section: String,
        /// Exit status.
        status: String,
        /// What it said.
        stderr: String,
    },
}

/// A pg_dump binary and its major version.
#[derive(Debug, Clone)]
pub struct PgDump {
    /// Path to the binary.
    pub path: PathBuf,
    /// Major version (e.g. 15).
    pub major: u32,
    /// `--lock-wait-timeout` (PostgreSQL interval syntax), if any.
    pub lock_wait_timeout: Option<String>,
}

impl PgDump {
    /// Find a pg_dump able to dump a server of major version `server_major`:
    /// `$PG_DUMP`, then PATH, then the newest `/usr/lib/postgresql/*/bin/pg_dump`.
    pub async fn find(server_major: u32) -> Result<PgDump, DumpError> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(p) = std::env::var_os("PG_DUMP") {
            candidates.push(PathBuf::from(p));
        }
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                let p = dir.join("pg_dump");
                if p.is_file() {
                    candidates.push(p);
                }
            }
        }
        candidates.extend(
            super::versioned_bin_dirs(&["pg_dump"])
                .into_iter()
                .map(|(_, dir)| dir.join("pg_dump")),
        );

        let mut newest_too_old: Option<PgDump> = None;
        for path in candidates {
            let Ok(major) = version_of(&path).await else {
                continue;
            };
            if major >= server_major {
                return Ok(PgDump {
                    path,
                    major,
                    lock_wait_timeout: None,
                });
            }
            if newest_too_old.as_ref().is_none_or(|d| d.major < major) {
                newest_too_old = Some(PgDump {
                    path,
                    major,
                    lock_wait_timeout: None,
                });
            }
        }
        match newest_too_old {
            Some(d) => Err(DumpError::TooOld {
                path: d.path.display().to_string(),
                found: d.major,
                server: server_major,
            }),
            None => Err(DumpError::NotFound(server_major)),
        }
    }

    /// Dump one section (`pre-data` or `post-data`) of the schema as it is in
    /// `snapshot`, without owners, grants, publications or subscriptions, as
    /// SQL that can be sent through a driver.
    pub async fn schema_section(
        &self,
        conn: &ConnInfo,
        section: &str,
        snapshot: Option<&str>,
    ) -> Result<String, DumpError> {
        let (args, envs) = conn.libpq_args();
        let mut cmd = tokio::process::Command::new(&self.path);
        cmd.arg("--schema-only")
            .arg(format!("--section={section}"))
            .args([
                "--no-owner",
                "--no-privileges",
                "--no-publications",
                "--no-subscriptions",
            ]);
        if let Some(s) = snapshot {
            cmd.arg(format!("--snapshot={s}"));
        }
        if let Some(t) = self.lock_wait_timeout.as_deref().filter(|t| *t != "0") {
            cmd.arg(format!("--lock-wait-timeout={t}"));
        }
        cmd.args(&args)
            .env_remove("PGPASSWORD")
            .envs(envs)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let out = cmd.output().await.map_err(|source| DumpError::Spawn {
            path: self.path.display().to_string(),
            source,
        })?;
        if !out.status.success() {
            return Err(DumpError::Failed {
                section: section.to_string(),
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(strip_meta_commands(&String::from_utf8_lossy(&out.stdout)))
    }
}

async fn version_of(path: &Path) -> std::io::Result<u32> {
    let out = tokio::process::Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .await?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_version(&text)
        .ok_or_else(|| std::io::Error::other(format!("unexpected version output: {text}")))
}

/// Major version from `pg_dump (PostgreSQL) 15.19 (Debian …)`.
fn parse_version(text: &str) -> Option<u32> {
    let after = text.split(')').nth(1)?.trim();
    let num = after.split(|c: char| !c.is_ascii_digit()).next()?;
    num.parse().ok()
}

/// Remove the psql meta-commands `\restrict KEY` and `\unrestrict KEY` that
/// recent pg_dump releases put around plain output. Other lines are kept as
/// they are: a line starting with a backslash may be inside a function body.
pub fn strip_meta_commands(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    for line in sql.split_inclusive('\n') {
        if line.starts_with("\\restrict ") || line.starts_with("\\unrestrict ") {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// One object of a pg_dump script: its TOC type (`INDEX`, `CONSTRAINT`,
/// `FK CONSTRAINT`, `TRIGGER`, …) and its SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpEntry {
    /// The `Type:` of the entry's header.
    pub kind: String,
    /// The `Name:` of the entry's header (for a constraint or trigger,
    /// `table name`).
    pub name: String,
    /// The `Schema:` of the entry's header (`-` when none).
    pub schema: String,
    /// Its statements.
    pub sql: String,
}

impl DumpEntry {
    /// The entry with its header, as pg_dump wrote it (so that the text can
    /// be split again).
    pub fn to_sql(&self) -> String {
        format!(
            "\n-- Name: {}; Type: {}; Schema: {}; Owner: -\n{}",
            self.name, self.kind, self.schema, self.sql
        )
    }

    /// The entry as its header names it: `TABLE public.lines`,
    /// `CONSTRAINT public.lines lines_pkey`, `EXTENSION citext`.
    pub fn describe(&self) -> String {
        match self.schema.as_str() {
            "" | "-" => format!("{} {}", self.kind, self.name),
            schema => format!("{} {schema}.{}", self.kind, self.name),
        }
    }

    /// The relation the entry's statement works on (`ALTER TABLE [ONLY] x` or
    /// `… ON [ONLY] x`), as written in the SQL.
    pub fn relation(&self) -> Option<&str> {
        let s = self.sql.as_str();
        let after = if let Some(i) = s.find("ALTER TABLE ") {
            &s[i + "ALTER TABLE ".len()..]
        } else if let Some(i) = s.find(" ON ") {
            &s[i + " ON ".len()..]
        } else {
            return None;
        };
        let after = after.strip_prefix("ONLY ").unwrap_or(after);
        after.split_whitespace().next()
    }
}

/// Split a plain pg_dump script into its preamble (the `SET` lines before
/// the first object) and its objects, using the `-- Name: …; Type: …;`
/// headers pg_dump writes before each one.
pub fn split_entries(sql: &str) -> (String, Vec<DumpEntry>) {
    let mut preamble = String::new();
    let mut entries: Vec<DumpEntry> = Vec::new();
    for line in sql.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("-- Name: ") {
            let field = |key: &str| {
                rest.trim_end()
                    .split("; ")
                    .find_map(|p| p.strip_prefix(key))
                    .unwrap_or("")
                    .to_string()
            };
            entries.push(DumpEntry {
                kind: field("Type: "),
                name: rest.split("; ").next().unwrap_or("").to_string(),
                schema: field("Schema: "),
                sql: String::new(),
            });
            continue;
        }
        match entries.last_mut() {
            Some(e) => e.sql.push_str(line),
            None => preamble.push_str(line),
        }
    }
    (preamble, entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_entries() {
        let sql = "SET a = 1;\n\n--\n-- Name: t t_pkey; Type: CONSTRAINT; Schema: public; Owner: -\n--\n\nALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n\n--\n-- Name: t_x_idx; Type: INDEX; Schema: public; Owner: -\n--\n\nCREATE INDEX t_x_idx ON public.t USING btree (x);\n";
        let (pre, e) = split_entries(sql);
        assert!(pre.starts_with("SET a = 1;"));
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].kind.as_str(), e[0].relation()),
            ("CONSTRAINT", Some("public.t"))
        );
        assert_eq!(
            (e[1].kind.as_str(), e[1].relation()),
            ("INDEX", Some("public.t"))
        );
        assert_eq!(e[0].describe(), "CONSTRAINT public.t t_pkey");
        assert_eq!(e[1].describe(), "INDEX public.t_x_idx");
        let again: String = e.iter().map(DumpEntry::to_sql).collect();
        let (_, e2) = split_entries(&again);
        assert_eq!(e2.len(), 2);
        assert_eq!(e2[0].describe(), e[0].describe());
        assert_eq!(e2[1].sql, e[1].sql);
    }

    #[test]
    fn versions_and_meta_commands() {
        assert_eq!(
            parse_version("pg_dump (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(parse_version("pg_dump (PostgreSQL) 17beta1\n"), Some(17));
        let sql = "\\restrict abc\nCREATE TABLE t (a int);\n\\unrestrict abc\n";
        assert_eq!(strip_meta_commands(sql), "CREATE TABLE t (a int);\n");
    }
}
