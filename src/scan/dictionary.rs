//! Whether a value is a person's name or a company's: dictionaries of
//! given and family names for the `en` (from `fake`), `id` and `sg`
//! locales (from `mask::locales`, with common Indonesian, Malay, Chinese,
//! Indian and Japanese names added), and the legal forms companies carry
//! (`Pte Ltd`, `PT`, `Tbk`, `Sdn Bhd`, `GmbH`, …).

use std::collections::HashMap;
use std::sync::OnceLock;

use fake::locales::{Data, EN};

use crate::mask::Locale;

/// More names of the seeds' markets than the fake-value lists hold.
const MORE_ID: &[&str] = &[
    "hartono",
    "kurniawan",
    "siswanto",
    "susilo",
    "wibisono",
    "suryadi",
    "prasetyo",
    "utomo",
    "haryanto",
    "setiadi",
    "gunadi",
    "lukman",
    "irawan",
    "firmansyah",
    "ramadhan",
    "maulana",
    "putra",
    "anggraini",
    "puspita",
    "safitri",
    "rahayu",
    "wulandari",
    "handayani",
    "kusumawati",
    "purnama",
    "widodo",
    "sutanto",
    "pangaribuan",
    "nainggolan",
    "panjaitan",
    "sitompul",
    "situmorang",
    "simatupang",
    "batubara",
    "daulay",
    "pohan",
    "ritonga",
    "agustina",
    "kartini",
    "surya",
    "dwi",
    "tri",
    "nanda",
    "aditya",
    "rizal",
    "fikri",
    "ilham",
    "yoga",
    "bagus",
    "galih",
    "angga",
    "novita",
    "yuni",
    "rini",
    "tuti",
    "endang",
    "slamet",
    "sugeng",
    "gede",
    "komang",
    "putu",
    "kadek",
    "setiawati",
    "susanti",
    "yulianti",
    "kristianto",
    "tjahjadi",
    "sudirman",
    "hakim",
    "irwan",
    "hendra",
    "agung",
    "yudi",
    "bambang",
    "heru",
    "joko",
];
const MORE_SG_MY: &[&str] = &[
    "mohd",
    "muhd",
    "ahmad",
    "muhammad",
    "mohammad",
    "mohamed",
    "abdul",
    "abdullah",
    "aziz",
    "azman",
    "razak",
    "rahim",
    "hamid",
    "ibrahim",
    "ali",
    "hussein",
    "omar",
    "zainal",
    "zulkifli",
    "aminah",
    "fatimah",
    "nor",
    "noor",
    "nurul",
    "zarina",
    "salmah",
    "rosnah",
    "faridah",
    "hafiz",
    "haziq",
    "irfan",
    "faizal",
    "syafiq",
    "amirul",
    "danial",
    "chen",
    "wang",
    "zhang",
    "liu",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "zhu",
    "guo",
    "luo",
    "liang",
    "zheng",
    "xie",
    "han",
    "tang",
    "feng",
    "dong",
    "xiao",
    "cheng",
    "yuan",
    "deng",
    "shen",
    "zeng",
    "peng",
    "jiang",
    "cai",
    "ding",
    "wei",
    "xue",
    "ye",
    "yan",
    "pan",
    "dai",
    "xia",
    "zhong",
    "tian",
    "yao",
    "liao",
    "zou",
    "xiong",
    "qiu",
    "hou",
    "bai",
    "meng",
    "qin",
    "yin",
    "gu",
    "ling",
    "ming",
    "mei",
    "hui",
    "xin",
    "jun",
    "jie",
    "kai",
    "wen",
    "hao",
    "ting",
    "jia",
    "shu",
    "fen",
    "yong",
    "sheng",
    "pei",
    "kok",
    "boon",
    "keng",
    "seng",
    "siew",
    "swee",
    "choon",
    "beng",
    "chee",
    "hock",
    "kian",
    "leong",
    "yew",
    "foo",
    "quek",
    "phua",
    "heng",
    "soh",
    "lau",
    "chong",
    "chin",
    "loh",
    "poh",
    "seah",
    "tham",
    "kumar",
    "singh",
    "sharma",
    "gupta",
    "raj",
    "ramesh",
    "mahesh",
    "vijay",
    "ravi",
    "anand",
    "karthik",
    "murugan",
    "menon",
    "iyer",
    "rao",
    "reddy",
    "naidu",
    "devi",
    "divya",
    "rahul",
    "selvam",
    "pandian",
    "balakrishnan",
    "chandran",
    "rajan",
    "siva",
    "hiroshi",
    "kenji",
    "takeshi",
    "yuki",
    "sato",
    "suzuki",
    "takahashi",
    "tanaka",
    "watanabe",
    "ito",
    "yamamoto",
    "nakamura",
    "kobayashi",
    "kato",
    "yoshida",
    "yamada",
    "sasaki",
];
/// Words of the name lists that are also common words of labels (`Gold`,
/// `Diamond`, `Summer`): they count only beside another name word.
const COMMON_WORDS: &[&str] = &[
    "america", "asia", "florida", "general", "golden", "green", "brown", "summer", "dawn", "grace",
    "hope", "joy", "will", "bill", "art", "ruby", "jade", "pearl", "amber", "crystal", "diamond",
    "river", "stone", "king", "price", "rose", "lily", "daisy", "ivy", "violet", "hazel", "chase",
    "gene", "major", "mark", "sterling", "lane", "ford", "little", "white", "west", "made", "sky",
    "may", "june", "april", "august", "autumn", "bell", "baby", "easter", "genesis", "hunter",
    "cash", "angel", "destiny", "faith", "honey", "star", "sunny", "forest", "ocean", "rain",
    "storm", "winter", "spring", "north", "south", "young", "long", "black", "gray", "grey",
    "silver", "gold", "indah", "sari", "intan", "citra", "fajar", "teguh", "bayu", "wahyu",
    "lestari", "sri", "nur", "ayu", "adi", "ho", "ma", "su", "lu", "li", "yu", "fu", "du", "ng",
    "tan", "lee", "lim", "low", "ang", "sim", "toh", "han", "ali", "nor", "raj", "ito", "tri",
    "dwi", "ye", "gu",
];

