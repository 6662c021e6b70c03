//! The engine: a loaded bundle prepared for deciding.
//!
//! At load, each chain's dates are cut into *epochs* in which the same rules
//! are in force; for each epoch and action the engine prepares one Cedar
//! policy set of probes, the temporal definitions those rules read and the
//! facts they need. Deciding is then: evaluate the temporal definitions,
//! build the Cedar context, run Cedar once, and read each rule's outcome —
//! falling back to three-valued evaluation for rules that Cedar could not
//! evaluate because a fact was missing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, RestrictedExpression};
use chrono::NaiveDate;

use crate::dates::{add_days, format_date};
use crate::decision::{
    Decision, LayerReport, LayerStatus, Obligation, Overridden, Reason, ReasonEffect, Source,
    Verdict,
};
use crate::error::{BundleError, RequestError};
use crate::kleene::{self, truth, Tri};
use crate::layers::Layer;
use crate::load::Bundle;
use crate::request::{FactValue, Request};
use crate::rule::{Attaches, Effect, Rule};
use crate::temporal::{Definition, Outcome as TemporalOutcome, Truth};

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
    chains: HashMap<String, Chain>,
    authorizer: Authorizer,
    entities: Entities,
    principal: EntityUid,
    resource: EntityUid,
}

struct Chain {
    /// Layer indexes, highest first.
    layers: Vec<usize>,
    epochs: Vec<Epoch>,
}

struct Epoch {
    /// First day (None: from the beginning of time).
    start: Option<NaiveDate>,
    /// Rules in force in this epoch after overrides, in decision order.
    active: Vec<usize>,
    /// Per action, prepared on first use.
    actions: HashMap<String, OnceLock<Prepared>>,
    overridden: Vec<(usize, usize)>,
    /// Rules in force per layer of the chain (same order as `Chain::layers`).
    in_force_per_layer: Vec<usize>,
}

struct Prepared {
    set: PolicySet,
    action: EntityUid,
    /// Rules evaluated, in decision order (layer highest first, then id).
    rules: Vec<usize>,
    /// Temporal definitions needed, by bundle index.
    definitions: Vec<usize>,
    /// Facts the rules read, grouped by object: (object, [(fact, path)]).
    layout: Vec<(String, Vec<(String, String)>)>,
    reads_materials: bool,
    /// Why the probes could not all be added, if so: every decision with
    /// this set is then an evaluation error.
    broken: Option<String>,
}

/// How one rule came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RuleState {
    NotApplicable,
    Satisfied,
    Cleared,
    NotAttached,
    Unmet(BTreeSet<String>),
    Fired(BTreeSet<String>),
    Attached,
    /// An obligation whose guard could not be decided.
    Undecided(BTreeSet<String>),
}

/// One rule's outcome on a request, for coverage and tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// Catalog id.
    pub rule: String,
    /// Its effect.
    pub effect: Effect,
    /// Whether the rule decided (unmet, fired, attached) — else it was
    /// checked and held (satisfied, cleared, not attached).
    pub decides: bool,
    /// Whether it applied at all (a requirement's guard held).
    pub applies: bool,
}

