//! The endpoints. Each decision is made on the bundle that was active when
//! its request arrived, recorded in the decision log before it is
//! answered, and answered with a `decision_id`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use pdao::{Decision, Engine, Request, RequestError};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::body;
use crate::bundle::{Active, BundleInfo};
use crate::decision_log::Entry;
use crate::error::{ApiError, ErrorBody};
use crate::openapi::ContractRequest;
use crate::server::Shared;

/// The header carrying the decision's id.
pub(crate) const DECISION_ID: HeaderName = HeaderName::from_static("x-decision-id");

/// A decision as `pdao decide` prints it, with its id first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DecisionResponse {
    /// Id of this decision: also the `X-Decision-Id` header and the
    /// decision log record's `decision_id` (a UUIDv7, time-ordered).
    decision_id: String,
    #[serde(flatten)]
    decision: Decision,
}

/// `POST /v1/decide/batch`.
#[derive(ToSchema)]
#[allow(dead_code)] // read by hand (raw requests, strict keys); this is its schema
pub(crate) struct BatchRequest {
    /// The requests, each decided as by `/v1/decide`.
    requests: Vec<ContractRequest>,
}

/// One result of a batch: a decision, or the error of that request.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum BatchResult {
    /// The decision, with its id.
    Decision(DecisionResponse),
    /// The request's error, with its `index`.
    Error(ErrorBody),
}

/// The answer of a batch: the results in the order of the requests.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BatchResponse {
    results: Vec<BatchResult>,
}

/// The why-not answer as `pdao why-not --json` prints it (`decision`,
/// `reasons`, `solutions` with `changes` and the changed `request`,
/// `unfixable`, `evaluations`, `bound_reached`), with the decision's id first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WhyNotResponse {
    /// Id of the decision of the request as given.
    decision_id: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    answer: serde_json::Value,
}

/// Query of `/v1/why-not`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct WhyNotParams {
    /// Most evaluations the search may spend (default and maximum: the
    /// service's `--why-not-budget`).
    budget: Option<usize>,
}

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Status {
    /// `alive` or `ready`.
    status: &'static str,
    /// The active bundle (readiness).
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_version: Option<String>,
}

fn decision_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn json_response(status: StatusCode, text: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text,
    )
        .into_response()
}

fn pretty<T: Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("cannot serialise the answer: {e}"),
            )
        })
}

fn with_id(mut response: Response, id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(id) {
        response.headers_mut().insert(DECISION_ID, value);
    }
    response
}

/// Reads, parses and decides one request; records it. The common part of
/// decide and explain.
async fn decide_one(
    shared: &Shared,
    endpoint: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(String, Decision), ApiError> {
    let text = body::json_text(headers, body, pdao::MAX_REQUEST_BYTES).await?;
    let active = shared.active()?;
    let request = active
        .engine
        .parse_request(&text)
        .map_err(|e| ApiError::request(&e))?;
    let decision = active.engine.decide(&request);
    let id = decision_id();
    shared.record(&[Entry {
        decision_id: &id,
        endpoint,
        request: &request,
        decision: &decision,
    }])?;
    shared.metrics.decision(endpoint, &decision);
    Ok((id, decision))
}

/// Decides one request: the decision JSON of `pdao decide` (same bytes)
/// with `decision_id` added as its first field.
#[utoipa::path(
    post,
    path = "/v1/decide",
    request_body(content = ContractRequest, description = "A request of the contract"),
    responses(
        (status = 200, description = "The decision", body = DecisionResponse,
         headers(("X-Decision-Id" = String, description = "The decision's id"))),
        (status = 400, description = "The request breaks the contract (same code and field as the CLI)", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Not a JSON content type", body = ErrorBody),
        (status = 503, description = "No bundle active, the decision log cannot be written, or the time limit passed", body = ErrorBody),
    )
)]
pub(crate) async fn decide(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (id, decision) = decide_one(&shared, "/v1/decide", &headers, body).await?;
    let text = pretty(&DecisionResponse {
        decision_id: id.clone(),
        decision,
    })?;
    Ok(with_id(json_response(StatusCode::OK, text), &id))
}

