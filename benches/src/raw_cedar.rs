//! The raw-Cedar baseline: every policy of the bundle in one `PolicySet`
//! (fresh ids), no entities, and a request whose context is built once, in
//! advance, from the request's facts — nested records per object, the
//! `materials` set and a `temporal` record of booleans computed with pdao's
//! own temporal definitions. What remains to time is
//! `Authorizer::is_authorized` alone: the floor under any engine built on
//! Cedar that evaluates the same policies.
//!
//! Two sets: [`RawCedar::new`], every policy of the bundle (the baseline the
//! benchmarks are specified against), and [`RawCedar::for_request`], only
//! the policies pdao evaluates for the request (chain, action, date).

use std::collections::BTreeMap;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Entities, EntityId, EntityTypeName, EntityUid, PolicyId, PolicySet,
    Response,
};
use pdao::dates::format_date;
use pdao::temporal::{DefKind, Truth};
use pdao::{Bundle, FactValue, Request};

use crate::Result;

/// Every policy of a bundle, ready for `is_authorized`.
pub struct RawCedar {
    policies: PolicySet,
    authorizer: Authorizer,
    entities: Entities,
}

impl RawCedar {
    /// All `bundle.rules()` policies, renamed `p0`, `p1`, … (a rule's
    /// versions and every layer's rules alike).
    pub fn new(bundle: &Bundle) -> Result<RawCedar> {
        let mut policies = PolicySet::new();
        for (i, rule) in bundle.rules().iter().enumerate() {
            policies.add(rule.policy.new_id(PolicyId::new(format!("p{i}"))))?;
        }
        Ok(RawCedar {
            policies,
            authorizer: Authorizer::new(),
            entities: Entities::empty(),
        })
    }

    /// Only the policies pdao evaluates for this request: rules of the
    /// request's chain that apply to its action and are in force on its date
    /// (document and own window). The tightest Cedar baseline: what a
    /// hand-written integration that pre-selects policies would run.
    pub fn for_request(bundle: &Bundle, request: &Request) -> Result<RawCedar> {
        let layers = chain(bundle, request.jurisdiction());
        let date = request.date();
        let mut policies = PolicySet::new();
        for (i, rule) in bundle.rules().iter().enumerate() {
            let in_force = bundle
                .layer(&rule.layer)
                .and_then(|l| l.document(&rule.document))
                .is_some_and(|d| d.in_force_on(date))
                && rule.window_includes(date);
            if layers.contains(&rule.layer) && rule.applies_to(request.action()) && in_force {
                policies.add(rule.policy.new_id(PolicyId::new(format!("p{i}"))))?;
            }
        }
        Ok(RawCedar {
            policies,
            authorizer: Authorizer::new(),
            entities: Entities::empty(),
        })
    }

    /// How many policies the set holds.
    pub fn len(&self) -> usize {
        self.policies.policies().count()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The Cedar request for a pdao request, with its context built now
    /// (call this outside the timed loop).
    pub fn request(&self, bundle: &Bundle, request: &Request) -> Result<cedar_policy::Request> {
        Ok(cedar_policy::Request::new(
            uid("Operator", "operator")?,
            uid("Action", request.action())?,
            uid("Target", "request")?,
            context(bundle, request)?,
            None,
        )?)
    }

    /// The timed part: one authorization over the whole set.
    pub fn is_authorized(&self, request: &cedar_policy::Request) -> Response {
        self.authorizer
            .is_authorized(request, &self.policies, &self.entities)
    }

    /// The catalog ids of the policies that determined a response.
    pub fn reason_rules(&self, bundle: &Bundle, response: &Response) -> Vec<String> {
        let mut out: Vec<String> = response
            .diagnostics()
            .reason()
            .filter_map(|id| {
                let index: usize = id.to_string().get(1..)?.parse().ok()?;
                bundle.rules().get(index).map(|r| r.id.clone())
            })
            .collect();
        out.sort();
        out
    }
}

fn uid(ty: &str, id: &str) -> Result<EntityUid> {
    Ok(EntityUid::from_type_name_and_id(
        EntityTypeName::from_str(ty)?,
        EntityId::new(id),
    ))
}

/// The layers of a jurisdiction's chain: itself and its parents.
pub fn chain(bundle: &Bundle, jurisdiction: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = Some(jurisdiction.to_string());
    while let Some(id) = next {
        if out.contains(&id) {
            break;
        }
        next = bundle.layer(&id).and_then(|l| l.parent.clone());
        out.push(id);
    }
    out
}

/// The temporal booleans of a request: every `fact`/`each` definition of
/// the request's chain, evaluated by pdao; unknown results are left out, as
/// pdao does.
pub fn temporal(bundle: &Bundle, request: &Request) -> BTreeMap<String, bool> {
    let layers = chain(bundle, request.jurisdiction());
    let mut out = BTreeMap::new();
    for def in bundle.definitions() {
        let layer = def.file.split('/').next().unwrap_or_default();
        if def.kind == DefKind::Due || !layers.iter().any(|l| l == layer) {
            continue;
        }
        match def.evaluate(request).truth {
            Truth::True => {
                out.insert(def.name.clone(), true);
            }
            Truth::False => {
                out.insert(def.name.clone(), false);
            }
            Truth::Unknown => {}
        }
    }
    out
}

/// The Cedar context of a request: one record per object with every fact
/// given, `materials` as a set, `temporal` as a record of booleans.
pub fn context(bundle: &Bundle, request: &Request) -> Result<Context> {
    Ok(Context::from_json_value(
        context_json(bundle, request),
        None,
    )?)
}

/// The same context as Cedar's JSON (what Cedar's other front ends, such
/// as `cedarpy`, are given): dates as strings, lists as arrays.
pub fn context_json(bundle: &Bundle, request: &Request) -> serde_json::Value {
    use serde_json::{Map, Value};
    let mut objects: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for (path, value) in request.facts() {
        if let Some((object, fact)) = path.split_once('.') {
            objects
                .entry(object)
                .or_default()
                .insert(fact.to_string(), fact_json(value));
        }
    }
    let mut context: Map<String, Value> = objects
        .into_iter()
        .map(|(object, record)| (object.to_string(), Value::Object(record)))
        .collect();
    if let Some(items) = request.materials() {
        context.insert(
            "materials".into(),
            Value::Array(items.iter().cloned().map(Value::String).collect()),
        );
    }
    let temporal = temporal(bundle, request)
        .into_iter()
        .map(|(name, value)| (name, Value::Bool(value)))
        .collect();
    context.insert("temporal".into(), Value::Object(temporal));
    Value::Object(context)
}

fn fact_json(value: &FactValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        FactValue::Bool(b) => Value::Bool(*b),
        FactValue::Int(i) => Value::from(*i),
        FactValue::Str(s) => Value::String(s.clone()),
        FactValue::Date(d) => Value::String(format_date(*d)),
        FactValue::List(items) => Value::Array(items.iter().cloned().map(Value::String).collect()),
    }
}
