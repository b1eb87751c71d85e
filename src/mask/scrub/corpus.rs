//! Precision and recall on the labelled corpus, with and without keywords,
//! and the merged spans checked against a one-span-at-a-time reference.

use super::*;

/// The corpus: tests/data/scrub-corpus.jsonl, made by scripts/scrub-corpus.py.
const CORPUS: &str = include_str!("../../../tests/data/scrub-corpus.jsonl");

/// One snippet: its text and its labels (kind, substring).
fn rows() -> Vec<(String, Vec<(String, String)>)> {
    CORPUS
        .lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            let labels = row["pii"]
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
            (row["text"].as_str().unwrap().to_string(), labels)
        })
        .collect()
}

/// Per kind: labels, labels caught, detections, correct detections.
type Stats = std::collections::BTreeMap<&'static str, [usize; 4]>;

/// Scrub every snippet with every kind; count per kind. A label is caught
/// when its text is gone from the output; a detection is correct when it
/// overlaps a label. Returns the stats, the snippets without labels that
/// changed, and the misses and false detections.
fn measure(cues: bool) -> (Stats, usize, Vec<String>) {
    let key = MaskKey::new(b"scrub-corpus-key-0123");
    let scan = Scan {
        kinds: &PRIORITY,
        cues,
    };
    let mut stats = Stats::new();
    let mut clean_changed = 0;
    let mut misses = Vec::new();
    for (text, labels) in rows() {
        let found = find_with(scan, &text);
        // The output: the same replacements scrub makes, for these spans.
        let mut out = String::new();
        let mut last = 0;
        for &(s, e, kind) in &found {
            out.push_str(&text[last..s]);
            replace(&key, &PRIORITY, Locale::En, kind, &text[s..e], &mut out);
            last = e;
        }
        out.push_str(&text[last..]);
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
                misses.push(format!("missed {kind}: {value}"));
            }
        }
        for (s, e, kind) in found {
            // A URL without personal data is found but left as it is.
            if kind == ScrubKind::Url
                && !mask_url(&key, &PRIORITY, Locale::En, &text[s..e], &mut String::new())
            {
                continue;
            }
            let st = stats.entry(kind.name()).or_default();
            st[2] += 1;
            if spans.iter().any(|&(ls, le)| s < le && ls < e) {
                st[3] += 1;
            } else {
                misses.push(format!(
                    "false {}: {} in {text:?}",
                    kind.name(),
                    &text[s..e]
                ));
            }
        }
    }
    (stats, clean_changed, misses)
}

fn total(stats: &Stats) -> [usize; 4] {
    stats.values().fold([0; 4], |a, s| {
        [a[0] + s[0], a[1] + s[1], a[2] + s[2], a[3] + s[3]]
    })
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "–".to_string()
    } else {
        format!("{:.1}%", 100.0 * a as f64 / b as f64)
    }
}

/// Precision and recall on the labelled corpus, with keywords (as rules
/// run) and without them (checks only). `cargo test --lib scrub_corpus --
/// --nocapture` prints the tables in BENCHMARKS.md.
#[test]
fn scrub_corpus_precision_and_recall() {
    let rows = rows();
    let clean = rows.iter().filter(|r| r.1.is_empty()).count();
    println!(
        "snippets: {} with personal data, {clean} without",
        rows.len() - clean
    );
    let (with, changed, misses) = measure(true);
    let (without, changed_without, _) = measure(false);
    println!("| kind | labels | recall | detections | precision | recall without keywords | precision without keywords |");
    println!("|---|--:|--:|--:|--:|--:|--:|");
    let (tw, tn) = (total(&with), total(&without));
    for (kind, s) in with.iter().map(|(k, s)| (*k, *s)).chain([("all", tw)]) {
        let n = if kind == "all" {
            tn
        } else {
            without.get(kind).copied().unwrap_or_default()
        };
        println!(
            "| {kind} | {} | {} | {} | {} | {} | {} |",
            s[0],
            pct(s[1], s[0]),
            s[2],
            pct(s[3], s[2]),
            pct(n[1], n[0]),
            pct(n[3], n[2]),
        );
    }
    println!(
        "snippets without personal data changed: {changed} (without keywords {changed_without})"
    );
    for m in &misses {
        println!("  {m}");
    }
    let get = |k: &str| with.get(k).copied().unwrap_or_default();
    let at_least = |s: [usize; 4], recall: usize, precision: usize, what: &str| {
        assert!(
            s[1] * 100 >= s[0] * recall,
            "{what} recall {} below {recall}%",
            pct(s[1], s[0])
        );
        assert!(
            s[3] * 100 >= s[2] * precision,
            "{what} precision {} below {precision}%",
            pct(s[3], s[2])
        );
    };
    // Thresholds a little below the figures in BENCHMARKS.md.
    assert!(rows.len() >= 700);
    at_least(tw, 95, 98, "overall");
    at_least(get("name"), 85, 97, "name");
    at_least(get("id_number"), 95, 95, "id_number");
    at_least(get("nik"), 95, 97, "nik");
    // Keywords catch what the checks alone miss, and cost no precision.
    assert!(tw[1] > tn[1], "keywords added no recall");
    assert!(
        tw[3] * tn[2] * 100 >= tn[3] * tw[2] * 99,
        "keywords cost precision"
    );
    assert!(
        changed * 50 <= clean,
        "more than 2% of the text without personal data was changed"
    );
}

/// The overlap rule, one span at a time in an ordered map over the whole
/// text: the reference that the compact, merged spans must equal.
fn reference_find(kinds: &[ScrubKind], input: &str) -> Vec<(usize, usize, ScrubKind)> {
    let scan = Scan { kinds, cues: true };
    let mut spans: std::collections::BTreeMap<usize, (usize, ScrubKind)> = Default::default();
    let mut accepted = Vec::new();
    for kind in PRIORITY.into_iter().filter(|k| kinds.contains(k)) {
        for pat in kind.patterns() {
            for m in pat.re.find_iter(input) {
                if m.start() == m.end() {
                    continue;
                }
                accepted.clear();
                kind.accept(
                    input,
                    (m.start(), m.end()),
                    pat.cue_only,
                    scan,
                    &mut accepted,
                );
                for &(start, end) in &accepted {
                    let overlaps = spans
                        .range(..end)
                        .next_back()
                        .is_some_and(|(_, &(e, _))| start < e);
                    if !overlaps {
                        spans.insert(start, (end, kind));
                    }
                }
            }
        }
    }
    spans.into_iter().map(|(s, (e, k))| (s, e, k)).collect()
}

#[test]
fn merged_spans_equal_one_match_at_a_time() {
    let all = PRIORITY;
    let mut checked = 0;
    let lines: Vec<&str> = CORPUS.lines().collect();
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
