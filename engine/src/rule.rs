//! One catalog rule as loaded from a Cedar policy: its citation, its effect,
//! the actions it applies to, and the *probes* — Cedar policies the engine
//! evaluates to learn whether the rule applies and whether it holds.
//!
//! Every probe is a `forbid`, so that Cedar's authorizer reports each probe
//! whose condition is true in `reason()`, whatever else fires, and each
//! probe that erred in `errors()`.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde_json::Value;

use crate::condition::{Cond, Read};
use crate::dates::parse_date;

/// What a rule does when it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    /// Must hold for the action to be allowed.
    Requirement,
    /// Denies when its condition holds.
    Forbid,
    /// Attaches a duty to the decision.
    Obligation,
}

impl Effect {
    /// The annotation value.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Requirement => "requirement",
            Effect::Forbid => "forbid",
            Effect::Obligation => "obligation",
        }
    }
}

/// When an obligation attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attaches {
    /// Whatever the decision.
    Always,
    /// Only when the decision is allow.
    OnAllow,
}

/// A loaded rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Catalog id.
    pub id: String,
    /// Layer it belongs to.
    pub layer: String,
    /// Its effect.
    pub effect: Effect,
    /// Document id (of its layer).
    pub document: String,
    /// Article in the document's numbering.
    pub article: String,
    /// Verbatim quote(s), spans separated by `\n`.
    pub quote: String,
    /// Reading note, if any.
    pub note: Option<String>,
    /// Source, for rules outside the seeds.
    pub outside_seeds: Option<String>,
    /// Obligation text.
    pub obligation: Option<String>,
    /// `due` definition naming the deadline.
    pub due: Option<String>,
    /// `each` definition giving one obligation per instance.
    pub each: Option<String>,
    /// When an obligation attaches.
    pub attaches: Attaches,
    /// Rule this one displaces.
    pub overrides: Option<String>,
    /// The rule's own window.
    pub in_force_from: Option<NaiveDate>,
    /// Last day of the rule's own window.
    pub in_force_until: Option<NaiveDate>,
    /// Actions it applies to; `None` = every action.
    pub actions: Option<Vec<String>>,
    /// File and 1-based line it came from.
    pub file: String,
    /// 1-based line of the policy.
    pub line: usize,
    /// The policy as written.
    pub policy: cedar_policy::Policy,
    /// Guard clauses (applicability), as read from the EST.
    pub(crate) guard: Vec<Cond>,
    /// The requirement's condition (the `unless` body), as read from the EST.
    pub(crate) condition: Option<Cond>,
    /// Probe: the rule decides (requirement unmet, forbid fires, obligation attaches).
    pub(crate) decides_probe: cedar_policy::Policy,
    /// Probe: the requirement applies (only for requirements with a guard).
    pub(crate) applies_probe: Option<cedar_policy::Policy>,
    /// What the rule reads from `context`, parsed once at load, in the
    /// order of the paths.
    pub(crate) reads: Vec<Read>,
    /// Whether the compiled evaluator decides it (see [`Rule::is_compiled`]).
    pub(crate) compiled: bool,
}

impl Rule {
    /// Whether the rule's own window includes `date` (documents aside).
    pub fn window_includes(&self, date: NaiveDate) -> bool {
        self.in_force_from.is_none_or(|from| from <= date)
            && self.in_force_until.is_none_or(|until| date <= until)
    }

    /// Whether it applies to `action`.
    pub fn applies_to(&self, action: &str) -> bool {
        self.actions
            .as_ref()
            .is_none_or(|actions| actions.iter().any(|a| a == action))
    }

