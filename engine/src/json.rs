//! Strict JSON reading: like `serde_json::Value`, but a duplicate key in any
//! object is an error (serde_json would silently keep the last one), and the
//! input's size is bounded before anything is allocated for it.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Largest request accepted, in bytes.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;
/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 32;

/// Why a JSON text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// Not JSON, with serde_json's message and position.
    Syntax {
        message: String,
        line: usize,
        column: usize,
    },
    /// The same key twice in one object.
    DuplicateKey { path: String },
    /// Larger than [`MAX_REQUEST_BYTES`].
    TooLarge { bytes: usize },
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep { path: String },
}

/// Parses `text` strictly.
#[inline]
pub fn parse_strict(text: &str) -> Result<Value, JsonProblem> {
    if text.len() > MAX_REQUEST_BYTES {
        return Err(JsonProblem::TooLarge { bytes: text.len() });
    }
    if text.starts_with('\u{feff}') {
        return Err(JsonProblem::Syntax {
            message: "the text starts with a byte-order mark (U+FEFF), which JSON does not allow; save it as UTF-8 without BOM".into(),
            line: 1,
            column: 1,
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = Strict {
        path: Path::Root,
        depth: 0,
    };
    let value = seed.deserialize(&mut de).map_err(|e| classify(&e))?;
    de.end().map_err(|e| classify(&e))?;
    Ok(value)
}

const DUP: &str = "\u{0}duplicate:";
const DEEP: &str = "\u{0}deep:";

fn classify(e: &serde_json::Error) -> JsonProblem {
    let message = e.to_string();
    if let Some(rest) = message.strip_prefix(DUP) {
        let path = rest.split(" at line ").next().unwrap_or(rest).to_string();
        return JsonProblem::DuplicateKey { path };
    }
    if let Some(rest) = message.strip_prefix(DEEP) {
        let path = rest.split(" at line ").next().unwrap_or(rest).to_string();
        return JsonProblem::TooDeep { path };
    }
    let base = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    JsonProblem::Syntax {
        message: base,
        line: e.line(),
        column: e.column(),
    }
}

/// Where a value sits: a chain of keys and indexes up to the root, kept on
/// the stack and written out only for an error (most texts have none).
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    /// `operator.id`, `events[3].kind`; the root is empty.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

struct Strict<'p> {
    path: Path<'p>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(de::Error::custom(format!("{DEEP}{}", self.path)));
        }
        let mut items = Vec::new();
        loop {
            let child = Strict {
                path: Path::Index(&self.path, items.len()),
                depth: self.depth + 1,
            };
            let Some(item) = seq.next_element_seed(child)? else {
                break;
            };
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(de::Error::custom(format!("{DEEP}{}", self.path)));
        }
        let mut out = Map::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(&self.path, &key);
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUP}{path}")));
            }
            let value = map.next_value_seed(Strict {
                path,
                depth: self.depth + 1,
            })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_named_with_their_path() {
        let err = parse_strict(r#"{"operator": {"id": "a", "id": "b"}}"#).unwrap_err();
        assert_eq!(
            err,
            JsonProblem::DuplicateKey {
                path: "operator.id".into()
            }
        );
    }

    #[test]
    fn paths_name_keys_and_indexes_below_the_top() {
        let err = parse_strict(r#"{"events": [{}, {"kind": "a", "kind": "b"}]}"#).unwrap_err();
        assert_eq!(
            err,
            JsonProblem::DuplicateKey {
                path: "events[1].kind".into()
            }
        );
        let err = parse_strict(r#"{"date": 1, "date": 2}"#).unwrap_err();
        assert_eq!(
            err,
            JsonProblem::DuplicateKey {
                path: "date".into()
            }
        );
        let deep = format!(
            "{{\"a\": [{}{}]}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert_eq!(
            parse_strict(&deep).unwrap_err(),
            JsonProblem::TooDeep {
                path: format!("a{}", "[0]".repeat(MAX_DEPTH - 1))
            }
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        match parse_strict("{\n  \"a\": trux\n}").unwrap_err() {
            JsonProblem::Syntax { line, .. } => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            parse_strict(&deep),
            Err(JsonProblem::TooDeep { .. })
        ));
        let ok = "[".repeat(MAX_DEPTH - 1) + &"]".repeat(MAX_DEPTH - 1);
        assert!(parse_strict(&ok).is_ok());
    }
}