/// Decides one request and answers the tree `pdao explain` prints (same bytes).
#[utoipa::path(
    post,
    path = "/v1/explain",
    request_body(content = ContractRequest, description = "A request of the contract"),
    responses(
        (status = 200, description = "The decision as a readable tree with citations", content_type = "text/plain", body = String,
         headers(("X-Decision-Id" = String, description = "The decision's id"))),
        (status = 400, description = "The request breaks the contract", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub(crate) async fn explain(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (id, decision) = decide_one(&shared, "/v1/explain", &headers, body).await?;
    let text = pdao::explain::render_text(&decision);
    let response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        text,
    )
        .into_response();
    Ok(with_id(response, &id))
}

/// The outcome of one request of a batch.
enum Outcome {
    Decided(Box<(Request, Decision)>),
    Rejected(RequestError),
    Panicked(String),
}

fn decide_item(engine: &Engine, text: &str) -> Outcome {
    let result = catch_unwind(AssertUnwindSafe(|| {
        engine.parse_request(text).map(|request| {
            let decision = engine.decide(&request);
            (request, decision)
        })
    }));
    match result {
        Ok(Ok(pair)) => Outcome::Decided(Box::new(pair)),
        Ok(Err(error)) => Outcome::Rejected(error),
        Err(payload) => Outcome::Panicked(
            payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".into()),
        ),
    }
}

/// Decides many requests in parallel: `{"results": [...]}` in the order of
/// the requests, each a decision (as `/v1/decide`) or the request's error
/// object with its `index`. The whole batch is refused only when it is not
/// a batch (not JSON, no `requests` array, too many requests).
#[utoipa::path(
    post,
    path = "/v1/decide/batch",
    request_body(content = BatchRequest, description = "`{\"requests\": [...]}`"),
    responses(
        (status = 200, description = "One result per request, in order", body = BatchResponse),
        (status = 400, description = "Not a batch: invalid JSON, `requests` missing or not an array, an unknown key", body = ErrorBody),
        (status = 413, description = "Over the batch size or body limit", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub(crate) async fn decide_batch(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    const ENDPOINT: &str = "/v1/decide/batch";
    let text = body::json_text(&headers, body, shared.config.max_batch_bytes).await?;
    let requests = parse_batch(&text).map_err(|e| ApiError::request(&e))?;
    drop(text);
    let max = shared.config.max_batch;
    if requests.len() > max {
        return Err(ApiError::too_large(
            "requests",
            format!(
                "`requests` is too large: {} requests exceeds the limit of {max} per batch",
                requests.len()
            ),
        ));
    }
    let active = shared.active()?;
    shared.metrics.batch(requests.len());
    let outcomes = decide_parallel(&shared, &active, requests).await?;
    let ids: Vec<Option<String>> = outcomes
        .iter()
        .map(|o| matches!(o, Outcome::Decided(_)).then(decision_id))
        .collect();
    let entries: Vec<Entry<'_>> = outcomes
        .iter()
        .zip(&ids)
        .filter_map(|(outcome, id)| match (outcome, id) {
            (Outcome::Decided(pair), Some(id)) => Some(Entry {
                decision_id: id,
                endpoint: ENDPOINT,
                request: &pair.0,
                decision: &pair.1,
            }),
            _ => None,
        })
        .collect();
    shared.record(&entries)?;
    drop(entries);
    let results = outcomes
        .into_iter()
        .zip(ids)
        .enumerate()
        .map(|(index, (outcome, id))| match outcome {
            Outcome::Decided(pair) => {
                let (_, decision) = *pair;
                shared.metrics.decision(ENDPOINT, &decision);
                BatchResult::Decision(DecisionResponse {
                    decision_id: id.unwrap_or_default(),
                    decision,
                })
            }
            Outcome::Rejected(error) => BatchResult::Error(ErrorBody {
                index: Some(index),
                ..ErrorBody::from_request(&error)
            }),
            Outcome::Panicked(what) => {
                tracing::error!(index, panic = what, "a batch request panicked");
                BatchResult::Error(ErrorBody {
                    index: Some(index),
                    ..ErrorBody::new(
                        "panic",
                        format!("the service failed on this request (a defect): {what}; no decision was made"),
                    )
                })
            }
        })
        .collect();
    let text = serde_json::to_string(&BatchResponse { results }).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("cannot serialise the answer: {e}"),
        )
    })?;
    Ok(json_response(StatusCode::OK, text))
}

/// Decides the requests on the batch threads, in parallel, keeping order.
async fn decide_parallel(
    shared: &Shared,
    active: &Arc<Active>,
    requests: Vec<Box<RawValue>>,
) -> Result<Vec<Outcome>, ApiError> {
    use rayon::prelude::*;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let active = Arc::clone(active);
    shared.pool.spawn(move || {
        let outcomes: Vec<Outcome> = requests
            .par_iter()
            .map(|raw| decide_item(&active.engine, raw.get()))
            .collect();
        let _ = tx.send(outcomes);
    });
    rx.await.map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "panic",
            "the batch workers stopped before answering; no decision was made",
        )
    })
}

