//! The request of the contract (`CONTRACT.md`), parsed strictly against the
//! fact vocabulary: every key known, every fact of its declared type, every
//! date a real calendar date.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::dates::{format_date, parse_date, push_date};
use crate::error::RequestError;
use crate::json::{parse_strict, JsonProblem};
use crate::vocabulary::{quote_list, FactType, Vocabulary, OBJECTS};

/// Most events one request may carry.
pub const MAX_EVENTS: usize = 10_000;
/// Most items in one list fact or in `materials`.
pub const MAX_LIST_ITEMS: usize = 1_000;
/// Longest string accepted anywhere in a request, in bytes.
pub const MAX_STRING_BYTES: usize = 4_096;
/// Longest name accepted in a request, in bytes: object keys, event kinds,
/// and the `jurisdiction`, `action` and `date` strings. Every real name is
/// far shorter (the longest fact path has under 50 bytes); the limit keeps
/// the "did you mean" search and error messages small whatever is sent.
pub const MAX_NAME_BYTES: usize = 128;

/// The value of one fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactValue {
    /// `bool` facts.
    Bool(bool),
    /// `int` facts.
    Int(i64),
    /// `string` and `enum` facts.
    Str(String),
    /// `date` facts.
    Date(NaiveDate),
    /// `list` facts.
    List(Vec<String>),
}

impl FactValue {
    /// The value as JSON, as a request would give it.
    pub fn to_json(&self) -> Value {
        match self {
            FactValue::Bool(b) => Value::Bool(*b),
            FactValue::Int(i) => Value::from(*i),
            FactValue::Str(s) => Value::String(s.clone()),
            FactValue::Date(d) => Value::String(format_date(*d)),
            FactValue::List(items) => {
                Value::Array(items.iter().cloned().map(Value::String).collect())
            }
        }
    }

    /// A compact rendering for explanations.
    pub fn render(&self) -> String {
        match self {
            FactValue::Bool(b) => b.to_string(),
            FactValue::Int(i) => i.to_string(),
            FactValue::Str(s) => format!("\"{s}\""),
            FactValue::Date(d) => format_date(*d),
            FactValue::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// One event of the history. Events order by kind, then date, `until` and
/// `ref` (the order a request keeps them in). Building one by hand checks
/// nothing: a request takes events only from its validated JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    /// Event kind (catalog §3.9).
    pub kind: String,
    /// The day it happened.
    pub date: NaiveDate,
    /// Inclusive last day, for things with a deadline or validity.
    pub until: Option<NaiveDate>,
    /// The id it concerns.
    pub reference: Option<String>,
}

impl Event {
    /// A short rendering: `security_incident on 2022-03-01 (ref x)`.
    pub fn describe(&self) -> String {
        let mut s = String::with_capacity(self.kind.len() + 40);
        s.push_str(&self.kind);
        s.push_str(" on ");
        push_date(&mut s, self.date);
        if let Some(until) = self.until {
            s.push_str(" until ");
            push_date(&mut s, until);
        }
        if let Some(r) = &self.reference {
            s.push_str(" (ref ");
            s.push_str(r);
            s.push(')');
        }
        s
    }
}

/// A validated request: it can only be made from the contract's JSON, by
/// [`Request::from_json_str`], [`Request::from_json`] or
/// [`crate::Engine::parse_request`], each of which checks every key, type,
/// date and limit against the bundle's vocabulary. To decide a variant of a
/// request, edit its JSON ([`Request::to_json`]) and parse it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    jurisdiction: String,
    date: NaiveDate,
    action: String,
    facts: BTreeMap<String, FactValue>,
    objects: Vec<&'static str>,
    materials: Option<Vec<String>>,
    /// Sorted (see [`Event`]).
    events: Vec<Event>,
}

impl Request {
    /// Parses and validates a request's JSON text.
    #[inline]
    pub fn from_json_str(text: &str, vocab: &Vocabulary) -> Result<Request, RequestError> {
        let value = parse_strict(text).map_err(|problem| match problem {
            JsonProblem::Syntax {
                message,
                line,
                column,
            } => RequestError::Json {
                message,
                line,
                column,
            },
            JsonProblem::DuplicateKey { path } => RequestError::DuplicateKey { field: path },
            JsonProblem::TooLarge { bytes } => RequestError::TooLarge {
                field: "(request)".into(),
                reason: format!(
                    "{bytes} bytes exceeds the limit of {} bytes",
                    crate::json::MAX_REQUEST_BYTES
                ),
            },
            JsonProblem::TooDeep { path } => RequestError::TooLarge {
                field: if path.is_empty() {
                    "(request)".into()
                } else {
                    path
                },
                reason: format!("nested deeper than {} levels", crate::json::MAX_DEPTH),
            },
        })?;
        Request::from_json(&value, vocab)
    }