/// A word's entry: which locales' lists hold it, and whether it is also a common word.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    en: bool,
    id: bool,
    sg: bool,
    common: bool,
}

fn dictionary() -> &'static HashMap<String, Entry> {
    static DICT: OnceLock<HashMap<String, Entry>> = OnceLock::new();
    DICT.get_or_init(|| {
        let mut d: HashMap<String, Entry> = HashMap::new();
        let en = EN::NAME_FIRST_NAME.iter().chain(EN::NAME_LAST_NAME);
        for w in en {
            d.entry(fold(w)).or_default().en = true;
        }
        for (w, sg) in crate::mask::name_words() {
            let e = d.entry(fold(w)).or_default();
            if sg {
                e.sg = true;
            } else {
                e.id = true;
            }
        }
        for w in MORE_ID {
            d.entry(w.to_string()).or_default().id = true;
        }
        for w in MORE_SG_MY {
            d.entry(w.to_string()).or_default().sg = true;
        }
        for w in COMMON_WORDS {
            d.entry(w.to_string()).or_default().common = true;
        }
        d
    })
}

/// Lowercase, with the accents of Latin letters dropped (`Chloé` → `chloe`).
fn fold(w: &str) -> String {
    w.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .filter(|c| *c != '\'' && *c != '.')
        .collect()
}

/// Words between the parts of a name (`bin`, `binte`, `s/o`, `van`).
const CONNECTORS: &[&str] = &[
    "bin", "binti", "binte", "bte", "bt", "b", "s/o", "d/o", "a/l", "a/p", "van", "von", "de",
    "der", "da", "di", "la", "le", "al", "el", "del", "dos", "mr", "mrs", "ms", "dr", "jr", "sr",
];

/// Whether `value` is a person's name, and which locale's lists said so
/// (`None` for a name without a locale of its own, e.g. only English words).
pub fn person_name(value: &str) -> Option<Option<Locale>> {
    let v = value.trim();
    // `s/o` and `d/o` (son of, daughter of) are the only slashes a name has.
    let rest = v.replace("s/o", " ").replace("d/o", " ");
    if v.is_empty()
        || v.len() > 80
        || rest
            .bytes()
            .any(|b| b.is_ascii_digit() || b"@_|/\\:;=<>{}[]()#%&*+!?\"$^~`".contains(&b))
    {
        return None;
    }
    let all_caps = v
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase);
    // Names stored in lower case count when they have at least two words.
    let all_lower = v
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_lowercase)
        && v.split_whitespace().count() >= 2;
    let tokens: Vec<&str> = v
        .split_whitespace()
        .filter(|t| !CONNECTORS.contains(&fold(t).as_str()))
        .collect();
    if tokens.is_empty() || tokens.len() > 6 {
        return None;
    }
    let dict = dictionary();
    let (mut hits, mut strong, mut votes) = (0usize, 0usize, [0usize; 3]);
    for t in &tokens {
        let first = t.chars().next()?;
        if !(first.is_uppercase() || all_caps || all_lower) {
            return None;
        }
        if !t
            .chars()
            .all(|c| c.is_alphabetic() || c == '\'' || c == '-' || c == '.')
        {
            return None;
        }
        // Hyphenated names: any part counts.
        let entry =
            t.split('-')
                .filter_map(|p| dict.get(&fold(p)))
                .fold(None::<Entry>, |acc, e| {
                    let mut a = acc.unwrap_or_default();
                    a.en |= e.en;
                    a.id |= e.id;
                    a.sg |= e.sg;
                    a.common |= e.common;
                    Some(a)
                });
        if let Some(e) = entry {
            if e.en || e.id || e.sg {
                hits += 1;
                if !e.common {
                    strong += 1;
                }
                votes[0] += usize::from(e.en);
                votes[1] += usize::from(e.id);
                votes[2] += usize::from(e.sg);
            }
        }
    }
    if strong == 0 || hits * 2 < tokens.len() {
        return None;
    }
    let locale = if votes[1] > votes[2] && votes[1] >= votes[0] {
        Some(Locale::Id)
    } else if votes[2] > votes[1] && votes[2] >= votes[0] {
        Some(Locale::Sg)
    } else {
        None
    };
    Some(locale)
}

/// Legal forms of companies, as whole words.
const LEGAL_FORMS: &[&str] = &[
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "plc",
    "pte",
    "pty",
    "gmbh",
    "ag",
    "bv",
    "nv",
    "sa",
    "sas",
    "srl",
    "spa",
    "co",
    "corp",
    "corporation",
    "company",
    "pt",
    "tbk",
    "cv",
    "sdn",
    "bhd",
    "berhad",
    "holdings",
    "group",
    "kk",
    "ab",
    "oy",
    "as",
    "lp",
];

/// Whether `value` is a company's name: it carries a legal form (`Pte Ltd`, `PT`, `Tbk`).
pub fn company_name(value: &str) -> bool {
    let words: Vec<String> = value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    if words.len() < 2 || value.len() > 120 || value.contains('@') {
        return false;
    }
    let first = words.first().map(String::as_str).unwrap_or("");
    let last = words.last().map(String::as_str).unwrap_or("");
    LEGAL_FORMS.contains(&last)
        || matches!(first, "pt" | "cv")
        || (words.len() >= 3 && LEGAL_FORMS.contains(&words[words.len() - 2].as_str()))
}
