//! sslmode semantics against the test server, when it has TLS enabled
//! (Debian's packaged server does, with its snakeoil certificate).

use std::path::PathBuf;

use doppel::pg::conninfo::SslMode;
use doppel::pg::ConnInfo;

use crate::harness::*;

const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

async fn uses_tls(info: &ConnInfo) -> Result<bool, String> {
    let client = info.connect().await.map_err(|e| e.to_string())?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[tokio::test(flavor = "multi_thread")]
async fn sslmodes_behave_as_libpq() {
    let admin = connect(&server_url()).await;
    let ssl: String = admin.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    if ssl != "on" || !std::path::Path::new(SNAKEOIL).is_file() {
        eprintln!("TLS checks not run: the test server has ssl={ssl} or no {SNAKEOIL}");
        return;
    }
    let base = ConnInfo::parse(&db_url("postgres")).unwrap();
    let with = |mode: SslMode, root: Option<&str>| {
        let mut c = base.clone();
        c.sslmode = mode;
        c.sslrootcert = root.map(PathBuf::from);
        c
    };
    assert_eq!(uses_tls(&with(SslMode::Disable, None)).await, Ok(false));
    assert_eq!(uses_tls(&with(SslMode::Prefer, None)).await, Ok(true));
    assert_eq!(uses_tls(&with(SslMode::Require, None)).await, Ok(true));
    assert_eq!(
        uses_tls(&with(SslMode::VerifyCa, Some(SNAKEOIL))).await,
        Ok(true)
    );
    // The self-signed certificate is in no system bundle.
    let err = uses_tls(&with(SslMode::VerifyCa, Some("system")))
        .await
        .unwrap_err();
    assert!(
        err.contains("UnknownIssuer") || err.contains("certificate"),
        "{err}"
    );
    // The snakeoil certificate names the machine, not 127.0.0.1.
    let err = uses_tls(&with(SslMode::VerifyFull, Some(SNAKEOIL)))
        .await
        .unwrap_err();
    assert!(err.contains("not valid for name"), "{err}");
    let err = uses_tls(&with(SslMode::VerifyCa, Some("/nonexistent/ca.pem")))
        .await
        .unwrap_err();
    assert!(
        err.contains("cannot read sslrootcert /nonexistent/ca.pem"),
        "{err}"
    );

    // The whole run, pg_dump included, works over verify-ca.
    let src = TestDb::create("tls_src").await;
    src.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)")
        .await;
    let tgt = TestDb::create("tls_tgt").await;
    let rules = Rules::new("version: 1\ndefaults: { tables: keep }\n");
    let sep = |u: String| {
        if u.contains('?') {
            format!("{u}&")
        } else {
            format!("{u}?")
        }
    };
    let s = format!("{}sslmode=verify-ca&sslrootcert={SNAKEOIL}", sep(src.url()));
    let t = format!("{}sslmode=require", sep(tgt.url()));
    assert_ok(&run_urls(&s, &t, &rules.path, &[], &[]));
    assert_eq!(
        tgt.value("SELECT count(*)::text FROM t").await.as_deref(),
        Some("2")
    );
}
