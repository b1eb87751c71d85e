//! The throwaway cluster: start, answer, stop; finding programs; messages.

use std::os::unix::fs::PermissionsExt;

use super::host::{has_server_programs, is_executable, newest_versioned_bin};
use super::probe::error_message;
use super::*;

/// Run psql from the cluster's bin directory (or PATH) and return stdout.
fn psql(cluster: &TempCluster, sql: &str) -> String {
    let local = cluster.bin_dir().join("psql");
    let program = if is_executable(&local) {
        local
    } else {
        PathBuf::from("psql")
    };
    let output = std::process::Command::new(program)
        .args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(cluster.url("postgres"))
        .args(["-c", sql])
        .env_remove("PGPASSWORD")
        .env_remove("PGSERVICE")
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[tokio::test]
async fn starts_answers_and_stops() {
    let cluster = TempCluster::start().await.expect("cluster starts");
    let root = cluster.root.clone();
    let port = cluster.port();
    assert!(port > 0);
    assert!(cluster.data_dir().join("PG_VERSION").is_file());
    assert!(cluster.data_dir().starts_with(&root));
    assert!(cluster.bin_dir().join("initdb").is_file());

    assert_eq!(psql(&cluster, "SELECT 1"), "1");
    assert_eq!(
        psql(&cluster, "SHOW listen_addresses"),
        "127.0.0.1",
        "listens on loopback only"
    );
    assert_eq!(psql(&cluster, "SHOW fsync"), "off");
    assert_eq!(psql(&cluster, "SHOW server_encoding"), "UTF8");
    assert_eq!(psql(&cluster, "SELECT current_user"), "postgres");
    let socket_dir = psql(&cluster, "SHOW unix_socket_directories");
    assert_eq!(Path::new(&socket_dir), root.as_path());
    assert!(root.join(format!(".s.PGSQL.{port}")).exists());
    psql(&cluster, "CREATE DATABASE \"scratch db\"");
    let url = cluster.url("scratch db");
    assert!(url.ends_with("/scratch%20db"), "{url}");

    cluster.stop().await.expect("cluster stops");
    assert!(!root.exists(), "{} still exists", root.display());
    assert!(probe(port).is_err(), "server still answers on {port}");
}

#[tokio::test]
async fn drop_stops_and_removes() {
    let cluster = TempCluster::start().await.expect("cluster starts");
    let root = cluster.root.clone();
    let port = cluster.port();
    assert!(probe(port).is_ok());
    drop(cluster);
    assert!(!root.exists(), "{} still exists", root.display());
    assert!(probe(port).is_err(), "server still answers on {port}");
}

#[tokio::test]
async fn loads_the_bundled_demo_database() {
    let cluster = TempCluster::start().await.expect("cluster starts");
    psql(&cluster, "CREATE DATABASE demo");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    let status = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(cluster.url("demo"))
        .arg("-f")
        .arg(demo.join("schema.sql"))
        .arg("-f")
        .arg(demo.join("data.sql"))
        .status()
        .expect("psql runs");
    assert!(status.success(), "demo/schema.sql + demo/data.sql load");
    let url = cluster.url("demo");
    let count = |table: &str| {
        let output = std::process::Command::new("psql")
            .args(["-X", "-At", "-d", &url, "-c"])
            .arg(format!("SELECT count(*) FROM {table}"))
            .output()
            .expect("psql runs");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    assert_eq!(count("public.organisations"), "8");
    assert_eq!(count("public.users"), "300");
    assert_eq!(count("auth.sessions"), "400");
    assert_eq!(count("public.memberships"), "350");
    cluster.stop().await.expect("cluster stops");
}

#[test]
fn url_and_encoding() {
    assert_eq!(percent_encode("demo_prod"), "demo_prod");
    assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
    let cluster = TempCluster {
        bin: PathBuf::from("/nonexistent/bin"),
        root: PathBuf::from("/nonexistent/doppel-pg-test"),
        data: PathBuf::from("/nonexistent/doppel-pg-test/data"),
        port: 54321,
        run_as: None,
        running: false,
        removed: true,
    };
    assert_eq!(
        cluster.url("demo"),
        "postgres://postgres@127.0.0.1:54321/demo"
    );
}

#[test]
fn finds_the_newest_versioned_bin() {
    let root = make_temp_dir().expect("temp dir");
    for version in ["9.6", "13", "15", "notaversion"] {
        let bin = root.join(version).join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        for program in SERVER_PROGRAMS {
            let path = bin.join(program);
            std::fs::write(&path, "#!/bin/sh\n").expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }
    // 16 lacks postgres, so it does not count.
    let partial = root.join("16").join("bin");
    std::fs::create_dir_all(&partial).expect("mkdir");
    std::fs::write(partial.join("initdb"), "").expect("write");
    assert_eq!(
        newest_versioned_bin(&root),
        Some(root.join("15").join("bin"))
    );
    std::fs::remove_dir_all(&root).expect("cleanup");
}

#[test]
fn finds_server_programs_here() {
    let bin = find_server_bin().expect("PostgreSQL server programs are installed");
    assert!(has_server_programs(&bin), "{}", bin.display());
}

#[test]
fn errors_say_what_to_do() {
    let text = ClusterError::ServerNotFound.to_string();
    assert!(text.contains("apt-get install postgresql"), "{text}");
    let text = ClusterError::NoServerUser {
        detail: "no such user".into(),
    }
    .to_string();
    assert!(
        text.contains("no such user") && text.contains("runuser"),
        "{text}"
    );
}

#[test]
fn error_responses_are_readable() {
    let payload = b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0";
    assert_eq!(
        error_message(payload),
        "server error: FATAL the database system is starting up"
    );
}

#[test]
fn conf_values_are_quoted() {
    assert_eq!(conf_quote("/tmp/it's"), "/tmp/it''s");
    assert!(socket_path_fits(Path::new("/tmp/doppel-pg-1-2-3")));
    assert!(!socket_path_fits(&PathBuf::from("/".repeat(100))));
}
