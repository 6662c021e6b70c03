//! Complete base requests: every fact the rules of a jurisdiction and action
//! read is given, with the values the policies' own conditions suggest, and
//! the request is then repaired towards an allow by the counterfactual
//! search. Generators vary the facts of interest on top of it.

use chrono::NaiveDate;
use serde_json::Value;

use crate::dates::{add_days, add_months};
use crate::engine::Engine;
use crate::request::{request_object, FactValue, Request};
use crate::vocabulary::FactType;

use super::space::{Pair, Space};
use super::why_not::repair;

/// A complete request for `pair` dated `date`, repaired towards an allow
/// with at most `budget` evaluations. `None` only if the vocabulary cannot
/// express it (it always can for a loaded bundle).
pub fn base_request(
    engine: &Engine,
    space: &Space,
    pair: &Pair,
    date: NaiveDate,
    budget: usize,
) -> Option<Request> {
    let start = complete_request(space, pair, date)?;
    Some(repair(engine, space, &start, budget))
}

/// Every fact the pair's rules read, with the values their conditions
/// suggest (unrepaired).
pub(crate) fn complete_request(space: &Space, pair: &Pair, date: NaiveDate) -> Option<Request> {
    let desires = space.desires(&pair.rules);
    let mut facts: Vec<(String, FactValue)> = Vec::new();
    for path in &pair.reads.facts {
        let Some(ty) = space.fact_type(path) else {
            continue;
        };
        let value = match desires.facts.get(path) {
            Some(v) if fits(v, ty) => v.clone(),
            _ => default_value(pair, path, ty, date),
        };
        facts.push((path.clone(), value));
    }
    // Facts that imply others are forced true: the request stays consistent.
    let mut top = request_object(
        &pair.jurisdiction,
        date,
        &pair.action,
        facts,
        space.vocabulary(),
    );
    if pair.reads.reads_materials {
        let items: Vec<Value> = desires
            .materials
            .iter()
            .filter(|m| space.vocabulary().materials().contains(m))
            .cloned()
            .map(Value::String)
            .collect();
        top.insert("materials".into(), Value::Array(items));
    }
    Request::from_json(&Value::Object(top), space.vocabulary()).ok()
}

fn fits(value: &FactValue, ty: &FactType) -> bool {
    match (value, ty) {
        (FactValue::Bool(_), FactType::Bool) | (FactValue::Int(_), FactType::Int) => true,
        (FactValue::Str(s), FactType::Enum(values)) => values.contains(s),
        (FactValue::Str(_), FactType::String) => true,
        (FactValue::List(items), FactType::List(allowed)) => allowed
            .as_ref()
            .is_none_or(|a| items.iter().all(|i| a.contains(i))),
        _ => false,
    }
}

fn default_value(pair: &Pair, path: &str, ty: &FactType, date: NaiveDate) -> FactValue {
    match ty {
        FactType::Bool => FactValue::Bool(false),
        FactType::Int => FactValue::Int(
            pair.reads
                .literals
                .get(path)
                .and_then(|l| l.ints.iter().next().copied())
                .unwrap_or(1),
        ),
        FactType::Enum(values) => FactValue::Str(values.first().cloned().unwrap_or_default()),
        FactType::String => FactValue::Str(format!("{}-1", path.split('.').next().unwrap_or("id"))),
        FactType::List(_) => FactValue::List(Vec::new()),
        FactType::Date => {
            // Start dates a little before the request, end dates after it.
            let months = pair.reads.months.iter().next().copied().unwrap_or(12);
            if path.ends_with("end") || path.ends_with("until") {
                FactValue::Date(add_days(add_months(date, months), -1))
            } else {
                FactValue::Date(add_months(date, -1))
            }
        }
    }
}
