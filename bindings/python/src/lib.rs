#![forbid(unsafe_code)]
//! Python front door of the pdao engine: the extension module `pdao._pdao`,
//! re-exported by the pure-Python package `pdao` (`python/pdao`).
//!
//! `Engine` holds a loaded, prepared bundle. Requests come in as Python
//! objects (encoded to JSON text by Python's own C encoder, so a dict means
//! exactly what its `json.dumps` means) or as JSON text; decisions go out as
//! dicts (through serde, no JSON round trip) or as the CLI's exact bytes.
//! Deciding runs with the GIL released; `decide_many` decides on several
//! threads. Errors are instances of `pdao.errors` classes carrying the CLI's
//! codes.

mod audit;
mod batch;
mod errors;

use std::path::PathBuf;

use pdao::authoring::{why_not, WhyNotOptions};
use pdao::{Bundle, Decision, Engine};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString};
use serde::Serialize;

use crate::errors::{bundle_error, ErrorInfo, Problem};

/// A loaded, prepared policy bundle. Build it once, decide many times; it
/// is safe to share between threads.
#[pyclass(module = "pdao", name = "Engine", frozen)]
struct PyEngine {
    inner: Engine,
}

/// A request (or an audit record) as JSON text, from the Python value given.
pub(crate) enum Input {
    Text(String),
    Invalid(ErrorInfo),
}

/// `json.JSONEncoder(separators=(",", ":"), allow_nan=False)`, made once.
fn encoder(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static ENCODER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    ENCODER
        .get_or_try_init(py, || {
            let kwargs = pyo3::types::PyDict::new(py);
            kwargs.set_item("separators", (",", ":"))?;
            kwargs.set_item("allow_nan", false)?;
            Ok::<_, PyErr>(
                py.import("json")?
                    .getattr("JSONEncoder")?
                    .call((), Some(&kwargs))?
                    .getattr("encode")?
                    .unbind(),
            )
        })
        .map(|encode| encode.bind(py))
}

/// A Python object (a dict, normally) as JSON text; a value JSON cannot
/// hold (a set, NaN, bytes, a cycle, ...) is an `invalid_request` error.
fn encode_object(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Input> {
    match encoder(py)?.call1((value,)) {
        Ok(text) => Ok(match text.cast::<PyString>() {
            Ok(text) => match text.to_cow() {
                Ok(text) => Input::Text(text.into_owned()),
                Err(e) => Input::Invalid(ErrorInfo::new("invalid_request", e.to_string())),
            },
            Err(_) => Input::Invalid(ErrorInfo::new(
                "invalid_request",
                "the JSON encoder did not return a string",
            )),
        }),
        Err(e) => Ok(Input::Invalid(ErrorInfo::new(
            "invalid_request",
            format!(
                "the request cannot be encoded as JSON: {}",
                e.value(py).str().map(|s| s.to_string()).unwrap_or_default()
            ),
        ))),
    }
}

/// JSON text given as `str` or `bytes` (bytes must be UTF-8).
fn text_input(value: &Bound<'_, PyAny>) -> Option<Input> {
    if let Ok(text) = value.cast::<PyString>() {
        return Some(match text.to_cow() {
            Ok(text) => Input::Text(text.into_owned()),
            Err(e) => Input::Invalid(ErrorInfo::new(
                "invalid_utf8",
                format!("the request is not valid UTF-8 text: {e}"),
            )),
        });
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Some(match std::str::from_utf8(bytes.as_bytes()) {
            Ok(text) => Input::Text(text.to_string()),
            Err(e) => Input::Invalid(ErrorInfo::invalid_utf8(&e)),
        });
    }
    None
}

/// Text as it is, anything else encoded as JSON.
fn any_input(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Input> {
    match text_input(value) {
        Some(input) => Ok(input),
        None => encode_object(py, value),
    }
}

/// Text only: anything else is a `TypeError`.
fn json_input(value: &Bound<'_, PyAny>) -> PyResult<Input> {
    text_input(value).ok_or_else(|| {
        pyo3::exceptions::PyTypeError::new_err(format!(
            "the request must be JSON text (str or bytes), found {}",
            type_name(value)
        ))
    })
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an unknown type".to_string())
}

fn decision_to_py<'py>(py: Python<'py>, decision: &Decision) -> PyResult<Bound<'py, PyAny>> {
    Ok(pythonize::pythonize(py, decision)?)
}

fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    Ok(pythonize::pythonize(py, value)?)
}

impl PyEngine {
    /// Decides one input with the GIL released.
    fn decide_input(&self, py: Python<'_>, input: Input) -> PyResult<Decision> {
        let text = match input {
            Input::Text(text) => text,
            Input::Invalid(error) => return Err(error.into_err(py)),
        };
        let engine = &self.inner;
        py.detach(|| engine.decide_json(&text))
            .map_err(|e| ErrorInfo::from(e).into_err(py))
    }

    /// Decides a batch of inputs on `threads` threads with the GIL released.
    fn decide_inputs(
        &self,
        py: Python<'_>,
        inputs: Vec<Input>,
        threads: Option<usize>,
    ) -> Vec<Result<Decision, ErrorInfo>> {
        let threads = batch::threads_for(threads, inputs.len());
        let engine = &self.inner;
        py.detach(|| {
            batch::map_in_order(&inputs, threads, |input| match input {
                Input::Text(text) => engine.decide_json(text).map_err(ErrorInfo::from),
                Input::Invalid(error) => Err(error.clone()),
            })
        })
    }
}

/// A batch's results as a Python list: each success converted by `convert`,
/// each error as its `RequestError` instance (not raised).
fn results_to_list<'py, T>(
    py: Python<'py>,
    results: &[Result<T, ErrorInfo>],
    convert: impl Fn(Python<'py>, &T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for result in results {
        match result {
            Ok(value) => out.append(convert(py, value)?)?,
            Err(error) => out.append(error.to_py(py)?)?,
        }
    }
    Ok(out)
}

fn check_threads(threads: Option<usize>) -> PyResult<Option<usize>> {
    match threads {
        Some(0) => Err(PyValueError::new_err(
            "threads must be at least 1 (or None for every core)",
        )),
        other => Ok(other),
    }
}