    /// Validates an already-parsed JSON value.
    #[inline]
    pub fn from_json(value: &Value, vocab: &Vocabulary) -> Result<Request, RequestError> {
        let top = value.as_object().ok_or_else(|| RequestError::WrongType {
            field: "(request)".into(),
            expected: "a JSON object".into(),
            found: kind_of(value).into(),
        })?;
        for key in top.keys() {
            check_name(key, || key.clone())?;
            let known = matches!(
                key.as_str(),
                "jurisdiction" | "date" | "action" | "materials" | "events"
            ) || OBJECTS.contains(&key.as_str());
            if !known {
                let candidates = ["jurisdiction", "date", "action", "materials", "events"]
                    .into_iter()
                    .chain(OBJECTS);
                return Err(RequestError::UnknownField {
                    field: key.clone(),
                    suggestion: Vocabulary::suggest(key, candidates),
                });
            }
        }
        let jurisdiction = required_str(top, "jurisdiction")?;
        check_name(jurisdiction, || "jurisdiction".into())?;
        if !vocab.jurisdictions().iter().any(|j| j == jurisdiction) {
            return Err(RequestError::UnknownJurisdiction {
                value: jurisdiction.to_string(),
                expected: quote_list(vocab.jurisdictions()),
            });
        }
        let date_text = required_str(top, "date")?;
        check_name(date_text, || "date".into())?;
        let date = parse_date(date_text).ok_or_else(|| RequestError::BadDate {
            field: "date".into(),
            value: date_text.to_string(),
        })?;
        let action = required_str(top, "action")?;
        check_name(action, || "action".into())?;
        if !vocab.actions().iter().any(|a| a == action) {
            return Err(RequestError::UnknownAction {
                value: action.to_string(),
                expected: quote_list(vocab.actions()),
            });
        }

        let mut facts = BTreeMap::new();
        let mut objects = Vec::new();
        // Facts given true that imply another: (fact, the fact it implies).
        let mut implying: Vec<(String, &str)> = Vec::new();
        for object in OBJECTS {
            let Some(value) = top.get(object) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            let map = value.as_object().ok_or_else(|| RequestError::WrongType {
                field: object.into(),
                expected: "an object of facts".into(),
                found: kind_of(value).into(),
            })?;
            objects.push(object);
            for (name, fact) in map {
                check_name(name, || format!("{object}.{}", truncate(name)))?;
                let mut path = String::with_capacity(object.len() + 1 + name.len());
                path.push_str(object);
                path.push('.');
                path.push_str(name);
                let def = vocab
                    .fact(&path)
                    .ok_or_else(|| RequestError::UnknownField {
                        suggestion: Vocabulary::suggest(
                            &path,
                            vocab
                                .facts()
                                .map(|f| f.path.as_str())
                                .filter(|p| p.starts_with(object)),
                        ),
                        field: path.clone(),
                    })?;
                if fact.is_null() {
                    continue;
                }
                let parsed = parse_fact(&path, &def.ty, fact)?;
                if let (Some(target), FactValue::Bool(true)) = (&def.implies, &parsed) {
                    implying.push((path.clone(), target));
                }
                facts.insert(path, parsed);
            }
        }
        // The first inconsistency in path order.
        implying.sort_unstable();
        for (path, target) in implying {
            if facts.get(target) == Some(&FactValue::Bool(false)) {
                return Err(RequestError::Inconsistent {
                    reason: format!("`{path}` is true but `{target}` is false"),
                    field: path,
                });
            }
        }

        let materials = match top.get("materials") {
            None | Some(Value::Null) => None,
            Some(value) => Some(parse_list("materials", value, Some(vocab.materials()))?),
        };

        let mut events = Vec::new();
        if let Some(value) = top.get("events").filter(|v| !v.is_null()) {
            let items = value.as_array().ok_or_else(|| RequestError::WrongType {
                field: "events".into(),
                expected: "an array of events".into(),
                found: kind_of(value).into(),
            })?;
            if items.len() > MAX_EVENTS {
                return Err(RequestError::TooLarge {
                    field: "events".into(),
                    reason: format!("{} events exceeds the limit of {MAX_EVENTS}", items.len()),
                });
            }
            events.reserve_exact(items.len());
            for (i, item) in items.iter().enumerate() {
                events.push(parse_event(i, item, vocab)?);
            }
        }
        events.sort();

        Ok(Request {
            jurisdiction: jurisdiction.to_string(),
            date,
            action: action.to_string(),
            facts,
            objects,
            materials,
            events,
        })
    }

