//! Curated data and formats for the `id` (Indonesia) and `sg` (Singapore)
//! locales, which `fake` does not have: names, phone numbers, national
//! identity numbers with a valid structure, postcodes, cities and streets.

use rand::RngExt;
use rand_chacha::ChaCha20Rng;

fn pick<'a>(rng: &mut ChaCha20Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Indonesian given names (Javanese, Sundanese, Balinese, Batak, Muslim and Christian usage).
pub const ID_FIRST: &[&str] = &[
    "Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Putri", "Wahyu", "Sri", "Eko", "Nur", "Adi",
    "Ayu", "Bayu", "Citra", "Dian", "Fajar", "Gita", "Hendra", "Indah", "Joko", "Kartika",
    "Lestari", "Made", "Nyoman", "Ketut", "Wayan", "Rizky", "Fitri", "Yusuf", "Rahmat", "Intan",
    "Teguh", "Ratna", "Bambang", "Sari", "Hadi", "Wulan", "Arif", "Dimas", "Maria", "Yohanes",
    "Theresia", "Stefanus", "Aisyah", "Farhan", "Nabila", "Reza",
];
/// Indonesian family and second names.
pub const ID_LAST: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Pratama",
    "Setiawan",
    "Kusuma",
    "Nugroho",
    "Siregar",
    "Nasution",
    "Lubis",
    "Harahap",
    "Simanjuntak",
    "Sihombing",
    "Wibowo",
    "Susanto",
    "Gunawan",
    "Halim",
    "Tanjung",
    "Purnomo",
    "Sutrisno",
    "Rahman",
    "Hakim",
    "Syahputra",
    "Permana",
    "Hutapea",
    "Manurung",
    "Ginting",
    "Tarigan",
    "Sembiring",
];
/// Indonesian cities.
pub const ID_CITIES: &[&str] = &[
    "Jakarta",
    "Surabaya",
    "Bandung",
    "Medan",
    "Semarang",
    "Makassar",
    "Palembang",
    "Yogyakarta",
    "Denpasar",
    "Malang",
    "Bogor",
    "Depok",
    "Tangerang",
    "Bekasi",
    "Padang",
    "Pekanbaru",
    "Balikpapan",
    "Manado",
    "Pontianak",
    "Banjarmasin",
];
const ID_STREETS: &[&str] = &[
    "Sudirman",
    "M.H. Thamrin",
    "Gatot Subroto",
    "Diponegoro",
    "Ahmad Yani",
    "Merdeka",
    "Pemuda",
    "Asia Afrika",
    "Malioboro",
    "Gajah Mada",
    "Hayam Wuruk",
    "Imam Bonjol",
    "Pahlawan",
    "Veteran",
    "Cendana",
    "Kenanga",
    "Melati",
    "Mawar",
    "Anggrek",
    "Teuku Umar",
];
/// Indonesian mobile prefixes (Telkomsel, Indosat, XL, Smartfren, Tri).
const ID_MOBILE: &[&str] = &[
    "811", "812", "813", "821", "822", "823", "852", "853", "856", "857", "858", "877", "878",
    "881", "882", "895", "896", "897", "898", "899",
];
/// Province codes used in NIK numbers.
pub(super) const ID_PROVINCES: &[&str] = &[
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
    "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82",
    "91", "92", "94",
];

