//! All tables come from one instant: rows committed on the source while a
//! run is under way are wholly absent or wholly present across tables.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_commits_are_all_or_nothing_across_tables() {
    let src = TestDb::create("snap_src").await;
    src.exec(
        "CREATE TABLE a (id bigint PRIMARY KEY, pad text);
         CREATE TABLE b (id bigint PRIMARY KEY, pad text);
         CREATE TABLE filler (id int, pad text);
         INSERT INTO filler SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 200000) g;
         INSERT INTO a SELECT g, 'x' FROM generate_series(1, 1000) g;
         INSERT INTO b SELECT g, 'x' FROM generate_series(1, 1000) g;",
    )
    .await;
    let rules = Rules::new("version: 1\ndefaults: { tables: keep }\n");
    let tgt = TestDb::create("snap_tgt").await;

    // A writer that commits one row into a and the same id into b, in one
    // transaction, as fast as it can, for the whole run.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = Arc::clone(&stop);
        let client = src.client().await;
        tokio::spawn(async move {
            let mut id = 1000i64;
            let mut commits = 0u64;
            while !stop.load(Ordering::Relaxed) {
                id += 1;
                client
                    .batch_execute(&format!(
                        "BEGIN; INSERT INTO a VALUES ({id}, 'y'); INSERT INTO b VALUES ({id}, 'y'); COMMIT;"
                    ))
                    .await
                    .unwrap();
                commits += 1;
            }
            commits
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (s, t, r) = (src.url(), tgt.url(), rules.path.clone());
    let out = tokio::task::spawn_blocking(move || run_urls(&s, &t, &r, &["--jobs", "3"], &[]))
        .await
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    let commits = writer.await.unwrap();
    assert_ok(&out);
    assert!(
        commits > 10,
        "the writer should have committed during the run ({commits})"
    );

    let only_a = tgt.value("SELECT count(*)::text FROM a FULL JOIN b USING (id) WHERE a.id IS NULL OR b.id IS NULL").await;
    assert_eq!(
        only_a.as_deref(),
        Some("0"),
        "a row committed with its pair must be in both tables or neither"
    );
    let n: i64 = tgt
        .value("SELECT count(*)::text FROM a")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!(n >= 1000, "{n}");
    let total: i64 = src
        .value("SELECT count(*)::text FROM a")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        n < total,
        "rows committed after the snapshot must be absent ({n} of {total})"
    );
}
