//! Scrub tests: what is found and replaced, keywords, names, and pieces.

use super::*;

fn run(kinds: &[ScrubKind], s: &str) -> (String, usize) {
    let k = MaskKey::new(b"scrub-key-0123456789");
    let mut out = String::new();
    let n = scrub(&k, kinds, Locale::En, s, &mut out);
    (out, n)
}

#[test]
fn replaces_only_what_it_finds() {
    let all = [
        ScrubKind::Email,
        ScrubKind::Phone,
        ScrubKind::Card,
        ScrubKind::Ip,
    ];
    let text = "Reported by liam.setiawan2040@initech.co, call back on +65 178 9401 8711. Card 4111 1111 1111 1111 from 10.1.2.3; order 12345 stays.";
    let (out, n) = run(&all, text);
    assert_eq!(n, 4, "{out}");
    assert!(
        !out.contains("liam.setiawan")
            && !out.contains("+65 178 9401 8711")
            && !out.contains("4111 1111")
            && !out.contains("10.1.2.3"),
        "{out}"
    );
    assert!(
        out.starts_with("Reported by ") && out.ends_with("; order 12345 stays."),
        "{out}"
    );
    let (plain, n) = run(&all, "Nothing personal here, ticket 42 at 3 pm.");
    assert_eq!(
        (plain.as_str(), n),
        ("Nothing personal here, ticket 42 at 3 pm.", 0)
    );
    // Local formats: Indonesian mobile and Singapore numbers.
    let (out, n) = run(&[ScrubKind::Phone], "hubungi 0812-3456-7890 atau 9123 4567");
    assert_eq!(n, 2, "{out}");
    // A 16-digit number that fails Luhn is not a card.
    let (_, n) = run(&[ScrubKind::Card], "ref 1234 5678 9012 3456");
    assert_eq!(n, 0);
}

#[test]
fn a_phone_keeps_its_last_digit_and_beats_a_card() {
    let all = ScrubKind::all();
    // The last group of a UK mobile is six digits: all of them are taken.
    assert_eq!(
        find(&all, "Mobile +44 7700 900062, after 5pm"),
        vec![(7, 22, ScrubKind::Phone)]
    );
    // A Luhn-valid number written as a phone, with its country code and
    // grouping, is a phone and gets a phone's replacement.
    let text = "Call +62 812-1148-1676 tomorrow";
    assert_eq!(find(&all, text), vec![(5, 22, ScrubKind::Phone)]);
    let (out, n) = run(&[ScrubKind::Card, ScrubKind::Phone], text);
    assert_eq!(n, 1);
    assert!(
        out.starts_with("Call +") && out.ends_with(" tomorrow"),
        "{out}"
    );
    assert!(!out.contains("1148"), "{out}");
    // Searched for cards alone, it is left as it is.
    assert_eq!(run(&[ScrubKind::Card], text), (text.to_string(), 0));
    // A card is still a card.
    assert_eq!(
        find(&all, "card 4111 1111 1111 1111 ok"),
        vec![(5, 24, ScrubKind::Card)]
    );
}

#[test]
fn pieces_give_the_result_of_the_whole_text() {
    let k = MaskKey::new(b"scrub-key-0123456789");
    let line = "Mail Dear Budi Santoso <ann.lee@corp.example>, call +62 812-3456-7890 or \"0812 3456 7890\"\tcard 4111 1111 1111 1112 `S1234567D` NIK\t3174012345678901 https://x.example/a?email=a%40b.co ok\n";
    let text = line.repeat(3 * PIECE / line.len() + 7);
    let scan = Scan {
        kinds: &PRIORITY,
        cues: true,
    };
    let whole: Vec<(usize, usize, ScrubKind)> = spans(scan, &text, 0..text.len())
        .into_iter()
        .map(|s| (s.start as usize, s.end as usize, s.kind))
        .collect();
    assert!(pieces(&text).count() > 2);
    assert_eq!(find(&PRIORITY, &text), whole);
    let mut cut = String::new();
    assert_eq!(
        scrub(&k, &PRIORITY, Locale::En, &text, &mut cut),
        whole.len()
    );
    assert!(!whole.is_empty() && !cut.contains("ann.lee"));
}

#[test]
fn card_replacements_pass_luhn() {
    let (out, _) = run(&[ScrubKind::Card], "4111111111111111");
    let d: Vec<u8> = out.bytes().map(|b| b - b'0').collect();
    assert!(tokenize::luhn_ok(&d) && out != "4111111111111111", "{out}");
}

