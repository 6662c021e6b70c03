//! The work of `pdao.audit` on one batch, without the GIL: parse each
//! record, decide it, and write its result row as one line of JSON.
//!
//! A record is either a request's JSON text (its key given beside it) or a
//! JSON Lines *envelope* `{"<key>": …, "<request>": {…}, …}` whose request
//! member is decided from its own text, so the engine sees exactly the bytes
//! the file holds (duplicate keys, depth and size limits included). A row:
//!
//! ```json
//! {"key":…,"decision":"deny","reasons":["…"],"missing":["…"],"obligations":[{"rule":"…","due":"2025-01-31"}],"error":null}
//! ```
//!
//! A record that cannot be decided is denied, with `error` saying why.

use std::borrow::Cow;
use std::fmt;

use pdao::{Decision, Engine};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::batch::map_in_order;
use crate::errors::ErrorInfo;
use crate::Input;

/// How records are read.
pub enum Records<'a> {
    /// Request texts, each with its key as JSON text (`None`: null).
    Requests {
        texts: &'a [Input],
        keys: Option<&'a [String]>,
    },
    /// JSON Lines envelopes; blank lines are skipped.
    Envelopes {
        lines: &'a [Input],
        key: &'a str,
        request: &'a str,
    },
}

/// One batch's rows and counts.
#[derive(Debug, Default)]
pub struct BatchResult {
    /// The rows, one line each, each ending in `\n`.
    pub text: String,
    /// Rows allowed.
    pub allowed: usize,
    /// Rows denied (errors excluded).
    pub denied: usize,
    /// Rows that could not be decided (denied with an `error`).
    pub errors: usize,
}

#[derive(Serialize)]
struct Row<'a> {
    key: Option<Key<'a>>,
    decision: &'static str,
    reasons: Vec<&'a str>,
    missing: &'a [String],
    obligations: Vec<ObligationRow<'a>>,
    error: Option<&'a ErrorInfo>,
}

#[derive(Serialize)]
struct ObligationRow<'a> {
    rule: &'a str,
    due: Option<&'a str>,
}

/// A key as written: its JSON as it stands, or (for a string column) a
/// string key as itself and any other key as its JSON text.
enum Key<'a> {
    Raw(&'a RawValue),
    Text(&'a str),
}

impl Serialize for Key<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Key::Raw(raw) => raw.serialize(serializer),
            Key::Text(text) => serializer.serialize_str(text),
        }
    }
}

fn key_of(raw: Option<&RawValue>, string_keys: bool) -> Option<Key<'_>> {
    let raw = raw?;
    let text = raw.get();
    if !string_keys || text.starts_with('"') {
        Some(Key::Raw(raw))
    } else if text == "null" {
        None
    } else {
        Some(Key::Text(text))
    }
}

/// One record's outcome, before it is written.
struct Outcome {
    key: Option<Box<RawValue>>,
    result: Result<Decision, ErrorInfo>,
}

/// Decides every record of a batch on `threads` threads. With
/// `string_keys`, every key is written as a string (for a Parquet column of
/// one type): a string key as itself, any other as its JSON text.
pub fn run(
    engine: &Engine,
    records: &Records<'_>,
    threads: usize,
    string_keys: bool,
) -> BatchResult {
    let outcomes: Vec<Option<Outcome>> = match records {
        Records::Requests { texts, keys } => {
            let decided = map_in_order(texts, threads, |text| match text {
                Input::Text(text) => engine.decide_json(text).map_err(ErrorInfo::from),
                Input::Invalid(error) => Err(error.clone()),
            });
            decided
                .into_iter()
                .enumerate()
                .map(|(i, result)| {
                    let key = keys
                        .and_then(|k| k.get(i))
                        .and_then(|k| RawValue::from_string(k.clone()).ok());
                    Some(Outcome { key, result })
                })
                .collect()
        }
        Records::Envelopes {
            lines,
            key,
            request,
        } => map_in_order(lines, threads, |line| match line {
            Input::Text(line) => Ok(envelope_outcome(engine, line, key, request)),
            Input::Invalid(error) => Err(error.clone()),
        })
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|error| {
                Some(Outcome {
                    key: None,
                    result: Err(error),
                })
            })
        })
        .collect(),
    };
    let mut out = BatchResult::default();
    for outcome in outcomes.iter().flatten() {
        write_row(&mut out, outcome, string_keys);
    }
    out
}

