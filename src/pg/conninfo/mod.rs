//! Connection settings resolved as libpq resolves them: a URL or key=value
//! string, then the PG* environment, then defaults; the password from
//! `~/.pgpass` (or PGPASSFILE) when none is given. Secrets never appear in
//! `Debug`, `describe()` or error messages.
//!
//! This file resolves the settings and connects; `syntax` reads the two
//! spellings (key=value and URL) and `pgpass` finds a password.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::Client;

use super::tls;

mod pgpass;
mod syntax;
#[cfg(test)]
mod tests;

use pgpass::pgpass_lookup;
use syntax::{parse_keyword_value, parse_url, quote_value};

/// sslmode, as libpq spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// Plain first, TLS if the server insists (treated as prefer).
    Allow,
    /// TLS if the server offers it, without verification (libpq's default).
    Prefer,
    /// TLS, without verification (verify-ca when a root certificate is given).
    Require,
    /// TLS, server certificate chain verified, host name not checked.
    VerifyCa,
    /// TLS, chain and host name verified.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// The libpq spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A bad connection string.
#[derive(Debug, thiserror::Error)]
#[error("invalid connection string: {0}")]
pub struct ConnInfoError(String);

/// A failed connection; names the server, never the password.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to {target}: {message}")]
pub struct ConnectError {
    target: String,
    message: String,
}

/// Resolved connection settings.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnInfo {
    /// Host name, IP address, or unix-socket directory (starts with `/`).
    pub host: String,
    /// Numeric address to use instead of resolving `host`.
    pub hostaddr: Option<String>,
    /// TCP port (also names the unix socket file).
    pub port: u16,
    /// Role.
    pub user: String,
    /// Database.
    pub dbname: String,
    password: Option<String>,
    /// TLS mode.
    pub sslmode: SslMode,
    /// Root certificate(s) for verification (`system` for the system store).
    pub sslrootcert: Option<PathBuf>,
    /// Client certificate.
    pub sslcert: Option<PathBuf>,
    /// Client key.
    pub sslkey: Option<PathBuf>,
    /// application_name.
    pub application_name: Option<String>,
    /// Connect timeout.
    pub connect_timeout: Option<Duration>,
    /// Server options (`-c name=value …`).
    pub options: Option<String>,
}

impl fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ConnInfo({}, sslmode={})",
            self.describe(),
            self.sslmode.as_str()
        )
    }
}

impl fmt::Display for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

const KEYS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "application_name",
    "connect_timeout",
    "options",
    "passfile",
];

