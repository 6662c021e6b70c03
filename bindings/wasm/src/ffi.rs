//! The binding's logic in plain Rust: strings and `serde_json::Value` in,
//! strings or [`ErrorObject`]s out. Nothing here knows about JavaScript, so
//! it compiles natively, is unit-tested natively and can be fuzzed.
//! `lib.rs` only converts between these types and JS values.

// `ErrorObject` mirrors the JS error object field for field (152 bytes); it
// is only built on the cold error path, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

use std::any::Any;

use pdao::{Bundle, BundleError, BundleProblem, Engine, RequestError};
use serde::Serialize;
use serde_json::Value;

/// An error as it crosses into JavaScript: `{code, message, field?, file?,
/// line?, column?, problems?}`. `code` is the engine's stable code
/// (`RequestError::code`, `BundleProblem::code`) or one of the binding's own:
/// `bundle` (a bundle with problems), `invalid_files` (the file map is not
/// an object of strings), `invalid_request` (the JS value cannot be turned
/// into JSON) and `panic`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorObject {
    /// Stable machine-readable code.
    pub code: String,
    /// One sentence for people.
    pub message: String,
    /// Path of the offending request field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Bundle file of the (first) problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line (JSON syntax errors, bundle problems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column (JSON syntax errors, bundle problems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Every problem of a bundle that failed to load.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// One bundle problem, located in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `syntax`, `schema`, `annotation`, `toml`, `layout`, `temporal`, ... (`pdao::ProblemCode`)
    pub code: String,
    /// Path relative to the bundle root.
    pub file: String,
    /// 1-based line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl ErrorObject {
    /// An error with a code and a message only.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorObject {
            code: code.into(),
            message: message.into(),
            field: None,
            file: None,
            line: None,
            column: None,
            problems: Vec::new(),
        }
    }

    /// The same error with a field.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The error as compact JSON (what `lib.rs` hands to JavaScript).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            // Unreachable in practice (only strings and integers), but never panic.
            format!(
                "{{\"code\":\"internal\",\"message\":{}}}",
                Value::String(self.message.clone())
            )
        })
    }
}

impl std::fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<&RequestError> for ErrorObject {
    fn from(error: &RequestError) -> Self {
        let (line, column) = error.position().unzip();
        ErrorObject {
            code: error.code().to_string(),
            message: error.to_string(),
            field: error.field().map(str::to_string),
            file: None,
            line,
            column,
            problems: Vec::new(),
        }
    }
}

impl From<RequestError> for ErrorObject {
    fn from(error: RequestError) -> Self {
        ErrorObject::from(&error)
    }
}

impl From<&BundleProblem> for Problem {
    fn from(problem: &BundleProblem) -> Self {
        Problem {
            code: problem.code.to_string(),
            file: problem.file.clone(),
            line: problem.line,
            column: problem.column,
            message: problem.message.clone(),
        }
    }
}

impl From<&BundleError> for ErrorObject {
    fn from(error: &BundleError) -> Self {
        let problems: Vec<Problem> = error.problems.iter().map(Problem::from).collect();
        let first = problems.first();
        ErrorObject {
            code: "bundle".to_string(),
            message: error.to_string(),
            field: None,
            file: first.map(|p| p.file.clone()),
            line: first.and_then(|p| p.line),
            column: first.and_then(|p| p.column),
            problems,
        }
    }
}

impl From<BundleError> for ErrorObject {
    fn from(error: BundleError) -> Self {
        ErrorObject::from(&error)
    }
}

/// The engine on the embedded default bundle.
pub fn embedded_engine() -> Result<Engine, ErrorObject> {
    Engine::embedded().map_err(ErrorObject::from)
}

