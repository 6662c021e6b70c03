//! Cedar: the engine builds a Cedar context from the request and the
//! temporal results, runs the authorizer once on the rules' *probes* (see
//! `rule.rs`), and reads which probes fired and which erred. Probes are
//! found by their policy id in a typed map, never by parsing the id.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, PolicyId, PolicySet, RestrictedExpression,
};

use crate::condition::Read;
use crate::dates::format_date;
use crate::load::Bundle;
use crate::logic::Truth;
use crate::request::FactValue;

use super::facts::Facts;

/// What a probe asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Whether the rule decides (requirement unmet, forbid fires,
    /// obligation attaches).
    Decides,
    /// Whether a requirement with a guard applies.
    Applies,
}

/// A Cedar policy set of probes for some rules of a compiled set.
pub(crate) struct CedarSet {
    set: PolicySet,
    /// Each probe's rule (bundle index) and question, by policy id.
    probes: HashMap<PolicyId, (usize, Probe)>,
    /// Rules with an `Applies` probe.
    guarded: BTreeSet<usize>,
    /// Facts the rules read, grouped by object: (object, [(fact, path)]).
    layout: Vec<(String, Vec<(String, String)>)>,
    /// Temporal definitions the rules read.
    temporal: Vec<String>,
    reads_materials: bool,
    action: EntityUid,
    /// Why the probes could not all be added, if so: every decision with
    /// this set is then an evaluation error (a missing probe would read as
    /// "held", which fails open).
    broken: Option<String>,
}

/// What Cedar found for the rules of a set.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Rules whose `Decides` probe fired.
    pub(crate) decides: BTreeSet<usize>,
    /// Rules whose `Applies` probe fired.
    pub(crate) applies: BTreeSet<usize>,
    /// Rules one of whose probes erred (a missing fact, a wrong type):
    /// pdao's three-valued evaluator decides those.
    pub(crate) errored: BTreeSet<usize>,
    /// Rules with an `Applies` probe.
    pub(crate) guarded: BTreeSet<usize>,
}

/// The authorizer and the fixed principal, resource and (empty) entities.
pub(crate) struct Cedar {
    authorizer: Authorizer,
    entities: Entities,
    principal: EntityUid,
    resource: EntityUid,
}

impl Cedar {
    pub(crate) fn new() -> Self {
        Cedar {
            authorizer: Authorizer::new(),
            entities: Entities::empty(),
            principal: uid("Operator", "operator"),
            resource: uid("Target", "request"),
        }
    }

    /// Runs the set's probes on the request.
    pub(crate) fn run(&self, set: &CedarSet, facts: &Facts) -> Result<Found, String> {
        if let Some(message) = &set.broken {
            return Err(message.clone());
        }
        let mut found = Found {
            guarded: set.guarded.clone(),
            ..Found::default()
        };
        if set.set.is_empty() {
            return Ok(found);
        }
        let context = set.context(facts).map_err(|e| format!("context: {e}"))?;
        let request = cedar_policy::Request::new(
            self.principal.clone(),
            set.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .map_err(|e| format!("request: {e}"))?;
        let response = self
            .authorizer
            .is_authorized(&request, &set.set, &self.entities);
        for id in response.diagnostics().reason() {
            match set.probes.get(id) {
                Some(&(rule, Probe::Decides)) => {
                    found.decides.insert(rule);
                }
                Some(&(rule, Probe::Applies)) => {
                    found.applies.insert(rule);
                }
                None => {}
            }
        }
        for error in response.diagnostics().errors() {
            let cedar_policy::AuthorizationError::PolicyEvaluationError(e) = error;
            if let Some(&(rule, _)) = set.probes.get(e.policy_id()) {
                found.errored.insert(rule);
            }
        }
        Ok(found)
    }
}

impl CedarSet {
    /// The probes of `rules` (bundle indexes) for `action`.
    pub(crate) fn new(bundle: &Bundle, action: &str, rules: &[usize]) -> Self {
        let mut set = PolicySet::new();
        let mut probes = HashMap::new();
        let mut guarded = BTreeSet::new();
        let mut reads: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut temporal: BTreeSet<String> = BTreeSet::new();
        let mut reads_materials = false;
        let mut broken = None;
        for &ri in rules {
            let Some(rule) = bundle.rules.get(ri) else {
                continue;
            };
            // Each probe under its own id, given at load, where the loader
            // checked that every probe joins one set: adding cannot fail
            // here, and if it did every decision with this set would be an
            // evaluation error (a missing probe would read as "held").
            let mut wanted = vec![(&rule.decides_probe, Probe::Decides)];
            if let Some(applies) = &rule.applies_probe {
                wanted.push((applies, Probe::Applies));
                guarded.insert(ri);
            }
            for (policy, probe) in wanted {
                if let Err(e) = set.add(policy.clone()) {
                    broken.get_or_insert_with(|| {
                        format!("the probes of `{}` cannot be evaluated: {e}", rule.id)
                    });
                }
                probes.insert(policy.id().clone(), (ri, probe));
            }
            for read in &rule.reads {
                match read {
                    Read::Temporal(name) => {
                        temporal.insert(name.clone());
                    }
                    Read::Fact(path) => {
                        if let Some((object, fact)) = path.split_once('.') {
                            reads
                                .entry(object.to_string())
                                .or_default()
                                .insert(fact.to_string());
                        }
                    }
                    Read::Materials => reads_materials = true,
                    Read::Other(_) => {}
                }
            }
            temporal.extend(rule.due.iter().cloned());
            temporal.extend(rule.each.iter().cloned());
        }
        let layout = reads
            .into_iter()
            .map(|(object, facts)| {
                let fields = facts
                    .into_iter()
                    .map(|f| (f.clone(), format!("{object}.{f}")))
                    .collect();
                (object, fields)
            })
            .collect();
        CedarSet {
            set,
            probes,
            guarded,
            layout,
            temporal: temporal.into_iter().collect(),
            reads_materials,
            action: uid("Action", action),
            broken,
        }
    }

    /// The Cedar context: the facts the rules read that the request gives,
    /// the decided temporal results (an unknown one left out), materials.
    fn context(&self, facts: &Facts) -> Result<Context, String> {
        let request = facts.request();
        let mut pairs: Vec<(String, RestrictedExpression)> =
            Vec::with_capacity(self.layout.len() + 2);
        for (object, fields) in &self.layout {
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
        if !self.temporal.is_empty() {
            pairs.push(("temporal".into(), self.temporal_record(facts)?));
        }
        if self.reads_materials {
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

    fn temporal_record(&self, facts: &Facts) -> Result<RestrictedExpression, String> {
        let mut record = Vec::with_capacity(self.temporal.len());
        for name in &self.temporal {
            if let Some(outcome) = facts.outcome_named(name) {
                match outcome.truth {
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
        RestrictedExpression::new_record(record).map_err(|e| e.to_string())
    }
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

#[expect(
    clippy::expect_used,
    reason = "called only with the literal type names `Operator`, `Target` and `Action`"
)]
fn uid(ty: &str, id: &str) -> EntityUid {
    use std::str::FromStr;
    let type_name = cedar_policy::EntityTypeName::from_str(ty).expect("a literal Cedar type name");
    EntityUid::from_type_name_and_id(type_name, cedar_policy::EntityId::new(id))
}