/// The kind of JSON value `text` starts with, for `wrong_type` messages.
fn json_kind(text: &str) -> &'static str {
    match text.trim_start().chars().next() {
        Some('{') => "an object",
        Some('[') => "an array",
        Some('"') => "a string",
        Some('t' | 'f') => "a boolean",
        Some('n') => "null",
        _ => "a number",
    }
}

fn json_error(error: &serde_json::Error) -> RequestError {
    let message = error.to_string();
    RequestError::Json {
        message: message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string(),
        line: error.line(),
        column: error.column(),
    }
}

/// Reads `{"requests": [...]}` keeping each request's raw text, so that
/// each is parsed by the engine exactly as `/v1/decide` parses it
/// (duplicate keys included). A duplicate or unknown top-level key is an
/// error, as in a request.
fn parse_batch(text: &str) -> Result<Vec<Box<RawValue>>, RequestError> {
    if !text.trim_start().starts_with('{') {
        serde_json::from_str::<IgnoredAny>(text).map_err(|e| json_error(&e))?;
        return Err(RequestError::WrongType {
            field: "(request)".into(),
            expected: "an object `{\"requests\": [...]}`".into(),
            found: json_kind(text).into(),
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let found =
        de::Deserializer::deserialize_map(&mut de, BatchVisitor).map_err(|e| json_error(&e))?;
    de.end().map_err(|e| json_error(&e))?;
    let raw = found?;
    serde_json::from_str::<Vec<Box<RawValue>>>(raw.get()).map_err(|_| RequestError::WrongType {
        field: "requests".into(),
        expected: "an array of requests".into(),
        found: json_kind(raw.get()).into(),
    })
}

struct BatchVisitor;

impl<'de> Visitor<'de> for BatchVisitor {
    type Value = Result<Box<RawValue>, RequestError>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object {\"requests\": [...]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut requests: Option<Box<RawValue>> = None;
        let mut problem: Option<RequestError> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "requests" {
                let raw: Box<RawValue> = map.next_value()?;
                if requests.is_some() {
                    problem.get_or_insert(RequestError::DuplicateKey {
                        field: "requests".into(),
                    });
                }
                requests = Some(raw);
            } else {
                map.next_value::<IgnoredAny>()?;
                problem.get_or_insert(RequestError::UnknownField {
                    field: key,
                    suggestion: Some("requests".into()),
                });
            }
        }
        Ok(match (problem, requests) {
            (Some(problem), _) => Err(problem),
            (None, Some(requests)) => Ok(requests),
            (None, None) => Err(RequestError::MissingField {
                field: "requests".into(),
            }),
        })
    }
}

/// For a denied request, the smallest changes of facts or events that
/// would allow it, each verified (as `pdao why-not --json`).
#[utoipa::path(
    post,
    path = "/v1/why-not",
    params(WhyNotParams),
    request_body(content = ContractRequest, description = "A request of the contract"),
    responses(
        (status = 200, description = "The decision's reasons and the minimal verified changes", body = WhyNotResponse,
         headers(("X-Decision-Id" = String, description = "The id of the decision of the request as given"))),
        (status = 400, description = "The request breaks the contract, or a bad `budget`", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 503, body = ErrorBody),
    )
)]
pub(crate) async fn why_not(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<WhyNotParams>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    const ENDPOINT: &str = "/v1/why-not";
    let max = shared.config.why_not_budget;
    let Query(params) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_value",
            format!("bad query: {}", e.body_text()),
        )
        .with_field("budget")
    })?;
    let budget = params.budget.unwrap_or(max);
    if budget == 0 || budget > max {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_value",
            format!("`budget`: {budget} is not between 1 and {max}"),
        )
        .with_field("budget"));
    }
    let text = body::json_text(&headers, body, pdao::MAX_REQUEST_BYTES).await?;
    let active = shared.active()?;
    let request = active
        .engine
        .parse_request(&text)
        .map_err(|e| ApiError::request(&e))?;
    let search = Arc::clone(&active);
    let answer = tokio::task::spawn_blocking(move || {
        let options = pdao::authoring::WhyNotOptions {
            max_evaluations: budget,
            ..Default::default()
        };
        let answer = pdao::authoring::why_not(&search.engine, &request, &options);
        (request, answer)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "panic",
            format!("the search failed (a defect): {e}; no decision was made"),
        )
    })?;
    let (request, answer) = answer;
    let id = decision_id();
    shared.record(&[Entry {
        decision_id: &id,
        endpoint: ENDPOINT,
        request: &request,
        decision: &answer.decision,
    }])?;
    shared.metrics.decision(ENDPOINT, &answer.decision);
    let text = pretty(&WhyNotResponse {
        decision_id: id.clone(),
        answer: answer.to_json(),
    })?;
    Ok(with_id(json_response(StatusCode::OK, text), &id))
}

