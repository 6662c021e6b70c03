//! Prometheus metrics (`GET /metrics`), in a registry of the server's own.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use pdao::Decision;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::server::Shared;

/// Every metric of the service.
pub(crate) struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    decisions: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    bundle: IntGaugeVec,
    bundle_loaded: IntGauge,
    reloads: IntCounterVec,
    log_records: IntGauge,
    log_failures: IntCounter,
    batch_size: Histogram,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "pdao_http_requests_total",
                "HTTP requests answered, by endpoint and status",
            ),
            &["endpoint", "status"],
        )?;
        let decisions = IntCounterVec::new(
            Opts::new(
                "pdao_decisions_total",
                "Decisions made, by endpoint, decision and jurisdiction",
            ),
            &["endpoint", "decision", "jurisdiction"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "pdao_http_request_duration_seconds",
                "Time from request to response, by endpoint",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0, 2.5, 5.0, 10.0,
            ]),
            &["endpoint"],
        )?;
        let in_flight = IntGauge::new(
            "pdao_http_requests_in_flight",
            "Requests being answered (probes and metrics excepted)",
        )?;
        let bundle = IntGaugeVec::new(
            Opts::new(
                "pdao_bundle_info",
                "The active bundle: 1 for its policy_version",
            ),
            &["policy_version"],
        )?;
        let bundle_loaded = IntGauge::new(
            "pdao_bundle_loaded_timestamp_seconds",
            "When the active bundle was loaded (Unix time)",
        )?;
        let reloads = IntCounterVec::new(
            Opts::new(
                "pdao_bundle_reloads_total",
                "Bundle reloads, by result (success, failure)",
            ),
            &["result"],
        )?;
        let log_records = IntGauge::new(
            "pdao_decision_log_records",
            "seq of the last decision log record written (the chain head)",
        )?;
        let log_failures = IntCounter::new(
            "pdao_decision_log_write_failures_total",
            "Decision log writes that failed (the requests were answered 503)",
        )?;
        let batch_size = Histogram::with_opts(
            HistogramOpts::new("pdao_batch_size", "Requests per batch")
                .buckets(vec![1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 5000.0]),
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(decisions.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(bundle.clone()))?;
        registry.register(Box::new(bundle_loaded.clone()))?;
        registry.register(Box::new(reloads.clone()))?;
        registry.register(Box::new(log_records.clone()))?;
        registry.register(Box::new(log_failures.clone()))?;
        registry.register(Box::new(batch_size.clone()))?;
        for result in ["success", "failure"] {
            reloads.with_label_values(&[result]);
        }
        Ok(Metrics {
            registry,
            requests,
            decisions,
            latency,
            in_flight,
            bundle,
            bundle_loaded,
            reloads,
            log_records,
            log_failures,
            batch_size,
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(buffer).unwrap_or_default()
    }

    pub fn decision(&self, endpoint: &str, decision: &Decision) {
        let verdict = if decision.is_allow() { "allow" } else { "deny" };
        self.decisions
            .with_label_values(&[endpoint, verdict, decision.jurisdiction.as_str()])
            .inc();
    }

    pub fn batch(&self, size: usize) {
        self.batch_size.observe(size as f64);
    }

    pub fn bundle_activated(&self, version: &str) {
        self.bundle.reset();
        self.bundle.with_label_values(&[version]).set(1);
        self.bundle_loaded.set(chrono::Utc::now().timestamp());
    }

    pub fn reload(&self, success: bool) {
        let result = if success { "success" } else { "failure" };
        self.reloads.with_label_values(&[result]).inc();
    }

    pub fn log_written(&self, seq: u64) {
        self.log_records.set(i64::try_from(seq).unwrap_or(i64::MAX));
    }

    pub fn log_failed(&self) {
        self.log_failures.inc();
    }
}

/// The endpoint label: a route of the service, or `(unmatched)`, so that
/// no client can grow the label set.
fn endpoint_label(path: &str) -> &'static str {
    crate::ROUTES
        .iter()
        .filter_map(|route| route.split_once(' ').map(|(_, p)| p))
        .find(|p| *p == path)
        .unwrap_or("(unmatched)")
}

/// Decrements the in-flight gauge however the request ends (a dropped
/// future included).
struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Middleware: counts every request by endpoint and status, times it, and
/// tracks the requests in flight.
pub(crate) async fn track(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let endpoint = endpoint_label(request.uri().path());
    let probe = matches!(endpoint, "/healthz" | "/readyz" | "/metrics");
    let metrics = &shared.metrics;
    let _guard = (!probe).then(|| {
        metrics.in_flight.inc();
        InFlight(metrics.in_flight.clone())
    });
    let start = Instant::now();
    let response = next.run(request).await;
    metrics
        .latency
        .with_label_values(&[endpoint])
        .observe(start.elapsed().as_secs_f64());
    metrics
        .requests
        .with_label_values(&[endpoint, response.status().as_str()])
        .inc();
    response
}
