//! Connection settings resolved as libpq resolves them: a URL or key=value
//! string, then the PG* environment, then defaults; the password from
//! `~/.pgpass` (or PGPASSFILE) when none is given. Secrets never appear in
//! `Debug`, `describe()` or error messages.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::Client;

use super::tls;

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

/// Quote a key=value value as libpq reads it.
fn quote_value(v: &str) -> String {
    if !v.is_empty()
        && !v
            .chars()
            .any(|c| c.is_whitespace() || c == '\'' || c == '\\')
    {
        return v.to_string();
    }
    let mut s = String::from("'");
    for c in v.chars() {
        if c == '\'' || c == '\\' {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('\'');
    s
}

fn parse_keyword_value(s: &str) -> Result<BTreeMap<String, String>, ConnInfoError> {
    let mut out = BTreeMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(ConnInfoError(format!(
                "missing `=` after `{key}`: write key=value pairs or a postgres:// URL"
            )));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    None => {
                        return Err(ConnInfoError(format!(
                            "unterminated quoted value for `{key}`"
                        )))
                    }
                    Some('\\') => match chars.next() {
                        Some(c) => value.push(c),
                        None => {
                            return Err(ConnInfoError(format!(
                                "unterminated quoted value for `{key}`"
                            )))
                        }
                    },
                    Some('\'') => break,
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        out.insert(key, value);
    }
}

fn percent_decode(s: &str) -> Result<String, ConnInfoError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| ConnInfoError(format!("invalid percent-encoding in `{s}`")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| ConnInfoError(format!("percent-encoding in `{s}` is not UTF-8")))
}

fn parse_url(s: &str) -> Result<BTreeMap<String, String>, ConnInfoError> {
    let mut out = BTreeMap::new();
    let rest = s
        .strip_prefix("postgresql://")
        .or_else(|| s.strip_prefix("postgres://"))
        .unwrap_or(s);
    let (rest, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    if let Some(ui) = userinfo {
        let (u, p) = match ui.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (ui, None),
        };
        if !u.is_empty() {
            out.insert("user".into(), percent_decode(u)?);
        }
        if let Some(p) = p {
            out.insert("password".into(), percent_decode(p)?);
        }
    }
    if !hostport.is_empty() {
        if hostport.contains(',') {
            return Err(ConnInfoError(
                "several hosts in one URL are not supported: give one host".into(),
            ));
        }
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            let end = h
                .find(']')
                .ok_or_else(|| ConnInfoError("unterminated `[` in the URL's host".into()))?;
            let port = h[end + 1..].strip_prefix(':');
            (&h[..end], port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if !host.is_empty() {
            out.insert("host".into(), percent_decode(host)?);
        }
        if let Some(p) = port.filter(|p| !p.is_empty()) {
            out.insert("port".into(), p.to_string());
        }
    }
    if let Some(db) = path.filter(|p| !p.is_empty()) {
        out.insert("dbname".into(), percent_decode(db)?);
    }
    if let Some(q) = query {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| ConnInfoError(format!("URL parameter `{pair}` has no `=`")))?;
            out.insert(percent_decode(k)?, percent_decode(v)?);
        }
    }
    Ok(out)
}