    /// The request as contract JSON (keys in contract order).
    pub fn to_json(&self) -> Value {
        let mut top = Map::new();
        top.insert(
            "jurisdiction".into(),
            Value::String(self.jurisdiction.clone()),
        );
        top.insert("date".into(), Value::String(format_date(self.date)));
        top.insert("action".into(), Value::String(self.action.clone()));
        for object in OBJECTS {
            let prefix = format!("{object}.");
            let mut map = Map::new();
            for (path, value) in self.facts.range(prefix.clone()..) {
                let Some(name) = path.strip_prefix(&prefix) else {
                    break;
                };
                map.insert(name.to_string(), value.to_json());
            }
            if !map.is_empty() || self.objects.contains(&object) {
                top.insert(object.into(), Value::Object(map));
            }
        }
        if let Some(materials) = &self.materials {
            top.insert(
                "materials".into(),
                Value::Array(materials.iter().cloned().map(Value::String).collect()),
            );
        }
        if !self.events.is_empty() {
            let events = self
                .events
                .iter()
                .map(|e| {
                    let mut m = Map::new();
                    m.insert("kind".into(), Value::String(e.kind.clone()));
                    m.insert("date".into(), Value::String(format_date(e.date)));
                    if let Some(until) = e.until {
                        m.insert("until".into(), Value::String(format_date(until)));
                    }
                    if let Some(r) = &e.reference {
                        m.insert("ref".into(), Value::String(r.clone()));
                    }
                    Value::Object(m)
                })
                .collect();
            top.insert("events".into(), Value::Array(events));
        }
        Value::Object(top)
    }

    /// The request's jurisdiction.
    pub fn jurisdiction(&self) -> &str {
        &self.jurisdiction
    }
    /// The day of the act.
    pub fn date(&self) -> NaiveDate {
        self.date
    }
    /// The action decided.
    pub fn action(&self) -> &str {
        &self.action
    }
    /// A fact by `object.name` path, if given.
    pub fn fact(&self, path: &str) -> Option<&FactValue> {
        self.facts.get(path)
    }
    /// All given facts.
    pub fn facts(&self) -> &BTreeMap<String, FactValue> {
        &self.facts
    }
    /// The `materials` list, if given.
    pub fn materials(&self) -> Option<&[String]> {
        self.materials.as_deref()
    }
    /// All events, sorted by kind then date.
    pub fn events(&self) -> &[Event] {
        &self.events
    }
    /// Events of one kind dated on or before the request date.
    pub fn events_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.events_slice(kind).iter()
    }

