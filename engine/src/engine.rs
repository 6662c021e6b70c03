//! The engine: a loaded bundle prepared for deciding — the front door of
//! the decision pipeline in `decide/`.
//!
//! The entry points of a decision from JSON text (here, in `request`,
//! `json`, `decision` and `decide`) are `#[inline]`: a crate that calls
//! them compiles them, with the serde_json code they instantiate, at its
//! own opt-level. The WebAssembly binding is built that way for speed
//! while the rest of the library is built for size (the `wasm-release`
//! profile in the workspace's `Cargo.toml`).

use crate::decide::{EngineOptions, Evaluation, Pipeline};
use crate::decision::Decision;
use crate::error::{BundleError, RequestError};
use crate::load::Bundle;
use crate::request::Request;

/// A prepared bundle that decides requests. Build it once (loading and
/// preparing take milliseconds) and share it: deciding takes `&self`, and
/// an `Engine` is `Send + Sync`.
///
/// ```
/// use pdao::{Engine, Verdict};
///
/// let engine = Engine::embedded()?;
/// let decision = engine.decide_json(
///     r#"{"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "provide_to_third_party"}"#,
/// )?;
/// assert_eq!(decision.decision, Verdict::Deny);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Engine {
    bundle: Bundle,
    pub(crate) pipeline: Pipeline,
}

impl Engine {
    /// The engine on the embedded default bundle (`policies/`, compiled in).
    ///
    /// ```
    /// let engine = pdao::Engine::embedded()?;
    /// assert!(engine.bundle().layer("zhejiang").is_some());
    /// # Ok::<(), pdao::BundleError>(())
    /// ```
    pub fn embedded() -> Result<Engine, BundleError> {
        Ok(Engine::new(Bundle::embedded()?))
    }

    /// Prepares a loaded bundle: each chain's dates cut into epochs in which
    /// the same rules are in force (their policy sets are built on first use).
    ///
    /// ```
    /// use pdao::{Bundle, Engine};
    ///
    /// let bundle = Bundle::embedded()?; // or Bundle::from_dir("policies")?
    /// let version = bundle.version().to_string();
    /// let engine = Engine::new(bundle);
    /// assert_eq!(engine.bundle().version(), version);
    /// # Ok::<(), pdao::BundleError>(())
    /// ```
    pub fn new(bundle: Bundle) -> Engine {
        Engine::with_options(bundle, EngineOptions::default())
    }

