//! The fact vocabulary (`policies/facts.toml`): every fact a request may
//! carry, its type and meaning, every `materials` item and every event kind.
//! Requests are parsed against it, so a fact of the wrong type is an error
//! before any rule runs.

use std::collections::{BTreeMap, HashMap};

use foldhash::fast::FixedState;

use serde::Deserialize;

use crate::load::span::line_of;

/// The request objects that carry facts, in contract order.
pub const OBJECTS: [&str; 7] = [
    "operator",
    "scenario",
    "agreement",
    "data",
    "product",
    "person",
    "body",
];

/// The type of one fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactType {
    /// JSON boolean.
    Bool,
    /// JSON integer (64-bit).
    Int,
    /// ISO date string.
    Date,
    /// Free string (identifiers).
    String,
    /// One of the listed strings.
    Enum(Vec<String>),
    /// Array of strings; when values are listed, only those.
    List(Option<Vec<String>>),
}

impl FactType {
    /// A short name for error messages.
    pub fn describe(&self) -> String {
        match self {
            FactType::Bool => "a boolean".into(),
            FactType::Int => "an integer".into(),
            FactType::Date => "a date string YYYY-MM-DD".into(),
            FactType::String => "a string".into(),
            FactType::Enum(values) => format!("one of {}", quote_list(values)),
            FactType::List(Some(values)) => {
                format!("an array of strings from {}", quote_list(values))
            }
            FactType::List(None) => "an array of strings".into(),
        }
    }
}

pub(crate) fn quote_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One fact of the vocabulary.
#[derive(Debug, Clone)]
pub struct FactDef {
    /// `object.name`, e.g. `operator.mlps3_experience`.
    pub path: String,
    /// Its type.
    pub ty: FactType,
    /// What it means (catalog §3).
    pub meaning: String,
    /// Another boolean fact that must be true when this one is true.
    pub implies: Option<String>,
}

/// The whole vocabulary.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Sorted by path.
    facts: Vec<FactDef>,
    /// Position in `facts` by path: a request looks up each fact it gives.
    by_path: HashMap<String, usize, FixedState>,
    materials: Vec<String>,
    event_kinds: BTreeMap<String, String>,
    actions: Vec<String>,
    jurisdictions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFact {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    values: Option<Vec<String>>,
    meaning: String,
    #[serde(default)]
    implies: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaterials {
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    meaning: String,
}

/// Why `facts.toml` could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct VocabularyError {
    /// What is wrong, naming the entry.
    pub message: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
}

