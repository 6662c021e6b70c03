//! The server: configuration, shared state, the router and its layers,
//! reloads, graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use tokio::sync::watch;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::api;
use crate::bundle::{self, Active, BundleInfo, ReloadFailure, ReloadStatus};
use crate::decision_log::{DecisionLog, LogError};
use crate::error::{ApiError, ErrorBody};
use crate::metrics::Metrics;

/// How the service runs. `Config::default()` is the embedded bundle on
/// 127.0.0.1:8181 with no decision log.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (port 0: any free port).
    pub bind: SocketAddr,
    /// Bundle directory; `None` for the embedded bundle.
    pub policies: Option<PathBuf>,
    /// Reload on file-system events under `policies`.
    pub watch: bool,
    /// Quiet time after the last file-system event before reloading.
    pub watch_debounce: Duration,
    /// JSON Lines audit trail, one hash-chained record per decision.
    pub decision_log: Option<PathBuf>,
    /// Request fields replaced by `***` in the log (`operator.id`).
    pub mask: Vec<String>,
    /// `fsync` the log before answering (else the record is written to the
    /// file, not necessarily to the disk).
    pub sync_log: bool,
    /// Bearer token of `POST /v1/bundle/reload`; `None`: no such route.
    pub admin_token: Option<String>,
    /// Most requests in one batch.
    pub max_batch: usize,
    /// Largest batch body, in bytes.
    pub max_batch_bytes: usize,
    /// Longest a request may take (waiting for a slot included); then 503.
    pub timeout: Duration,
    /// Requests answered at once on the `/v1` routes; more wait.
    pub max_concurrency: usize,
    /// Largest (and default) evaluation budget of `/v1/why-not`.
    pub why_not_budget: usize,
    /// Longest the in-flight requests may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// Threads deciding batches (0: one per core).
    pub batch_threads: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8181)),
            policies: None,
            watch: false,
            watch_debounce: Duration::from_millis(200),
            decision_log: None,
            mask: Vec::new(),
            sync_log: false,
            admin_token: None,
            max_batch: 1000,
            max_batch_bytes: 16 * 1024 * 1024,
            timeout: Duration::from_secs(10),
            max_concurrency: 256,
            why_not_budget: 10_000,
            shutdown_timeout: Duration::from_secs(30),
            batch_threads: 0,
        }
    }
}