    /// Events of one kind dated on or before the request date, oldest first
    /// (found by binary search: the events are sorted by kind, then date).
    pub fn events_slice(&self, kind: &str) -> &[Event] {
        let start = self.events.partition_point(|e| e.kind.as_str() < kind);
        let end = self
            .events
            .partition_point(|e| (e.kind.as_str(), e.date) <= (kind, self.date));
        self.events.get(start..end.max(start)).unwrap_or_default()
    }
}

impl Request {
    /// A copy with one fact set (`None` removes it), unvalidated: the
    /// caller keeps to the vocabulary.
    pub(crate) fn with_fact(&self, path: &str, value: Option<FactValue>) -> Request {
        let mut copy = self.clone();
        match value {
            Some(v) => {
                copy.facts.insert(path.to_string(), v);
            }
            None => {
                copy.facts.remove(path);
            }
        }
        copy
    }

    /// A copy with other events (sorted), unvalidated.
    pub(crate) fn with_events(&self, mut events: Vec<Event>) -> Request {
        let mut copy = self.clone();
        events.sort();
        copy.events = events;
        copy
    }

    /// A copy dated otherwise, unvalidated.
    pub(crate) fn with_date(&self, date: NaiveDate) -> Request {
        let mut copy = self.clone();
        copy.date = date;
        copy
    }

    /// A copy with other materials, unvalidated.
    pub(crate) fn with_materials(&self, materials: Option<Vec<String>>) -> Request {
        let mut copy = self.clone();
        copy.materials = materials;
        copy
    }
}

/// Copies of a request with a fact, the events, the date or the materials
/// replaced, **without validation**: the caller keeps to the vocabulary.
/// For the workspace's generators and property tests, which make many
/// variants of requests validated once; not part of the stable API
/// (`pdao::unstable`). A caller who wants a valid variant edits the
/// request's JSON and parses it again.
pub trait RequestEdit {
    /// A copy with one fact set (`None` removes it).
    fn with_fact(&self, path: &str, value: Option<FactValue>) -> Request;
    /// A copy with other events (sorted).
    fn with_events(&self, events: Vec<Event>) -> Request;
    /// A copy dated otherwise.
    fn with_date(&self, date: NaiveDate) -> Request;
    /// A copy with other materials.
    fn with_materials(&self, materials: Option<Vec<String>>) -> Request;
}

impl RequestEdit for Request {
    fn with_fact(&self, path: &str, value: Option<FactValue>) -> Request {
        Request::with_fact(self, path, value)
    }
    fn with_events(&self, events: Vec<Event>) -> Request {
        Request::with_events(self, events)
    }
    fn with_date(&self, date: NaiveDate) -> Request {
        Request::with_date(self, date)
    }
    fn with_materials(&self, materials: Option<Vec<String>>) -> Request {
        Request::with_materials(self, materials)
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn required_str<'a>(top: &'a Map<String, Value>, field: &str) -> Result<&'a str, RequestError> {
    match top.get(field) {
        None | Some(Value::Null) => Err(RequestError::MissingField {
            field: field.to_string(),
        }),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(RequestError::WrongType {
            field: field.to_string(),
            expected: "a string".into(),
            found: kind_of(other).into(),
        }),
    }
}

/// A name (key, kind, jurisdiction, action, date) no longer than
/// [`MAX_NAME_BYTES`]; `field` says where it is (written only for the
/// error), already shortened.
fn check_name(name: &str, field: impl FnOnce() -> String) -> Result<(), RequestError> {
    if name.len() > MAX_NAME_BYTES {
        return Err(RequestError::TooLarge {
            field: truncate(&field()),
            reason: format!(
                "a name of {} bytes exceeds the limit of {MAX_NAME_BYTES}",
                name.len()
            ),
        });
    }
    Ok(())
}