/// Reads `{ "path": "contents", ... }` into the pairs `Bundle::from_files` takes.
pub fn files_from_value(files: &Value) -> Result<Vec<(String, String)>, ErrorObject> {
    let Value::Object(map) = files else {
        return Err(ErrorObject::new(
            "invalid_files",
            format!(
                "the bundle must be an object mapping file paths to their contents, found {}",
                json_type(files)
            ),
        ));
    };
    map.iter()
        .map(|(path, contents)| match contents {
            Value::String(text) => Ok((path.clone(), text.clone())),
            other => Err(ErrorObject::new(
                "invalid_files",
                format!(
                    "the contents of `{path}` must be a string, found {}",
                    json_type(other)
                ),
            )
            .with_field(path.clone())),
        })
        .collect()
}

/// The engine on a bundle given as `{ "path": "contents", ... }`.
pub fn engine_from_files(files: &Value) -> Result<Engine, ErrorObject> {
    let files = files_from_value(files)?;
    Ok(Engine::new(Bundle::from_files(files)?))
}

/// [`engine_from_files`] over the JSON text of the file map.
pub fn engine_from_files_json(files: &str) -> Result<Engine, ErrorObject> {
    let value: Value = serde_json::from_str(files).map_err(|e| {
        let mut error = ErrorObject::new(
            "invalid_files",
            format!("the bundle is not a JSON object of strings: {e}"),
        );
        error.line = Some(e.line());
        error.column = Some(e.column());
        error
    })?;
    engine_from_files(&value)
}

/// Decides a request given as JSON text: the decision as pretty JSON,
/// byte-identical to `Decision::to_json_pretty` (and so to `pdao decide`
/// without its trailing newline).
pub fn decide_json(engine: &Engine, request: &str) -> Result<String, ErrorObject> {
    Ok(engine.decide_json(request)?.to_json_pretty())
}

/// Decides a request given as a JSON value.
pub fn decide_value(engine: &Engine, request: &Value) -> Result<String, ErrorObject> {
    decide_json(engine, &value_to_json(request)?)
}

/// The decision of a request (JSON text) rendered for people, as
/// `pdao explain` prints it.
pub fn explain_json(engine: &Engine, request: &str) -> Result<String, ErrorObject> {
    Ok(pdao::explain::render_text(&engine.decide_json(request)?))
}

/// The explanation of a request given as a JSON value.
pub fn explain_value(engine: &Engine, request: &Value) -> Result<String, ErrorObject> {
    explain_json(engine, &value_to_json(request)?)
}

/// The smallest verified changes of facts or events that would allow a
/// request (JSON text), as `pdao why-not --json` prints them; `budget`
/// bounds the evaluations (0: the default, 10 000).
pub fn why_not_json(engine: &Engine, request: &str, budget: usize) -> Result<String, ErrorObject> {
    let request = engine.parse_request(request)?;
    let mut options = pdao::authoring::WhyNotOptions::default();
    if budget > 0 {
        options.max_evaluations = budget;
    }
    let answer = pdao::authoring::why_not(engine, &request, &options);
    Ok(answer.to_json().to_string())
}

/// The fact vocabulary, for forms: every fact (`path`, `object`, `type`,
/// `values` for enums and closed lists, `meaning`), the materials and the
/// event kinds with their meaning.
pub fn vocabulary_json(engine: &Engine) -> String {
    use pdao::FactType;
    let vocab = engine.bundle().vocabulary();
    let facts: Vec<Value> = vocab
        .facts()
        .map(|f| {
            let (ty, values) = match &f.ty {
                FactType::Bool => ("bool", None),
                FactType::Int => ("int", None),
                FactType::Date => ("date", None),
                FactType::String => ("string", None),
                FactType::Enum(values) => ("enum", Some(values.clone())),
                FactType::List(values) => ("list", values.clone()),
            };
            serde_json::json!({
                "path": f.path,
                "object": f.path.split('.').next().unwrap_or_default(),
                "type": ty,
                "values": values,
                "meaning": f.meaning,
            })
        })
        .collect();
    serde_json::json!({
        "objects": pdao::OBJECTS,
        "facts": facts,
        "materials": vocab.materials(),
        "events": vocab.event_kinds().map(|(kind, meaning)| serde_json::json!({"kind": kind, "meaning": meaning})).collect::<Vec<_>>(),
        "actions": vocab.actions(),
        "jurisdictions": vocab.jurisdictions(),
    })
    .to_string()
}