impl Vocabulary {
    /// Parses `facts.toml`.
    pub fn from_toml(text: &str) -> Result<Self, VocabularyError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| VocabularyError {
            line: e.span().map(|s| line_of(text, s.start)),
            message: e.message().to_string(),
        })?;
        let mut vocab = Vocabulary::default();
        let mut defs: BTreeMap<String, FactDef> = BTreeMap::new();
        for (key, value) in table {
            let err = |message: String| VocabularyError {
                line: find_line(text, &key),
                message,
            };
            if key == "materials" {
                let raw: RawMaterials = value
                    .try_into()
                    .map_err(|e: toml::de::Error| err(format!("`materials`: {}", e.message())))?;
                vocab.materials = raw.values;
                continue;
            }
            if key == "events" {
                let kinds = value
                    .as_table()
                    .ok_or_else(|| err("`events` must be a table of event kinds".into()))?;
                for (kind, raw) in kinds {
                    let raw: RawEvent = raw.clone().try_into().map_err(|e: toml::de::Error| {
                        err(format!("`events.{kind}`: {}", e.message()))
                    })?;
                    vocab.event_kinds.insert(kind.clone(), raw.meaning);
                }
                continue;
            }
            if !OBJECTS.contains(&key.as_str()) {
                return Err(err(format!(
                    "unknown object `{key}`; facts belong to one of {}",
                    OBJECTS.join(", ")
                )));
            }
            let facts = value
                .as_table()
                .ok_or_else(|| err(format!("`{key}` must be a table of facts")))?;
            for (name, raw) in facts {
                let path = format!("{key}.{name}");
                let raw: RawFact = raw
                    .clone()
                    .try_into()
                    .map_err(|e: toml::de::Error| err(format!("`{path}`: {}", e.message())))?;
                let ty = match (raw.ty.as_str(), raw.values) {
                    ("bool", None) => FactType::Bool,
                    ("int", None) => FactType::Int,
                    ("date", None) => FactType::Date,
                    ("string", None) => FactType::String,
                    ("enum", Some(values)) if !values.is_empty() => FactType::Enum(values),
                    ("list", values) => FactType::List(values),
                    (other, _) => {
                        return Err(err(format!(
                            "`{path}`: type `{other}` is not one of bool, int, date, string, enum (with values), list"
                        )))
                    }
                };
                defs.insert(
                    path.clone(),
                    FactDef {
                        path,
                        ty,
                        meaning: raw.meaning,
                        implies: raw.implies,
                    },
                );
            }
        }
        for def in defs.values() {
            if let Some(target) = &def.implies {
                if defs.get(target).map(|t| &t.ty) != Some(&FactType::Bool)
                    || def.ty != FactType::Bool
                {
                    return Err(VocabularyError {
                        line: find_line(text, &def.path),
                        message: format!(
                            "`{}` implies `{target}`, but both must be boolean facts of the vocabulary",
                            def.path
                        ),
                    });
                }
            }
        }
        vocab.facts = defs.into_values().collect();
        vocab.by_path = vocab
            .facts
            .iter()
            .enumerate()
            .map(|(i, def)| (def.path.clone(), i))
            .collect();
        Ok(vocab)
    }

    /// Records the actions and jurisdictions the bundle defines.
    pub(crate) fn set_scope(&mut self, actions: Vec<String>, jurisdictions: Vec<String>) {
        self.actions = actions;
        self.jurisdictions = jurisdictions;
    }

    /// The definition of a fact, by `object.name` path.
    pub fn fact(&self, path: &str) -> Option<&FactDef> {
        self.by_path.get(path).and_then(|&i| self.facts.get(i))
    }

    /// All facts, sorted by path.
    pub fn facts(&self) -> impl Iterator<Item = &FactDef> {
        self.facts.iter()
    }

    /// Valid `materials` items.
    pub fn materials(&self) -> &[String] {
        &self.materials
    }

    /// Whether `kind` is a known event kind.
    pub fn is_event_kind(&self, kind: &str) -> bool {
        self.event_kinds.contains_key(kind)
    }

    /// Event kinds with their meaning.
    pub fn event_kinds(&self) -> impl Iterator<Item = (&str, &str)> {
        self.event_kinds
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The actions of the schema.
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    /// The jurisdictions of the bundle.
    pub fn jurisdictions(&self) -> &[String] {
        &self.jurisdictions
    }

    /// The closest known name to `wrong` among `candidates`, for hints.
    pub(crate) fn suggest<'a>(
        wrong: &str,
        candidates: impl Iterator<Item = &'a str>,
    ) -> Option<String> {
        // The distance is at least the difference in length: a candidate
        // that cannot be close is skipped before the quadratic comparison.
        let length = wrong.chars().count();
        candidates
            .filter(|c| length.abs_diff(c.chars().count()) <= 2.max(c.len() / 4))
            .map(|c| (edit_distance(wrong, c), c))
            .filter(|(d, c)| *d <= 2.max(c.len() / 4))
            .min()
            .map(|(_, c)| c.to_string())
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

fn find_line(text: &str, key: &str) -> Option<usize> {
    let needle = format!("[{key}");
    text.find(&needle).map(|offset| line_of(text, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_shipped_vocabulary() {
        let vocab = Vocabulary::from_toml(include_str!("../../policies/facts.toml")).unwrap();
        assert_eq!(
            vocab.fact("operator.mlps3_experience").unwrap().ty,
            FactType::Bool
        );
        assert!(matches!(
            vocab.fact("data.consent").unwrap().ty,
            FactType::Enum(ref v) if v.contains(&"blanket".to_string())
        ));
        assert!(vocab.is_event_kind("security_incident"));
        assert!(vocab.materials().contains(&"audit_report".to_string()));
    }

    #[test]
    fn rejects_an_unknown_type_naming_the_fact() {
        let err =
            Vocabulary::from_toml("[operator.x]\ntype = \"float\"\nmeaning = \"m\"\n").unwrap_err();
        assert!(err.message.contains("operator.x"), "{}", err.message);
        assert_eq!(err.line, Some(1));
    }

    #[test]
    fn suggests_near_misses() {
        let names = ["mlps3_experience", "credit_ok"];
        assert_eq!(
            Vocabulary::suggest("mlps_experience", names.into_iter()),
            Some("mlps3_experience".into())
        );
        assert_eq!(Vocabulary::suggest("zzz", names.into_iter()), None);
    }
}
