//! Errors as they cross into Python: [`ErrorInfo`] is plain data (built and
//! carried without the GIL, inside parallel batches); `to_py` turns it into
//! an instance of the `pdao.errors` class for its code (`RequestError` and
//! its subclasses, defined in Python so that they pickle and document
//! themselves), and `bundle_error` does the same for a bundle that does not
//! load.

use pdao::{BundleError, BundleProblem, RequestError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use serde::Serialize;

/// A request that could not be decided: the engine's code, field and
/// position, or one of the binding's own codes — `invalid_utf8` (bytes that
/// are not UTF-8), `invalid_request` (a Python value with no JSON form) and
/// `panic` (the engine failed; never seen in the tests, but never lost
/// either).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// Stable machine-readable code, the same as the CLI's.
    pub code: String,
    /// One sentence for people.
    pub message: String,
    /// Path of the offending request field.
    pub field: Option<String>,
    /// 1-based line (JSON syntax errors).
    pub line: Option<usize>,
    /// 1-based column (JSON syntax errors).
    pub column: Option<usize>,
}

impl ErrorInfo {
    /// An error with a code and a message only.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ErrorInfo {
            code: code.to_string(),
            message: message.into(),
            field: None,
            line: None,
            column: None,
        }
    }

    /// Bytes that are not UTF-8, named as the CLI names them.
    pub fn invalid_utf8(error: &std::str::Utf8Error) -> Self {
        ErrorInfo::new(
            "invalid_utf8",
            format!(
                "the request is not valid UTF-8 (byte {})",
                error.valid_up_to()
            ),
        )
    }

    /// The error a panic of the engine becomes.
    pub fn panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let what = if let Some(text) = payload.downcast_ref::<&str>() {
            (*text).to_string()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "unknown panic payload".to_string()
        };
        ErrorInfo::new("panic", format!("the engine panicked: {what}"))
    }

    /// The `pdao.errors` instance for this error (not raised).
    pub fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        static MAKE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        MAKE.import(py, "pdao.errors", "_request_error")?.call1((
            self.code.as_str(),
            self.message.as_str(),
            self.field.as_deref(),
            self.line,
            self.column,
        ))
    }

    /// The same, as a `PyErr` to raise.
    pub fn into_err(self, py: Python<'_>) -> PyErr {
        match self.to_py(py) {
            Ok(instance) => PyErr::from_value(instance),
            Err(import_failed) => import_failed,
        }
    }
}

impl From<&RequestError> for ErrorInfo {
    fn from(error: &RequestError) -> Self {
        let (line, column) = error.position().unzip();
        ErrorInfo {
            code: error.code().to_string(),
            message: error.to_string(),
            field: error.field().map(str::to_string),
            line,
            column,
        }
    }
}

impl From<RequestError> for ErrorInfo {
    fn from(error: RequestError) -> Self {
        ErrorInfo::from(&error)
    }
}

/// One bundle problem as a dict `{code, file, line, column, message}`.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// `syntax`, `schema`, `annotation`, `toml`, `temporal`, ...
    pub code: String,
    /// Path relative to the bundle root.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
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

/// A `pdao.BundleError` carrying every problem.
pub fn bundle_error(py: Python<'_>, error: &BundleError) -> PyErr {
    static CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let problems: Vec<Problem> = error.problems.iter().map(Problem::from).collect();
    let made = pythonize::pythonize(py, &problems)
        .map_err(PyErr::from)
        .and_then(|problems| {
            CLASS
                .import(py, "pdao.errors", "BundleError")?
                .call1((error.to_string(), problems))
        });
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(failed) => failed,
    }
}
