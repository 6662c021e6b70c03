//! The active bundle and what `GET /v1/bundle` says about it.

use std::path::Path;

use pdao::{Bundle, BundleError, BundleProblem, Engine};
use serde::Serialize;
use utoipa::ToSchema;

/// A loaded bundle, prepared, with its description. Requests hold an
/// `Arc<Active>` from start to end, so a reload never changes the bundle
/// under a request.
pub(crate) struct Active {
    pub engine: Engine,
    pub info: BundleInfo,
    /// `/openapi.json` for this bundle's vocabulary.
    pub openapi: String,
}

/// The active bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BundleInfo {
    /// `sha256:<hex>` of the bundle's files: every decision carries it.
    pub policy_version: String,
    /// The engine's version.
    pub engine_version: String,
    /// `embedded` or the directory it was loaded from.
    pub source: String,
    /// When it was loaded and activated (UTC, RFC 3339).
    pub loaded_at: String,
    /// Distinct rule ids.
    pub rules: usize,
    /// Policies (every version of every rule).
    pub policies: usize,
    /// Temporal definitions.
    pub definitions: usize,
    /// Every layer with its documents.
    pub layers: Vec<LayerInfo>,
    /// Reloads since the service started.
    pub reload: ReloadStatus,
}

/// One layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LayerInfo {
    /// Layer id, also a request jurisdiction.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Parent layer, `null` for the top.
    pub parent: Option<String>,
    /// Policies of the layer.
    pub policies: usize,
    /// Its documents.
    pub documents: Vec<DocumentInfo>,
}

/// One regulation of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DocumentInfo {
    /// The id policies cite.
    pub id: String,
    /// Full title.
    pub title: String,
    /// Official number (may be empty).
    pub number: String,
    /// Issuing body.
    pub issuer: String,
    /// First day in force.
    pub in_force_from: String,
    /// Last day in force, when it expires.
    pub in_force_until: Option<String>,
}

/// Reload counts and the last failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReloadStatus {
    /// Reloads that activated a bundle (or found the same one).
    pub succeeded: u64,
    /// Reloads refused.
    pub failed: u64,
    /// Whether the latest reload attempt was refused (the bundle above is
    /// then older than the files).
    pub last_attempt_failed: bool,
    /// The last refused reload, if any.
    pub last_failure: Option<ReloadFailure>,
}

/// A reload that was refused; the bundle before it stayed active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReloadFailure {
    /// When (UTC, RFC 3339).
    pub at: String,
    /// What asked for it: `start`, `watch`, `SIGHUP`, `admin`.
    pub trigger: String,
    /// The directory.
    pub source: String,
    /// One sentence.
    pub message: String,
    /// Every problem found, with file and line.
    pub problems: Vec<Problem>,
}

/// One problem of a refused bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// `syntax`, `schema`, `annotation`, `toml`, `temporal`, `io`, ...
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

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Loads, validates and prepares a bundle: the embedded one, or the
/// directory (resolved once, so that a symlink switched during the load
/// cannot mix two versions).
pub(crate) fn load(dir: Option<&Path>) -> Result<Active, BundleError> {
    let (bundle, source) = match dir {
        None => (Bundle::embedded()?, "embedded".to_string()),
        Some(dir) => {
            let real = std::fs::canonicalize(dir).map_err(|e| BundleError {
                problems: vec![BundleProblem {
                    code: pdao::ProblemCode::Io,
                    file: dir.display().to_string(),
                    line: None,
                    column: None,
                    message: format!("cannot resolve the bundle directory: {e}"),
                    source_text: None,
                    span: None,
                }],
            })?;
            (Bundle::from_dir(&real)?, dir.display().to_string())
        }
    };
    let engine = Engine::new(bundle);
    engine.prepare_all();
    let info = describe(engine.bundle(), source);
    let openapi = crate::openapi::document(engine.bundle().vocabulary());
    Ok(Active {
        engine,
        info,
        openapi,
    })
}

fn describe(bundle: &Bundle, source: String) -> BundleInfo {
    let rules = bundle.rules();
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    BundleInfo {
        policy_version: bundle.version().to_string(),
        engine_version: pdao::VERSION.to_string(),
        source,
        loaded_at: now(),
        rules: ids.len(),
        policies: rules.len(),
        definitions: bundle.definitions().len(),
        layers: bundle
            .layers()
            .iter()
            .map(|layer| LayerInfo {
                id: layer.id.clone(),
                name: layer.name.clone(),
                parent: layer.parent.clone(),
                policies: rules.iter().filter(|r| r.layer == layer.id).count(),
                documents: layer
                    .documents
                    .iter()
                    .map(|d| DocumentInfo {
                        id: d.id.clone(),
                        title: d.title.clone(),
                        number: d.number.clone(),
                        issuer: d.issuer.clone(),
                        in_force_from: pdao::dates::format_date(d.in_force_from),
                        in_force_until: d.in_force_until.map(pdao::dates::format_date),
                    })
                    .collect(),
            })
            .collect(),
        reload: ReloadStatus::default(),
    }
}

/// The failure record of a refused bundle.
pub(crate) fn failure(trigger: &str, source: &str, error: &BundleError) -> ReloadFailure {
    ReloadFailure {
        at: now(),
        trigger: trigger.to_string(),
        source: source.to_string(),
        message: error.to_string(),
        problems: error.problems.iter().map(Problem::from).collect(),
    }
}
