//! Proptest strategies that generate valid requests from a bundle's
//! vocabulary: per jurisdiction and action, the facts its rules read (of
//! every type: booleans, integers around the policies' literals, enums,
//! lists, dates anchored on the request date or on each other), materials,
//! and events of the kinds its temporal definitions read, dated around the
//! request date and the edges of their windows, with optional `until` and
//! `ref`. Request dates cluster around the days documents and rules start
//! and stop being in force.

use std::sync::Arc;

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use serde_json::{Map, Value};

use crate::authoring::{base_request, Pair, Space};
use crate::dates::{add_days, add_months, format_date};
use crate::engine::Engine;
use crate::load::Bundle;
use crate::request::{request_object, Event, FactValue, Request};
use crate::vocabulary::{FactType, Vocabulary};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Only these jurisdictions (`None`: all).
    pub jurisdictions: Option<Vec<String>>,
    /// Only these actions (`None`: all).
    pub actions: Option<Vec<String>>,
    /// Only pairs whose rules read this temporal definition.
    pub reading: Option<String>,
    /// Probability that a fact the rules read is given.
    pub presence: f64,
    /// More month counts to date events around (e.g. the window lengths of
    /// bundle variants under test).
    pub extra_months: Vec<i64>,
    /// Request dates drawn uniformly between these years (inclusive).
    pub years: (i32, i32),
    /// Percentage of requests drawn near complete, mostly allowed base
    /// requests (see [`requests_for`]) rather than from scratch.
    pub near_allowed: u32,
    /// Probability that a near-allowed request redraws a given fact.
    pub mutation: f64,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            jurisdictions: None,
            actions: None,
            reading: None,
            presence: 0.92,
            extra_months: Vec::new(),
            years: (2020, 2029),
            near_allowed: 50,
            mutation: 0.04,
        }
    }
}

/// A fact value, or a date still to be anchored.
#[derive(Debug, Clone)]
enum FactGen {
    Value(FactValue),
    /// Anchored on the request date (`false`) or on the first date fact
    /// already given (`true`), shifted by months and days.
    Date(bool, i64, i64),
}

/// An event still to be dated relative to the request date.
#[derive(Debug, Clone)]
struct EventGen {
    kind: String,
    months_back: i64,
    days: i64,
    until_months: Option<i64>,
    reference: Option<String>,
}

/// Requests over every jurisdiction and action of `bundle` allowed by `config`.
pub fn requests(bundle: &Bundle, config: &GenConfig) -> BoxedStrategy<Request> {
    requests_in(&Space::new(bundle), config)
}

/// The same over an analysed bundle.
pub fn requests_in(space: &Space, config: &GenConfig) -> BoxedStrategy<Request> {
    let vocab = Arc::new(space.vocabulary().clone());
    let boundaries: Vec<NaiveDate> = space.boundaries().iter().copied().collect();
    let strategies: Vec<BoxedStrategy<Request>> = selected(space, config)
        .into_iter()
        .map(|p| pair_requests(space, p, config, &vocab, &boundaries))
        .collect();
    union(strategies)
}

/// A uniform choice among strategies; one that rejects everything if there
/// is none.
fn union(strategies: Vec<BoxedStrategy<Request>>) -> BoxedStrategy<Request> {
    if strategies.is_empty() {
        return Just(())
            .prop_filter_map("no jurisdiction/action matches the configuration", |()| {
                None::<Request>
            })
            .boxed();
    }
    Union::new(strategies).boxed()
}

/// The jurisdiction/action pairs a configuration selects.
fn selected<'s>(space: &'s Space, config: &GenConfig) -> Vec<&'s Pair> {
    space
        .pairs()
        .iter()
        .filter(|p| {
            config
                .jurisdictions
                .as_ref()
                .is_none_or(|j| j.contains(&p.jurisdiction))
                && config
                    .actions
                    .as_ref()
                    .is_none_or(|a| a.contains(&p.action))
                && config.reading.as_ref().is_none_or(|name| {
                    p.rules
                        .iter()
                        .any(|&r| space.rule_temporal(r).contains(name))
                })
        })
        .collect()
}

