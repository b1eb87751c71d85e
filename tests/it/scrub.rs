//! `scrub` with names and keywords through the real pipeline: a name in a
//! note becomes the fake name the row's name column gets (in the rules'
//! locale, or the mapping's), identifiers typed wrongly are replaced when
//! their keyword stands next to them, and product, city and company names
//! stay as they were.

use crate::harness::*;

const SCHEMA: &str = r#"
CREATE TABLE tickets (
  id int PRIMARY KEY,
  customer text NOT NULL,
  customer_sg text NOT NULL,
  note text,
  note_sg text
);
INSERT INTO tickets VALUES
 (1, 'Budi Santoso', 'Budi Santoso',
  'Dear Budi Santoso, NIK 3174012345678901 belum terdaftar. Paket Apple Watch dari Jakarta via PT Telkom sudah dikirim.',
  'Hi Budi Santoso, see you at Marina Bay.'),
 (2, 'Siti Rahayu', 'Siti Rahayu',
  'Halo Ibu Siti Rahayu, no. rekening BCA 1234567890 sudah diverifikasi; promo Shopee di Bandung berlaku.',
  NULL),
 (3, 'Agus Wijaya', 'Agus Wijaya',
  'Agus Wijaya <agus.w@corp.example> wrote: kartu 4111 1111 1111 1112 ditolak di Grab.',
  'Agus Wijaya <agus.w@corp.example> called from Tampines.');
"#;

const RULES: &str = r#"
version: 1
key: ${DOPPEL_KEY}
defaults:
  locale: id
tables:
  public.tickets:
    columns:
      id: keep
      customer: { fake: name }
      customer_sg: { fake: name, locale: sg }
      note: { scrub: [name, nik, card, email, id_number] }
      note_sg: { scrub: [name], locale: sg }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn names_and_keyed_numbers_in_notes_through_the_pipeline() {
    let src = TestDb::create("scrubname_src").await;
    src.exec(SCHEMA).await;
    let rules = Rules::new(RULES);
    let tgt = TestDb::create("scrubname_tgt").await;
    assert_ok(&run(&src, &tgt, &rules.path, &[], &[]));
    let rows = tgt
        .column("SELECT concat_ws(E'\\x1f', customer, customer_sg, note, coalesce(note_sg, '')) FROM tickets ORDER BY id")
        .await;
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            r.unwrap_or_default()
                .split('\x1f')
                .map(str::to_string)
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 3);
    let secrets = [
        "Budi Santoso",
        "Siti Rahayu",
        "Agus Wijaya",
        "3174012345678901",
        "1234567890",
        "4111 1111 1111 1112",
        "agus.w@corp.example",
    ];
    for row in &rows {
        for secret in secrets {
            assert!(!row[2].contains(secret), "{secret} left in {}", row[2]);
        }
    }
    // The mention is the name the column got: `fake: name` in the rules'
    // locale (id), and in the mapping's (sg) where it sets one.
    let (c1, n1) = (&rows[0][0], &rows[0][2]);
    assert!(
        n1.starts_with(&format!("Dear {c1}, NIK "))
            && n1.ends_with(
                " belum terdaftar. Paket Apple Watch dari Jakarta via PT Telkom sudah dikirim."
            ),
        "{n1}"
    );
    let nik = &n1[format!("Dear {c1}, NIK ").len()..][..16];
    assert!(nik.bytes().all(|b| b.is_ascii_digit()), "{n1}");
    let (c2, n2) = (&rows[1][0], &rows[1][2]);
    assert!(
        n2.starts_with(&format!("Halo Ibu {c2}, no. rekening BCA "))
            && n2.ends_with(" sudah diverifikasi; promo Shopee di Bandung berlaku."),
        "{n2}"
    );
    let (c3, n3) = (&rows[2][0], &rows[2][2]);
    assert!(
        n3.starts_with(&format!("{c3} <")) && n3.ends_with(" ditolak di Grab."),
        "{n3}"
    );
    assert_eq!(
        rows[0][3],
        format!("Hi {}, see you at Marina Bay.", rows[0][1])
    );
    // Only names are asked for there: the address stays.
    assert_eq!(
        rows[2][3],
        format!("{} <agus.w@corp.example> called from Tampines.", rows[2][1])
    );
    assert_ne!(rows[0][0], rows[0][1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scrub_locale_without_names_is_refused() {
    let src = TestDb::create("scrubname_bad_src").await;
    src.exec(SCHEMA).await;
    let tgt = TestDb::create("scrubname_bad_tgt").await;
    let rules = Rules::new(&RULES.replace(
        "note: { scrub: [name, nik, card, email, id_number] }",
        "note: { scrub: [nik, card], locale: sg }",
    ));
    let err = assert_fails(&run(&src, &tgt, &rules.path, &[], &[]), 2);
    assert!(
        err.contains("rules.yaml:12:7: public.tickets.note:")
            && err.contains("option `locale` of scrub sets the locale of the fake names"),
        "{err}"
    );
    assert_eq!(tgt.user_tables().await, 0);
}
