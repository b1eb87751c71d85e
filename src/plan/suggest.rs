//! Suggested rules for columns and tables the rules do not cover yet, by
//! column name and type: what `check` and `run` propose when the schema
//! drifts (a new column or table). Suggestions are a starting point for a
//! reviewer; a column that looks harmless is suggested `keep`, and the
//! reviewer decides.

use crate::catalog::{Column, Table};

/// A masker (YAML flow form) for a column, by its name and type.
pub fn column_rule(table: &Table, col: &Column) -> String {
    let n = col.name.to_ascii_lowercase();
    let has = |parts: &[&str]| parts.iter().any(|p| n.contains(p));
    let text = matches!(col.category, 'S') || col.base_type == "citext";
    let unique = table
        .unique_keys
        .iter()
        .any(|k| k.columns.iter().any(|c| c == &col.name));
    let rule = if col.generated {
        "default"
    } else if has(&["email", "e_mail"]) && text {
        if unique {
            "{ fake: email, unique: true }"
        } else {
            "{ fake: email }"
        }
    } else if has(&["phone", "mobile", "msisdn", "whatsapp"]) && text {
        if unique {
            "{ fake: phone, unique: true }"
        } else {
            "{ fake: phone }"
        }
    } else if has(&["password", "passwd", "secret", "token", "api_key", "otp"]) && text {
        "{ tokenize: hex }"
    } else if has(&["first_name", "given_name", "firstname"]) && text {
        "{ fake: first_name }"
    } else if has(&["last_name", "surname", "family_name", "lastname"]) && text {
        "{ fake: last_name }"
    } else if (n == "name" || has(&["full_name", "fullname", "display_name", "contact_name"]))
        && text
    {
        "{ fake: name }"
    } else if has(&["address", "street"]) && text {
        "{ fake: street }"
    } else if has(&["birth", "dob"]) {
        "{ fake: date_of_birth }"
    } else if has(&[
        "ssn",
        "national_id",
        "nik",
        "nric",
        "passport",
        "tax_id",
        "npwp",
    ]) && text
    {
        "{ tokenize: preserve }"
    } else if has(&["iban", "account_number"]) && text {
        "{ partial: { keep_start: 4, with: X } }"
    } else if has(&["card"]) && text {
        "{ tokenize: card }"
    } else if (has(&["ip_address", "last_ip", "_ip"]) || n == "ip") && col.base_type == "inet" {
        "{ fake: ipv4 }"
    } else if has(&["note", "comment", "description", "message", "body", "bio"]) && text {
        "{ scrub: [email, phone, card, iban, nik, nric, ip, url] }"
    } else {
        "keep"
    };
    rule.to_string()
}

/// A table rule (YAML block, indented for `tables:`) covering every column.
pub fn table_rule(table: &Table) -> String {
    let mut out = format!("  {}:\n    columns:\n", table.name);
    for col in &table.columns {
        out.push_str(&format!(
            "      {}: {}\n",
            yaml_key(&col.name),
            column_rule(table, col)
        ));
    }
    out
}

/// A column name as a YAML key (quoted when it is not a plain word).
pub fn yaml_key(name: &str) -> String {
    if !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
    {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}