/// A string no longer than [`MAX_STRING_BYTES`]; `field` says where it is
/// (written only for the error).
fn check_len(s: &str, field: impl FnOnce() -> String) -> Result<(), RequestError> {
    if s.len() > MAX_STRING_BYTES {
        return Err(RequestError::TooLarge {
            field: field(),
            reason: format!(
                "a string of {} bytes exceeds the limit of {MAX_STRING_BYTES}",
                s.len()
            ),
        });
    }
    Ok(())
}

fn parse_fact(path: &str, ty: &FactType, value: &Value) -> Result<FactValue, RequestError> {
    let wrong = || RequestError::WrongType {
        field: path.to_string(),
        expected: ty.describe(),
        found: kind_of(value).into(),
    };
    match ty {
        FactType::Bool => value.as_bool().map(FactValue::Bool).ok_or_else(wrong),
        FactType::Int => match value {
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(int), _) => Ok(FactValue::Int(int)),
                // Not an integer at all (6.5), or one written as a decimal
                // (6.0, 1e2): the wrong type, not a value out of range.
                (None, Some(f)) if f.fract() != 0.0 || f.abs() < 9.2e18 => {
                    Err(RequestError::WrongType {
                        field: path.to_string(),
                        expected: ty.describe(),
                        found: format!("the number {n}, which is not written as an integer"),
                    })
                }
                _ => Err(RequestError::OutOfRange {
                    field: path.to_string(),
                    value: n.to_string(),
                }),
            },
            _ => Err(wrong()),
        },
        FactType::Date => {
            let s = value.as_str().ok_or_else(wrong)?;
            parse_date(s)
                .map(FactValue::Date)
                .ok_or_else(|| RequestError::BadDate {
                    field: path.to_string(),
                    value: truncate(s),
                })
        }
        FactType::String => {
            let s = value.as_str().ok_or_else(wrong)?;
            check_len(s, || path.to_string())?;
            Ok(FactValue::Str(s.to_string()))
        }
        FactType::Enum(values) => {
            let s = value.as_str().ok_or_else(wrong)?;
            if values.iter().any(|v| v == s) {
                Ok(FactValue::Str(s.to_string()))
            } else {
                Err(RequestError::BadValue {
                    field: path.to_string(),
                    value: truncate(s),
                    expected: quote_list(values),
                })
            }
        }
        FactType::List(values) => parse_list(path, value, values.as_deref()).map(FactValue::List),
    }
}