fn envelope_outcome(engine: &Engine, line: &str, key: &str, request: &str) -> Option<Outcome> {
    if line.trim().is_empty() {
        return None;
    }
    let seed = EnvelopeSeed { key, request };
    let parsed = seed.deserialize(&mut serde_json::Deserializer::from_str(line));
    let envelope = match parsed {
        Ok(envelope) => envelope,
        Err(e) => {
            return Some(Outcome {
                key: None,
                result: Err(envelope_error(&e)),
            })
        }
    };
    let result = match (&envelope.duplicate, envelope.request) {
        (Some(field), _) => Err(ErrorInfo {
            field: Some(field.clone()),
            ..ErrorInfo::new(
                "duplicate_key",
                format!("duplicate key `{field}` in the record"),
            )
        }),
        (None, None) => Err(ErrorInfo {
            field: Some(request.to_string()),
            ..ErrorInfo::new(
                "missing_field",
                format!("missing required field `{request}` (the request) in the record"),
            )
        }),
        (None, Some(raw)) => engine.decide_json(raw.get()).map_err(ErrorInfo::from),
    };
    Some(Outcome {
        key: envelope.key.map(RawValue::to_owned),
        result,
    })
}

fn envelope_error(error: &serde_json::Error) -> ErrorInfo {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => ErrorInfo {
            field: Some("(record)".to_string()),
            ..ErrorInfo::new(
                "wrong_type",
                "`(record)` must be an object with the request and its key",
            )
        },
        Category::Io | Category::Syntax | Category::Eof => {
            let (line, column) = (error.line(), error.column());
            let text = error.to_string();
            let what = text
                .strip_suffix(&format!(" at line {line} column {column}"))
                .unwrap_or(&text);
            ErrorInfo {
                line: Some(line),
                column: Some(column),
                ..ErrorInfo::new(
                    "invalid_json",
                    format!("invalid JSON at line {line}, column {column}: {what}"),
                )
            }
        }
    }
}

fn write_row(out: &mut BatchResult, outcome: &Outcome, string_keys: bool) {
    let no_missing: [String; 0] = [];
    let row = match &outcome.result {
        Ok(decision) => {
            if decision.is_allow() {
                out.allowed += 1;
            } else {
                out.denied += 1;
            }
            Row {
                key: key_of(outcome.key.as_deref(), string_keys),
                decision: if decision.is_allow() { "allow" } else { "deny" },
                reasons: decision.reason_ids(),
                missing: &decision.missing,
                obligations: decision
                    .obligations
                    .iter()
                    .map(|o| ObligationRow {
                        rule: &o.rule,
                        due: o.due.as_deref(),
                    })
                    .collect(),
                error: None,
            }
        }
        Err(error) => {
            out.errors += 1;
            Row {
                key: key_of(outcome.key.as_deref(), string_keys),
                decision: "deny",
                reasons: Vec::new(),
                missing: &no_missing,
                obligations: Vec::new(),
                error: Some(error),
            }
        }
    };
    // Serialising strings, numbers and raw JSON into a String cannot fail.
    if let Ok(line) = serde_json::to_string(&row) {
        out.text.push_str(&line);
        out.text.push('\n');
    }
}

/// The members of an envelope the audit reads; the others are ignored.
struct Envelope<'a> {
    key: Option<&'a RawValue>,
    request: Option<&'a RawValue>,
    /// The first of `key` or `request` given twice (the first value is kept).
    duplicate: Option<String>,
}

struct EnvelopeSeed<'n> {
    key: &'n str,
    request: &'n str,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a JSON object with `{}` and `{}`",
            self.key, self.request
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut envelope = Envelope {
            key: None,
            request: None,
            duplicate: None,
        };
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            let value: &'de RawValue = map.next_value()?;
            let slot = if name == self.request {
                &mut envelope.request
            } else if name == self.key {
                &mut envelope.key
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(value);
            } else if envelope.duplicate.is_none() {
                envelope.duplicate = Some(name.into_owned());
            }
        }
        Ok(envelope)
    }
}