/// The service could not start or stopped on an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration is inconsistent.
    #[error("{0}")]
    Config(String),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// The decision log cannot be opened.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The bundle did not load at start (and nothing watches for a fix).
    #[error("the bundle did not load: {}", .0.message)]
    Bundle(Box<ReloadFailure>),
    /// Serving failed.
    #[error("serving failed: {0}")]
    Io(#[from] std::io::Error),
    /// The metrics registry refused a metric (a defect).
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// State shared by every request.
pub(crate) struct Shared {
    pub config: Config,
    pub active: ArcSwapOption<Active>,
    pub status: Mutex<ReloadStatus>,
    pub reload_lock: tokio::sync::Mutex<()>,
    pub log: Option<DecisionLog>,
    pub metrics: Metrics,
    pub pool: rayon::ThreadPool,
    /// Becomes true once a bundle is active.
    pub ready: watch::Sender<bool>,
}

impl Shared {
    /// The active bundle, or 503 `no_bundle`.
    pub fn active(&self) -> Result<Arc<Active>, ApiError> {
        self.active.load_full().ok_or_else(|| {
            let detail = self
                .reload_status()
                .last_failure
                .map(|f| format!(": the last load failed: {}", f.message))
                .unwrap_or_default();
            ApiError::unavailable("no_bundle", format!("no bundle is active yet{detail}"))
        })
    }

    pub fn reload_status(&self) -> ReloadStatus {
        match self.status.lock() {
            Ok(status) => status.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn update_status(&self, f: impl FnOnce(&mut ReloadStatus)) {
        match self.status.lock() {
            Ok(mut status) => f(&mut status),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// The description of the active bundle with the reload status.
    pub fn bundle_info(&self) -> Result<BundleInfo, ApiError> {
        let active = self.active()?;
        let mut info = active.info.clone();
        info.reload = self.reload_status();
        Ok(info)
    }

    /// Records decisions before they are answered; 503 when the log
    /// cannot be written.
    pub fn record(&self, entries: &[crate::decision_log::Entry<'_>]) -> Result<(), ApiError> {
        let Some(log) = &self.log else {
            return Ok(());
        };
        match log.append(entries) {
            Ok(()) => {
                self.metrics.log_written(log.head().seq);
                Ok(())
            }
            Err(error) => {
                self.metrics.log_failed();
                tracing::error!(%error, "decision log write failed; answering 503");
                Err(ApiError::unavailable(
                    "decision_log_unavailable",
                    "the decision could not be recorded in the decision log, so it is not given; retry, or ask another replica",
                ))
            }
        }
    }

    /// Loads the bundle again and swaps it in when valid. Reloads are
    /// serialised; a refused bundle leaves the active one in place.
    pub async fn reload(self: &Arc<Self>, trigger: &str) -> Result<BundleInfo, ReloadFailure> {
        let _one_at_a_time = self.reload_lock.lock().await;
        let dir = self.config.policies.clone();
        let source = dir
            .as_ref()
            .map_or_else(|| "embedded".to_string(), |d| d.display().to_string());
        let loaded = tokio::task::spawn_blocking(move || bundle::load(dir.as_deref())).await;
        let loaded = match loaded {
            Ok(Ok(active)) => Ok(active),
            Ok(Err(error)) => Err(bundle::failure(trigger, &source, &error)),
            Err(join) => Err(ReloadFailure {
                at: bundle::now(),
                trigger: trigger.to_string(),
                source: source.clone(),
                message: format!("the load stopped: {join}"),
                problems: Vec::new(),
            }),
        };
        match loaded {
            Ok(active) => {
                let version = active.info.policy_version.clone();
                let current = self.active.load_full();
                let same = current
                    .as_ref()
                    .is_some_and(|c| c.info.policy_version == version);
                if !same {
                    self.active.store(Some(Arc::new(active)));
                    self.metrics.bundle_activated(&version);
                    tracing::info!(trigger, %version, source, "bundle activated");
                } else {
                    tracing::info!(trigger, %version, "bundle unchanged");
                }
                self.metrics.reload(true);
                self.update_status(|s| {
                    s.succeeded += 1;
                    s.last_attempt_failed = false;
                });
                self.ready.send_replace(true);
                self.bundle_info().map_err(|e| ReloadFailure {
                    at: bundle::now(),
                    trigger: trigger.to_string(),
                    source,
                    message: e.body.message,
                    problems: Vec::new(),
                })
            }
            Err(failure) => {
                self.metrics.reload(false);
                tracing::error!(
                    trigger,
                    source = failure.source,
                    problems = failure.problems.len(),
                    message = failure.message,
                    "bundle refused; the active bundle stays"
                );
                for problem in &failure.problems {
                    tracing::error!(
                        code = problem.code,
                        file = problem.file,
                        line = problem.line,
                        "{}",
                        problem.message
                    );
                }
                self.update_status(|s| {
                    s.failed += 1;
                    s.last_attempt_failed = true;
                    s.last_failure = Some(failure.clone());
                });
                Err(failure)
            }
        }
    }
}

/// A handle on a running server: reload, reopen the log, wait until ready.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl Handle {
    /// Reloads the bundle (`trigger` names the cause in `/v1/bundle` and the log).
    pub async fn reload(&self, trigger: &str) -> Result<BundleInfo, ReloadFailure> {
        self.shared.reload(trigger).await
    }

    /// Reopens the decision log at its path (after rotation); the chain
    /// continues. Nothing to do without a log.
    pub fn reopen_log(&self) -> Result<(), LogError> {
        match &self.shared.log {
            Some(log) => log.reopen(),
            None => Ok(()),
        }
    }

    /// Waits until a bundle is active.
    pub async fn ready(&self) {
        let mut ready = self.shared.ready.subscribe();
        let _ = ready.wait_for(|r| *r).await;
    }

    /// The active bundle's description, if any.
    pub fn bundle(&self) -> Option<BundleInfo> {
        self.shared.bundle_info().ok()
    }
}

/// A bound, not yet serving, server.
pub struct Server {
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    extra: Vec<(String, MethodRouter<()>)>,
}

impl Server {
    /// Checks the configuration, opens the decision log and binds.
    pub async fn bind(config: Config) -> Result<Server, ServeError> {
        if config.watch && config.policies.is_none() {
            return Err(ServeError::Config(
                "--watch needs --policies DIR (the embedded bundle never changes)".into(),
            ));
        }
        if config.max_batch == 0 || config.max_concurrency == 0 {
            return Err(ServeError::Config(
                "the batch size and the concurrency limit must be at least 1".into(),
            ));
        }
        let log = match &config.decision_log {
            Some(path) => Some(DecisionLog::open(path, &config.mask, config.sync_log)?),
            None if !config.mask.is_empty() => {
                return Err(ServeError::Config(
                    "--mask applies to the decision log: give --decision-log FILE".into(),
                ))
            }
            None => None,
        };
        let threads = if config.batch_threads == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            config.batch_threads
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("pdao-batch-{i}"))
            .panic_handler(|_| tracing::error!("a batch worker panicked"))
            .build()
            .map_err(|e| ServeError::Config(format!("cannot start the batch threads: {e}")))?;
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.bind,
                source,
            })?;
        let metrics = Metrics::new()?;
        if let Some(log) = &log {
            metrics.log_written(log.head().seq);
        }
        let (ready, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            config,
            active: ArcSwapOption::empty(),
            status: Mutex::new(ReloadStatus::default()),
            reload_lock: tokio::sync::Mutex::new(()),
            log,
            metrics,
            pool,
            ready,
        });
        Ok(Server {
            listener,
            shared,
            extra: Vec::new(),
        })
    }

    /// The address it listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle for reloads and readiness.
    pub fn handle(&self) -> Handle {
        Handle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Adds a `/v1` route under the same layers (panic catching, metrics, error
    /// shaping). For tests of those layers.
    #[doc(hidden)]
    pub fn with_route(mut self, path: &str, route: MethodRouter<()>) -> Server {
        self.extra.push((path.to_string(), route));
        self
    }

    /// Serves until `shutdown` completes, then stops accepting, lets the
    /// requests in flight finish (at most `shutdown_timeout`) and flushes
    /// the decision log. The bundle loads in the background: `/readyz` is
    /// 503 until it is active. A bundle that does not load at start ends
    /// the service, unless `watch` is on (a fix is then picked up).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let shared = self.shared;
        let app = router(Arc::clone(&shared), self.extra);
        let (stop, mut stopped) = watch::channel(false);
        let (failed_tx, mut failed_rx) = tokio::sync::oneshot::channel::<ReloadFailure>();

        let initial = {
            let shared = Arc::clone(&shared);
            let stop = stop.clone();
            tokio::spawn(async move {
                if let Err(failure) = shared.reload("start").await {
                    if !shared.config.watch {
                        let _ = failed_tx.send(failure);
                        stop.send_replace(true);
                    }
                }
            })
        };
        let watcher = if shared.config.watch {
            Some(crate::watch::spawn(Arc::clone(&shared))?)
        } else {
            None
        };

        let signal = {
            let stop = stop.clone();
            async move {
                shutdown.await;
                stop.send_replace(true);
            }
        };
        tokio::spawn(signal);
        let graceful = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        let serving = axum::serve(self.listener, app).with_graceful_shutdown(graceful);
        let mut serving = std::pin::pin!(std::future::IntoFuture::into_future(serving));
        let mut stopped = stop.subscribe();
        let timeout = shared.config.shutdown_timeout;
        let outcome = tokio::select! {
            result = &mut serving => result,
            _ = async {
                let _ = stopped.wait_for(|s| *s).await;
                tokio::time::sleep(timeout).await;
            } => {
                tracing::warn!(?timeout, "requests still in flight after the shutdown timeout; stopping anyway");
                Ok(())
            }
        };
        initial.abort();
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        if let Some(log) = &shared.log {
            log.sync()?;
            tracing::info!(records = log.head().seq, "decision log flushed");
        }
        outcome?;
        if let Ok(failure) = failed_rx.try_recv() {
            return Err(ServeError::Bundle(Box::new(failure)));
        }
        Ok(())
    }

    /// [`Server::run`] until SIGTERM or SIGINT (Ctrl-C); on Unix, SIGHUP
    /// reloads the bundle and reopens the decision log (for rotation).
    pub async fn run_until_signal(self) -> Result<(), ServeError> {
        let handle = self.handle();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut hangup = signal(SignalKind::hangup())?;
            tokio::spawn(async move {
                while hangup.recv().await.is_some() {
                    if let Err(error) = handle.reopen_log() {
                        tracing::error!(%error, "decision log not reopened; still writing to the open file");
                    }
                    let _ = handle.reload("SIGHUP").await;
                }
            });
        }
        #[cfg(not(unix))]
        drop(handle);
        let shutdown = async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{signal, SignalKind};
                match signal(SignalKind::terminate()) {
                    Ok(mut term) => {
                        tokio::select! {
                            _ = term.recv() => tracing::info!("SIGTERM: finishing the requests in flight"),
                            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing the requests in flight"),
                        }
                    }
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
        };
        self.run(shutdown).await
    }
}

/// The routes with their layers. The `/v1` routes are bounded (timeout,
/// concurrency); probes and metrics are not, so that a busy replica still
/// answers its liveness probe.
fn router(shared: Arc<Shared>, extra: Vec<(String, MethodRouter<()>)>) -> Router {
    let mut v1 = Router::new()
        .route("/v1/decide", post(api::decide))
        .route("/v1/decide/batch", post(api::decide_batch))
        .route("/v1/explain", post(api::explain))
        .route("/v1/why-not", post(api::why_not))
        .route("/v1/bundle", get(api::bundle));
    if shared.config.admin_token.is_some() {
        v1 = v1.route("/v1/bundle/reload", post(api::reload));
    }
    for (path, route) in extra {
        v1 = v1.route_service(&path, route);
    }
    let v1 = v1.route_layer(
        ServiceBuilder::new()
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                shared.config.timeout,
            ))
            .layer(GlobalConcurrencyLimitLayer::new(
                shared.config.max_concurrency,
            )),
    );
    Router::new()
        .merge(v1)
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/metrics", get(api::metrics))
        .route("/openapi.json", get(api::openapi))
        .fallback(api::not_found)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(shape_errors))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            crate::metrics::track,
        ))
        .with_state(shared)
}

