//! Seeded random requests over a jurisdiction and action: every fact its
//! rules read (most of them given), materials, and events of the kinds its
//! temporal definitions read dated around the request date and the edges of
//! their windows.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::dates::{add_days, add_months, format_date};
use crate::request::{request_object, FactValue, Request};
use crate::vocabulary::FactType;

use super::changes::{apply_all, normalise, Change};
use super::rng::Rng;
use super::space::{Pair, Space};

/// Earliest and latest request dates drawn uniformly.
pub(crate) const DATE_RANGE: (i32, i32) = (2020, 2029);

/// A request date: near a document or rule boundary, or uniform.
pub(crate) fn random_date(space: &Space, rng: &mut Rng) -> NaiveDate {
    let boundaries: Vec<NaiveDate> = space.boundaries().iter().copied().collect();
    if rng.chance(30) {
        if let Some(b) = rng.pick(&boundaries) {
            return add_days(*b, rng.range(-2, 2));
        }
    }
    let from = NaiveDate::from_ymd_opt(DATE_RANGE.0, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(DATE_RANGE.1, 12, 31).unwrap_or_default();
    add_days(from, rng.range(0, (to - from).num_days()))
}

/// A random request of `pair`.
pub(crate) fn random_request(space: &Space, pair: &Pair, rng: &mut Rng) -> Option<Request> {
    let date = random_date(space, rng);
    let reads = &pair.reads;
    let months: Vec<i64> = reads.months.iter().copied().collect();
    let mut given: Vec<(String, FactValue)> = Vec::new();
    for path in &reads.facts {
        if !rng.chance(92) {
            continue;
        }
        let Some(ty) = space.fact_type(path) else {
            continue;
        };
        let lits = reads.literals.get(path);
        let value = match ty {
            FactType::Bool => FactValue::Bool(rng.chance(50)),
            FactType::Int => {
                let ints: Vec<i64> = lits
                    .map(|l| l.ints.iter().copied().collect())
                    .unwrap_or_default();
                match rng.pick(&ints) {
                    Some(n) if rng.chance(70) => FactValue::Int((n + rng.range(-1, 1)).max(0)),
                    _ => FactValue::Int(rng.range(0, 60)),
                }
            }
            FactType::Enum(values) => FactValue::Str(rng.pick(values).cloned().unwrap_or_default()),
            FactType::String => FactValue::Str(format!(
                "{}-{}",
                path.split('.').next().unwrap_or("id"),
                rng.range(1, 2)
            )),
            FactType::List(allowed) => {
                let pool: Vec<String> = match (allowed, lits) {
                    (Some(a), _) => a.clone(),
                    (None, Some(l)) => l.strings.iter().cloned().collect(),
                    (None, None) => Vec::new(),
                };
                let mentioned = lits.map(|l| &l.strings);
                let mut items: Vec<String> = pool
                    .into_iter()
                    .filter(|v| {
                        let p = if mentioned.is_some_and(|m| m.contains(v)) {
                            75
                        } else {
                            15
                        };
                        rng.chance(p)
                    })
                    .collect();
                items.sort();
                FactValue::List(items)
            }
            FactType::Date => {
                let anchor = given
                    .iter()
                    .filter_map(|(_, v)| match v {
                        FactValue::Date(d) => Some(*d),
                        _ => None,
                    })
                    .next()
                    .filter(|_| rng.chance(60))
                    .unwrap_or(date);
                let m = match rng.pick(&months) {
                    Some(m) if rng.chance(70) => {
                        if path.ends_with("start") {
                            -m
                        } else {
                            *m
                        }
                    }
                    _ => rng.range(-48, 48),
                };
                FactValue::Date(add_days(add_months(anchor, m), rng.range(-2, 1)))
            }
        };
        given.push((path.clone(), value));
    }
    let mut top = request_object(
        &pair.jurisdiction,
        date,
        &pair.action,
        given,
        space.vocabulary(),
    );
    if reads.reads_materials && rng.chance(90) {
        let items: Vec<Value> = space
            .vocabulary()
            .materials()
            .iter()
            .filter(|m| rng.chance(if reads.materials.contains(*m) { 80 } else { 10 }))
            .cloned()
            .map(Value::String)
            .collect();
        top.insert("materials".into(), Value::Array(items));
    }
    let kinds: Vec<&String> = reads.kinds.iter().collect();
    if !kinds.is_empty() {
        let mut events = Vec::new();
        for _ in 0..rng.range(0, 5) {
            let Some(kind) = rng.pick(&kinds) else { break };
            let m = match rng.pick(&months) {
                Some(m) if rng.chance(60) => *m,
                _ => rng.range(-2, 40),
            };
            let day = add_days(add_months(date, -m), rng.range(-2, 2));
            let mut e = Map::new();
            e.insert("kind".into(), Value::String((*kind).clone()));
            e.insert("date".into(), Value::String(format_date(day)));
            if rng.chance(30) {
                let until = add_days(add_months(day, rng.range(0, 24)), rng.range(0, 2));
                e.insert("until".into(), Value::String(format_date(until)));
            }
            if rng.chance(20) {
                let object = ["agreement", "operator", "person", "product"]
                    .get(rng.below(4))
                    .copied()
                    .unwrap_or("agreement");
                e.insert(
                    "ref".into(),
                    Value::String(format!("{object}-{}", rng.range(1, 2))),
                );
            }
            events.push(Value::Object(e));
        }
        top.insert("events".into(), Value::Array(events));
    }
    Request::from_json(&Value::Object(top), space.vocabulary()).ok()
}

/// `base` with up to `count` of the candidate changes `cands`, drawn at random.
pub(crate) fn mutate(
    space: &Space,
    base: &Request,
    cands: &[Vec<Change>],
    rng: &mut Rng,
    count: usize,
) -> Option<Request> {
    let mut changes = Vec::new();
    for _ in 0..count {
        if let Some(c) = rng.pick(cands) {
            changes.extend(c.iter().cloned());
        }
    }
    let changes = normalise(changes)?;
    let request = apply_all(base, &changes);
    Request::from_json(&request.to_json(), space.vocabulary()).ok()
}
