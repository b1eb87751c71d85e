//! The `access:` section as the user wrote it: roles of the target's
//! cluster and the copied schemas each may read. `plan/` compiles it against
//! the catalog; `sink/` turns it into GRANTs inside the new copy.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// One entry of `access:`: a role that may read the copy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRule {
    /// A role that exists on the target's cluster (e.g. made once with
    /// `CREATE ROLE support_ro NOLOGIN`); `run` refuses before writing when
    /// it does not.
    #[schemars(with = "String")]
    pub role: Spanned<String>,
    /// What it may read: `all` (every schema the copy holds) or a list of
    /// schema names or globs (`*` any characters, `?` one).
    #[schemars(with = "ReadScope")]
    pub read: Spanned<ReadScope>,
}

/// The schemas a role may read.
#[derive(Debug, Clone)]
pub enum ReadScope {
    /// Every schema the copy holds.
    All,
    /// These schemas (names or globs).
    Schemas(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for ReadScope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ReadScope;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`all` or a list of schemas such as [public, billing]")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ReadScope, E> {
                match s {
                    "all" => Ok(ReadScope::All),
                    other => Err(E::custom(format!(
                        "read: `{other}` is neither `all` nor a list: write `all` for every copied schema, or a list such as [{other}]"
                    ))),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ReadScope, A::Error> {
                Vec::<Spanned<String>>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(ReadScope::Schemas)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for ReadScope {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ReadScope".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`all` (every schema the copy holds) or a list of schema names or globs.",
            "oneOf": [
                { "const": "all" },
                { "type": "array", "items": { "type": "string" }, "minItems": 1 }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{parse_rules, ReadScope};

    #[test]
    fn parses_all_and_lists_with_their_lines() {
        let f = parse_rules(
            Path::new("r.yaml"),
            "version: 1\naccess:\n  - role: support_ro\n    read: all\n  - role: finance\n    read: [billing, \"app_*\"]\n",
        )
        .unwrap();
        assert_eq!(f.access.len(), 2);
        assert_eq!(f.access[0].role.value, "support_ro");
        assert_eq!(f.access[0].role.referenced.line(), 3);
        assert!(matches!(f.access[0].read.value, ReadScope::All));
        let ReadScope::Schemas(s) = &f.access[1].read.value else {
            panic!("a list")
        };
        let names: Vec<&str> = s.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(names, ["billing", "app_*"]);
        assert_eq!(s[0].referenced.line(), 6);
    }

    #[test]
    fn refuses_what_is_not_read_access_at_its_line() {
        let e = parse_rules(
            Path::new("r.yaml"),
            "version: 1\naccess:\n  - role: support_ro\n    read: all\n    write: all\n",
        )
        .unwrap_err();
        assert_eq!(e.0[0].loc.as_ref().map(|l| l.line), Some(5), "{e}");
        assert!(e.to_string().contains("write"), "{e}");
        let e = parse_rules(
            Path::new("r.yaml"),
            "version: 1\naccess:\n  - role: support_ro\n    read: billing\n",
        )
        .unwrap_err();
        assert_eq!(e.0[0].loc.as_ref().map(|l| l.line), Some(4), "{e}");
        assert!(e.to_string().contains("a list such as [billing]"), "{e}");
        let e = parse_rules(Path::new("r.yaml"), "version: 1\naccess:\n  - role: x\n").unwrap_err();
        assert!(e.to_string().contains("read"), "{e}");
    }
}