#[test]
fn replacements_are_valid_identifiers_of_their_kind() {
    for (kind, value) in [
        (ScrubKind::Nik, "3174015708900003"),
        (ScrubKind::Nric, "S1234567D"),
        (ScrubKind::Iban, "GB29 NWBK 6016 1331 9268 19"),
        (ScrubKind::Iban, "de89370400440532013000"),
    ] {
        let (out, n) = run(&[kind], value);
        assert_eq!(n, 1, "{value} not found");
        assert_ne!(out.to_ascii_uppercase(), value.to_ascii_uppercase());
        let valid = match kind {
            ScrubKind::Nik => nik_ok(&out),
            ScrubKind::Iban => iban_ok(&out) && out.len() == value.len(),
            _ => {
                let mut v = Vec::new();
                let scan = Scan {
                    kinds: &[kind],
                    cues: false,
                };
                kind.accept(&out, (0, out.len()), false, scan, &mut v);
                v == [(0, out.len())]
            }
        };
        assert!(valid, "{value} → {out}");
    }
    // Query values are decoded before they are searched, and re-encoded.
    let (out, n) = run(
        &[ScrubKind::Url, ScrubKind::Email],
        "see https://x.example/a?e=ann%40corp.example&p=1.",
    );
    assert_eq!(n, 1);
    assert!(
        out.starts_with("see https://x.example/a?e=")
            && ["com", "net", "org"]
                .iter()
                .any(|tld| out.ends_with(&format!("%40example.{tld}&p=1."))),
        "{out}"
    );
}

#[test]
fn a_keyword_makes_a_failed_check_personal() {
    // The birth-date digits are not a date, so the number is no NIK by
    // structure; the keyword before it (or after it) makes it one.
    assert!(!nik_ok("3174012345678901"));
    for text in [
        "NIK 3174012345678901 belum terdaftar",
        "no. KTP: 3174012345678901",
        "my nik is 3174012345678901.",
        "3174012345678901 (NIK) salah ketik",
    ] {
        for kinds in [&[ScrubKind::Nik][..], &PRIORITY[..]] {
            let (out, n) = run(kinds, text);
            assert_eq!(n, 1, "{text} → {out}");
            assert!(!out.contains("3174012345678901"), "{out}");
            let id = out
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 16)
                .unwrap_or_default();
            assert!(nik_ok(id), "{text} → {out}: not a NIK replacement");
        }
    }
    let cases = [
        (
            ScrubKind::Card,
            "card 4111 1111 1111 1112 declined",
            "4111 1111 1111 1112",
        ),
        (ScrubKind::Phone, "HP 812345678 ya", "812345678"),
        (ScrubKind::Phone, "WA: 6281234567", "6281234567"),
        (
            ScrubKind::Email,
            "email budi.s@gmail tolong",
            "budi.s@gmail",
        ),
        (ScrubKind::Nric, "NRIC S1234567A", "S1234567A"),
        (
            ScrubKind::IdNumber,
            "no. rekening BCA 1234567890 a.n.",
            "1234567890",
        ),
        (ScrubKind::IdNumber, "passport A1234567 expired", "A1234567"),
        (ScrubKind::IdNumber, "SSN: 123-45-6789", "123-45-6789"),
        (ScrubKind::IdNumber, "IC 880101-14-5678", "880101-14-5678"),
    ];
    for (kind, text, secret) in cases {
        let (out, n) = run(&[kind], text);
        assert_eq!(n, 1, "{text} → {out}");
        assert!(!out.contains(secret), "{text} → {out}");
        // Without the keyword, the same value is left alone.
        let bare = text.replace(secret, &format!("ref {secret}"));
        let bare = bare
            .split_once("ref ")
            .map_or(bare.clone(), |(_, b)| format!("ref {b}"));
        assert_eq!(run(&[kind], &bare).1, 0, "{bare}");
    }
    // A card that fails Luhn after `card` still becomes a Luhn-valid token.
    let (out, _) = run(&[ScrubKind::Card], "card 4111111111111112");
    let d: Vec<u8> = out[5..].bytes().map(|b| b - b'0').collect();
    assert!(tokenize::luhn_ok(&d), "{out}");
    // A generic number keeps its layout: letters, digits and separators.
    let (out, _) = run(&[ScrubKind::IdNumber], "SSN: 123-45-6789");
    assert!(out.len() == 16 && out.as_bytes()[8] == b'-', "{out}");
    // Look-alikes: the word before is no keyword, or stands too far.
    for text in [
        "order no. 12345678 shipped",
        "account balance 1500000",
        "card expires 2027-12-31",
        "Invoice 1234567890 paid",
        "HP Pavilion 1234567 laptop",
        "KTP photo uploaded, ticket 884213",
        "Saldo rekening Rp 1.500.000",
        "phone call on 2024-03-05",
    ] {
        let (out, n) = run(&PRIORITY, text);
        assert_eq!((out.as_str(), n), (text, 0));
    }
}

