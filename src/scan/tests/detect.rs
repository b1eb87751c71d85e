//! Names, dictionaries, value detectors and evidence.

use crate::mask::{Locale, ScrubKind};
use crate::scan::names::{hint, words, Strength};
use crate::scan::values::{secret, NationalIdPattern, Stats};
use crate::scan::{dictionary, evidence, Kind};

#[test]
fn identifiers_split_into_words() {
    assert_eq!(words("billingEmail"), ["billing", "email"]);
    assert_eq!(words("Date Of Birth"), ["date", "of", "birth"]);
    assert_eq!(words("no_hp"), ["no", "hp"]);
    assert_eq!(words("address_line1"), ["address", "line1"]);
}

#[test]
fn names_in_english_indonesian_and_malay() {
    let kind = |c: &str| hint("t", c).map(|h| h.kind);
    let strong = |c: &str| hint("t", c).map(|h| h.strength == Strength::Strong);
    for c in [
        "email",
        "billing_email",
        "e_mail",
        "surel",
        "emel",
        "to_address",
        "email_address",
    ] {
        assert_eq!(kind(c), Some(Kind::Email), "{c}");
    }
    for c in [
        "phone",
        "phone_number",
        "no_hp",
        "nomor_telepon",
        "telepon",
        "whatsapp",
        "fax",
        "mobile",
        "telefon",
    ] {
        assert_eq!(kind(c), Some(Kind::Phone), "{c}");
    }
    for c in [
        "date_of_birth",
        "dob",
        "tanggal_lahir",
        "tgl_lahir",
        "tarikh_lahir",
        "birthday",
    ] {
        assert_eq!(kind(c), Some(Kind::BirthDate), "{c}");
    }
    for c in [
        "alamat",
        "street",
        "address_line1",
        "billing_address",
        "jalan",
    ] {
        assert_eq!(kind(c), Some(Kind::Address), "{c}");
    }
    for c in [
        "nik",
        "no_ktp",
        "nric",
        "passport_number",
        "legal_number",
        "id_number",
        "mykad",
    ] {
        assert_eq!(kind(c), Some(Kind::NationalId), "{c}");
    }
    for c in ["password_hash", "kata_sandi", "kata_laluan", "passwd"] {
        assert_eq!(kind(c), Some(Kind::Password), "{c}");
    }
    for c in [
        "token",
        "api_key",
        "key_hash",
        "access_token",
        "client_secret",
    ] {
        assert_eq!(kind(c), Some(Kind::Secret), "{c}");
    }
    assert_eq!(kind("tempat_lahir"), Some(Kind::City));
    assert_eq!(kind("kode_pos"), Some(Kind::Postcode));
    assert_eq!(kind("poskod"), Some(Kind::Postcode));
    assert_eq!(kind("npwp"), Some(Kind::TaxId));
    assert_eq!(kind("vat_number"), Some(Kind::TaxId));
    assert_eq!(kind("card_last4"), Some(Kind::CardDigits));
    assert_eq!(kind("card_number"), Some(Kind::Card));
    assert_eq!(kind("iban"), Some(Kind::Iban));
    assert_eq!(kind("no_rekening"), Some(Kind::BankAccount));
    assert_eq!(kind("last_login_ip"), Some(Kind::Ip));
    assert_eq!(kind("first_name"), Some(Kind::FirstName));
    assert_eq!(kind("nama_depan"), Some(Kind::FirstName));
    assert_eq!(kind("surname"), Some(Kind::LastName));
    assert_eq!(kind("username"), Some(Kind::Username));
    assert_eq!(kind("legal_name"), Some(Kind::Name));
    assert_eq!(kind("nama_lengkap"), Some(Kind::Name));
    assert_eq!(kind("nama_pelanggan"), Some(Kind::Name));
    assert_eq!(kind("visitor_name"), Some(Kind::Name));
    assert_eq!(kind("company_name"), Some(Kind::Company));
    // Only a hint: the values decide.
    assert_eq!(strong("name"), Some(false));
    assert_eq!(strong("nama"), Some(false));
    assert_eq!(strong("body"), Some(false));
    assert_eq!(strong("signature"), Some(false));
    // Whole words only.
    for c in [
        "id",
        "user_id",
        "storage_key",
        "email_verified_at",
        "emails_sent",
        "file_name",
        "plan_name",
        "nama_produk",
        "invoice_number",
        "mac_address",
        "status",
        "key",
    ] {
        assert_eq!(kind(c), None, "{c}");
    }
}