    /// Temporal definitions the rule reads (`context.temporal.<name>`).
    pub fn temporal_reads(&self) -> impl Iterator<Item = &str> {
        self.reads.iter().filter_map(|r| match r {
            Read::Temporal(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Whether pdao's compiled evaluator decides the rule. When not, its
    /// policy uses a construct the evaluator does not support (or a
    /// principal or resource scope), and Cedar decides it: `pdao check`
    /// lists such rules.
    ///
    /// ```
    /// let bundle = pdao::Bundle::embedded()?;
    /// assert!(bundle.rules().iter().all(|rule| rule.is_compiled()));
    /// # Ok::<(), pdao::BundleError>(())
    /// ```
    pub fn is_compiled(&self) -> bool {
        self.compiled
    }

    /// Whether the rule has no condition at all: it decides on every request
    /// of its actions (e.g. the ban on providing data to third parties), so it
    /// has no "holding" side to test. (An allow-only obligation has one: it
    /// is held back when the decision is deny.)
    pub fn is_unconditional(&self) -> bool {
        self.guard.is_empty() && self.condition.is_none() && self.attaches == Attaches::Always
    }

    /// Facts (not temporal results) the rule reads.
    pub fn fact_reads(&self) -> impl Iterator<Item = &str> {
        self.reads.iter().filter_map(|r| match r {
            Read::Temporal(_) => None,
            Read::Materials => Some("materials"),
            Read::Fact(path) | Read::Other(path) => Some(path.as_str()),
        })
    }
}

/// Why a policy cannot be a rule: message plus the annotation or clause it is about.
pub(crate) struct ShapeError {
    pub message: String,
    pub near: Option<String>,
}

fn shape(message: impl Into<String>, near: Option<&str>) -> ShapeError {
    ShapeError {
        message: message.into(),
        near: near.map(str::to_string),
    }
}

/// Builds a rule from a parsed policy and its JSON form (EST). `probe_base`
/// makes probe ids unique.
pub(crate) fn compile_rule(
    policy: &cedar_policy::Policy,
    mut est: Value,
    layer: &str,
    file: &str,
    line: usize,
    probe_base: usize,
) -> Result<Rule, ShapeError> {
    // One pass over the annotations: `Policy::annotation(key)` parses `key`
    // as a Cedar identifier on every call, which dominated bundle loading.
    let annotations: HashMap<&str, &str> = policy.annotations().collect();
    let annotation = |key: &str| annotations.get(key).copied();
    let ann = |key: &str| annotation(key).map(str::to_string);
    let required = |key: &str| -> Result<String, ShapeError> {
        match annotation(key) {
            Some(v) if !v.trim().is_empty() => Ok(v.to_string()),
            Some(_) => Err(shape(
                format!("`@{key}` is empty"),
                Some(&format!("@{key}")),
            )),
            None => Err(shape(format!("policy has no `@{key}` annotation"), None)),
        }
    };
    let id = required("id")?;
    let prefix = format!("{layer}.");
    let parts: Vec<&str> = id.split('.').collect();
    if !id.starts_with(&prefix) || parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(shape(
            format!(
                "`@id(\"{id}\")` must have the form `{layer}.<area>.<name>` in layer `{layer}`"
            ),
            Some("@id"),
        ));
    }
    let effect_text = required("effect")?;
    let effect = match effect_text.as_str() {
        "requirement" => Effect::Requirement,
        "forbid" => Effect::Forbid,
        "obligation" => Effect::Obligation,
        other => {
            return Err(shape(
                format!("`@effect(\"{other}\")` must be requirement, forbid or obligation"),
                Some("@effect"),
            ))
        }
    };
    let document = required("document")?;
    let article = required("article")?;
    let quote = required("quote")?;
    let date_ann = |key: &str| -> Result<Option<NaiveDate>, ShapeError> {
        match annotation(key) {
            None => Ok(None),
            Some(text) => parse_date(text).map(Some).ok_or_else(|| {
                shape(
                    format!("`@{key}(\"{text}\")` is not a date YYYY-MM-DD"),
                    Some(&format!("@{key}")),
                )
            }),
        }
    };
    let in_force_from = date_ann("in_force_from")?;
    let in_force_until = date_ann("in_force_until")?;
    let attaches = match annotation("attaches") {
        None | Some("always") => Attaches::Always,
        Some("allow") => Attaches::OnAllow,
        Some(other) => {
            return Err(shape(
                format!("`@attaches(\"{other}\")` must be \"always\" or \"allow\""),
                Some("@attaches"),
            ))
        }
    };
    let obligation = ann("obligation");
    if effect == Effect::Obligation && obligation.is_none() {
        return Err(shape(
            "an obligation needs `@obligation(\"what must be done\")`",
            None,
        ));
    }
    for key in ["obligation", "due", "each", "attaches"] {
        if effect != Effect::Obligation && annotation(key).is_some() {
            return Err(shape(
                format!("`@{key}` is only for obligations"),
                Some(&format!("@{key}")),
            ));
        }
    }

    let cedar_effect = est.get("effect").and_then(Value::as_str).unwrap_or("");
    let expected = if effect == Effect::Obligation {
        "permit"
    } else {
        "forbid"
    };
    if cedar_effect != expected {
        return Err(shape(
            format!(
                "a{} {} is written as a Cedar `{expected}` policy, not `{cedar_effect}`",
                if effect == Effect::Obligation {
                    "n"
                } else {
                    ""
                },
                effect.as_str()
            ),
            Some(cedar_effect),
        ));
    }
    // Taken out of the EST, not cloned (the probes put them back).
    let conditions = match est.get_mut("conditions").map(Value::take) {
        Some(Value::Array(conditions)) => conditions,
        _ => Vec::new(),
    };
    let mut guard: Vec<&Value> = Vec::new();
    let mut unless: Vec<&Value> = Vec::new();
    for condition in &conditions {
        let body = condition.get("body").unwrap_or(&Value::Null);
        match condition.get("kind").and_then(Value::as_str) {
            Some("when") => guard.push(body),
            _ => unless.push(body),
        }
    }
    let condition = match (effect, unless.as_slice()) {
        (Effect::Requirement, [one]) => Some(Cond::from_est(one)),
        (Effect::Requirement, _) => {
            return Err(shape(
                "a requirement has exactly one `unless { … }` clause: what must hold",
                Some("forbid"),
            ))
        }
        (_, []) => None,
        (_, _) => {
            return Err(shape(
                format!(
                    "a{} {} takes only `when` clauses",
                    if effect == Effect::Obligation {
                        "n"
                    } else {
                        ""
                    },
                    effect.as_str()
                ),
                Some("unless"),
            ))
        }
    };
    let actions = scope_actions(est.get("action")).map_err(|m| shape(m, Some("action")))?;

    // Requirements and forbids are written as Cedar forbids already: the
    // policy itself is the probe. Only obligations (permits) are rebuilt.
    let decides_probe = if effect == Effect::Obligation {
        probe(&est, &conditions, format!("d{probe_base}"))?
    } else {
        policy.new_id(cedar_policy::PolicyId::new(format!("d{probe_base}")))
    };
    let applies_probe = if effect == Effect::Requirement && !guard.is_empty() {
        let when_only: Vec<Value> = conditions
            .iter()
            .filter(|c| c.get("kind").and_then(Value::as_str) == Some("when"))
            .cloned()
            .collect();
        Some(probe(&est, &when_only, format!("a{probe_base}"))?)
    } else {
        None
    };

    let guard: Vec<Cond> = guard.into_iter().map(Cond::from_est).collect();
    let mut paths = BTreeSet::new();
    for g in &guard {
        g.context_paths(&mut paths);
    }
    if let Some(c) = &condition {
        c.context_paths(&mut paths);
    }
    let reads = paths.iter().map(|p| Read::of_path(p)).collect();
    let unscoped = |key: &str| {
        est.get(key)
            .and_then(|scope| scope.get("op"))
            .and_then(Value::as_str)
            == Some("All")
    };
    let compiled = unscoped("principal")
        && unscoped("resource")
        && guard.iter().all(Cond::is_supported)
        && condition.as_ref().is_none_or(Cond::is_supported);

    Ok(Rule {
        id,
        layer: layer.to_string(),
        effect,
        document,
        article,
        quote,
        note: ann("note"),
        outside_seeds: ann("outside_seeds"),
        obligation,
        due: ann("due"),
        each: ann("each"),
        attaches,
        overrides: ann("overrides"),
        in_force_from,
        in_force_until,
        actions,
        file: file.to_string(),
        line,
        policy: policy.clone(),
        guard,
        condition,
        decides_probe,
        applies_probe,
        reads,
        compiled,
    })
}

/// A forbid policy with the given conditions and no annotations.
fn probe(
    est: &Value,
    conditions: &[Value],
    id: String,
) -> Result<cedar_policy::Policy, ShapeError> {
    let mut json = est.clone();
    if let Some(map) = json.as_object_mut() {
        map.insert("effect".into(), Value::String("forbid".into()));
        map.insert("conditions".into(), Value::Array(conditions.to_vec()));
        map.remove("annotations");
    }
    cedar_policy::Policy::from_json(Some(cedar_policy::PolicyId::new(id)), json)
        .map_err(|e| shape(format!("internal: probe could not be built: {e}"), None))
}

/// The actions of the scope: `None` for `action` alone.
fn scope_actions(scope: Option<&Value>) -> Result<Option<Vec<String>>, String> {
    let Some(scope) = scope else {
        return Ok(None);
    };
    let entity_id = |v: &Value| -> Option<String> {
        let uid = v.get("entity").unwrap_or(v);
        (uid.get("type")?.as_str()? == "Action")
            .then(|| uid.get("id")?.as_str().map(str::to_string))?
    };
    match scope.get("op").and_then(Value::as_str) {
        Some("All") => Ok(None),
        Some("==") => entity_id(scope)
            .map(|a| Some(vec![a]))
            .ok_or_else(|| "the action scope must name `Action::\"…\"`".to_string()),
        Some("in") => {
            if let Some(list) = scope.get("entities").and_then(Value::as_array) {
                list.iter()
                    .map(|v| {
                        entity_id(v).ok_or_else(|| {
                            "the action list must hold `Action::\"…\"` entities".to_string()
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            } else {
                entity_id(scope)
                    .map(|a| Some(vec![a]))
                    .ok_or_else(|| "the action scope must name `Action::\"…\"`".to_string())
            }
        }
        _ => Err("unsupported action scope".into()),
    }
}