    /// [`Engine::new`] with options: which evaluator decides the rules —
    /// the compiled evaluator (the default) or Cedar, the reference. Both
    /// give byte-identical decisions (tested).
    ///
    /// ```
    /// use pdao::{Bundle, Engine, EngineOptions, Evaluator};
    ///
    /// let request = r#"{"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply"}"#;
    /// let compiled = Engine::embedded()?;
    /// let cedar = Engine::with_options(
    ///     Bundle::embedded()?,
    ///     EngineOptions::default().evaluator(Evaluator::Cedar),
    /// );
    /// assert_eq!(compiled.decide_json(request)?, cedar.decide_json(request)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_options(bundle: Bundle, options: EngineOptions) -> Engine {
        let pipeline = Pipeline::new(&bundle, options);
        Engine { bundle, pipeline }
    }

    /// The options it decides with.
    ///
    /// ```
    /// use pdao::{Engine, Evaluator};
    ///
    /// let engine = Engine::embedded()?;
    /// assert_eq!(engine.options().evaluator, Evaluator::Compiled);
    /// # Ok::<(), pdao::BundleError>(())
    /// ```
    pub fn options(&self) -> EngineOptions {
        self.pipeline.options()
    }

    /// Prepares every chain, epoch and action now rather than on first use,
    /// for callers that want no first-request latency. Decisions are the
    /// same either way.
    ///
    /// ```
    /// let request = r#"{"jurisdiction": "zhoushan", "date": "2024-05-01", "action": "apply"}"#;
    /// let lazy = pdao::Engine::embedded()?;
    /// let eager = pdao::Engine::embedded()?;
    /// eager.prepare_all();
    /// assert_eq!(eager.decide_json(request)?, lazy.decide_json(request)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prepare_all(&self) {
        self.pipeline.prepare_all(&self.bundle);
    }

    /// The bundle it decides with.
    ///
    /// ```
    /// let engine = pdao::Engine::embedded()?;
    /// let decision = engine.decide_json(r#"{"jurisdiction": "national", "date": "2024-05-01", "action": "apply"}"#)?;
    /// assert_eq!(decision.policy_version, engine.bundle().version());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bundle(&self) -> &Bundle {
        &self.bundle
    }

    /// Parses and validates a request against this bundle's vocabulary: a
    /// request that breaks the contract is an error naming the field.
    ///
    /// ```
    /// let engine = pdao::Engine::embedded()?;
    /// let request = engine.parse_request(
    ///     r#"{"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply",
    ///         "operator": {"mlps3_experience": true}}"#,
    /// )?;
    /// assert_eq!(request.jurisdiction(), "hangzhou");
    /// assert_eq!(request.fact("operator.mlps3_experience"), Some(&pdao::FactValue::Bool(true)));
    ///
    /// let err = engine
    ///     .parse_request(r#"{"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply",
    ///                        "operator": {"mlps3_experience": "yes"}}"#)
    ///     .unwrap_err();
    /// assert_eq!(err.code(), "wrong_type");
    /// assert_eq!(err.field(), Some("operator.mlps3_experience"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn parse_request(&self, json: &str) -> Result<Request, RequestError> {
        Request::from_json_str(json, &self.bundle.vocab)
    }

    /// Parses and decides a request given as JSON text.
    ///
    /// ```
    /// use pdao::{Engine, Verdict};
    ///
    /// let engine = Engine::embedded()?;
    /// // No regulation of the chain is in force before 2023-09-01.
    /// let decision = engine.decide_json(
    ///     r#"{"jurisdiction": "zhejiang", "date": "2020-01-01", "action": "apply"}"#,
    /// )?;
    /// assert_eq!(decision.decision, Verdict::Deny);
    /// assert_eq!(decision.reason_ids(), ["pdao.coverage"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn decide_json(&self, json: &str) -> Result<Decision, RequestError> {
        Ok(self.decide(&self.parse_request(json)?))
    }

    /// Decides a validated request. The same request and bundle give a
    /// byte-identical decision JSON.
    ///
    /// ```
    /// let engine = pdao::Engine::embedded()?;
    /// let request = engine.parse_request(
    ///     r#"{"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply"}"#,
    /// )?;
    /// let decision = engine.decide(&request);
    /// // Facts the rules need are missing, so it fails closed and says which.
    /// assert!(!decision.is_allow());
    /// assert!(decision.missing.contains(&"operator.mlps3_experience".to_string()));
    /// assert_eq!(decision.to_json_pretty(), engine.decide(&request).to_json_pretty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn decide(&self, request: &Request) -> Decision {
        self.pipeline.decide(&self.bundle, request)
    }

    /// Decides and reports every rule's outcome (for coverage and the
    /// authoring tools).
    ///
    /// ```
    /// use pdao::Effect;
    ///
    /// let engine = pdao::Engine::embedded()?;
    /// let request = engine.parse_request(
    ///     r#"{"jurisdiction": "zhejiang", "date": "2024-05-01", "action": "provide_to_third_party"}"#,
    /// )?;
    /// let evaluation = engine.evaluate(&request);
    /// let ban = evaluation
    ///     .outcomes
    ///     .iter()
    ///     .find(|o| o.rule == "zhejiang.conduct.no_third_party")
    ///     .unwrap();
    /// assert_eq!(ban.effect, Effect::Forbid);
    /// assert!(ban.decides && ban.applies);
    /// assert_eq!(evaluation.decision, engine.decide(&request));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate(&self, request: &Request) -> Evaluation {
        self.pipeline.evaluate(&self.bundle, request)
    }
}