#[test]
fn tables_of_people_and_of_companies() {
    assert!(crate::scan::names::person_table("users"));
    assert!(crate::scan::names::person_table("pelanggan"));
    assert!(!crate::scan::names::person_table("plans"));
    assert!(crate::scan::names::company_table("organisations"));
}

#[test]
fn person_names_from_the_locale_dictionaries() {
    let id = Some(Some(Locale::Id));
    assert_eq!(dictionary::person_name("Budi Santoso"), id);
    assert_eq!(dictionary::person_name("budi santoso"), id);
    assert!(dictionary::person_name("Amelia Hartono").is_some());
    assert!(dictionary::person_name("Chloé Smith").is_some());
    assert!(dictionary::person_name("Muhammad Faizal bin Rahman").is_some());
    assert_eq!(
        dictionary::person_name("Priya d/o Krishnan"),
        Some(Some(Locale::Sg))
    );
    assert!(dictionary::person_name("Tan Wei Ming").is_some());
    assert!(dictionary::person_name("BUDI").is_some());
    for label in [
        "Pro",
        "Gold",
        "Diamond",
        "Closed Won",
        "Widget Pro",
        "page_views",
        "Indonesia",
        "Team 42",
        "Free",
        "Enterprise",
        "Rock",
        "Jazz",
        "Hip Hop",
        "admin",
        "budi",
        "Grace",
        "Ruby",
        "Summer Sale",
        "Asia/Jakarta",
        "Made in Bali",
    ] {
        assert_eq!(dictionary::person_name(label), None, "{label}");
    }
}

#[test]
fn label_columns_are_not_names() {
    let lists: [&[&str]; 5] = [
        &[
            "Free",
            "Starter",
            "Team",
            "Business",
            "Enterprise",
            "Pro",
            "Premium",
            "Basic",
        ],
        &[
            "Rock",
            "Jazz",
            "Pop",
            "Hip Hop",
            "Classical",
            "Country",
            "Blues",
            "Reggae",
            "Metal",
            "Folk",
            "Soul",
            "Punk",
            "Dangdut",
            "Keroncong",
        ],
        &["Bronze", "Silver", "Gold", "Platinum", "Diamond", "Ruby"],
        &[
            "Lead",
            "Qualified",
            "Proposal",
            "Negotiation",
            "Closed Won",
            "Closed Lost",
        ],
        &[
            "Widget Pro",
            "Gadget Mini",
            "Coffee Beans 1kg",
            "Solar Panel 300W",
            "Desk Lamp",
        ],
    ];
    for list in lists {
        let names = list
            .iter()
            .filter(|v| dictionary::person_name(v).is_some())
            .count();
        assert!(names * 5 < list.len(), "{list:?}: {names} names");
    }
}

#[test]
fn companies_by_their_legal_form() {
    for c in [
        "PT Garuda Fintech",
        "Merlion Analytics Pte Ltd",
        "Kopi Kita CV",
        "Acme, Inc.",
        "Maju Jaya Sdn Bhd",
    ] {
        assert!(dictionary::company_name(c), "{c}");
    }
    for c in ["Acme", "Widget Pro", "Budi Santoso", "PT"] {
        assert!(!dictionary::company_name(c), "{c}");
    }
}

fn stats(values: &[&str]) -> Stats {
    let ids = NationalIdPattern::builtin();
    let mut s = Stats::default();
    for v in values {
        s.add(v, &ids);
    }
    s
}