const ENV: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("dbname", "PGDATABASE"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslcert", "PGSSLCERT"),
    ("sslkey", "PGSSLKEY"),
    ("application_name", "PGAPPNAME"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("options", "PGOPTIONS"),
    ("passfile", "PGPASSFILE"),
];

impl ConnInfo {
    /// Parse a libpq URL or key=value string with the real environment.
    pub fn parse(s: &str) -> Result<ConnInfo, ConnInfoError> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        ConnInfo::parse_with(s, &|k| std::env::var(k).ok(), home.as_deref())
    }

    /// Parse with the environment and home directory given (for tests).
    pub fn parse_with(
        s: &str,
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<ConnInfo, ConnInfoError> {
        let s = s.trim();
        let mut params = if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            parse_url(s)?
        } else {
            parse_keyword_value(s)?
        };
        for (k, _) in params.iter() {
            if !KEYS.contains(&k.as_str()) {
                return Err(ConnInfoError(format!(
                    "unknown parameter `{k}` (known: {})",
                    KEYS.join(", ")
                )));
            }
        }
        for (key, var) in ENV {
            if !params.contains_key(*key) {
                if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                    params.insert((*key).to_string(), v);
                }
            }
        }
        let get = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
        let host = get("host").unwrap_or_else(|| {
            if Path::new("/var/run/postgresql").is_dir() {
                "/var/run/postgresql".into()
            } else {
                "localhost".into()
            }
        });
        if host.contains(',') {
            return Err(ConnInfoError(
                "several hosts in one connection string are not supported: give one host".into(),
            ));
        }
        let port = match get("port") {
            None => 5432,
            Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                ConnInfoError(format!("invalid port `{p}`: give a number from 1 to 65535"))
            })?,
        };
        let user = get("user")
            .or_else(|| env("USER"))
            .or_else(|| env("LOGNAME"))
            .unwrap_or_else(|| "postgres".into());
        let dbname = get("dbname").unwrap_or_else(|| user.clone());
        let sslmode = match get("sslmode") {
            None => SslMode::Prefer,
            Some(m) => SslMode::parse(&m).ok_or_else(|| {
                ConnInfoError(format!(
                    "invalid sslmode `{m}`: use disable, allow, prefer, require, verify-ca or verify-full"
                ))
            })?,
        };
        let connect_timeout = match get("connect_timeout") {
            None => None,
            Some(t) => {
                let secs: u64 = t.parse().map_err(|_| {
                    ConnInfoError(format!("invalid connect_timeout `{t}`: give seconds"))
                })?;
                (secs > 0).then(|| Duration::from_secs(secs.max(2)))
            }
        };
        let mut info = ConnInfo {
            host,
            hostaddr: get("hostaddr"),
            port,
            user,
            dbname,
            password: get("password"),
            sslmode,
            sslrootcert: get("sslrootcert").map(PathBuf::from),
            sslcert: get("sslcert").map(PathBuf::from),
            sslkey: get("sslkey").map(PathBuf::from),
            application_name: get("application_name"),
            connect_timeout,
            options: get("options"),
        };
        if info.password.is_none() {
            let passfile = get("passfile")
                .map(PathBuf::from)
                .or_else(|| home.map(|h| h.join(".pgpass")));
            if let Some(pf) = passfile {
                info.password = pgpass_lookup(&pf, &info);
            }
        }
        Ok(info)
    }

    /// `host:port/dbname (user)`, never the password.
    pub fn describe(&self) -> String {
        let host = if self.host.contains(':') && !self.host.starts_with('/') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{host}:{}/{} (user {})", self.port, self.dbname, self.user)
    }

    /// Whether a password is known (from the string, PGPASSWORD or .pgpass).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The same server and settings, another database.
    pub fn with_dbname(&self, db: &str) -> ConnInfo {
        let mut c = self.clone();
        c.dbname = db.to_string();
        c
    }

    /// Arguments and environment for pg_dump/psql against the same database:
    /// a key=value `--dbname` without the password, which goes only through
    /// the PGPASSWORD environment entry.
    pub fn libpq_args(&self) -> (Vec<String>, Vec<(String, String)>) {
        let mut kv = vec![
            ("host", Some(self.host.clone())),
            ("hostaddr", self.hostaddr.clone()),
            ("port", Some(self.port.to_string())),
            ("user", Some(self.user.clone())),
            ("dbname", Some(self.dbname.clone())),
            ("sslmode", Some(self.sslmode.as_str().to_string())),
            ("sslrootcert", self.rootcert_for_libpq()),
            (
                "sslcert",
                self.sslcert.as_ref().map(|p| p.display().to_string()),
            ),
            (
                "sslkey",
                self.sslkey.as_ref().map(|p| p.display().to_string()),
            ),
            (
                "connect_timeout",
                self.connect_timeout.map(|d| d.as_secs().to_string()),
            ),
            ("options", self.options.clone()),
        ];
        kv.push(("application_name", Some("doppel pg_dump".into())));
        let conninfo: Vec<String> = kv
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={}", quote_value(&v))))
            .collect();
        let mut env = Vec::new();
        if let Some(p) = &self.password {
            env.push(("PGPASSWORD".to_string(), p.clone()));
        }
        (vec!["--dbname".into(), conninfo.join(" ")], env)
    }

    /// The root certificate file libpq should use: the one given, or, where
    /// doppel verifies against the system store (`sslrootcert=system` or
    /// none given for verify-ca/verify-full), the system bundle file, so that
    /// pg_dump verifies exactly as doppel does.
    fn rootcert_for_libpq(&self) -> Option<String> {
        let verifying = matches!(self.sslmode, SslMode::VerifyCa | SslMode::VerifyFull);
        let system = match &self.sslrootcert {
            Some(p) if p.as_os_str() != "system" => return Some(p.display().to_string()),
            Some(_) => true,
            None => verifying && tls::home_root_cert().is_none(),
        };
        if !system {
            return None;
        }
        tls::system_bundle().map(|p| p.display().to_string())
    }

    /// The tokio-postgres configuration (without TLS).
    pub fn to_config(&self) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        if self.host.starts_with('/') {
            c.host_path(&self.host);
        } else {
            c.host(&self.host);
        }
        if let Some(addr) = self.hostaddr.as_ref().and_then(|a| a.parse().ok()) {
            c.hostaddr(addr);
        }
        c.port(self.port).user(&self.user).dbname(&self.dbname);
        if let Some(p) = &self.password {
            c.password(p);
        }
        if let Some(a) = &self.application_name {
            c.application_name(a);
        }
        if let Some(t) = self.connect_timeout {
            c.connect_timeout(t);
        }
        if let Some(o) = &self.options {
            c.options(o);
        }
        c.ssl_mode(match self.sslmode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Allow | SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
        c
    }

    /// Connect, with TLS as sslmode says; the connection runs on its own task.
    pub async fn connect(&self) -> Result<Client, ConnectError> {
        let fail = |message: String| ConnectError {
            target: self.describe(),
            message,
        };
        let config = self.to_config();
        if self.sslmode == SslMode::Disable || self.host.starts_with('/') {
            let (client, conn) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| fail(error_text(&e)))?;
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!("connection closed: {e}");
                }
            });
            return Ok(client);
        }
        let tls = tls::connector(self).map_err(|e| fail(e.to_string()))?;
        let (client, conn) = config
            .connect(tls)
            .await
            .map_err(|e| fail(error_text(&e)))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection closed: {e}");
            }
        });
        Ok(client)
    }
}

/// An error's text with its causes, once each.
fn error_text(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_string();
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
        src = cause.source();
    }
    s
}