fn parse_list(
    path: &str,
    value: &Value,
    allowed: Option<&[String]>,
) -> Result<Vec<String>, RequestError> {
    let items = value.as_array().ok_or_else(|| RequestError::WrongType {
        field: path.to_string(),
        expected: "an array of strings".into(),
        found: kind_of(value).into(),
    })?;
    if items.len() > MAX_LIST_ITEMS {
        return Err(RequestError::TooLarge {
            field: path.to_string(),
            reason: format!(
                "{} items exceeds the limit of {MAX_LIST_ITEMS}",
                items.len()
            ),
        });
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = || format!("{path}[{i}]");
        let s = item.as_str().ok_or_else(|| RequestError::WrongType {
            field: field(),
            expected: "a string".into(),
            found: kind_of(item).into(),
        })?;
        check_len(s, field)?;
        if let Some(allowed) = allowed {
            if !allowed.iter().any(|a| a == s) {
                return Err(RequestError::BadValue {
                    field: field(),
                    value: truncate(s),
                    expected: quote_list(allowed),
                });
            }
        }
        out.push(s.to_string());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Event `index` of the request's `events`.
fn parse_event(index: usize, value: &Value, vocab: &Vocabulary) -> Result<Event, RequestError> {
    // Where the event is, written only for an error.
    let field = EventField(index);
    let map = value.as_object().ok_or_else(|| RequestError::WrongType {
        field: field.to_string(),
        expected: "an event object {kind, date, until?, ref?}".into(),
        found: kind_of(value).into(),
    })?;
    for key in map.keys() {
        check_name(key, || format!("{field}.{}", truncate(key)))?;
        if !matches!(key.as_str(), "kind" | "date" | "until" | "ref") {
            return Err(RequestError::UnknownField {
                field: format!("{field}.{key}"),
                suggestion: Vocabulary::suggest(key, ["kind", "date", "until", "ref"].into_iter()),
            });
        }
    }
    let get_str = |key: &str, required: bool| -> Result<Option<&str>, RequestError> {
        match map.get(key) {
            None | Some(Value::Null) if required => Err(RequestError::MissingField {
                field: format!("{field}.{key}"),
            }),
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(RequestError::WrongType {
                field: format!("{field}.{key}"),
                expected: "a string".into(),
                found: kind_of(other).into(),
            }),
        }
    };
    let kind = get_str("kind", true)?.unwrap_or_default();
    check_name(kind, || format!("{field}.kind"))?;
    if !vocab.is_event_kind(kind) {
        return Err(RequestError::UnknownEventKind {
            field: format!("{field}.kind"),
            suggestion: Vocabulary::suggest(kind, vocab.event_kinds().map(|(k, _)| k)),
            value: truncate(kind),
        });
    }
    let date_of = |key: &str, text: &str| {
        parse_date(text).ok_or_else(|| RequestError::BadDate {
            field: format!("{field}.{key}"),
            value: truncate(text),
        })
    };
    let date = date_of("date", get_str("date", true)?.unwrap_or_default())?;
    let until = match get_str("until", false)? {
        Some(text) => Some(date_of("until", text)?),
        None => None,
    };
    if let Some(until) = until {
        if until < date {
            return Err(RequestError::Inconsistent {
                field: format!("{field}.until"),
                reason: format!(
                    "`until` {} is before `date` {}",
                    format_date(until),
                    format_date(date)
                ),
            });
        }
    }
    let reference = match get_str("ref", false)? {
        Some(r) => {
            check_len(r, || format!("{field}.ref"))?;
            Some(r.to_string())
        }
        None => None,
    };
    Ok(Event {
        kind: kind.to_string(),
        date,
        until,
        reference,
    })
}

/// The JSON object of a request built from facts (used by the generators):
/// `jurisdiction`, `date`, `action` and each fact in its object. A fact that
/// implies another (`implies` in `facts.toml`) forces that one true, so the
/// result is consistent. Materials and events are the caller's to add.
pub(crate) fn request_object(
    jurisdiction: &str,
    date: NaiveDate,
    action: &str,
    mut facts: Vec<(String, FactValue)>,
    vocab: &Vocabulary,
) -> Map<String, Value> {
    for def in vocab.facts() {
        if let Some(target) = &def.implies {
            let on = facts
                .iter()
                .any(|(p, v)| p == &def.path && *v == FactValue::Bool(true));
            if on {
                for (p, v) in facts.iter_mut() {
                    if p == target {
                        *v = FactValue::Bool(true);
                    }
                }
            }
        }
    }
    let mut top = Map::new();
    top.insert(
        "jurisdiction".into(),
        Value::String(jurisdiction.to_string()),
    );
    top.insert("date".into(), Value::String(format_date(date)));
    top.insert("action".into(), Value::String(action.to_string()));
    for (path, value) in facts {
        let Some((object, name)) = path.split_once('.') else {
            continue;
        };
        if let Value::Object(map) = top
            .entry(object.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            map.insert(name.to_string(), value.to_json());
        }
    }
    top
}

/// `events[INDEX]`, as an error names the event.
#[derive(Clone, Copy)]
struct EventField(usize);

impl fmt::Display for EventField {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "events[{}]", self.0)
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= 64 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(64).collect::<String>())
    }
}