#[test]
fn values_are_counted_by_kind() {
    let s = stats(&["alice@example.sg", "bob@example.co.id", "", "not an email"]);
    assert_eq!((s.n, s.top()), (3, Some((Kind::Email, 2))));
    let s = stats(&[
        "+62 812-3456-7890",
        "+44 7700 900062",
        "081234567890",
        "+65 9123 4567",
    ]);
    assert_eq!(s.top(), Some((Kind::Phone, 4)));
    let s = stats(&["3201011203900001", "3174054506850002"]);
    assert_eq!(s.top(), Some((Kind::NationalId, 2)));
    assert_eq!(s.national().as_deref(), Some("nik"));
    let s = stats(&["S1234567D", "T1234567J"]);
    assert_eq!(s.national().as_deref(), Some("nric"));
    let s = stats(&["850101-14-5678", "900230-10-1234"]);
    assert_eq!(
        s.national().as_deref(),
        Some("mykad"),
        "30 February is no birth date: {s:?}"
    );
    let s = stats(&["4111111111111111", "GB29NWBK60161331926819"]);
    assert_eq!((s.count(Kind::Card), s.count(Kind::Iban)), (1, 1));
    let s = stats(&["$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Rt9rGUs8kzZ1iV9Qp2L9E3iN8d9iQa"]);
    assert_eq!(s.top(), Some((Kind::Password, 1)));
    let s = stats(&["Budi Santoso", "Siti Rahayu", "Wei Ming Tan"]);
    assert_eq!(s.top(), Some((Kind::Name, 3)));
    let s = stats(&[
        "Jl. Sudirman No. 12, Jakarta 10220",
        "Blk 123 Tampines Street 21 #05-12",
    ]);
    assert_eq!(s.top(), Some((Kind::Address, 2)));
    let s = stats(&[
        "Please call me on +62 812-3456-7890 today",
        "Thanks for the help, all good now",
        "mail me: a.b@example.com",
    ]);
    assert_eq!(s.scrub_kinds(), [ScrubKind::Email, ScrubKind::Phone]);
    assert_eq!(s.text, 2);
    let custom = NationalIdPattern::parse("emp=EMP-\\d{5}").expect("pattern");
    let mut s = Stats::default();
    s.add("EMP-12345", &[custom]);
    assert_eq!(s.national().as_deref(), Some("emp"));
    assert!(NationalIdPattern::parse("no-equals").is_err());
    assert!(NationalIdPattern::parse("x=(").is_err());
}

#[test]
fn secrets_by_shape_and_entropy() {
    for s in [
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "Zq3Xv9LmP2Rt7YwK4Bn8Hc5Jd6Fs1Ga0",
    ] {
        assert!(secret(s), "{s}");
    }
    for s in [
        "123e4567-e89b-12d3-a456-426614174000",
        "orgs/1/files/report-2024.pdf",
        "Hello world, how are you",
        "page_views_per_session",
        "aaaaaaaaaaaaaaaaaaaaaaaa",
    ] {
        assert!(!secret(s), "{s}");
    }
}

#[test]
fn evidence_hides_the_value() {
    assert_eq!(
        evidence::show(Kind::Email, "alice@example.sg"),
        "al***@***.sg"
    );
    assert_eq!(
        evidence::show(Kind::Phone, "+62 812-3456-7890"),
        "+62 8**-****-**90"
    );
    assert_eq!(evidence::show(Kind::Name, "Budi Santoso"), "B*** S******");
    assert_eq!(evidence::show(Kind::BirthDate, "1987-05-12"), "19**-**-**");
    assert_eq!(evidence::show(Kind::Ip, "10.1.2.3"), "10.*.*.*");
    assert_eq!(
        evidence::show(Kind::Card, "4111 1111 1111 1111"),
        "41** **** **** **11"
    );
    assert_eq!(evidence::show(Kind::CardDigits, "1234"), "****");
    assert_eq!(
        evidence::show(
            Kind::Password,
            "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Rt9rGUs8kzZ1iV9Qp2L9E3iN8d9iQa"
        ),
        "$2b$12$… (60 characters)"
    );
    assert_eq!(
        evidence::show(Kind::Secret, "9f86d081884c7d659a2feaa0c55ad015"),
        "… (32 hex characters)"
    );
    assert!(!evidence::show(Kind::Address, "Jl. Sudirman No. 12\nJakarta").contains('\n'));
}