/// A panic in a handler: 500 with a JSON error, never a decision; the
/// server goes on.
fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_string());
    tracing::error!(panic = what, "a handler panicked; answered 500");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "panic",
        format!("the service failed on this request (a defect, reported in its log): {what}; no decision was made"),
    )
    .into_response()
}

/// Gives the error answers that the layers and the router make themselves
/// (405 with `Allow`, 503 on timeout, 413) the service's JSON error shape.
async fn shape_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let mut body = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            // axum adds `Allow` after every layer; the routes say it too.
            let endpoints: Vec<String> = crate::ROUTES
                .iter()
                .filter(|r| r.split_once(' ').is_some_and(|(_, p)| p == path))
                .map(|r| r.to_string())
                .collect();
            let methods: Vec<&str> = endpoints
                .iter()
                .filter_map(|e| e.split_once(' ').map(|(m, _)| m))
                .collect();
            let mut body = ErrorBody::new(
                "method_not_allowed",
                format!(
                    "`{method} {path}` is not allowed; this path takes {}",
                    methods.join(", ")
                ),
            );
            body.endpoints = endpoints;
            body
        }
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => ErrorBody::new(
            "timeout",
            "the request took longer than the service's time limit; no decision was given",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ErrorBody {
            field: Some("(request)".into()),
            ..ErrorBody::new("too_large", "the request body is too large")
        },
        other => ErrorBody::new(
            "http",
            format!(
                "{} {}",
                other.as_u16(),
                other.canonical_reason().unwrap_or("error")
            ),
        ),
    };
    if status == StatusCode::REQUEST_TIMEOUT {
        body.code = "timeout".into();
    }
    let mut shaped = ApiError {
        status,
        body: Box::new(body),
        header: None,
    }
    .into_response();
    shaped
        .headers_mut()
        .entry(header::CONTENT_TYPE)
        .or_insert(HeaderValue::from_static("application/json"));
    shaped
}
