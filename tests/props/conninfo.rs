//! The connection-string parser on any text: an error or settings, never a
//! panic; settings written as key=value or as a URL read back the same; the
//! pg_dump arguments read back as the same server; no password in
//! `describe()`.

use std::path::Path;

use doppel::pg::ConnInfo;
use proptest::prelude::*;

fn parse(s: &str) -> Result<ConnInfo, String> {
    ConnInfo::parse_with(s, &|_| None, Some(Path::new("/nonexistent"))).map_err(|e| e.to_string())
}

const PIECES: &[&str] = &[
    "postgres://",
    "postgresql://",
    "host=",
    "port=",
    "user=",
    "dbname=",
    "password=",
    "sslmode=",
    "options=",
    "hostaddr=",
    "passfile=",
    "connect_timeout=",
    "application_name=",
    "@",
    ":",
    "/",
    "?",
    "&",
    "=",
    "%",
    "%2",
    "%zz",
    "%41",
    "[",
    "]",
    "::1",
    "'",
    "\\",
    " ",
    "localhost",
    "5432",
    "0",
    "99999",
    "-1",
    "verify-full",
    "x",
    "é",
    ",",
    "#",
];

fn conn_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(PIECES), 0..16).prop_map(|v| v.concat())
}

/// A value for a setting: any non-empty text without NUL (libpq strings
/// cannot hold it; an empty one means "not set").
fn value() -> impl Strategy<Value = String> {
    crate::strings::text().prop_map(|s| match s.replace('\0', "") {
        s if s.is_empty() => "x".to_string(),
        s => s,
    })
}

/// Quote for a key=value string as libpq reads it.
fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Percent-encode every byte but unreserved ASCII.
fn pct(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

proptest! {
    /// Any text, or text built from the syntax's pieces: never a panic.
    #[test]
    fn any_text_parses_or_errs(s in prop_oneof![crate::strings::text(), conn_like()]) {
        let _ = parse(&s);
    }

    /// key=value settings read back as written; pg_dump's arguments name the
    /// same server; the password shows nowhere but where it belongs.
    #[test]
    fn key_value_round_trips(
        host in "[a-z][a-z0-9.-]{0,20}", port in 1u16.., user in value(), db in value(),
        options in value(), password in "[a-zA-Z0-9]{12,20}",
    ) {
        let s = format!("host={host} port={port} user={} dbname={} options={} password={password} sslmode=disable", quote(&user), quote(&db), quote(&options));
        let c = parse(&s).map_err(TestCaseError::fail)?;
        prop_assert_eq!((&c.host, c.port, &c.user, &c.dbname, c.options.as_deref()), (&host, port, &user, &db, Some(options.as_str())));
        let debug = format!("{c:?}");
        prop_assert!(c.has_password() && !c.describe().contains(&password) && !debug.contains(&password));
        let (args, env) = c.libpq_args();
        prop_assert!(!args.concat().contains(&password));
        prop_assert_eq!(env, vec![("PGPASSWORD".to_string(), password.clone())]);
        let back = parse(&args[1]).map_err(TestCaseError::fail)?;
        prop_assert_eq!((&back.host, back.port, &back.user, &back.dbname, &back.options, back.sslmode), (&c.host, c.port, &c.user, &c.dbname, &c.options, c.sslmode));
    }

    /// URL settings, percent-encoded, read back as written.
    #[test]
    fn url_round_trips(host in "[a-z][a-z0-9.-]{0,20}", port in 1u16.., user in value(), db in value(), password in value()) {
        let s = format!("postgresql://{}:{}@{host}:{port}/{}?sslmode=require", pct(&user), pct(&password), pct(&db));
        let c = parse(&s).map_err(TestCaseError::fail)?;
        prop_assert_eq!((&c.host, c.port, &c.user, &c.dbname), (&host, port, &user, &db));
        prop_assert_eq!(c.describe(), format!("{host}:{port}/{db} (user {user})"));
    }
}