/// The active bundle: `policy_version`, layers, documents with their dates,
/// rule count, when it was loaded, reloads and the last refused one.
#[utoipa::path(
    get,
    path = "/v1/bundle",
    responses(
        (status = 200, description = "The active bundle", body = BundleInfo),
        (status = 503, description = "No bundle active yet", body = ErrorBody),
    )
)]
pub(crate) async fn bundle(State(shared): State<Arc<Shared>>) -> Result<Response, ApiError> {
    let info = shared.bundle_info()?;
    Ok(json_response(StatusCode::OK, pretty(&info)?))
}

/// Reloads the bundle now (only when the service has an admin token):
/// the new bundle, or the problems that made it refused (the old one stays).
#[utoipa::path(
    post,
    path = "/v1/bundle/reload",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bundle now active", body = BundleInfo),
        (status = 401, description = "No or wrong `Authorization: Bearer <token>`", body = ErrorBody),
        (status = 422, description = "The bundle on disk was refused; the active one stays", body = ErrorBody),
    )
)]
pub(crate) async fn reload(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let expected = shared.config.admin_token.as_deref().unwrap_or_default();
    if expected.is_empty() || !same_secret(given, expected) {
        return Err(ApiError {
            header: Some((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"pdao\""),
            )),
            ..ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "reloading needs `Authorization: Bearer <admin token>`",
            )
        });
    }
    match shared.reload("admin").await {
        Ok(info) => Ok(json_response(StatusCode::OK, pretty(&info)?)),
        Err(failure) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: Box::new(ErrorBody {
                problems: failure.problems,
                ..ErrorBody::new(
                    "bundle",
                    format!(
                        "the bundle was refused; the active one stays: {}",
                        failure.message
                    ),
                )
            }),
            header: None,
        }),
    }
}

/// Compares two secrets in time independent of where they differ.
fn same_secret(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Alive", body = Status)))]
pub(crate) async fn healthz() -> Response {
    json_response(
        StatusCode::OK,
        serde_json::to_string(&Status {
            status: "alive",
            policy_version: None,
        })
        .unwrap_or_default(),
    )
}

/// Readiness: a bundle is active.
#[utoipa::path(
    get,
    path = "/readyz",
    responses(
        (status = 200, description = "A bundle is active", body = Status),
        (status = 503, description = "No bundle active yet", body = ErrorBody),
    )
)]
pub(crate) async fn readyz(State(shared): State<Arc<Shared>>) -> Result<Response, ApiError> {
    let active = shared.active()?;
    Ok(json_response(
        StatusCode::OK,
        serde_json::to_string(&Status {
            status: "ready",
            policy_version: Some(active.info.policy_version.clone()),
        })
        .unwrap_or_default(),
    ))
}

/// Prometheus metrics, text format.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String)))]
pub(crate) async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        shared.metrics.render(),
    )
        .into_response()
}

/// This document: OpenAPI 3.1, the request schema from the active bundle.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "OpenAPI document", content_type = "application/json", body = Object)))]
pub(crate) async fn openapi(State(shared): State<Arc<Shared>>) -> Response {
    let text = match shared.active.load_full() {
        Some(active) => active.openapi.clone(),
        None => crate::openapi::document(&pdao::Vocabulary::default()),
    };
    json_response(StatusCode::OK, text)
}

/// Any other path: 404 listing what exists.
pub(crate) async fn not_found(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
) -> ApiError {
    let admin = shared.config.admin_token.is_some();
    ApiError {
        body: Box::new(ErrorBody {
            endpoints: crate::ROUTES
                .iter()
                .filter(|r| admin || !r.ends_with("/v1/bundle/reload"))
                .map(|r| r.to_string())
                .collect(),
            ..ErrorBody::new(
                "not_found",
                format!(
                    "no endpoint `{method} {}`; see `endpoints` or GET /openapi.json",
                    uri.path()
                ),
            )
        }),
        ..ApiError::new(StatusCode::NOT_FOUND, "not_found", "")
    }
}
