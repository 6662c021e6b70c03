#![forbid(unsafe_code)]
//! `pdao serve`: the engine as a stateless HTTP decision service.
//!
//! JSON in and out (the contract's request and decision), an audit trail of
//! hash-chained JSON Lines records, and live bundle updates (file-system
//! events, SIGHUP, an admin endpoint) that swap a fully validated bundle in
//! atomically. Built on tokio, axum and tower; see the README's `pdao serve`
//! section for the endpoints, the error format and the log format.
//!
//! ```no_run
//! # async fn run() -> Result<(), pdao_server::ServeError> {
//! let config = pdao_server::Config::default(); // 127.0.0.1:8181, embedded bundle
//! let server = pdao_server::Server::bind(config).await?;
//! server.run_until_signal().await
//! # }
//! ```

mod api;
mod body;
mod bundle;
pub mod decision_log;
mod error;
mod metrics;
mod openapi;
mod server;
mod watch;

pub use bundle::{BundleInfo, DocumentInfo, LayerInfo, Problem, ReloadFailure, ReloadStatus};
pub use decision_log::{LogError, VerifyError, VerifyReport};
pub use error::ErrorBody;
pub use server::{Config, Handle, ServeError, Server};

/// The default address: loopback only, OPA's customary port.
pub const DEFAULT_BIND: &str = "127.0.0.1:8181";

/// The routes the service answers, as `METHOD path` (the admin reload only
/// when a token is configured). Also what a 404 lists.
pub const ROUTES: [&str; 10] = [
    "POST /v1/decide",
    "POST /v1/decide/batch",
    "POST /v1/explain",
    "POST /v1/why-not",
    "GET /v1/bundle",
    "POST /v1/bundle/reload",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /openapi.json",
];
