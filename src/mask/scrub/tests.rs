//! Scrub tests: what is found and replaced, pieces, and precision and
//! recall on the labelled corpus.

use super::*;

fn run(kinds: &[ScrubKind], s: &str) -> (String, usize) {
    let k = MaskKey::new(b"scrub-key-0123456789");
    let mut out = String::new();
    let n = scrub(&k, kinds, s, &mut out);
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
fn pieces_give_the_result_of_the_whole_text() {
    let k = MaskKey::new(b"scrub-key-0123456789");
    let line = "Mail <ann.lee@corp.example>, call +62 812-3456-7890 or \"0812 3456 7890\"\tcard 4111 1111 1111 1111 `S1234567D` https://x.example/a?email=a%40b.co ok\n";
    let text = line.repeat(3 * PIECE / line.len() + 7);
    let mut whole = String::new();
    let n = scrub_piece(&k, &PRIORITY, &text, &mut String::new(), &mut |p| {
        whole.push_str(p)
    });
    let mut cut = String::new();
    assert!(pieces(&text).count() > 2);
    assert_eq!(scrub(&k, &PRIORITY, &text, &mut cut), n);
    assert!(cut == whole && n > 0);
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
            _ => kind.validate(&out, 0, out.len()).is_some(),
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

/// Precision and recall on the labelled corpus (tests/data/scrub-corpus.jsonl,
/// made by scripts/scrub-corpus.py). A label counts as caught when its text
/// is gone from the scrubbed output; a detection counts as correct when it
/// overlaps a label. `cargo test --lib scrub_corpus -- --nocapture` prints
/// the table in BENCHMARKS.md.
#[test]
fn scrub_corpus_precision_and_recall() {
    let corpus = include_str!("../../../tests/data/scrub-corpus.jsonl");
    let key = MaskKey::new(b"scrub-corpus-key-0123");
    let all = PRIORITY;
    // kind -> (labels, caught, detections, correct detections)
    let mut stats: std::collections::BTreeMap<&str, [usize; 4]> = Default::default();
    let mut snippets = [0usize; 2];
    let mut clean_changed = 0;
    let mut misses = Vec::new();
    for line in corpus.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = row["text"].as_str().unwrap();
        let labels: Vec<(String, String)> = row["pii"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l[0].as_str().unwrap().to_string(),
                    l[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        snippets[usize::from(!labels.is_empty())] += 1;
        let mut out = String::new();
        scrub(&key, &all, text, &mut out);
        if labels.is_empty() && out != text {
            clean_changed += 1;
        }
        let spans: Vec<(usize, usize)> = labels
            .iter()
            .map(|(_, v)| {
                let s = text.find(v.as_str()).unwrap();
                (s, s + v.len())
            })
            .collect();
        for (kind, value) in &labels {
            let name = ScrubKind::parse(kind).map_or("other", ScrubKind::name);
            let e = stats.entry(name).or_default();
            e[0] += 1;
            if !out.contains(value.as_str()) {
                e[1] += 1;
            } else {
                misses.push(format!("{kind}: {value}"));
            }
        }
        for (s, e, kind) in find(&all, text) {
            // A URL without personal data is found but left as it is.
            if kind == ScrubKind::Url && !mask_url(&key, &all, &text[s..e], &mut String::new()) {
                continue;
            }
            let st = stats.entry(kind.name()).or_default();
            st[2] += 1;
            if spans.iter().any(|&(ls, le)| s < le && ls < e) {
                st[3] += 1;
            } else {
                misses.push(format!("false {}: {}", kind.name(), &text[s..e]));
            }
        }
    }
    let total = stats.values().fold([0; 4], |a, s| {
        [a[0] + s[0], a[1] + s[1], a[2] + s[2], a[3] + s[3]]
    });
    println!(
        "snippets: {} with personal data, {} without",
        snippets[1], snippets[0]
    );
    println!("| kind | labels | recall | detections | precision |");
    println!("|---|---|---|---|---|");
    let pct = |a: usize, b: usize| {
        if b == 0 {
            "–".to_string()
        } else {
            format!("{:.1}%", 100.0 * a as f64 / b as f64)
        }
    };
    for (kind, s) in stats.iter().map(|(k, s)| (*k, s)).chain([("all", &total)]) {
        println!(
            "| {kind} | {} | {} | {} | {} |",
            s[0],
            pct(s[1], s[0]),
            s[2],
            pct(s[3], s[2])
        );
    }
    println!("snippets without personal data changed: {clean_changed}");
    for m in &misses {
        println!("  {m}");
    }
    assert!(snippets[1] + snippets[0] >= 300);
    assert!(total[1] * 100 >= total[0] * 97, "recall below 97%");
    assert!(total[3] * 100 >= total[2] * 97, "precision below 97%");
    assert!(
        clean_changed * 50 <= snippets[0],
        "more than 2% of the text without personal data was changed"
    );
}

/// The overlap rule, one match at a time in an ordered map: the reference
/// that the compact, merged spans must equal.
fn reference_find(kinds: &[ScrubKind], input: &str) -> Vec<(usize, usize, ScrubKind)> {
    let mut spans: std::collections::BTreeMap<usize, (usize, ScrubKind)> = Default::default();
    for kind in PRIORITY.into_iter().filter(|k| kinds.contains(k)) {
        for re in kind.regexes() {
            for m in re.find_iter(input) {
                if m.start() == m.end() {
                    continue;
                }
                let Some(end) = kind.validate(input, m.start(), m.end()) else {
                    continue;
                };
                let overlaps = spans
                    .range(..end)
                    .next_back()
                    .is_some_and(|(_, &(e, _))| m.start() < e);
                if !overlaps {
                    spans.insert(m.start(), (end, kind));
                }
            }
        }
    }
    spans.into_iter().map(|(s, (e, k))| (s, e, k)).collect()
}

#[test]
fn merged_spans_equal_one_match_at_a_time() {
    let corpus = include_str!("../../../tests/data/scrub-corpus.jsonl");
    let all = PRIORITY;
    let mut checked = 0;
    let lines: Vec<&str> = corpus.lines().collect();
    // Each snippet alone, and snippets run together on one line, so that
    // patterns meet across their joins.
    let texts = lines
        .iter()
        .map(|l| l.to_string())
        .chain(lines.chunks(7).map(|c| c.join(" ")));
    for text in texts {
        assert_eq!(find(&all, &text), reference_find(&all, &text), "{text}");
        for k in all {
            assert_eq!(find(&[k], &text), reference_find(&[k], &text), "{text}");
        }
        checked += 1;
    }
    assert!(checked > 300);
}
