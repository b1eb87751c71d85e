//! One rules masker mapping (`{ fake: email }`, `{ tokenize: hex }`, …) into
//! a [`MaskSpec`]: which masker, with which options, every misuse refused
//! with a message that says what to write instead.

use std::path::Path;

use serde_saphyr::Spanned;

use super::PlanOptions;
use crate::config::{expand_env, ColumnRule, MaskerConfig, OrderedMap, PartialConfig};
use crate::mask::{
    FakeKind, Granularity, Locale, MaskSpec, RoundStep, ScrubKind, Shift, TokenFormat,
};

/// The maskers a mapping names (exactly one is valid).
pub(super) fn masker_names(cfg: &MaskerConfig) -> Vec<&'static str> {
    [
        cfg.fake.as_ref().map(|_| "fake"),
        cfg.tokenize.as_ref().map(|_| "tokenize"),
        cfg.value.as_ref().map(|_| "value"),
        cfg.partial.as_ref().map(|_| "partial"),
        cfg.shift.as_ref().map(|_| "shift"),
        cfg.json.as_ref().map(|_| "json"),
        cfg.scrub.as_ref().map(|_| "scrub"),
        cfg.each.as_ref().map(|_| "each"),
        cfg.generalize.as_ref().map(|_| "generalize"),
        cfg.round.as_ref().map(|_| "round"),
        cfg.replace.as_ref().map(|_| "replace"),
        cfg.template.as_ref().map(|_| "template"),
        cfg.sql.as_ref().map(|_| "sql"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The locale a mapping asks for, or the rules' default.
fn locale_of(cfg: &MaskerConfig, default_locale: &str) -> Result<Locale, String> {
    let name = cfg
        .locale
        .as_ref()
        .map(|l| l.value.as_str())
        .unwrap_or(default_locale);
    Locale::parse(name).ok_or_else(|| {
        format!("unknown locale `{name}`: this version has en, id (Indonesia), sg (Singapore)")
    })
}

/// The masker a mapping names, with its options checked; `Err` says what
/// is wrong (the caller adds the column and the place).
pub(super) fn mask_spec(
    path: &Path,
    cfg: &MaskerConfig,
    opts: &PlanOptions,
    default_locale: &str,
) -> Result<MaskSpec, String> {
    let kinds = masker_names(cfg);
    if kinds.iter().any(|k| matches!(*k, "template" | "sql")) {
        return Err(format!(
            "`{}` computes a column from its row; it cannot be used inside json or each",
            if kinds.contains(&"sql") {
                "sql"
            } else {
                "template"
            }
        ));
    }
    if kinds.len() != 1 {
        return Err(if kinds.is_empty() {
            "no masker given: write one of fake, tokenize, value, partial, shift, generalize, round, replace, template, json, scrub, each, sql (or keep, null, default)".into()
        } else {
            format!("one masker per column, found {}", kinds.join(" and "))
        });
    }
    let only = |allowed: &[&str]| only_options(cfg, kinds[0], allowed);
    let domain = cfg.domain.as_ref().map(|d| d.value.clone());
    if let Some(kind) = &cfg.fake {
        only(&["unique", "locale", "domain"])?;
        return fake_spec(cfg, &kind.value, domain, default_locale);
    }
    if let Some(fmt) = &cfg.tokenize {
        only(&["unique", "length", "prefix", "domain", "email_domain"])?;
        return tokenize_spec(cfg, &fmt.value, domain);
    }
    if let Some(list) = &cfg.scrub {
        only(&["locale"])?;
        return scrub_spec(cfg, list, default_locale);
    }
    only(&[])?;
    if let Some(v) = &cfg.value {
        let s = Spanned::new(v.value.0.clone(), v.referenced, v.defined);
        let text = expand_env(path, &s, opts.env).map_err(|d| d.message)?;
        return Ok(MaskSpec::Value(text));
    }
    if let Some(p) = &cfg.partial {
        return partial_spec(&p.value);
    }
    if let Some(sh) = &cfg.shift {
        let c = &sh.value;
        return match (c.days, c.amount, c.percent) {
            (Some(d), None, None) if d > 0 => Ok(MaskSpec::Shift(Shift::Days(d))),
            (None, Some(a), None) if a > 0.0 => Ok(MaskSpec::Shift(Shift::Amount(a))),
            (None, None, Some(p)) if p > 0.0 && p < 100.0 => Ok(MaskSpec::Shift(Shift::Percent(p))),
            _ => Err("shift takes exactly one of days (> 0), amount (> 0) or percent (between 0 and 100)".into()),
        };
    }
    if let Some(g) = &cfg.generalize {
        let to = Granularity::parse(&g.value.to)
            .ok_or_else(|| format!("generalize to `{}`: write year, month or day", g.value.to))?;
        return Ok(MaskSpec::Generalize(to));
    }
    if let Some(r) = &cfg.round {
        let step = RoundStep::parse(&r.value.0).ok_or_else(|| {
            format!(
                "round: {} is not a power of ten; write 1000, 100, 10, 1, 0.1, 0.01…",
                r.value.0
            )
        })?;
        return Ok(MaskSpec::Round(step));
    }
    if let Some(r) = &cfg.replace {
        return Ok(MaskSpec::Replace {
            pattern: r.value.pattern.clone(),
            with: r.value.with.clone(),
        });
    }
    if let Some(paths) = &cfg.json {
        return json_spec(path, paths, opts, default_locale);
    }
    if let Some(inner) = &cfg.each {
        let spec = match inner.as_ref() {
            ColumnRule::Null => MaskSpec::Null,
            ColumnRule::Mask(m) => mask_spec(path, m, opts, default_locale)?,
            _ => return Err("each takes null or a masker such as { fake: email }".into()),
        };
        return Ok(MaskSpec::Each(Box::new(spec)));
    }
    Err("no masker given".into())
}

/// Refuse options the masker `kind` does not take.
fn only_options(cfg: &MaskerConfig, kind: &str, allowed: &[&str]) -> Result<(), String> {
    let given = [
        ("unique", cfg.unique.is_some()),
        ("locale", cfg.locale.is_some()),
        ("length", cfg.length.is_some()),
        ("prefix", cfg.prefix.is_some()),
        ("domain", cfg.domain.is_some()),
        ("email_domain", cfg.email_domain.is_some()),
    ];
    for (name, set) in given {
        if set && !allowed.contains(&name) {
            return Err(format!("option `{name}` does not apply to `{kind}`"));
        }
    }
    Ok(())
}

/// `fake: kind`, with `unique` and `locale`.
fn fake_spec(
    cfg: &MaskerConfig,
    kind_name: &str,
    domain: Option<String>,
    default_locale: &str,
) -> Result<MaskSpec, String> {
    let kind = FakeKind::parse(kind_name).ok_or_else(|| {
        format!(
            "unknown fake kind `{kind_name}`: this version has {}",
            FakeKind::names().join(", ")
        )
    })?;
    let locale = locale_of(cfg, default_locale)?;
    if cfg.unique.as_ref().is_some_and(|u| u.value) {
        match kind {
            FakeKind::Email | FakeKind::Uuid => {}
            FakeKind::Phone => return Ok(MaskSpec::UniquePhone { domain }),
            _ => {
                return Err(format!(
                    "`unique: true` is guaranteed for fake email, phone and uuid, not {kind_name}; use tokenize for unique columns"
                ))
            }
        }
    }
    Ok(MaskSpec::Fake {
        kind,
        locale,
        domain,
    })
}

/// `tokenize: format`, with its options.
fn tokenize_spec(
    cfg: &MaskerConfig,
    format: &str,
    domain: Option<String>,
) -> Result<MaskSpec, String> {
    let format = match format {
        "hex" => TokenFormat::Hex,
        "uuid" => TokenFormat::Uuid,
        "integer" => TokenFormat::Integer,
        "preserve" => TokenFormat::Preserve,
        "digits" => TokenFormat::Digits,
        "email" => TokenFormat::Email,
        "card" => TokenFormat::Card,
        other => {
            return Err(format!(
                "unknown token format `{other}`: this version has hex, uuid, integer, digits, email, card, preserve"
            ))
        }
    };
    Ok(MaskSpec::Tokenize {
        format,
        length: cfg.length.as_ref().map(|l| l.value),
        prefix: cfg.prefix.as_ref().map(|p| p.value.clone()),
        domain,
        email_domain: cfg.email_domain.as_ref().map(|d| d.value.clone()),
    })
}

/// `partial: { keep_start, keep_end, with }`.
fn partial_spec(p: &PartialConfig) -> Result<MaskSpec, String> {
    let with = match p.with.as_deref() {
        None => '*',
        Some(w) => {
            let mut chars = w.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return Err(format!("partial `with` must be one character, not {w:?}")),
            }
        }
    };
    Ok(MaskSpec::Partial {
        keep_start: p.keep_start,
        keep_end: p.keep_end,
        with,
    })
}

/// `json: { path: masker, … }`: paths that are kept are left out.
fn json_spec(
    path: &Path,
    paths: &OrderedMap<ColumnRule>,
    opts: &PlanOptions,
    default_locale: &str,
) -> Result<MaskSpec, String> {
    let mut out = Vec::new();
    for (p, rule) in paths.iter() {
        let inner = match rule {
            ColumnRule::Keep => continue,
            ColumnRule::Null => MaskSpec::Null,
            ColumnRule::Mask(m) => {
                mask_spec(path, m, opts, default_locale).map_err(|e| format!("{}: {e}", p.value))?
            }
            _ => {
                return Err(format!(
                    "{}: inside json use null or a masker such as {{ fake: email }}",
                    p.value
                ))
            }
        };
        out.push((p.value.clone(), inner));
    }
    if out.is_empty() {
        return Err("json names no path to mask".into());
    }
    Ok(MaskSpec::Json(out))
}

/// `scrub: [kinds]`, with the names' `locale`.
fn scrub_spec(
    cfg: &MaskerConfig,
    list: &[Spanned<String>],
    default_locale: &str,
) -> Result<MaskSpec, String> {
    let mut kinds = Vec::new();
    for k in list {
        kinds.push(ScrubKind::parse(&k.value).ok_or_else(|| {
            format!(
                "unknown scrub kind `{}`: this version finds {}",
                k.value,
                ScrubKind::names().join(", ")
            )
        })?);
    }
    if kinds.is_empty() {
        return Err("scrub needs at least one kind, e.g. [email, phone]".into());
    }
    if cfg.locale.is_some() && !kinds.contains(&ScrubKind::Name) {
        return Err(
            "option `locale` of scrub sets the locale of the fake names; add `name` to the kinds or remove it"
                .into(),
        );
    }
    let locale = locale_of(cfg, default_locale)?;
    Ok(MaskSpec::Scrub { kinds, locale })
}
