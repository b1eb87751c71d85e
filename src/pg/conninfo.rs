//! Connection settings (placeholder until the libpq-compatible parser lands).

use std::str::FromStr;

/// Connection settings.
#[derive(Clone)]
pub struct ConnInfo {
    text: String,
    config: tokio_postgres::Config,
}

/// Bad connection string.
#[derive(Debug, thiserror::Error)]
#[error("invalid connection string: {0}")]
pub struct ConnInfoError(String);

/// Could not connect.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to {target}: {source}")]
pub struct ConnectError {
    target: String,
    source: tokio_postgres::Error,
}

impl std::fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl ConnInfo {
    /// Parse.
    pub fn parse(s: &str) -> Result<ConnInfo, ConnInfoError> {
        let config =
            tokio_postgres::Config::from_str(s).map_err(|e| ConnInfoError(e.to_string()))?;
        Ok(ConnInfo {
            text: s.to_string(),
            config,
        })
    }
    /// Describe.
    pub fn describe(&self) -> String {
        format!(
            "{:?}/{}",
            self.config.get_ports(),
            self.config.get_dbname().unwrap_or("")
        )
    }
    /// Same server, other db.
    pub fn with_dbname(&self, db: &str) -> ConnInfo {
        let mut c = self.clone();
        c.config.dbname(db);
        c.text = format!("{} dbname={db}", self.text);
        c
    }
    /// Args for pg_dump.
    pub fn libpq_args(&self) -> (Vec<String>, Vec<(String, String)>) {
        (vec!["--dbname".into(), self.text.clone()], vec![])
    }
    /// Connect.
    pub async fn connect(&self) -> Result<tokio_postgres::Client, ConnectError> {
        let (client, conn) =
            self.config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|source| ConnectError {
                    target: self.describe(),
                    source,
                })?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(client)
    }
}