#[pymethods]
impl PyEngine {
    /// The engine on the embedded default bundle.
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        match py.detach(Engine::embedded) {
            Ok(inner) => Ok(PyEngine { inner }),
            Err(e) => Err(bundle_error(py, &e)),
        }
    }

    /// The engine on the bundle in a directory (as `pdao --policies DIR`).
    #[staticmethod]
    fn from_dir(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        match py.detach(|| Bundle::from_dir(&path)) {
            Ok(bundle) => Ok(PyEngine {
                inner: py.detach(|| Engine::new(bundle)),
            }),
            Err(e) => Err(bundle_error(py, &e)),
        }
    }

    /// The bundle's content hash, `sha256:<hex>`, as in every decision.
    #[getter]
    fn policy_version(&self) -> &str {
        self.inner.bundle().version()
    }

    /// Decides a request (a dict) and returns the decision as a dict.
    fn decide<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = encode_object(py, request)?;
        let decision = self.decide_input(py, input)?;
        decision_to_py(py, &decision)
    }

    /// Decides a request given as JSON text (str or UTF-8 bytes); returns
    /// the decision as pretty JSON, the bytes `pdao decide` prints (without
    /// its final newline).
    fn decide_json(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<String> {
        let input = json_input(request)?;
        let decision = self.decide_input(py, input)?;
        Ok(py.detach(|| decision.to_json_pretty()))
    }

    /// The decision rendered for people, as `pdao explain` prints it. The
    /// request is a dict or JSON text.
    fn explain_text(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<String> {
        let input = any_input(py, request)?;
        let decision = self.decide_input(py, input)?;
        Ok(py.detach(|| pdao::explain::render_text(&decision)))
    }

    /// For a denied request (dict or JSON text): the smallest verified
    /// changes that would allow it, as `pdao why-not --json` prints them.
    #[pyo3(signature = (request, *, budget = 10_000))]
    fn why_not<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        budget: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = match any_input(py, request)? {
            Input::Text(text) => text,
            Input::Invalid(error) => return Err(error.into_err(py)),
        };
        let engine = &self.inner;
        let answer = py.detach(|| {
            engine.parse_request(&text).map(|request| {
                let options = WhyNotOptions {
                    max_evaluations: budget,
                    ..WhyNotOptions::default()
                };
                why_not(engine, &request, &options).to_json()
            })
        });
        match answer {
            Ok(value) => to_py(py, &value),
            Err(e) => Err(ErrorInfo::from(e).into_err(py)),
        }
    }

    /// The loaded bundle in numbers (as `pdao check` reports it); with
    /// `catalog` (a catalog file) every rule id is compared with the
    /// catalog's, with `seeds` (a directory) every quote is looked up
    /// verbatim. `ok` is false when either audit finds a problem.
    #[pyo3(signature = (*, catalog = None, seeds = None))]
    fn check<'py>(
        &self,
        py: Python<'py>,
        catalog: Option<PathBuf>,
        seeds: Option<PathBuf>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let catalog_text = match &catalog {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                pyo3::exceptions::PyOSError::new_err(format!(
                    "cannot read the catalog {}: {e}",
                    path.display()
                ))
            })?),
            None => None,
        };
        let bundle = self.inner.bundle();
        let summary = py.detach(|| {
            let mut summary = Summary::of(bundle);
            if let Some(seeds) = &seeds {
                summary.problems = pdao::audit::verify_quotes(bundle, seeds)
                    .iter()
                    .map(Problem::from)
                    .collect();
                summary.ok &= summary.problems.is_empty();
            }
            if let Some(text) = &catalog_text {
                let coverage = pdao::audit::catalog_coverage(bundle, text);
                summary.ok &= coverage.missing.is_empty() && coverage.unknown.is_empty();
                summary.catalog = Some(CatalogSummary {
                    encoded: coverage.encoded,
                    catalog: coverage.catalog,
                    missing: coverage.missing.into_iter().collect(),
                    unknown: coverage.unknown.into_iter().collect(),
                });
            }
            summary
        });
        to_py(py, &summary)
    }

    /// Decides many requests (dicts) in parallel inside Rust, with the GIL
    /// released: one result per request, in order — the decision dict, or
    /// the `RequestError` (not raised) of a request that breaks the
    /// contract. `threads=None` uses every core.
    #[pyo3(signature = (requests, *, threads = None))]
    fn decide_many<'py>(
        &self,
        py: Python<'py>,
        requests: &Bound<'py, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let threads = check_threads(threads)?;
        let mut inputs = Vec::new();
        for request in requests.try_iter()? {
            inputs.push(encode_object(py, &request?)?);
        }
        let results = self.decide_inputs(py, inputs, threads);
        results_to_list(py, &results, decision_to_py)
    }

    /// `decide_many` on JSON texts (str or bytes): each result is the
    /// decision's pretty JSON (as `decide_json`) or the `RequestError`.
    #[pyo3(signature = (requests, *, threads = None))]
    fn decide_many_json<'py>(
        &self,
        py: Python<'py>,
        requests: &Bound<'py, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let threads = check_threads(threads)?;
        let mut inputs = Vec::new();
        for request in requests.try_iter()? {
            inputs.push(json_input(&request?)?);
        }
        let count = inputs.len();
        let engine = &self.inner;
        let threads = batch::threads_for(threads, count);
        let results = py.detach(|| {
            batch::map_in_order(&inputs, threads, |input| match input {
                Input::Text(text) => engine
                    .decide_json(text)
                    .map(|d| d.to_json_pretty())
                    .map_err(ErrorInfo::from),
                Input::Invalid(error) => Err(error.clone()),
            })
        });
        results_to_list(py, &results, |py, text| {
            Ok(PyString::new(py, text).into_any())
        })
    }

    /// The audit's work on one batch (see `pdao.audit`): decides `records`
    /// and returns `(rows, allowed, denied, errors)`, the rows as JSON
    /// Lines. With `envelope=(key, request)` each record is a JSON Lines
    /// envelope; otherwise each is a request's JSON text and `keys` (JSON
    /// texts, or None) are their keys. `string_keys` writes every key as a
    /// string (a non-string key as its JSON text).
    #[pyo3(signature = (records, *, keys = None, envelope = None, threads = None, string_keys = false))]
    fn _audit_batch(
        &self,
        py: Python<'_>,
        records: &Bound<'_, PyAny>,
        keys: Option<Vec<String>>,
        envelope: Option<(String, String)>,
        threads: Option<usize>,
        string_keys: bool,
    ) -> PyResult<(String, usize, usize, usize)> {
        let mut inputs = Vec::new();
        for record in records.try_iter()? {
            let record = record?;
            inputs.push(match text_input(&record) {
                Some(input) => input,
                None if record.is_none() => Input::Invalid(ErrorInfo::new(
                    "missing_field",
                    "the record has no request (null)",
                )),
                None => Input::Invalid(ErrorInfo::new(
                    "wrong_type",
                    format!(
                        "a record must be JSON text (str or bytes), found {}",
                        type_name(&record)
                    ),
                )),
            });
        }
        let threads = batch::threads_for(check_threads(threads)?, inputs.len());
        let engine = &self.inner;
        let result = py.detach(|| {
            let records = match &envelope {
                Some((key, request)) => audit::Records::Envelopes {
                    lines: &inputs,
                    key,
                    request,
                },
                None => audit::Records::Requests {
                    texts: &inputs,
                    keys: keys.as_deref(),
                },
            };
            audit::run(engine, &records, threads, string_keys)
        });
        Ok((result.text, result.allowed, result.denied, result.errors))
    }

    fn __repr__(&self) -> String {
        let bundle = self.inner.bundle();
        format!(
            "<pdao.Engine {} layers={} policies={}>",
            bundle.version(),
            bundle.layers().len(),
            bundle.rules().len()
        )
    }
}