/// The password for `info` from a .pgpass file: `host:port:db:user:password`
/// lines, `*` wildcards, `\:` and `\\` escapes, first match wins; a unix
/// socket host matches `localhost`. Ignored when group- or world-readable.
fn pgpass_lookup(path: &Path, info: &ConnInfo) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                "password file {} has group or world access; it is ignored (chmod 0600 it)",
                path.display()
            );
            return None;
        }
    }
    if !meta.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let host = if info.host.starts_with('/') {
        "localhost".to_string()
    } else {
        info.host.clone()
    };
    let port = info.port.to_string();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        let m = |pat: &str, v: &str| pat == "*" || pat == v;
        if m(&fields[0], &host)
            && m(&fields[1], &port)
            && m(&fields[2], &info.dbname)
            && m(&fields[3], &info.user)
        {
            return Some(fields[4..].join(":"));
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if let Some(f) = fields.last_mut() {
                        f.push(n);
                    }
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str, env: &[(&str, &str)]) -> Result<ConnInfo, ConnInfoError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        ConnInfo::parse_with(
            s,
            &|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
            None,
        )
    }

    #[test]
    fn urls() {
        let c = parse("postgresql://al%40ice:p%3Ass@db.example.com:6543/my%20db?sslmode=verify-full&application_name=x", &[]).unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.user.as_str(), c.dbname.as_str()),
            ("db.example.com", 6543, "al@ice", "my db")
        );
        assert_eq!(c.password.as_deref(), Some("p:ss"));
        assert_eq!(c.sslmode, SslMode::VerifyFull);
        let c = parse("postgres://[::1]:5433/app", &[]).unwrap();
        assert_eq!((c.host.as_str(), c.port), ("::1", 5433));
        assert_eq!(
            c.describe(),
            "[::1]:5433/app (user postgres)".replace("postgres)", &format!("{})", c.user))
        );
        let c = parse("postgres:///app?host=%2Fvar%2Frun%2Fpostgresql", &[]).unwrap();
        assert_eq!(c.host, "/var/run/postgresql");
        assert!(parse("postgres://h/db?sslmode=sometimes", &[])
            .unwrap_err()
            .to_string()
            .contains("invalid sslmode"));
        assert!(parse("postgres://h:99999/db", &[])
            .unwrap_err()
            .to_string()
            .contains("invalid port"));
        assert!(parse("postgres://h/db?colour=blue", &[])
            .unwrap_err()
            .to_string()
            .contains("unknown parameter `colour`"));
    }

    #[test]
    fn keyword_values_and_environment() {
        let c = parse(
            r"host=h port=1234 dbname='my \'db\'' user=u password=se\ cret",
            &[("PGDATABASE", "ignored"), ("PGSSLMODE", "require")],
        )
        .unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.dbname.as_str(), c.user.as_str()),
            ("h", 1234, "my 'db'", "u")
        );
        assert_eq!(c.password.as_deref(), Some("se cret"));
        assert_eq!(c.sslmode, SslMode::Require);
        let c = parse(
            "",
            &[
                ("PGHOST", "envhost"),
                ("PGPORT", "7777"),
                ("PGUSER", "envuser"),
                ("PGPASSWORD", "pw"),
            ],
        )
        .unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.user.as_str(), c.dbname.as_str()),
            ("envhost", 7777, "envuser", "envuser")
        );
        assert!(parse("host", &[])
            .unwrap_err()
            .to_string()
            .contains("missing `=`"));
        assert!(parse("host='x", &[])
            .unwrap_err()
            .to_string()
            .contains("unterminated"));
    }

    #[test]
    fn secrets_stay_out_of_text() {
        let c = parse("postgres://u:hunter2-secret@h/db", &[]).unwrap();
        assert!(!c.describe().contains("hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));
        let (args, env) = c.libpq_args();
        assert!(!args.join(" ").contains("hunter2"));
        assert_eq!(
            env,
            vec![("PGPASSWORD".to_string(), "hunter2-secret".to_string())]
        );
        assert!(args[1].contains("host=h") && args[1].contains("dbname=db"));
    }

    #[test]
    fn pgpass_matching() {
        let dir = std::env::temp_dir().join(format!("doppel-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pf = dir.join("pgpass");
        std::fs::write(
            &pf,
            "# comment\nother:5432:*:u:nope\nh:*:db:u:pa\\:ss\\\\word\n*:*:*:*:fallback\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pf, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let p = pf.to_string_lossy().to_string();
        let c = parse("host=h dbname=db user=u", &[("PGPASSFILE", &p)]).unwrap();
        assert_eq!(c.password.as_deref(), Some("pa:ss\\word"));
        let c = parse("host=x dbname=db user=u", &[("PGPASSFILE", &p)]).unwrap();
        assert_eq!(c.password.as_deref(), Some("fallback"));
        let c = parse(
            "host=h dbname=db user=u password=given",
            &[("PGPASSFILE", &p)],
        )
        .unwrap();
        assert_eq!(c.password.as_deref(), Some("given"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pf, std::fs::Permissions::from_mode(0o644)).unwrap();
            let c = parse("host=h dbname=db user=u", &[("PGPASSFILE", &p)]).unwrap();
            assert_eq!(c.password, None, "a world-readable pgpass is ignored");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
