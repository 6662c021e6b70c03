//! The one error shape of the service: a 4xx (or 503) JSON object with the
//! same `code`, `message`, `field`, `line` and `column` as the CLI's error
//! line and the WASM binding's error object.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pdao::RequestError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::bundle::Problem;

/// An error answer. `code` is the engine's stable code
/// (`RequestError::code`) or one of the service's own: `invalid_utf8`,
/// `too_large` (413), `unsupported_media_type` (415), `not_found` (404),
/// `method_not_allowed` (405), `unauthorized` (401), `bundle` (a reload
/// refused), `no_bundle`, `decision_log_unavailable`, `timeout` (503) and
/// `panic` (500: a defect, never a decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: String,
    /// One sentence for people.
    pub message: String,
    /// Path of the offending request field, when there is one.
    pub field: Option<String>,
    /// 1-based line (JSON syntax errors).
    pub line: Option<usize>,
    /// 1-based column (JSON syntax errors).
    pub column: Option<usize>,
    /// Position of the request in a batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Every problem of a bundle that was refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// What the service has (404) or allows on the path (405).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
}

impl ErrorBody {
    /// An error with a code and a message only.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.into(),
            message: message.into(),
            field: None,
            line: None,
            column: None,
            index: None,
            problems: Vec::new(),
            endpoints: Vec::new(),
        }
    }

    /// The error of a request that breaks the contract, as the library
    /// reports it.
    pub fn from_request(error: &RequestError) -> Self {
        let (line, column) = error.position().unzip();
        ErrorBody {
            field: error.field().map(str::to_string),
            line,
            column,
            ..ErrorBody::new(error.code(), error.to_string())
        }
    }

    /// Compact JSON (never fails: the fields are strings and integers).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                "{{\"code\":\"internal\",\"message\":{}}}",
                serde_json::Value::String(self.message.clone())
            )
        })
    }
}

/// An error with its HTTP status, ready to be answered.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    /// Boxed: the error path is cold, and results stay small.
    pub body: Box<ErrorBody>,
    /// `Allow` (405) or `WWW-Authenticate` (401).
    pub header: Option<(header::HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: Box::new(ErrorBody::new(code, message)),
            header: None,
        }
    }

    /// 400 with the library's error.
    pub fn request(error: &RequestError) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: Box::new(ErrorBody::from_request(error)),
            header: None,
        }
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.body.field = Some(field.to_string());
        self
    }

    pub fn too_large(field: &str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message).with_field(field)
    }

    pub fn unavailable(code: &str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.body.to_json(),
        )
            .into_response();
        if let Some((name, value)) = self.header {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