/// Complete base requests, one per selected jurisdiction/action and sample
/// date, every fact its rules read given and repaired towards an allow by
/// the counterfactual search.
pub fn base_requests(engine: &Engine, space: &Space, config: &GenConfig) -> Vec<Request> {
    selected(space, config)
        .into_iter()
        .flat_map(|p| {
            space
                .sample_dates(&p.jurisdiction)
                .iter()
                .filter_map(|d| base_request(engine, space, p, *d, 400))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Requests near `bases` (those of selected pairs): each fact redrawn with
/// probability `mutation`, the events of the kinds the rules read sometimes
/// redrawn around the window edges, the materials now and then redrawn.
pub fn near(space: &Space, bases: &[Request], config: &GenConfig) -> BoxedStrategy<Request> {
    let pairs = selected(space, config);
    let vocab = Arc::new(space.vocabulary().clone());
    let strategies = bases
        .iter()
        .filter_map(|b| {
            let pair = pairs
                .iter()
                .find(|p| p.jurisdiction == b.jurisdiction() && p.action == b.action())?;
            Some(near_base(space, pair, b, config, &vocab))
        })
        .collect();
    union(strategies)
}

/// Random requests and near-allowed ones, `config.near_allowed` percent of
/// the latter.
pub fn mixed(space: &Space, bases: &[Request], config: &GenConfig) -> BoxedStrategy<Request> {
    let random = requests_in(space, config);
    let share = config.near_allowed.min(100);
    let has_bases = bases.iter().any(|b| {
        selected(space, config)
            .iter()
            .any(|p| p.jurisdiction == b.jurisdiction() && p.action == b.action())
    });
    if share == 0 || !has_bases {
        return random;
    }
    let near = near(space, bases, config);
    if share == 100 {
        return near;
    }
    prop_oneof![100 - share => random, share => near].boxed()
}

/// [`mixed`] with the bases computed for `engine`'s bundle.
pub fn requests_for(engine: &Engine, config: &GenConfig) -> BoxedStrategy<Request> {
    let space = Space::new(engine.bundle());
    let bases = base_requests(engine, &space, config);
    mixed(&space, &bases, config)
}

fn month_counts(pair: &Pair, config: &GenConfig) -> Vec<i64> {
    let mut months: Vec<i64> = pair.reads.months.iter().copied().collect();
    months.extend(config.extra_months.iter().copied());
    months.push(0);
    months.sort();
    months.dedup();
    months
}

fn event_strategy(kinds: Vec<String>, months: &[i64]) -> BoxedStrategy<EventGen> {
    let back = prop_oneof![
        6 => proptest::sample::select(months.to_vec()),
        4 => -2i64..=48,
    ];
    (
        proptest::sample::select(kinds),
        back,
        -2i64..=2,
        proptest::option::weighted(0.3, 0i64..=24),
        proptest::option::weighted(
            0.2,
            proptest::sample::select(vec![
                "agreement-1".to_string(),
                "agreement-2".to_string(),
                "scenario-1".to_string(),
                "scenario-2".to_string(),
                "operator-1".to_string(),
                "person-1".to_string(),
                "product-1".to_string(),
            ]),
        ),
    )
        .prop_map(
            |(kind, months_back, days, until_months, reference)| EventGen {
                kind,
                months_back,
                days,
                until_months,
                reference,
            },
        )
        .boxed()
}

fn event_of(e: EventGen, date: NaiveDate) -> Event {
    let day = add_days(add_months(date, -e.months_back), e.days);
    Event {
        kind: e.kind,
        date: day,
        until: e.until_months.map(|u| add_months(day, u)),
        reference: e.reference,
    }
}

fn near_base(
    space: &Space,
    pair: &Pair,
    base: &Request,
    config: &GenConfig,
    vocab: &Arc<Vocabulary>,
) -> BoxedStrategy<Request> {
    let months = month_counts(pair, config);
    let mut paths = Vec::new();
    let mut facts: Vec<BoxedStrategy<Option<FactGen>>> = Vec::new();
    for path in &pair.reads.facts {
        if let Some(value) = fact_strategy(space, path, &pair.reads, &months) {
            paths.push(path.clone());
            facts.push(
                proptest::option::weighted(config.mutation.clamp(0.001, 0.99), value).boxed(),
            );
        }
    }
    let kinds: Vec<String> = pair.reads.kinds.iter().cloned().collect();
    // Events: kept, one or two added to the base's, or those of the rules'
    // kinds redrawn.
    let events: BoxedStrategy<Option<(bool, Vec<EventGen>)>> = if kinds.is_empty() {
        Just(None).boxed()
    } else {
        prop_oneof![
            1 => Just(None),
            2 => proptest::collection::vec(event_strategy(kinds.clone(), &months), 1..=2)
                .prop_map(|e| Some((true, e))),
            1 => proptest::collection::vec(event_strategy(kinds.clone(), &months), 0..=3)
                .prop_map(|e| Some((false, e))),
        ]
        .boxed()
    };
    let materials: BoxedStrategy<Option<Vec<String>>> = if pair.reads.reads_materials {
        let pool = space.vocabulary().materials().to_vec();
        let len = pool.len();
        proptest::option::weighted(0.1, proptest::sample::subsequence(pool, 0..=len)).boxed()
    } else {
        Just(None).boxed()
    };
    let base = base.clone();
    let vocab = Arc::clone(vocab);
    (facts, events, materials)
        .prop_filter_map(
            "the varied request is not valid",
            move |(facts, events, materials)| {
                let mut r = base.clone();
                for (path, fact) in paths.iter().zip(facts) {
                    let value = match fact {
                        None => continue,
                        Some(FactGen::Value(v)) => v,
                        Some(FactGen::Date(anchored, m, d)) => {
                            let anchor = if anchored {
                                paths
                                    .iter()
                                    .filter(|p| *p != path)
                                    .find_map(|p| match r.fact(p) {
                                        Some(FactValue::Date(x)) => Some(*x),
                                        _ => None,
                                    })
                                    .unwrap_or(r.date())
                            } else {
                                r.date()
                            };
                            FactValue::Date(add_days(add_months(anchor, m), d))
                        }
                    };
                    r = r.with_fact(path, Some(value));
                }
                if let Some((keep, new_events)) = events {
                    let date = r.date();
                    let mut all: Vec<Event> = r
                        .events()
                        .iter()
                        .filter(|e| keep || !kinds.contains(&e.kind))
                        .cloned()
                        .collect();
                    all.extend(new_events.into_iter().map(|e| event_of(e, date)));
                    r = r.with_events(all);
                }
                if let Some(items) = materials {
                    r = r.with_materials(Some(items));
                }
                Request::from_json(&r.to_json(), &vocab).ok()
            },
        )
        .boxed()
}

/// Requests of one jurisdiction and action.
pub fn pair_requests(
    space: &Space,
    pair: &Pair,
    config: &GenConfig,
    vocab: &Arc<Vocabulary>,
    boundaries: &[NaiveDate],
) -> BoxedStrategy<Request> {
    let reads = &pair.reads;
    let months = month_counts(pair, config);

    // The request date.
    let from = NaiveDate::from_ymd_opt(config.years.0, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(config.years.1, 12, 31).unwrap_or_default();
    let span = (to - from).num_days().max(1);
    let uniform = (0..=span).prop_map(move |d| add_days(from, d)).boxed();
    let date = if boundaries.is_empty() {
        uniform
    } else {
        let near = (proptest::sample::select(boundaries.to_vec()), -2i64..=2)
            .prop_map(|(b, d)| add_days(b, d))
            .boxed();
        prop_oneof![7 => uniform, 3 => near].boxed()
    };

    // Facts.
    let mut paths: Vec<String> = Vec::new();
    let mut facts: Vec<BoxedStrategy<Option<FactGen>>> = Vec::new();
    for path in &reads.facts {
        let Some(value) = fact_strategy(space, path, reads, &months) else {
            continue;
        };
        paths.push(path.clone());
        facts.push(proptest::option::weighted(config.presence.clamp(0.01, 0.99), value).boxed());
    }

    // Materials.
    let materials_pool: Vec<String> = space.vocabulary().materials().to_vec();
    let materials: BoxedStrategy<Option<Vec<String>>> = if reads.reads_materials {
        let len = materials_pool.len();
        proptest::option::weighted(0.9, proptest::sample::subsequence(materials_pool, 0..=len))
            .boxed()
    } else {
        Just(None).boxed()
    };

    // Events.
    let kinds: Vec<String> = reads.kinds.iter().cloned().collect();
    let events: BoxedStrategy<Vec<EventGen>> = if kinds.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        let event = event_strategy(kinds, &months);
        proptest::collection::vec(event, 0..=5).boxed()
    };

    let jurisdiction = pair.jurisdiction.clone();
    let action = pair.action.clone();
    let vocab = Arc::clone(vocab);
    (date, facts, materials, events)
        .prop_filter_map(
            "the generated request is not valid",
            move |(date, facts, materials, events)| {
                build(
                    &vocab,
                    &jurisdiction,
                    &action,
                    date,
                    &paths,
                    facts,
                    materials,
                    events,
                )
            },
        )
        .boxed()
}

/// Values of one fact: booleans, integers around the policies' literals,
/// enum values, sublists, dates shifted by the definitions' month counts.
fn fact_strategy(
    space: &Space,
    path: &str,
    reads: &crate::authoring::Reads,
    months: &[i64],
) -> Option<BoxedStrategy<FactGen>> {
    let ty = space.fact_type(path)?;
    let lits = reads.literals.get(path);
    let value: BoxedStrategy<FactGen> = match ty {
        FactType::Bool => any::<bool>()
            .prop_map(|b| FactGen::Value(FactValue::Bool(b)))
            .boxed(),
        FactType::Int => {
            let mut near: Vec<i64> = Vec::new();
            for n in lits.map(|l| l.ints.clone()).unwrap_or_default() {
                near.extend([n.saturating_sub(1), n, n.saturating_add(1)]);
            }
            near.retain(|n| *n >= 0);
            near.sort();
            near.dedup();
            let wide = (0i64..=60).prop_map(|n| FactGen::Value(FactValue::Int(n)));
            if near.is_empty() {
                wide.boxed()
            } else {
                prop_oneof![
                    7 => proptest::sample::select(near).prop_map(|n| FactGen::Value(FactValue::Int(n))),
                    3 => wide,
                ]
                .boxed()
            }
        }
        FactType::Enum(values) if !values.is_empty() => proptest::sample::select(values.clone())
            .prop_map(|v| FactGen::Value(FactValue::Str(v)))
            .boxed(),
        FactType::Enum(_) => return None,
        FactType::String => {
            let object = path.split('.').next().unwrap_or("id").to_string();
            (1u8..=2)
                .prop_map(move |n| FactGen::Value(FactValue::Str(format!("{object}-{n}"))))
                .boxed()
        }
        FactType::List(allowed) => {
            let pool: Vec<String> = match (allowed, lits) {
                (Some(a), _) => a.clone(),
                (None, Some(l)) => l.strings.iter().cloned().collect(),
                (None, None) => Vec::new(),
            };
            let len = pool.len();
            proptest::sample::subsequence(pool, 0..=len)
                .prop_map(|mut items| {
                    items.sort();
                    FactGen::Value(FactValue::List(items))
                })
                .boxed()
        }
        FactType::Date => {
            let start = path.ends_with("start");
            let shift = if months.len() > 1 {
                prop_oneof![
                    7 => proptest::sample::select(months.to_vec()),
                    3 => -48i64..=48,
                ]
                .boxed()
            } else {
                (-48i64..=48).boxed()
            };
            (any::<bool>(), shift, -2i64..=1)
                .prop_map(move |(anchored, m, d)| {
                    FactGen::Date(anchored, if start { -m } else { m }, d)
                })
                .boxed()
        }
    };
    Some(value)
}

#[allow(clippy::too_many_arguments)]
fn build(
    vocab: &Vocabulary,
    jurisdiction: &str,
    action: &str,
    date: NaiveDate,
    paths: &[String],
    facts: Vec<Option<FactGen>>,
    materials: Option<Vec<String>>,
    events: Vec<EventGen>,
) -> Option<Request> {
    let mut given: Vec<(String, FactValue)> = Vec::new();
    for (path, fact) in paths.iter().zip(facts) {
        let value = match fact {
            None => continue,
            Some(FactGen::Value(v)) => v,
            Some(FactGen::Date(anchored, months, days)) => {
                let anchor = given
                    .iter()
                    .find_map(|(_, v)| match v {
                        FactValue::Date(d) if anchored => Some(*d),
                        _ => None,
                    })
                    .unwrap_or(date);
                FactValue::Date(add_days(add_months(anchor, months), days))
            }
        };
        given.push((path.clone(), value));
    }
    let mut top = request_object(jurisdiction, date, action, given, vocab);
    if let Some(items) = materials {
        top.insert(
            "materials".into(),
            Value::Array(items.into_iter().map(Value::String).collect()),
        );
    }
    if !events.is_empty() {
        let list = events
            .into_iter()
            .map(|e| {
                let day = add_days(add_months(date, -e.months_back), e.days);
                let mut m = Map::new();
                m.insert("kind".into(), Value::String(e.kind));
                m.insert("date".into(), Value::String(format_date(day)));
                if let Some(u) = e.until_months {
                    m.insert(
                        "until".into(),
                        Value::String(format_date(add_months(day, u))),
                    );
                }
                if let Some(r) = e.reference {
                    m.insert("ref".into(), Value::String(r));
                }
                Value::Object(m)
            })
            .collect();
        top.insert("events".into(), Value::Array(list));
    }
    Request::from_json(&Value::Object(top), vocab).ok()
}