/// Singapore Chinese family names (written first).
pub(super) const SG_CHINESE_SURNAMES: &[&str] = &[
    "Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Koh", "Teo", "Ang", "Yeo",
    "Tay", "Ho", "Low", "Toh", "Sim",
];
/// Singapore Chinese given names (two syllables).
pub(super) const SG_CHINESE_GIVEN: &[&str] = &[
    "Wei Ming",
    "Mei Ling",
    "Jun Jie",
    "Xin Yi",
    "Kai Wen",
    "Hui Min",
    "Zhi Hao",
    "Li Ting",
    "Jia Hui",
    "Wen Jun",
    "Shu Fen",
    "Yong Sheng",
    "Pei Shan",
    "Cheng Han",
];
/// Singapore Malay given names (men).
pub(super) const SG_MALAY_MALE: &[&str] = &[
    "Muhammad Faizal",
    "Ahmad Hafiz",
    "Mohamed Irfan",
    "Syed Azman",
    "Muhammad Haziq",
    "Hairul Nizam",
];
/// Singapore Malay given names (women).
pub(super) const SG_MALAY_FEMALE: &[&str] = &[
    "Nur Aisyah",
    "Siti Nurhaliza",
    "Nurul Huda",
    "Farah Adibah",
    "Aishah",
    "Noor Azlina",
];
/// Malay fathers' names (after bin/binte).
pub(super) const SG_MALAY_FATHERS: &[&str] = &[
    "Rahman", "Ismail", "Hassan", "Osman", "Salleh", "Yusof", "Abdullah", "Jamal",
];
/// Singapore Indian given names (men).
pub(super) const SG_INDIAN_MALE: &[&str] = &[
    "Rajesh", "Suresh", "Arun", "Vikram", "Ganesh", "Kumaran", "Prakash", "Harish",
];
/// Singapore Indian given names (women).
pub(super) const SG_INDIAN_FEMALE: &[&str] = &[
    "Priya", "Kavitha", "Lakshmi", "Deepa", "Anitha", "Shalini", "Meena", "Revathi",
];
/// Indian fathers' names (after s/o, d/o).
pub(super) const SG_INDIAN_FATHERS: &[&str] = &[
    "Subramaniam",
    "Krishnan",
    "Ramasamy",
    "Muthu",
    "Pillai",
    "Nair",
    "Raju",
    "Govindasamy",
];
/// Singapore planning areas (the "city" of an address).
pub const SG_AREAS: &[&str] = &[
    "Tampines",
    "Jurong West",
    "Woodlands",
    "Bedok",
    "Ang Mo Kio",
    "Toa Payoh",
    "Clementi",
    "Punggol",
    "Sengkang",
    "Yishun",
    "Bukit Merah",
    "Queenstown",
    "Bishan",
    "Serangoon",
    "Pasir Ris",
    "Hougang",
];
const SG_STREETS: &[&str] = &[
    "Tampines Street 21",
    "Jurong West Avenue 1",
    "Ang Mo Kio Avenue 3",
    "Toa Payoh Lorong 1",
    "Bedok North Road",
    "Woodlands Drive 14",
    "Clementi Avenue 2",
    "Yishun Ring Road",
    "Punggol Field",
    "Sengkang East Way",
    "Hougang Avenue 8",
    "Bishan Street 13",
];

/// Every word of the given and family names the `id` and `sg` locales draw
/// from, with its locale (`true` for sg): the dictionaries `doppel scan`
/// recognises personal names by.
pub fn name_words() -> impl Iterator<Item = (&'static str, bool)> {
    let id = [ID_FIRST, ID_LAST].into_iter().map(|l| (l, false));
    let sg = [
        SG_CHINESE_SURNAMES,
        SG_CHINESE_GIVEN,
        SG_MALAY_MALE,
        SG_MALAY_FEMALE,
        SG_MALAY_FATHERS,
        SG_INDIAN_MALE,
        SG_INDIAN_FEMALE,
        SG_INDIAN_FATHERS,
    ]
    .into_iter()
    .map(|l| (l, true));
    id.chain(sg).flat_map(|(list, sg)| {
        list.iter()
            .flat_map(|n| n.split_whitespace())
            .map(move |w| (w, sg))
    })
}

/// A full name, a given name and a family name for the locale.
pub fn name(rng: &mut ChaCha20Rng, sg: bool) -> (String, String, String) {
    if !sg {
        let first = pick(rng, ID_FIRST).to_string();
        let last = pick(rng, ID_LAST).to_string();
        return (format!("{first} {last}"), first, last);
    }
    match rng.random_range(0..10u8) {
        // Chinese names are written family name first.
        0..=5 => {
            let sur = pick(rng, SG_CHINESE_SURNAMES).to_string();
            let given = pick(rng, SG_CHINESE_GIVEN).to_string();
            (format!("{sur} {given}"), given, sur)
        }
        6..=7 => {
            let male = rng.random_range(0..2u8) == 0;
            let given = pick(rng, if male { SG_MALAY_MALE } else { SG_MALAY_FEMALE }).to_string();
            let father = pick(rng, SG_MALAY_FATHERS).to_string();
            (
                format!("{given} {} {father}", if male { "bin" } else { "binte" }),
                given,
                father,
            )
        }
        _ => {
            let male = rng.random_range(0..2u8) == 0;
            let given = pick(
                rng,
                if male {
                    SG_INDIAN_MALE
                } else {
                    SG_INDIAN_FEMALE
                },
            )
            .to_string();
            let father = pick(rng, SG_INDIAN_FATHERS).to_string();
            (
                format!("{given} {} {father}", if male { "s/o" } else { "d/o" }),
                given,
                father,
            )
        }
    }
}