/// The bundle's `policy_version` (`sha256:<hex>`).
pub fn version(engine: &Engine) -> String {
    engine.bundle().version().to_string()
}

/// A loaded bundle in numbers, as `pdao check` prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    /// Whether the bundle loaded (no problems).
    pub ok: bool,
    /// `sha256:<hex>`; empty when the bundle did not load.
    pub version: String,
    /// Each layer with its policy count.
    pub layers: Vec<LayerSummary>,
    /// Policies (every version of every rule).
    pub policies: usize,
    /// Distinct rule ids.
    pub rules: usize,
    /// Temporal definitions.
    pub definitions: usize,
    /// Bundle problems (empty when `ok`).
    pub problems: Vec<Problem>,
}

/// One layer of a [`CheckSummary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerSummary {
    /// Layer id, also a request jurisdiction.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Parent layer id, `null` for `national`.
    pub parent: Option<String>,
    /// Document ids.
    pub documents: Vec<String>,
    /// Policies of the layer.
    pub policies: usize,
    /// Whether the layer has no documents (consulted and reported as empty).
    pub empty: bool,
}

/// The summary of a loaded bundle.
pub fn summary(bundle: &Bundle) -> CheckSummary {
    let rules = bundle.rules();
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    CheckSummary {
        ok: true,
        version: bundle.version().to_string(),
        layers: bundle
            .layers()
            .iter()
            .map(|layer| LayerSummary {
                id: layer.id.clone(),
                name: layer.name.clone(),
                parent: layer.parent.clone(),
                documents: layer.documents.iter().map(|d| d.id.clone()).collect(),
                policies: rules.iter().filter(|r| r.layer == layer.id).count(),
                empty: layer.documents.is_empty(),
            })
            .collect(),
        policies: rules.len(),
        rules: ids.len(),
        definitions: bundle.definitions().len(),
        problems: Vec::new(),
    }
}

/// The summary of the engine's bundle, as JSON.
pub fn check(engine: &Engine) -> String {
    to_json(&summary(engine.bundle()))
}

/// Loads a bundle given as a file map and summarises it; a bundle with
/// problems gives `ok: false` and every problem instead of an error. Only
/// a file map that is not an object of strings is an error.
pub fn check_files(files: &Value) -> Result<String, ErrorObject> {
    let files = files_from_value(files)?;
    let summary = match Bundle::from_files(files) {
        Ok(bundle) => summary(&bundle),
        Err(error) => CheckSummary {
            ok: false,
            version: String::new(),
            layers: Vec::new(),
            policies: 0,
            rules: 0,
            definitions: 0,
            problems: error.problems.iter().map(Problem::from).collect(),
        },
    };
    Ok(to_json(&summary))
}

/// The error a panic becomes: `{code: "panic", message}` with the panic's
/// message and location.
pub fn panic_error(payload: &(dyn Any + Send), location: Option<String>) -> ErrorObject {
    let what = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic payload".to_string()
    };
    let message = match location {
        Some(at) => format!("the engine panicked at {at}: {what}"),
        None => format!("the engine panicked: {what}"),
    };
    ErrorObject::new("panic", message)
}

/// The error for a panic hook's info.
pub fn panic_hook_error(info: &std::panic::PanicHookInfo<'_>) -> ErrorObject {
    panic_error(
        info.payload(),
        info.location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
    )
}

fn value_to_json(value: &Value) -> Result<String, ErrorObject> {
    serde_json::to_string(value)
        .map_err(|e| ErrorObject::new("invalid_request", format!("cannot serialise: {e}")))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        ErrorObject::new("internal", format!("cannot serialise: {e}")).to_json()
    })
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[path = "ffi_tests.rs"]
mod tests;