#[test]
fn a_number_after_a_keyword_across_a_piece_cut() {
    // The tab after `NIK` is where the text is cut into pieces; the
    // keyword still counts, as it does in the whole text.
    let text = format!("{} NIK\t3174012345678901 ok", "x".repeat(PIECE));
    assert_eq!(pieces(&text).count(), 2);
    let found = find(&[ScrubKind::Nik], &text);
    assert_eq!(found, vec![(PIECE + 5, PIECE + 21, ScrubKind::Nik)]);
}

/// The name `fake: name` gives `input` in `locale`, through a column masker.
fn fake_name(locale: Locale, input: &str) -> String {
    let spec = super::super::MaskSpec::Fake {
        kind: FakeKind::Name,
        locale,
        domain: None,
    };
    let k = MaskKey::new(b"scrub-key-0123456789");
    let m = super::super::Masker::new(&spec, &k, &super::super::ValueShape::text()).unwrap();
    let mut out = String::new();
    m.apply(input, &mut out).unwrap();
    out
}

#[test]
fn a_name_becomes_the_fake_name_of_the_column_masker() {
    let k = MaskKey::new(b"scrub-key-0123456789");
    for locale in [Locale::En, Locale::Id, Locale::Sg] {
        let mut out = String::new();
        let text = "Dear Budi Santoso, your parcel left Jakarta.";
        assert_eq!(scrub(&k, &[ScrubKind::Name], locale, text, &mut out), 1);
        let fake = fake_name(locale, "Budi Santoso");
        assert_eq!(out, format!("Dear {fake}, your parcel left Jakarta."));
    }
}

#[test]
fn names_are_found_by_context_and_dictionaries() {
    fn found(text: &str) -> Vec<&str> {
        find(&[ScrubKind::Name], text)
            .into_iter()
            .map(|(s, e, _)| &text[s..e])
            .collect()
    }
    for (text, names) in [
        ("Hi Pak Budi, paketnya sudah sampai.", vec!["Budi"]),
        (
            "Terima kasih Bu Sri Wahyuni atas konfirmasinya.",
            vec!["Sri Wahyuni"],
        ),
        ("Dear Mr. Hartono, thanks.", vec!["Hartono"]),
        (
            "Encik Ahmad Hafiz telah membuat aduan.",
            vec!["Ahmad Hafiz"],
        ),
        ("Yth. Bapak Joko Susilo", vec!["Joko Susilo"]),
        ("Rekening a.n. Budi ditolak", vec!["Budi"]),
        (
            "Budi Hartono <budi.h@corp.example> wrote:",
            vec!["Budi Hartono"],
        ),
        (
            "reply to j.tan@acme.sg (Jasmine Koh) today",
            vec!["Jasmine Koh"],
        ),
        (
            "Agus Wijaya reported that the app crashed.",
            vec!["Agus Wijaya"],
        ),
        ("Tan Wei Ming called from Tampines.", vec!["Tan Wei Ming"]),
        (
            "Muhammad Faizal bin Rahman asked for a refund.",
            vec!["Muhammad Faizal bin Rahman"],
        ),
        ("Meeting With Emily Clark Today", vec!["Emily Clark"]),
        ("Regards,\nSiti Nurhaliza", vec!["Siti Nurhaliza"]),
        // Places, companies, products and roles stay.
        (
            "The Apple Watch order ships from Jakarta on Monday.",
            vec![],
        ),
        (
            "PT Telkom Indonesia and Grab restore service in Bandung.",
            vec![],
        ),
        ("Shopee and Tokopedia sales doubled.", vec![]),
        ("Dear Customer, Hi Team, Halo Kak,", vec![]),
        (
            "Kirim ke Jl. Gatot Subroto No. 12, Jakarta Selatan.",
            vec![],
        ),
        (
            "Dinner at Marina Bay Sands with Beverly Hills guests.",
            vec![],
        ),
        ("General Mills shipped to Batam.", vec![]),
        // A verb or keyword before an address is no display name.
        (
            "Mail ann.lee@corp.example or call +62 812-3456-7890 now.",
            vec![],
        ),
        ("Contact <jane.doe@corp.example> for access.", vec![]),
        ("Terima kasih pak. Kemarin paketnya sudah sampai.", vec![]),
        (
            "Terima kasih pak. Besok Hendra Gunawan datang.",
            vec!["Hendra Gunawan"],
        ),
    ] {
        assert_eq!(found(text), names, "{text}");
    }
}
