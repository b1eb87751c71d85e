//! Connection settings: URLs, key=value strings, the environment and .pgpass.

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