/// The full evaluation behind a decision.
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// Every rule evaluated, with its outcome.
    pub outcomes: Vec<RuleOutcome>,
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
        let mut chains = HashMap::new();
        for layer in &bundle.layers {
            chains.insert(layer.id.clone(), prepare_chain(&bundle, &layer.id));
        }
        Engine {
            bundle,
            chains,
            authorizer: Authorizer::new(),
            entities: Entities::empty(),
            principal: uid("Operator", "operator"),
            resource: uid("Target", "request"),
        }
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
        for chain in self.chains.values() {
            for epoch in &chain.epochs {
                for (action, cell) in &epoch.actions {
                    cell.get_or_init(|| self.prepare(chain, epoch, action));
                }
            }
        }
    }

    fn prepare(&self, chain: &Chain, epoch: &Epoch, action: &str) -> Prepared {
        let rules: Vec<usize> = epoch
            .active
            .iter()
            .copied()
            .filter(|&r| {
                self.bundle
                    .rules
                    .get(r)
                    .is_some_and(|x| x.applies_to(action))
            })
            .collect();
        prepare_action(&self.bundle, &chain.layers, action, rules)
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
    pub fn decide(&self, request: &Request) -> Decision {
        self.evaluate(request).decision
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
        let Some(chain) = self.chains.get(request.jurisdiction()) else {
            return Evaluation {
                decision: self.failure(request, "the jurisdiction has no prepared chain"),
                outcomes: Vec::new(),
            };
        };
        let date = request.date();
        let epoch_index = chain
            .epochs
            .partition_point(|e| e.start.is_none_or(|s| s <= date))
            .saturating_sub(1);
        let Some(epoch) = chain.epochs.get(epoch_index) else {
            return Evaluation {
                decision: self.failure(request, "no epoch covers the date"),
                outcomes: Vec::new(),
            };
        };
        let empty = Prepared {
            set: PolicySet::new(),
            action: uid("Action", request.action()),
            rules: Vec::new(),
            definitions: Vec::new(),
            layout: Vec::new(),
            reads_materials: false,
            broken: None,
        };
        let prepared = epoch
            .actions
            .get(request.action())
            .map(|cell| cell.get_or_init(|| self.prepare(chain, epoch, request.action())))
            .unwrap_or(&empty);

        // Temporal definitions.
        // Decided without evidence; the definitions a decision cites are
        // explained afterwards (`EvalFacts::explained`).
        let definitions: Vec<&Definition> = prepared
            .definitions
            .iter()
            .filter_map(|&d| self.bundle.definitions.get(d))
            .collect();
        let outcomes: Vec<TemporalOutcome> =
            definitions.iter().map(|d| d.decide(request)).collect();
        let names: HashMap<&str, usize> = prepared
            .definitions
            .iter()
            .enumerate()
            .filter_map(|(i, &d)| {
                self.bundle
                    .definitions
                    .get(d)
                    .map(|def| (def.name.as_str(), i))
            })
            .collect();
        let facts = EvalFacts::new(request, &names, &definitions, &outcomes);

        // Cedar.
        let (fired, errored, cedar_failed) = match self.run_cedar(request, prepared, &facts) {
            Ok((fired, errored)) => (fired, errored, None),
            Err(message) => (Fired::default(), BTreeSet::new(), Some(message)),
        };

        // Rule outcomes.
        let mut results = Vec::with_capacity(prepared.rules.len());
        for &ri in &prepared.rules {
            let Some(rule) = self.bundle.rules.get(ri) else {
                continue;
            };
            let outcome = if cedar_failed.is_some() || errored.contains(&ri) {
                kleene_outcome(rule, &facts)
            } else {
                cedar_outcome(rule, ri, &fired)
            };
            results.push((ri, outcome));
        }

        let mut decision = self.assemble(request, chain, epoch, &results, &facts);
        if let Some(message) = cedar_failed {
            decision.decision = Verdict::Deny;
            decision.reasons.push(engine_reason(request, &message));
        }
        let allowed = decision.is_allow();
        let outcomes = results
            .iter()
            .filter_map(|(ri, o)| {
                let rule = self.bundle.rules.get(*ri)?;
                // An allow-only obligation on a denied request was checked and held back.
                let withheld = matches!(o, RuleState::Attached)
                    && rule.attaches == Attaches::OnAllow
                    && !allowed;
                Some(RuleOutcome {
                    rule: rule.id.clone(),
                    effect: rule.effect,
                    decides: !withheld
                        && matches!(
                            o,
                            RuleState::Unmet(_)
                                | RuleState::Fired(_)
                                | RuleState::Attached
                                | RuleState::Undecided(_)
                        ),
                    applies: !matches!(o, RuleState::NotApplicable),
                })
            })
            .collect();
        Evaluation { decision, outcomes }
    }

    fn run_cedar(
        &self,
        request: &Request,
        prepared: &Prepared,
        facts: &EvalFacts,
    ) -> Result<(Fired, BTreeSet<usize>), String> {
        if let Some(message) = &prepared.broken {
            return Err(message.clone());
        }
        if prepared.set.is_empty() {
            return Ok((Fired::default(), BTreeSet::new()));
        }
        let context =
            build_context(request, prepared, facts).map_err(|e| format!("context: {e}"))?;
        let cedar_request = cedar_policy::Request::new(
            self.principal.clone(),
            prepared.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .map_err(|e| format!("request: {e}"))?;
        let response = self
            .authorizer
            .is_authorized(&cedar_request, &prepared.set, &self.entities);
        let rule_of = |id: &cedar_policy::PolicyId| {
            id.to_string()
                .get(1..)
                .and_then(|n| n.parse::<usize>().ok())
        };
        let mut fired = Fired::default();
        for id in response.diagnostics().reason() {
            if let Some(index) = rule_of(id) {
                if id.to_string().starts_with('a') {
                    fired.applies.insert(index);
                } else {
                    fired.decides.insert(index);
                }
            }
        }
        let errored: BTreeSet<usize> = response
            .diagnostics()
            .errors()
            .filter_map(|e| match e {
                cedar_policy::AuthorizationError::PolicyEvaluationError(e) => {
                    rule_of(e.policy_id())
                }
            })
            .collect();
        Ok((fired, errored))
    }

    fn assemble(
        &self,
        request: &Request,
        chain: &Chain,
        epoch: &Epoch,
        results: &[(usize, RuleState)],
        facts: &EvalFacts,
    ) -> Decision {
        let rules = &self.bundle.rules;
        let mut reasons = Vec::new();
        let mut satisfied = Vec::new();
        let mut cleared = Vec::new();
        let mut missing = BTreeSet::new();
        let mut attached = Vec::new();
        for (ri, outcome) in results {
            let Some(rule) = rules.get(*ri) else { continue };
            match outcome {
                RuleState::Satisfied => satisfied.push(rule.id.clone()),
                RuleState::Cleared => cleared.push(rule.id.clone()),
                RuleState::NotApplicable | RuleState::NotAttached => {}
                RuleState::Attached => attached.push(rule),
                RuleState::Unmet(needed)
                | RuleState::Fired(needed)
                | RuleState::Undecided(needed) => {
                    missing.extend(needed.iter().cloned());
                    reasons.push(self.reason(rule, outcome, needed, facts));
                }
            }
        }
        let covered = self.covered(request, chain);
        if let Some(reason) = covered {
            reasons.insert(0, reason);
        }
        let verdict = if reasons.is_empty() {
            Verdict::Allow
        } else {
            Verdict::Deny
        };
        let mut obligations = Vec::new();
        for rule in attached {
            if rule.attaches == Attaches::OnAllow && verdict != Verdict::Allow {
                continue;
            }
            obligations.extend(self.obligations_of(rule, facts, &mut missing));
        }
        let overridden = epoch
            .overridden
            .iter()
            .filter_map(|(r, by)| {
                let rule = rules.get(*r)?;
                rule.applies_to(request.action()).then(|| Overridden {
                    rule: rule.id.clone(),
                    by: rules.get(*by).map(|b| b.id.clone()).unwrap_or_default(),
                    layer: rule.layer.clone(),
                })
            })
            .collect();
        Decision {
            decision: if missing.is_empty() {
                verdict
            } else {
                Verdict::Deny
            },
            jurisdiction: request.jurisdiction().to_string(),
            date: format_date(request.date()),
            action: request.action().to_string(),
            layers: chain
                .layers
                .iter()
                .filter_map(|&l| self.bundle.layers.get(l).map(|l| l.id.clone()))
                .collect(),
            reasons,
            satisfied,
            overridden,
            obligations,
            missing: missing.into_iter().collect(),
            policy_version: self.bundle.version.clone(),
            cleared,
            layer_report: self.layer_report(request.date(), chain, epoch),
        }
    }

    fn source(&self, rule: &Rule) -> Source {
        let doc = self
            .bundle
            .layer(&rule.layer)
            .and_then(|l| l.document(&rule.document));
        Source {
            document: doc.map(|d| d.citation().to_string()).unwrap_or_default(),
            title: doc.map(|d| d.title.clone()).unwrap_or_default(),
            article: rule.article.clone(),
            quote: rule.quote.clone(),
            outside_seeds: rule.outside_seeds.clone(),
        }
    }

    fn reason(
        &self,
        rule: &Rule,
        outcome: &RuleState,
        needed: &BTreeSet<String>,
        facts: &EvalFacts,
    ) -> Reason {
        let what = match outcome {
            RuleState::Unmet(_) if needed.is_empty() => "requirement not met",
            RuleState::Unmet(_) => "requirement cannot be shown to hold",
            RuleState::Fired(_) if needed.is_empty() => "prohibition applies",
            RuleState::Fired(_) => "prohibition cannot be ruled out",
            _ => "obligation cannot be determined",
        };
        let mut explanation = format!("{what}: {}", describe_reads(rule, facts));
        if !needed.is_empty() {
            explanation.push_str(&format!(
                " — missing {}",
                needed
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Reason {
            rule: rule.id.clone(),
            effect: rule.effect.into(),
            layer: rule.layer.clone(),
            source: self.source(rule),
            explanation,
            missing: needed.iter().cloned().collect(),
        }
    }

    fn obligations_of(
        &self,
        rule: &Rule,
        facts: &EvalFacts,
        missing: &mut BTreeSet<String>,
    ) -> Vec<Obligation> {
        let description = rule.obligation.clone().unwrap_or_default();
        let make = |due: Option<NaiveDate>, explanation: String| Obligation {
            rule: rule.id.clone(),
            layer: rule.layer.clone(),
            description: description.clone(),
            due: due.map(format_date),
            source: self.source(rule),
            explanation,
        };
        if let Some(each) = &rule.each {
            if let Some(outcome) = facts.explained(each) {
                return outcome
                    .instances
                    .iter()
                    .map(|i| make(i.due, i.evidence.clone()))
                    .collect();
            }
        }
        let mut explanation = describe_reads(rule, facts);
        let due = match &rule.due {
            Some(name) => match facts.explained(name) {
                Some(o) if o.due.is_some() => {
                    explanation = join(&explanation, &format!("due {}", o.evidence));
                    o.due
                }
                Some(o) => {
                    missing.extend(o.needed.iter().cloned());
                    None
                }
                None => None,
            },
            None => None,
        };
        if explanation.is_empty() {
            explanation = format!("attaches to every `{}`", facts.request.action());
        }
        vec![make(due, explanation)]
    }

    fn covered(&self, request: &Request, chain: &Chain) -> Option<Reason> {
        let date = request.date();
        let jurisdiction = request.jurisdiction();
        let candidates: Vec<(&Layer, &crate::layers::Document)> = chain
            .layers
            .iter()
            .filter_map(|&l| self.bundle.layers.get(l))
            .flat_map(|l| l.documents.iter().map(move |d| (l, d)))
            .filter(|(l, d)| d.covers_chain || l.id == jurisdiction)
            .collect();
        if candidates.iter().any(|(_, d)| d.in_force_on(date)) {
            return None;
        }
        let explanation = if candidates.is_empty() {
            format!(
                "no regulation covers `{jurisdiction}`: no document of its chain ({}) regulates it",
                chain
                    .layers
                    .iter()
                    .filter_map(|&l| self.bundle.layers.get(l).map(|l| l.id.as_str()))
                    .collect::<Vec<_>>()
                    .join(" → ")
            )
        } else {
            let parts: Vec<String> = candidates
                .iter()
                .map(|(_, d)| {
                    let state = if date < d.in_force_from {
                        format!(
                            "is not yet in force on {}: it is in force from {}",
                            format_date(date),
                            format_date(d.in_force_from)
                        )
                    } else {
                        format!(
                            "expired on {} (its last day in force); it was {}",
                            d.in_force_until.map(format_date).unwrap_or_default(),
                            d.window()
                        )
                    };
                    format!("{} 《{}》 {state}", d.citation(), d.title)
                })
                .collect();
            format!(
                "no regulation of the `{jurisdiction}` chain is in force on {}: {}",
                format_date(date),
                parts.join("; ")
            )
        };
        let own = candidates
            .iter()
            .find(|(l, _)| l.id == jurisdiction)
            .or(candidates.first());
        Some(Reason {
            rule: "pdao.coverage".into(),
            effect: ReasonEffect::Coverage,
            layer: jurisdiction.to_string(),
            source: Source {
                document: own
                    .map(|(_, d)| d.citation().to_string())
                    .unwrap_or_default(),
                title: own.map(|(_, d)| d.title.clone()).unwrap_or_default(),
                article: String::new(),
                quote: String::new(),
                outside_seeds: None,
            },
            explanation,
            missing: Vec::new(),
        })
    }

    fn layer_report(&self, date: NaiveDate, chain: &Chain, epoch: &Epoch) -> Vec<LayerReport> {
        chain
            .layers
            .iter()
            .zip(&epoch.in_force_per_layer)
            .filter_map(|(&l, &count)| {
                let layer = self.bundle.layers.get(l)?;
                let in_force: Vec<&crate::layers::Document> = layer
                    .documents
                    .iter()
                    .filter(|d| d.in_force_on(date))
                    .collect();
                let (status, note) = if layer.documents.is_empty() {
                    (
                        LayerStatus::Empty,
                        format!(
                            "layer `{}` has no documents: consulted, nothing applies",
                            layer.id
                        ),
                    )
                } else if in_force.is_empty() {
                    (
                        LayerStatus::NotInForce,
                        format!(
                            "layer `{}` is empty on {} (no document in force): {}",
                            layer.id,
                            format_date(date),
                            layer
                                .documents
                                .iter()
                                .map(|d| format!("{} {}", d.citation(), d.window()))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    )
                } else {
                    (
                        LayerStatus::InForce,
                        format!(
                            "in force: {}",
                            in_force
                                .iter()
                                .map(|d| format!("{} ({})", d.citation(), d.window()))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    )
                };
                Some(LayerReport {
                    layer: layer.id.clone(),
                    status,
                    documents: in_force.iter().map(|d| d.id.clone()).collect(),
                    rules_in_force: count,
                    note,
                })
            })
            .collect()
    }

    fn failure(&self, request: &Request, message: &str) -> Decision {
        Decision {
            decision: Verdict::Deny,
            jurisdiction: request.jurisdiction().to_string(),
            date: format_date(request.date()),
            action: request.action().to_string(),
            layers: Vec::new(),
            reasons: vec![engine_reason(request, message)],
            satisfied: Vec::new(),
            overridden: Vec::new(),
            obligations: Vec::new(),
            missing: Vec::new(),
            policy_version: self.bundle.version.clone(),
            cleared: Vec::new(),
            layer_report: Vec::new(),
        }
    }
}

fn engine_reason(request: &Request, message: &str) -> Reason {
    Reason {
        rule: "pdao.evaluation_error".into(),
        effect: ReasonEffect::Error,
        layer: request.jurisdiction().to_string(),
        source: Source {
            document: String::new(),
            title: String::new(),
            article: String::new(),
            quote: String::new(),
            outside_seeds: None,
        },
        explanation: format!("evaluation failed, so the request is denied: {message}"),
        missing: Vec::new(),
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}; {b}"),
    }
}

struct EvalFacts<'a> {
    request: &'a Request,
    names: &'a HashMap<&'a str, usize>,
    definitions: &'a [&'a Definition],
    /// Decided without evidence.
    outcomes: &'a [TemporalOutcome],
    /// Evaluated again with evidence, when an explanation cites them.
    explained: Vec<OnceLock<TemporalOutcome>>,
}

impl<'a> EvalFacts<'a> {
    fn new(
        request: &'a Request,
        names: &'a HashMap<&'a str, usize>,
        definitions: &'a [&'a Definition],
        outcomes: &'a [TemporalOutcome],
    ) -> Self {
        EvalFacts {
            request,
            names,
            definitions,
            outcomes,
            explained: outcomes.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// A definition's outcome, without evidence.
    fn outcome(&self, name: &str) -> Option<&TemporalOutcome> {
        self.names.get(name).and_then(|&i| self.outcomes.get(i))
    }

    /// A definition's outcome with its evidence, evaluated on first use.
    fn explained(&self, name: &str) -> Option<&TemporalOutcome> {
        let &i = self.names.get(name)?;
        let definition = self.definitions.get(i)?;
        let cell = self.explained.get(i)?;
        Some(cell.get_or_init(|| definition.evaluate(self.request)))
    }
}

impl kleene::Facts for EvalFacts<'_> {
    fn request(&self) -> &Request {
        self.request
    }
    fn temporal(&self, name: &str) -> (Truth, BTreeSet<String>) {
        match self.outcome(name) {
            Some(o) => (o.truth, o.needed.clone()),
            None => (Truth::Unknown, BTreeSet::new()),
        }
    }
}

/// "operator.mlps3_experience = false; security_incident on … lies within …".
fn describe_reads(rule: &Rule, facts: &EvalFacts) -> String {
    let mut parts = Vec::new();
    for read in &rule.reads {
        if let Some(name) = read.strip_prefix("temporal.") {
            match facts.explained(name) {
                Some(o) => parts.push(o.evidence.clone()),
                None => parts.push(format!("`{name}` was not evaluated")),
            }
        } else if read == "materials" {
            match facts.request.materials() {
                Some(items) => parts.push(format!("materials = [{}]", items.join(", "))),
                None => parts.push("materials not given".into()),
            }
        } else {
            match facts.request.fact(read) {
                Some(v) => parts.push(format!("{read} = {}", v.render())),
                None => parts.push(format!("{read} not given")),
            }
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("; ")
}

/// Probes Cedar found true: rules that decide, requirements that apply.
#[derive(Default)]
struct Fired {
    decides: BTreeSet<usize>,
    applies: BTreeSet<usize>,
}

fn cedar_outcome(rule: &Rule, ri: usize, fired: &Fired) -> RuleState {
    let decides = fired.decides.contains(&ri);
    match rule.effect {
        Effect::Requirement => {
            let applies = rule.applies_probe.is_none() || fired.applies.contains(&ri);
            if !applies {
                RuleState::NotApplicable
            } else if decides {
                RuleState::Unmet(BTreeSet::new())
            } else {
                RuleState::Satisfied
            }
        }
        Effect::Forbid => {
            if decides {
                RuleState::Fired(BTreeSet::new())
            } else {
                RuleState::Cleared
            }
        }
        Effect::Obligation => {
            if decides {
                RuleState::Attached
            } else {
                RuleState::NotAttached
            }
        }
    }
}

/// Three-valued outcome: the guard (Kleene AND of the `when` clauses), then
/// the requirement's condition. Unknown fails closed.
fn kleene_outcome(rule: &Rule, facts: &EvalFacts) -> RuleState {
    let mut guard = Tri::T;
    for clause in &rule.guard {
        guard = match (guard, truth(clause.eval(facts))) {
            (Tri::F, _) | (_, Tri::F) => Tri::F,
            (Tri::T, Tri::T) => Tri::T,
            (Tri::U(mut a), Tri::U(b)) => {
                a.extend(b);
                Tri::U(a)
            }
            (Tri::U(a), Tri::T) | (Tri::T, Tri::U(a)) => Tri::U(a),
        };
    }
    match (rule.effect, guard) {
        (Effect::Requirement, Tri::F) => RuleState::NotApplicable,
        (Effect::Requirement, Tri::U(n)) => RuleState::Unmet(n),
        (Effect::Requirement, Tri::T) => {
            match rule.condition.as_ref().map(|c| truth(c.eval(facts))) {
                Some(Tri::T) => RuleState::Satisfied,
                Some(Tri::F) => RuleState::Unmet(BTreeSet::new()),
                Some(Tri::U(n)) => RuleState::Unmet(n),
                None => RuleState::Unmet(BTreeSet::new()),
            }
        }
        (Effect::Forbid, Tri::F) => RuleState::Cleared,
        (Effect::Forbid, Tri::T) => RuleState::Fired(BTreeSet::new()),
        (Effect::Forbid, Tri::U(n)) => RuleState::Fired(n),
        (Effect::Obligation, Tri::F) => RuleState::NotAttached,
        (Effect::Obligation, Tri::T) => RuleState::Attached,
        (Effect::Obligation, Tri::U(n)) => RuleState::Undecided(n),
    }
}

#[expect(
    clippy::expect_used,
    reason = "called only with the literal type names `Operator`, `Target` and `Action`"
)]
fn uid(ty: &str, id: &str) -> EntityUid {
    use std::str::FromStr;
    let type_name = cedar_policy::EntityTypeName::from_str(ty).expect("a literal Cedar type name");
    EntityUid::from_type_name_and_id(type_name, cedar_policy::EntityId::new(id))
}

fn build_context(
    request: &Request,
    prepared: &Prepared,
    facts: &EvalFacts,
) -> Result<Context, String> {
    let mut pairs: Vec<(String, RestrictedExpression)> =
        Vec::with_capacity(prepared.layout.len() + 2);
    for (object, fields) in &prepared.layout {
        if object == "temporal" {
            let mut record = Vec::with_capacity(fields.len());
            for (name, _) in fields {
                if let Some(o) = facts.outcome(name) {
                    match o.truth {
                        Truth::True => {
                            record.push((name.clone(), RestrictedExpression::new_bool(true)))
                        }
                        Truth::False => {
                            record.push((name.clone(), RestrictedExpression::new_bool(false)))
                        }
                        Truth::Unknown => {}
                    }
                }
            }
            pairs.push((
                object.clone(),
                RestrictedExpression::new_record(record).map_err(|e| e.to_string())?,
            ));
            continue;
        }
        let mut record = Vec::with_capacity(fields.len());
        for (name, path) in fields {
            if let Some(value) = request.fact(path) {
                record.push((name.clone(), restricted(value)));
            }
        }
        if !record.is_empty() {
            pairs.push((
                object.clone(),
                RestrictedExpression::new_record(record).map_err(|e| e.to_string())?,
            ));
        }
    }
    if prepared.reads_materials {
        if let Some(items) = request.materials() {
            pairs.push((
                "materials".into(),
                RestrictedExpression::new_set(
                    items
                        .iter()
                        .map(|s| RestrictedExpression::new_string(s.clone())),
                ),
            ));
        }
    }
    Context::from_pairs(pairs).map_err(|e| e.to_string())
}

fn restricted(value: &FactValue) -> RestrictedExpression {
    match value {
        FactValue::Bool(b) => RestrictedExpression::new_bool(*b),
        FactValue::Int(i) => RestrictedExpression::new_long(*i),
        FactValue::Str(s) => RestrictedExpression::new_string(s.clone()),
        FactValue::Date(d) => RestrictedExpression::new_string(format_date(*d)),
        FactValue::List(items) => RestrictedExpression::new_set(
            items
                .iter()
                .map(|s| RestrictedExpression::new_string(s.clone())),
        ),
    }
}

fn prepare_chain(bundle: &Bundle, jurisdiction: &str) -> Chain {
    let layers = bundle.chain(jurisdiction).to_vec();
    let in_chain = |layer: &str| {
        layers
            .iter()
            .any(|&l| bundle.layers.get(l).is_some_and(|x| x.id == layer))
    };
    // Epoch boundaries: every date on which something starts or stops.
    let mut starts: BTreeSet<NaiveDate> = BTreeSet::new();
    for &l in &layers {
        if let Some(layer) = bundle.layers.get(l) {
            for d in &layer.documents {
                starts.insert(d.in_force_from);
                if let Some(until) = d.in_force_until {
                    starts.insert(add_days(until, 1));
                }
            }
        }
    }
    for rule in bundle.rules.iter().filter(|r| in_chain(&r.layer)) {
        if let Some(from) = rule.in_force_from {
            starts.insert(from);
        }
        if let Some(until) = rule.in_force_until {
            starts.insert(add_days(until, 1));
        }
    }
    let mut epochs = Vec::new();
    let first = starts.iter().next().map(|d| add_days(*d, -1));
    epochs.push(prepare_epoch(bundle, &layers, None, first));
    for start in starts {
        epochs.push(prepare_epoch(bundle, &layers, Some(start), Some(start)));
    }
    Chain { layers, epochs }
}

fn prepare_epoch(
    bundle: &Bundle,
    layers: &[usize],
    start: Option<NaiveDate>,
    probe: Option<NaiveDate>,
) -> Epoch {
    let position = |layer: &str| {
        layers
            .iter()
            .position(|&l| bundle.layers.get(l).is_some_and(|x| x.id == layer))
    };
    let in_force = |rule: &Rule| -> bool {
        let Some(date) = probe else { return false };
        let doc_ok = bundle
            .layer(&rule.layer)
            .and_then(|l| l.document(&rule.document))
            .is_some_and(|d| d.in_force_on(date));
        doc_ok && rule.window_includes(date)
    };
    let mut active: Vec<usize> = bundle
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| position(&r.layer).is_some() && in_force(r))
        .map(|(i, _)| i)
        .collect();
    // Overrides: a higher rule in force removes the named lower rule.
    let mut overridden = Vec::new();
    for &by in &active.clone() {
        let Some(rule) = bundle.rules.get(by) else {
            continue;
        };
        let Some(target) = &rule.overrides else {
            continue;
        };
        let by_pos = position(&rule.layer);
        for &victim in &active {
            let Some(v) = bundle.rules.get(victim) else {
                continue;
            };
            if &v.id == target && position(&v.layer) > by_pos {
                overridden.push((victim, by));
            }
        }
    }
    active.retain(|r| !overridden.iter().any(|(v, _)| v == r));
    active.sort_by_key(|&r| {
        let rule = bundle.rules.get(r);
        (
            rule.and_then(|x| position(&x.layer)),
            rule.map(|x| x.id.clone()),
        )
    });
    let in_force_per_layer = layers
        .iter()
        .map(|&l| {
            let id = bundle
                .layers
                .get(l)
                .map(|x| x.id.as_str())
                .unwrap_or_default();
            active
                .iter()
                .filter(|&&r| bundle.rules.get(r).is_some_and(|x| x.layer == id))
                .count()
        })
        .collect();
    let actions = bundle
        .vocab
        .actions()
        .iter()
        .map(|action| (action.clone(), OnceLock::new()))
        .collect();
    Epoch {
        start,
        active,
        actions,
        overridden,
        in_force_per_layer,
    }
}

fn prepare_action(bundle: &Bundle, layers: &[usize], action: &str, rules: Vec<usize>) -> Prepared {
    let mut set = PolicySet::new();
    let mut reads: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut temporal: BTreeSet<String> = BTreeSet::new();
    let mut reads_materials = false;
    let mut broken = None;
    for &ri in &rules {
        let Some(rule) = bundle.rules.get(ri) else {
            continue;
        };
        // A probe missing from the set would read as "held" (fail open):
        // the loader refuses a bundle whose probes cannot join a set, and
        // should one fail here all the same, every decision with this set
        // is an evaluation error (deny).
        let decides = rule
            .decides_probe
            .new_id(cedar_policy::PolicyId::new(format!("d{ri}")));
        let mut added = set.add(decides);
        if let (Ok(()), Some(applies)) = (&added, &rule.applies_probe) {
            added = set.add(applies.new_id(cedar_policy::PolicyId::new(format!("a{ri}"))));
        }
        if let Err(e) = added {
            broken.get_or_insert_with(|| {
                format!("the probes of `{}` cannot be evaluated: {e}", rule.id)
            });
        }
        for read in &rule.reads {
            match read.split_once('.') {
                Some(("temporal", name)) => {
                    temporal.insert(name.to_string());
                }
                Some((object, fact)) => {
                    reads
                        .entry(object.to_string())
                        .or_default()
                        .insert(fact.to_string());
                }
                None if read == "materials" => reads_materials = true,
                None => {}
            }
        }
        temporal.extend(rule.due.iter().cloned());
        temporal.extend(rule.each.iter().cloned());
    }
    // The definitions of those names visible from this chain.
    let definitions: Vec<usize> = temporal
        .iter()
        .filter_map(|name| {
            bundle.definitions.iter().enumerate().position(|(i, d)| {
                &d.name == name
                    && bundle
                        .definition_layer
                        .get(i)
                        .is_some_and(|l| layers.contains(l))
            })
        })
        .collect();
    let mut layout: Vec<(String, Vec<(String, String)>)> = reads
        .into_iter()
        .map(|(object, facts)| {
            let fields = facts
                .into_iter()
                .map(|f| (f.clone(), format!("{object}.{f}")))
                .collect();
            (object, fields)
        })
        .collect();
    if !temporal.is_empty() {
        layout.push((
            "temporal".into(),
            temporal.iter().map(|n| (n.clone(), n.clone())).collect(),
        ));
    }
    Prepared {
        set,
        action: uid("Action", action),
        rules,
        definitions,
        layout,
        reads_materials,
        broken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chain and epoch a request is decided in.
    fn chain_and_epoch<'e>(engine: &'e Engine, request: &Request) -> (&'e Chain, &'e Epoch) {
        let chain = &engine.chains[request.jurisdiction()];
        let epoch_index = chain
            .epochs
            .partition_point(|e| e.start.is_none_or(|s| s <= request.date()))
            .saturating_sub(1);
        (chain, &chain.epochs[epoch_index])
    }

    /// Every case request and each of its one-boolean-flipped variants.
    fn requests(engine: &Engine) -> Vec<Request> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
        let mut out = Vec::new();
        for path in crate::cases::find_case_files(&root).unwrap() {
            let Ok(case) = crate::cases::Case::from_file(&path) else {
                continue;
            };
            let Ok(request) = engine.parse_request(&case.request.to_string()) else {
                continue;
            };
            for (path, value) in request.facts() {
                if let FactValue::Bool(b) = value {
                    out.push(request.with_fact(path, Some(FactValue::Bool(!b))));
                }
            }
            out.push(request);
        }
        out
    }

    /// Where Cedar decides a rule without error, the three-valued fallback
    /// must reach the same outcome: it may only differ where facts are missing.
    #[test]
    fn kleene_fallback_agrees_with_cedar_wherever_cedar_decides() {
        let engine = Engine::embedded().unwrap();
        let requests = requests(&engine);
        assert!(requests.len() > 1000, "only {} requests", requests.len());
        let mut compared = 0;
        for request in &requests {
            let (chain, epoch) = chain_and_epoch(&engine, request);
            let prepared = epoch.actions[request.action()]
                .get_or_init(|| engine.prepare(chain, epoch, request.action()));
            let definitions: Vec<&Definition> = prepared
                .definitions
                .iter()
                .map(|&d| &engine.bundle.definitions[d])
                .collect();
            let outcomes: Vec<TemporalOutcome> =
                definitions.iter().map(|d| d.decide(request)).collect();
            let names: HashMap<&str, usize> = prepared
                .definitions
                .iter()
                .enumerate()
                .map(|(i, &d)| (engine.bundle.definitions[d].name.as_str(), i))
                .collect();
            let facts = EvalFacts::new(request, &names, &definitions, &outcomes);
            let (fired, errored) = engine.run_cedar(request, prepared, &facts).unwrap();
            for &ri in &prepared.rules {
                if errored.contains(&ri) {
                    continue;
                }
                let rule = &engine.bundle.rules[ri];
                assert_eq!(
                    cedar_outcome(rule, ri, &fired),
                    kleene_outcome(rule, &facts),
                    "{} on {}",
                    rule.id,
                    request.to_json()
                );
                compared += 1;
            }
        }
        assert!(
            compared > 10_000,
            "only {compared} rule evaluations compared"
        );
    }

    /// A probe that could not join its policy set would read as "held":
    /// instead every decision with that set is an evaluation error, a deny.
    #[test]
    fn probes_that_cannot_join_their_set_make_the_decision_an_evaluation_error() {
        let engine = Engine::embedded().unwrap();
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../examples/hangzhou-apply.json"),
        )
        .unwrap();
        let request = engine.parse_request(&text).unwrap();
        assert!(engine.decide(&request).is_allow());

        // A fresh engine, whose set for this request is built here with one
        // rule twice: the second copy's probe ids are taken.
        let engine = Engine::embedded().unwrap();
        let (chain, epoch) = chain_and_epoch(&engine, &request);
        let mut rules = engine.prepare(chain, epoch, request.action()).rules;
        assert!(!rules.is_empty());
        rules.push(rules[0]);
        let broken = prepare_action(&engine.bundle, &chain.layers, request.action(), rules);
        assert!(broken.broken.is_some());
        assert!(epoch.actions[request.action()].set(broken).is_ok());

        let decision = engine.decide(&request);
        assert_eq!(decision.decision, Verdict::Deny);
        let reason = decision
            .reasons
            .iter()
            .find(|r| r.rule == "pdao.evaluation_error")
            .unwrap_or_else(|| panic!("{}", decision.to_json_pretty()));
        assert_eq!(reason.effect, ReasonEffect::Error);
        assert!(
            reason.explanation.contains("cannot be evaluated"),
            "{}",
            reason.explanation
        );
    }

    #[test]
    fn a_missing_fact_that_cannot_change_the_outcome_is_not_reported() {
        let engine = Engine::embedded().unwrap();
        // desensitize_or_consent: `desensitized || consent != none` holds once
        // desensitized is true, so consent is not needed by that rule.
        let d = engine
            .decide_json(
                r#"{"jurisdiction": "zhejiang", "date": "2024-05-01", "action": "request_data",
                    "data": {"personal_info": false, "trade_secret": true, "desensitized": true,
                             "consent": "specific", "irs_status": "submitted", "province_returned": false,
                             "in_scenario": true, "minimum_necessary": true, "open_class": "open"}}"#,
            )
            .unwrap();
        assert!(d
            .satisfied
            .contains(&"zhejiang.request.desensitize_or_consent".to_string()));
        // Same with the guard's left operand unknown: `? || true` is true.
        let d = engine
            .decide_json(
                r#"{"jurisdiction": "zhejiang", "date": "2024-05-01", "action": "request_data",
                    "data": {"trade_secret": true, "desensitized": true, "consent": "specific",
                             "irs_status": "submitted", "province_returned": false,
                             "in_scenario": true, "minimum_necessary": true, "open_class": "open"}}"#,
            )
            .unwrap();
        assert!(
            d.satisfied
                .contains(&"zhejiang.request.desensitize_or_consent".to_string()),
            "{}",
            d.to_json_pretty()
        );
        assert!(!d
            .reason_ids()
            .contains(&"zhejiang.request.desensitize_or_consent"));
    }
}