/// A mobile number: `+62 812-3456-7890` or `+65 9123 4567`.
pub fn phone(rng: &mut ChaCha20Rng, sg: bool) -> String {
    if sg {
        let first = if rng.random_range(0..2u8) == 0 { 8 } else { 9 };
        return format!(
            "+65 {first}{:03} {:04}",
            rng.random_range(0..1000u32),
            rng.random_range(0..10_000u32)
        );
    }
    format!(
        "+62 {}-{:04}-{:04}",
        pick(rng, ID_MOBILE),
        rng.random_range(0..10_000u32),
        rng.random_range(0..10_000u32)
    )
}

/// A 16-digit Indonesian NIK (province, regency, district, birth date with
/// 40 added to the day for women, serial) or a Singapore NRIC/FIN with a
/// valid check letter.
pub fn national_id(rng: &mut ChaCha20Rng, sg: bool) -> String {
    if sg {
        let prefix = ['S', 'T', 'F', 'G'][rng.random_range(0..4usize)];
        let digits: Vec<u32> = (0..7).map(|_| rng.random_range(0..10u32)).collect();
        return nric(prefix, &digits);
    }
    let province = pick(rng, ID_PROVINCES);
    let regency = rng.random_range(1..=20u32);
    let district = rng.random_range(1..=20u32);
    let female = rng.random_range(0..2u8) == 1;
    let day = rng.random_range(1..=28u32) + if female { 40 } else { 0 };
    let month = rng.random_range(1..=12u32);
    let year = rng.random_range(0..100u32);
    let serial = rng.random_range(1..=9999u32);
    format!("{province}{regency:02}{district:02}{day:02}{month:02}{year:02}{serial:04}")
}

/// An NRIC/FIN from its prefix and seven digits, with its check letter.
pub fn nric(prefix: char, digits: &[u32]) -> String {
    const WEIGHTS: [u32; 7] = [2, 7, 6, 5, 4, 3, 2];
    let mut sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    if matches!(prefix, 'T' | 'G') {
        sum += 4;
    }
    let letters: &[u8] = if matches!(prefix, 'S' | 'T') {
        b"JZIHGFEDCBA"
    } else {
        b"XWUTRQPNMLK"
    };
    let check = letters[(sum % 11) as usize] as char;
    let body: String = digits
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
        .collect();
    format!("{prefix}{body}{check}")
}

/// A postcode: five digits (Indonesia) or six (Singapore, with a valid sector).
pub fn postcode(rng: &mut ChaCha20Rng, sg: bool) -> String {
    if sg {
        format!(
            "{:02}{:04}",
            rng.random_range(1..=82u32),
            rng.random_range(0..10_000u32)
        )
    } else {
        format!("{}", rng.random_range(10_110..=99_999u32))
    }
}

/// A city or planning area.
pub fn city(rng: &mut ChaCha20Rng, sg: bool) -> String {
    pick(rng, if sg { SG_AREAS } else { ID_CITIES }).to_string()
}

/// A street address in the local style.
pub fn street(rng: &mut ChaCha20Rng, sg: bool) -> String {
    if sg {
        format!(
            "Blk {} {} #{:02}-{:02}",
            rng.random_range(1..=999u32),
            pick(rng, SG_STREETS),
            rng.random_range(2..=25u32),
            rng.random_range(1..=150u32)
        )
    } else {
        format!(
            "Jl. {} No. {}",
            pick(rng, ID_STREETS),
            rng.random_range(1..=250u32)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn nric_check_letters() {
        // Published examples of the check-letter algorithm.
        assert_eq!(nric('S', &[1, 2, 3, 4, 5, 6, 7]), "S1234567D");
        assert_eq!(nric('T', &[1, 2, 3, 4, 5, 6, 7]), "T1234567J");
        assert_eq!(nric('F', &[1, 2, 3, 4, 5, 6, 7]), "F1234567N");
        assert_eq!(nric('G', &[1, 2, 3, 4, 5, 6, 7]), "G1234567X");
    }

    #[test]
    fn nik_structure() {
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        for _ in 0..1000 {
            let n = national_id(&mut rng, false);
            assert_eq!(n.len(), 16);
            assert!(ID_PROVINCES.contains(&&n[..2]));
            let day: u32 = n[6..8].parse().unwrap();
            let month: u32 = n[8..10].parse().unwrap();
            assert!((1..=28).contains(&day) || (41..=68).contains(&day));
            assert!((1..=12).contains(&month));
        }
        let p = phone(&mut rng, false);
        assert!(p.starts_with("+62 8"), "{p}");
        let p = phone(&mut rng, true);
        assert!(p.starts_with("+65 8") || p.starts_with("+65 9"), "{p}");
        assert_eq!(postcode(&mut rng, true).len(), 6);
        assert_eq!(postcode(&mut rng, false).len(), 5);
    }
}