/// A bundle in numbers, as `pdao check` and the WASM `check()` report it.
#[derive(Serialize)]
struct Summary {
    ok: bool,
    version: String,
    layers: Vec<LayerSummary>,
    policies: usize,
    rules: usize,
    definitions: usize,
    problems: Vec<Problem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    catalog: Option<CatalogSummary>,
}

#[derive(Serialize)]
struct LayerSummary {
    id: String,
    name: String,
    parent: Option<String>,
    documents: Vec<String>,
    policies: usize,
    empty: bool,
}

#[derive(Serialize)]
struct CatalogSummary {
    encoded: usize,
    catalog: usize,
    missing: Vec<String>,
    unknown: Vec<String>,
}

impl Summary {
    fn of(bundle: &Bundle) -> Summary {
        let rules = bundle.rules();
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let layers = bundle.layers().iter().map(|layer| LayerSummary {
            id: layer.id.clone(),
            name: layer.name.clone(),
            parent: layer.parent.clone(),
            documents: layer.documents.iter().map(|d| d.id.clone()).collect(),
            policies: rules.iter().filter(|r| r.layer == layer.id).count(),
            empty: layer.documents.is_empty(),
        });
        Summary {
            ok: true,
            version: bundle.version().to_string(),
            layers: layers.collect(),
            policies: rules.len(),
            rules: ids.len(),
            definitions: bundle.definitions().len(),
            problems: Vec::new(),
            catalog: None,
        }
    }

    fn failed(problems: Vec<Problem>) -> Summary {
        Summary {
            ok: false,
            version: String::new(),
            layers: Vec::new(),
            policies: 0,
            rules: 0,
            definitions: 0,
            problems,
            catalog: None,
        }
    }
}

/// Loads and validates the bundle in a directory without keeping it: the
/// summary, with `ok` false and every problem (file, line, column) when it
/// does not load. Only an unreadable directory raises (`BundleError`).
#[pyfunction]
fn check_dir<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyAny>> {
    let summary = py.detach(|| match Bundle::from_dir(&path) {
        Ok(bundle) => Summary::of(&bundle),
        Err(error) => Summary::failed(error.problems.iter().map(Problem::from).collect()),
    });
    to_py(py, &summary)
}

#[pymodule]
fn _pdao(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<PyEngine>()?;
    module.add_function(wrap_pyfunction!(check_dir, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
