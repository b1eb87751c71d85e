//! A YAML mapping kept in file order, with the location of every key; a
//! key written twice (a table or a column named twice) is an error naming
//! both lines.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, Visitor};
use serde_saphyr::Spanned;

/// A mapping from names to `V`, in the order of the file, each key with its location.
#[derive(Debug, Clone)]
pub struct OrderedMap<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<V> OrderedMap<V> {
    /// Entries in file order.
    pub fn iter(&self) -> impl Iterator<Item = &(Spanned<String>, V)> {
        self.0.iter()
    }

    /// The entry for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&(Spanned<String>, V)> {
        self.0.iter().find(|(k, _)| k.value == name)
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(OrderedMap::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(Spanned<String>, V)> = Vec::new();
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    if let Some((first, _)) = out.iter().find(|(f, _)| f.value == k.value) {
                        return Err(A::Error::custom(format!(
                            "`{}` is named twice in this mapping (lines {} and {}): keep one",
                            k.value,
                            first.referenced.line(),
                            k.referenced.line()
                        )));
                    }
                    let v = map.next_value::<V>()?;
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}
