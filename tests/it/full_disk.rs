//! A full disk mid-copy, on either side of the output: the target's
//! database on a small file system (a tablespace on a tmpfs) runs out of
//! space mid-COPY, and a SQL file written to a small file system runs out
//! too. The run fails naming the table and SQLSTATE 53100 (or the file),
//! gives the target back as it found it, and leaves no file behind.
//!
//! Mounting a tmpfs needs root; without it these tests say so and pass
//! without checking (the machine's CI runs as root).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::*;

const SOURCE: &str = "
CREATE TABLE invoices (id int PRIMARY KEY, total numeric);
CREATE TABLE lines (id int PRIMARY KEY, invoice_id int NOT NULL REFERENCES invoices(id), note text);
INSERT INTO invoices SELECT g, g * 1.5 FROM generate_series(1, 1000) g;
INSERT INTO lines SELECT g, 1 + g % 1000, md5(g::text) || repeat('n', 200) FROM generate_series(1, 100000) g;
";

const RULES: &str = "version: 1
key: ${DOPPEL_KEY}
tables:
  public.invoices:
    columns:
      id: keep
      total: keep
  public.lines:
    columns:
      id: keep
      invoice_id: keep
      note: { partial: { keep_start: 4, keep_end: 0, with: '*' } }
";

/// A tmpfs of `mb` MiB mounted at a fresh directory owned by `owner`;
/// unmounted and removed on drop. None when this process may not mount.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(label: &str, mb: u32, owner: &str) -> Option<SmallDisk> {
        let dir = std::env::temp_dir().join(format!("doppel_t_{label}_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m,mode=0700")])
            .arg("tmpfs")
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = std::fs::remove_dir(&dir);
            eprintln!("not checked: mounting a tmpfs needs root");
            return None;
        }
        let disk = SmallDisk { dir };
        let chown = Command::new("chown").arg(owner).arg(&disk.dir).status();
        assert!(chown.is_ok_and(|s| s.success()), "chown {owner}");
        Some(disk)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// A tablespace on a small disk; dropped on drop (after its databases).
struct SmallTablespace {
    name: String,
    _disk: SmallDisk,
}

impl Drop for SmallTablespace {
    fn drop(&mut self) {
        let name = self.name.clone();
        let drop_it = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                let admin = connect(&server_url()).await;
                let _ = admin
                    .batch_execute(&format!("DROP TABLESPACE IF EXISTS \"{name}\""))
                    .await;
            })
        });
        let _ = drop_it.join();
    }
}

/// The server's operating-system user owns the tablespace's directory;
/// the test can only use a local server.
async fn small_tablespace(label: &str, mb: u32) -> Option<SmallTablespace> {
    let disk = SmallDisk::mount(label, mb, "postgres")?;
    let name = format!("doppel_t_{label}_{}", std::process::id());
    let admin = connect(&server_url()).await;
    admin
        .batch_execute(&format!(
            "CREATE TABLESPACE \"{name}\" LOCATION '{}'",
            disk.dir.display()
        ))
        .await
        .expect("create the tablespace (the server must run on this machine as `postgres`)");
    Some(SmallTablespace { name, _disk: disk })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_runs_out_of_disk_is_given_back_as_found() {
    // The target database's own catalog takes about 8 MB; the rows need
    // about 30 MB more.
    let Some(space) = small_tablespace("fullts", 14).await else {
        return;
    };
    let src = TestDb::create("full_src").await;
    src.exec(SOURCE).await;
    let tgt = TestDb::create("full_tgt").await;
    let admin = connect(&server_url()).await;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET TABLESPACE \"{}\"",
            tgt.name, space.name
        ))
        .await
        .expect("move the target onto the small disk");
    tgt.exec(
        "CREATE SCHEMA own; CREATE TABLE own.notes (id int); INSERT INTO own.notes VALUES (1);",
    )
    .await;
    let before = dump(&tgt);
    let rules = Rules::new(RULES);
    let err = assert_fails(&run(&src, &tgt, &rules.path, &["--jobs", "1"], &[]), 1);
    assert!(err.contains("SQLSTATE 53100"), "{err}");
    assert!(err.contains("public.lines"), "{err}");
    assert!(
        err.contains("the target is as it was before the run"),
        "{err}"
    );
    assert_eq!(before, dump(&tgt), "the target changed; doppel said: {err}");
    // The databases go before the tablespace they live in.
    drop(tgt);
    drop(src);
    drop(space);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sql_file_that_runs_out_of_disk_leaves_no_file() {
    let Some(disk) = SmallDisk::mount("fullfile", 2, "root") else {
        return;
    };
    let src = TestDb::create("fullf_src").await;
    src.exec(SOURCE).await;
    let rules = Rules::new(RULES);
    let file: PathBuf = disk.dir.join("copy.sql");
    let f = file.to_string_lossy().to_string();
    let out = run_to_file(&src, &file, &rules.path);
    let err = assert_fails(&out, 1);
    assert!(err.contains(&f), "the error names the file: {err}");
    assert!(
        err.to_lowercase().contains("no space left"),
        "the error says why: {err}"
    );
    assert!(
        is_empty_dir(&disk.dir),
        "files left: {:?}; doppel said: {err}",
        std::fs::read_dir(&disk.dir).map(|d| d.count())
    );
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}
