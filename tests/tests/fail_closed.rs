#![forbid(unsafe_code)]
// Test code: helpers outside `#[test]` functions fail loudly too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Fail-closed properties of the real bundle, on generated requests.
//!
//! The requests are generated here, from the golden cases (and, for the
//! first property, also by the engine's `pdao::testing::requests`): each
//! property starts from a golden request and mutates it (flips boolean facts, shifts
//! the request date and event dates, drops events, removes facts, corrupts
//! a value's type). Every generated request is a valid contract request
//! (it round-trips through the parser) unless the property is about invalid
//! ones.
//!
//! 1. Removing facts, identifiers included, never turns a deny into an allow.
//! 2. A fact (or any other field) of the wrong JSON type is an error, never a
//!    decision.
//! 3. A policy that fails at evaluation (an integer overflow in Cedar) denies,
//!    and says so; where it does not fail, the decision is the real bundle's.
//!
//! Each property runs 10 000 cases, or 100 000 with `PDAO_LONG=1`; the
//! counts are printed (run with `--nocapture` to see them) and recorded in
//! `docs/RELIABILITY.md`. Failures are not persisted to files: proptest
//! prints the minimal failing input.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use pdao::dates::add_days;
use pdao::unstable::RequestEdit;
use pdao::{Bundle, Decision, Engine, Event, FactType, FactValue, Request, Verdict};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};

/// Cases per property: 10 000, or 100 000 with `PDAO_LONG=1`.
fn case_count() -> u32 {
    if std::env::var("PDAO_LONG").is_ok_and(|v| v == "1") {
        100_000
    } else {
        10_000
    }
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: case_count(),
        failure_persistence: None,
        // Rejections (mutations that make an invalid request) are rare.
        max_global_rejects: case_count(),
        ..Config::default()
    })
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| match Engine::embedded() {
        Ok(engine) => engine,
        Err(e) => panic!("the embedded bundle does not load: {e}"),
    })
}

/// A golden case's request, as JSON and parsed.
struct Golden {
    json: Value,
    request: Request,
}

fn goldens() -> &'static [Golden] {
    static GOLDENS: OnceLock<Vec<Golden>> = OnceLock::new();
    GOLDENS.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
        let out: Vec<Golden> = pdao::cases::find_case_files(&root)
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(|path| match pdao::cases::Case::from_file(path) {
                Ok(case) => case,
                Err(e) => panic!("{e}"),
            })
            .map(|case| {
                let request = match engine().parse_request(&case.request.to_string()) {
                    Ok(r) => r,
                    Err(e) => panic!("{}: {e}", case.description),
                };
                Golden {
                    json: case.request,
                    request,
                }
            })
            .collect();
        assert!(out.len() > 100, "too few golden cases: {}", out.len());
        out
    })
}

/// The contract invariants of any decision.
fn check_invariants(decision: &Decision) -> Result<(), TestCaseError> {
    if decision.decision == Verdict::Allow {
        prop_assert!(
            decision.reasons.is_empty() && decision.missing.is_empty(),
            "allow with reasons or missing facts: {}",
            decision.to_json_pretty()
        );
    }
    Ok(())
}

/// A request as the parser would accept it, or `None` when a mutation made
/// it invalid (e.g. an implied fact flipped to contradict its implication).
fn revalidate(request: &Request) -> Option<Request> {
    engine().parse_request(&request.to_json().to_string()).ok()
}

// ---------------------------------------------------------------------------
// 1. Removing facts never turns deny into allow.

/// Mutations of a golden request, applied in this order: flip boolean facts,
/// shift the request date, shift event dates, drop events. Indexes are taken
/// modulo the number of candidates.
#[derive(Debug, Clone)]
struct Mutation {
    case: usize,
    flips: Vec<usize>,
    date_shift: i64,
    event_shifts: Vec<(usize, i64)>,
    event_drops: Vec<usize>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let shift = prop_oneof![
        3 => Just(0i64),
        2 => -40i64..40,
        1 => -1200i64..1200,
    ];
    // Half the time an allowed golden request: mutations of those are the
    // ones that can still be allowed after a removal, where the property
    // has something to check.
    let allowed: Vec<usize> = goldens()
        .iter()
        .enumerate()
        .filter(|(_, g)| engine().decide(&g.request).is_allow())
        .map(|(i, _)| i)
        .collect();
    let case = if allowed.is_empty() {
        (0..goldens().len()).boxed()
    } else {
        prop_oneof![0..goldens().len(), prop::sample::select(allowed)].boxed()
    };
    (
        case,
        prop::collection::vec(any::<usize>(), 0..3),
        shift.clone(),
        prop::collection::vec((any::<usize>(), shift), 0..3),
        prop::collection::vec(any::<usize>(), 0..2),
    )
        .prop_map(
            |(case, flips, date_shift, event_shifts, event_drops)| Mutation {
                case,
                flips,
                date_shift,
                event_shifts,
                event_drops,
            },
        )
}

fn apply(m: &Mutation) -> Option<Request> {
    let mut request = goldens().get(m.case)?.request.clone();
    let booleans: Vec<(String, bool)> = request
        .facts()
        .iter()
        .filter_map(|(path, value)| match value {
            FactValue::Bool(b) => Some((path.clone(), *b)),
            _ => None,
        })
        .collect();
    if !booleans.is_empty() {
        for flip in &m.flips {
            let (path, value) = booleans.get(flip % booleans.len())?;
            request = request.with_fact(path, Some(FactValue::Bool(!value)));
        }
    }
    request = request.with_date(add_days(request.date(), m.date_shift));
    let mut events: Vec<Event> = request.events().to_vec();
    if !events.is_empty() {
        for (index, days) in &m.event_shifts {
            let len = events.len();
            let event = events.get_mut(index % len)?;
            event.date = add_days(event.date, *days);
            event.until = event.until.map(|u| add_days(u, *days));
        }
        for drop in &m.event_drops {
            if !events.is_empty() {
                let len = events.len();
                events.remove(drop % len);
            }
        }
    }
    revalidate(&request.with_events(events))
}

/// Which facts to remove: a single one, or each with probability ~1/3.
/// Index `facts.len()` stands for `materials`.
#[derive(Debug, Clone)]
enum Removal {
    One(usize),
    Subset(Vec<bool>),
}

fn removal() -> impl Strategy<Value = Removal> {
    prop_oneof![
        any::<usize>().prop_map(Removal::One),
        prop::collection::vec(prop::bool::weighted(0.33), 64).prop_map(Removal::Subset),
    ]
}

fn removable(request: &Request) -> Vec<String> {
    // Every fact, identifiers included (catalog 1.1 §1.4: an event with a
    // `ref` matched against an absent id is unknown, never a wildcard).
    let mut candidates: Vec<String> = request.facts().keys().cloned().collect();
    if request.materials().is_some() {
        candidates.push("materials".into());
    }
    candidates
}

fn remove(request: &Request, removal: &Removal) -> (Request, Vec<String>) {
    let candidates = removable(request);
    let chosen: Vec<String> = match removal {
        Removal::One(i) if !candidates.is_empty() => candidates
            .get(i % candidates.len())
            .cloned()
            .into_iter()
            .collect(),
        Removal::One(_) => Vec::new(),
        Removal::Subset(mask) => candidates
            .iter()
            .enumerate()
            .filter(|(i, _)| mask.get(i % mask.len().max(1)).copied().unwrap_or(false))
            .map(|(_, c)| c.clone())
            .collect(),
    };
    let mut out = request.clone();
    for path in &chosen {
        out = if path == "materials" {
            out.with_materials(None)
        } else {
            out.with_fact(path, None)
        };
    }
    (out, chosen)
}

#[test]
fn removing_facts_never_turns_deny_into_allow() {
    let engine = engine();
    let generated = AtomicUsize::new(0);
    let reduced_allows = AtomicUsize::new(0);
    let removed_total = AtomicUsize::new(0);
    let result = runner().run(&(mutation(), removal()), |(m, r)| {
        let Some(full) = apply(&m) else {
            return Err(TestCaseError::reject("the mutation made the request invalid"));
        };
        let (reduced, removed) = remove(&full, &r);
        generated.fetch_add(1, Ordering::Relaxed);
        removed_total.fetch_add(removed.len(), Ordering::Relaxed);
        // The contrapositive, which needs the second decision only when the
        // reduced request is allowed: reduced allow ⇒ full allow.
        let small = engine.decide(&reduced);
        check_invariants(&small)?;
        if small.is_allow() {
            reduced_allows.fetch_add(1, Ordering::Relaxed);
            let big = engine.decide(&full);
            check_invariants(&big)?;
            prop_assert!(
                big.is_allow(),
                "removing {removed:?} turned deny into allow.\nfull request: {}\nfull decision reasons: {:?}",
                full.to_json(),
                big.reason_ids()
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "fail_closed::removing_facts: {} requests generated, {} facts removed in all, {} reduced requests allowed (each checked against its full request)",
        generated.load(Ordering::Relaxed),
        removed_total.load(Ordering::Relaxed),
        reduced_allows.load(Ordering::Relaxed)
    );
    assert!(generated.load(Ordering::Relaxed) >= case_count() as usize);
}

/// The same property on the engine's own generator
/// (`pdao::testing::requests`: requests built from the vocabulary for every
/// jurisdiction and action, with the facts and events their rules read),
/// removing one fact or a random subset.
#[test]
fn removing_facts_never_turns_deny_into_allow_on_generated_requests() {
    let engine = engine();
    let strategy = (
        pdao::testing::requests(engine.bundle(), &pdao::testing::GenConfig::default()),
        removal(),
    );
    let generated = AtomicUsize::new(0);
    let reduced_allows = AtomicUsize::new(0);
    let result = runner().run(&strategy, |(full, r)| {
        let (reduced, removed) = remove(&full, &r);
        generated.fetch_add(1, Ordering::Relaxed);
        let small = engine.decide(&reduced);
        check_invariants(&small)?;
        if small.is_allow() {
            reduced_allows.fetch_add(1, Ordering::Relaxed);
            let big = engine.decide(&full);
            check_invariants(&big)?;
            prop_assert!(
                big.is_allow(),
                "removing {removed:?} turned deny into allow.\nfull request: {}\nfull decision reasons: {:?}",
                full.to_json(),
                big.reason_ids()
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "fail_closed::removing_facts (pdao::testing generator): {} requests generated, {} reduced requests allowed (each checked against its full request)",
        generated.load(Ordering::Relaxed),
        reduced_allows.load(Ordering::Relaxed)
    );
    assert!(generated.load(Ordering::Relaxed) >= case_count() as usize);
}

/// Removing each fact (and the materials) of every denied golden request,
/// one at a time: the exhaustive companion of the property above.
#[test]
fn removing_one_fact_from_a_denied_golden_request_keeps_it_denied() {
    let engine = engine();
    for golden in goldens() {
        let base = engine.decide(&golden.request);
        if base.is_allow() {
            continue;
        }
        for path in removable(&golden.request) {
            let reduced = if path == "materials" {
                golden.request.with_materials(None)
            } else {
                golden.request.with_fact(&path, None)
            };
            let decision = engine.decide(&reduced);
            assert!(
                !decision.is_allow(),
                "removing `{path}` turned deny into allow: {}",
                golden.json
            );
        }
    }
}

/// An absent id is not a wildcard (catalog 1.1 §1.4): a Hangzhou operation
/// whose only security report concerns another agreement is denied, and
/// without `agreement.id` it is still denied, with the id in `missing` —
/// under catalog 1.0 the report counted and the operation was allowed.
#[test]
fn an_absent_agreement_id_is_missing_not_a_wildcard() {
    let text = r#"{"jurisdiction":"hangzhou","date":"2024-07-12","action":"operate",
        "operator":{"id":"acme-data","log_retention_months":12,"self_supervision":true},
        "scenario":{"emergency_plan":true,"id":"credit-scoring"},
        "agreement":{"end":"2025-12-31","id":"hz-2024-007","start":"2024-01-01"},
        "data":{"misuse":false,"retained_unauthorised":false},
        "events":[{"kind":"security_report","date":"2024-06-20","ref":"hz-2022-001"}]}"#;
    let full = engine().parse_request(text).expect("a valid request");
    let decision = engine().decide(&full);
    assert_eq!(
        decision.reason_ids(),
        vec!["hangzhou.report.security_six_monthly"]
    );
    assert!(decision.missing.is_empty());
    let reduced = full.with_fact("agreement.id", None);
    let decision = engine().decide(&reduced);
    assert!(!decision.is_allow(), "{}", decision.to_json_pretty());
    assert_eq!(
        decision.reason_ids(),
        vec!["hangzhou.report.security_six_monthly"]
    );
    assert_eq!(decision.missing, vec!["agreement.id".to_string()]);
    // With the report's own agreement id it counts, and the operation is allowed.
    let own = full.with_fact(
        "agreement.id",
        Some(pdao::FactValue::Str("hz-2022-001".into())),
    );
    assert!(engine().decide(&own).is_allow());
}

// ---------------------------------------------------------------------------
// 2. A value of the wrong type is an error, never a decision.

/// Values of every JSON type, and strings that are not dates or enum values.
fn corruptions() -> Vec<Value> {
    vec![
        json!(true),
        json!(false),
        json!(0),
        json!(1),
        json!(-7),
        json!(6.5),
        json!(1.0e300),
        json!(18_446_744_073_709_551_615u64),
        json!(""),
        json!("true"),
        json!("6"),
        json!("2024-02-30"),
        json!("2024/01/01"),
        json!("not-a-listed-value"),
        json!([]),
        json!([1]),
        json!([true]),
        json!([[]]),
        json!(["not-a-listed-value"]),
        json!({}),
        json!({"value": true}),
    ]
}

/// Whether `value` is a valid value of a fact of type `ty`.
fn fits(ty: &FactType, value: &Value) -> bool {
    match (ty, value) {
        (FactType::Bool, Value::Bool(_)) => true,
        (FactType::Int, Value::Number(n)) => n.is_i64(),
        (FactType::Date, Value::String(s)) => pdao::dates::parse_date(s).is_some(),
        (FactType::String, Value::String(s)) => s.len() <= pdao::MAX_STRING_BYTES,
        (FactType::Enum(values), Value::String(s)) => values.contains(s),
        (FactType::List(values), Value::Array(items)) => items.iter().all(|item| match item {
            Value::String(s) => values.as_ref().is_none_or(|v| v.contains(s)),
            _ => false,
        }),
        _ => false,
    }
}

/// A place in a request and the errors a wrong value there may give.
#[derive(Debug, Clone)]
enum Target {
    /// A fact given in the request (index into its facts).
    Fact(usize),
    /// Any fact of the vocabulary of that object (added to the request).
    AnyFact(usize),
    /// `jurisdiction`, `date`, `action`, `materials`, `events`.
    Top(usize),
    /// An attribute of an event: `kind`, `date`, `until`, `ref`.
    EventAttr(usize, usize),
}

const TOP: [&str; 5] = ["jurisdiction", "date", "action", "materials", "events"];
const EVENT_ATTRS: [&str; 4] = ["kind", "date", "until", "ref"];

fn target() -> impl Strategy<Value = (usize, Target, usize)> {
    let corruption = 0..corruptions().len();
    (
        0..goldens().len(),
        prop_oneof![
            4 => any::<usize>().prop_map(Target::Fact),
            2 => any::<usize>().prop_map(Target::AnyFact),
            1 => (0..TOP.len()).prop_map(Target::Top),
            1 => (any::<usize>(), 0..EVENT_ATTRS.len()).prop_map(|(e, a)| Target::EventAttr(e, a)),
        ],
        corruption,
    )
}

/// Sets `path` (`object.name`) in a request JSON.
fn set_fact(request: &mut Value, path: &str, value: Value) -> Option<()> {
    let (object, name) = path.split_once('.')?;
    let top = request.as_object_mut()?;
    let facts = top
        .entry(object.to_string())
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if !facts.is_object() {
        *facts = Value::Object(serde_json::Map::new());
    }
    facts.as_object_mut()?.insert(name.to_string(), value);
    Some(())
}

#[test]
fn a_value_of_the_wrong_type_is_an_error_never_a_decision() {
    let engine = engine();
    let vocab = engine.bundle().vocabulary();
    let all_facts: Vec<(String, FactType)> = vocab
        .facts()
        .map(|f| (f.path.clone(), f.ty.clone()))
        .collect();
    let values = corruptions();
    let generated = AtomicUsize::new(0);
    let result = runner().run(&target(), |(case, target, which)| {
        let golden = &goldens()[case];
        let mut request = golden.json.clone();
        let bad = values[which].clone();
        // The field the error must name (a prefix of it, for list items and
        // nested values).
        let field: String = match &target {
            Target::Fact(i) => {
                let given: Vec<&String> = golden.request.facts().keys().collect();
                if given.is_empty() {
                    return Err(TestCaseError::reject("no facts"));
                }
                let path = given[i % given.len()].clone();
                let ty = &vocab.fact(&path).expect("a vocabulary fact").ty;
                if bad.is_null() || fits(ty, &bad) {
                    return Err(TestCaseError::reject("not a corruption"));
                }
                set_fact(&mut request, &path, bad.clone()).expect("an object request");
                path
            }
            Target::AnyFact(i) => {
                let (path, ty) = &all_facts[i % all_facts.len()];
                if fits(ty, &bad) {
                    return Err(TestCaseError::reject("not a corruption"));
                }
                set_fact(&mut request, path, bad.clone()).expect("an object request");
                path.clone()
            }
            Target::Top(i) => {
                let key = TOP[*i];
                let ok = match key {
                    "jurisdiction" => bad
                        .as_str()
                        .is_some_and(|s| vocab.jurisdictions().iter().any(|j| j == s)),
                    "action" => bad
                        .as_str()
                        .is_some_and(|s| vocab.actions().iter().any(|a| a == s)),
                    "date" => bad
                        .as_str()
                        .is_some_and(|s| pdao::dates::parse_date(s).is_some()),
                    "materials" => fits(&FactType::List(Some(vocab.materials().to_vec())), &bad),
                    _ => bad.as_array().is_some_and(|a| a.is_empty()),
                };
                if ok {
                    return Err(TestCaseError::reject("not a corruption"));
                }
                request
                    .as_object_mut()
                    .expect("an object request")
                    .insert(key.to_string(), bad.clone());
                key.to_string()
            }
            Target::EventAttr(e, a) => {
                let attr = EVENT_ATTRS[*a];
                let Some(events) = request.get_mut("events").and_then(Value::as_array_mut) else {
                    return Err(TestCaseError::reject("no events"));
                };
                if events.is_empty() {
                    return Err(TestCaseError::reject("no events"));
                }
                let len = events.len();
                let index = e % len;
                let ok = match attr {
                    "kind" => bad.as_str().is_some_and(|s| vocab.is_event_kind(s)),
                    "ref" => bad.is_string(),
                    _ => bad
                        .as_str()
                        .is_some_and(|s| pdao::dates::parse_date(s).is_some()),
                };
                if ok || bad.is_null() {
                    return Err(TestCaseError::reject("not a corruption"));
                }
                events[index]
                    .as_object_mut()
                    .expect("an event object")
                    .insert(attr.to_string(), bad.clone());
                format!("events[{index}]")
            }
        };
        generated.fetch_add(1, Ordering::Relaxed);
        let text = request.to_string();
        match engine.decide_json(&text) {
            Ok(decision) => {
                return Err(TestCaseError::fail(format!(
                    "a wrong value at `{field}` ({bad}) was decided ({:?}): {text}",
                    decision.decision
                )))
            }
            Err(error) => {
                // The golden request is valid, so the error names the
                // corrupted field (or a part of it: a list item, an event
                // attribute).
                let named = error.field().unwrap_or_default();
                prop_assert!(
                    named.starts_with(&field),
                    "the error names `{named}`, not `{field}`: {error}"
                );
                let codes = [
                    "wrong_type",
                    "bad_date",
                    "bad_value",
                    "out_of_range",
                    "unknown_jurisdiction",
                    "unknown_action",
                    "unknown_event_kind",
                    "inconsistent",
                    "missing_field",
                ];
                prop_assert!(codes.contains(&error.code()), "unexpected code: {error:?}");
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "fail_closed::wrong_type: {} corrupted requests generated, every one an error",
        generated.load(Ordering::Relaxed)
    );
    assert!(generated.load(Ordering::Relaxed) >= case_count() as usize);
}

// ---------------------------------------------------------------------------
// 3. A policy that fails at evaluation denies.

/// Three policies of the `zhejiang` layer that overflow 64-bit arithmetic in
/// Cedar for some values of `operator.log_retention_months`:
/// - a requirement whose condition overflows when the value is ≥ 1;
/// - a prohibition whose condition overflows when the value is ≥ 1;
/// - a requirement whose *guard* overflows when the value is ≥ 2 or ≤ -3.
///
/// Where they do not overflow they hold (or do not apply), except at the
/// very bottom of the range, where the first fails and the second fires.
const FAULTY: &str = r#"
@id("zhejiang.fault.requirement_overflow")
@effect("requirement")
@document("zhejiang-2023-44")
@article("test")
@quote("test")
forbid (principal, action, resource)
unless { context.operator.log_retention_months + 9223372036854775807 > 0 };

@id("zhejiang.fault.forbid_overflow")
@effect("forbid")
@document("zhejiang-2023-44")
@article("test")
@quote("test")
forbid (principal, action, resource)
when { context.operator.log_retention_months + 9223372036854775807 < 0 };

@id("zhejiang.fault.guard_overflow")
@effect("requirement")
@document("zhejiang-2023-44")
@article("test")
@quote("test")
forbid (principal, action, resource)
when { context.operator.log_retention_months * 4611686018427387904 >= 0 }
unless { context.operator.log_retention_months >= 0 };
"#;

fn faulty_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut files = engine().bundle().files().to_vec();
        files.push(("zhejiang/fault.cedar".to_string(), FAULTY.to_string()));
        match Bundle::from_files(files) {
            Ok(bundle) => Engine::new(bundle),
            Err(e) => panic!("the faulty bundle does not load: {e:?}"),
        }
    })
}

/// The fault rules that must be among the reasons for value `v`.
fn expected_fault_reasons(v: i64) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    match v.checked_add(i64::MAX) {
        None => {
            out.insert("zhejiang.fault.requirement_overflow");
            out.insert("zhejiang.fault.forbid_overflow");
        }
        Some(sum) => {
            if sum <= 0 {
                out.insert("zhejiang.fault.requirement_overflow");
            }
            if sum < 0 {
                out.insert("zhejiang.fault.forbid_overflow");
            }
        }
    }
    if v.checked_mul(4_611_686_018_427_387_904).is_none() {
        out.insert("zhejiang.fault.guard_overflow");
    }
    out
}

/// Golden requests of the zhejiang chain on or after the day the zhejiang
/// document (which the fault policies cite) took effect.
fn zhejiang_cases() -> Vec<usize> {
    let start = pdao::dates::parse_date("2023-09-01").expect("a date");
    goldens()
        .iter()
        .enumerate()
        .filter(|(_, g)| {
            matches!(
                g.request.jurisdiction(),
                "zhejiang" | "hangzhou" | "zhoushan"
            ) && g.request.date() >= start
        })
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn a_policy_that_fails_at_evaluation_denies() {
    let real = engine();
    let faulty = faulty_engine();
    let cases = zhejiang_cases();
    assert!(
        cases.len() > 50,
        "too few zhejiang-chain cases: {}",
        cases.len()
    );
    let value = prop_oneof![
        2 => -4i64..4,
        2 => 1i64..=i64::MAX,
        1 => i64::MIN..=0,
        1 => prop::sample::select(vec![i64::MIN, i64::MIN + 1, -i64::MAX, i64::MAX]),
    ];
    let generated = AtomicUsize::new(0);
    let erred = AtomicUsize::new(0);
    let compared = AtomicUsize::new(0);
    let result = runner().run(&(0..cases.len(), value, any::<bool>()), |(c, v, strip)| {
        let golden = &goldens()[cases[c]];
        let mut request = golden
            .request
            .with_fact("operator.log_retention_months", Some(FactValue::Int(v)));
        if strip {
            // Also without the materials: the decision must still deny.
            request = request.with_materials(None);
        }
        generated.fetch_add(1, Ordering::Relaxed);
        let decision = faulty.decide(&request);
        check_invariants(&decision)?;
        let expected = expected_fault_reasons(v);
        let got: BTreeSet<&str> = decision
            .reasons
            .iter()
            .map(|r| r.rule.as_str())
            .filter(|r| r.starts_with("zhejiang.fault."))
            .collect();
        prop_assert_eq!(
            &got,
            &expected,
            "value {}: {}",
            v,
            decision.to_json_pretty()
        );
        if !expected.is_empty() {
            erred.fetch_add(1, Ordering::Relaxed);
            prop_assert_eq!(decision.decision, Verdict::Deny);
        } else {
            // No fault: exactly the real bundle's decision.
            compared.fetch_add(1, Ordering::Relaxed);
            let baseline = real.decide(&request);
            prop_assert_eq!(decision.decision, baseline.decision);
            prop_assert_eq!(decision.reason_ids(), baseline.reason_ids());
            prop_assert_eq!(&decision.missing, &baseline.missing);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "fail_closed::evaluation_error: {} requests generated, {} with a failing or unmet fault policy (all denied), {} compared equal to the real bundle",
        generated.load(Ordering::Relaxed),
        erred.load(Ordering::Relaxed),
        compared.load(Ordering::Relaxed)
    );
    assert!(generated.load(Ordering::Relaxed) >= case_count() as usize);
}

/// Evaluation errors deny even when every fact is given and every other
/// rule holds: an allowed golden request of the chain, with the overflowing
/// value, is denied by exactly the fault rules.
#[test]
fn an_allowed_request_is_denied_when_a_policy_fails() {
    let real = engine();
    let faulty = faulty_engine();
    let mut checked = 0;
    for &i in &zhejiang_cases() {
        let golden = &goldens()[i];
        let request = golden
            .request
            .with_fact("operator.log_retention_months", Some(FactValue::Int(1)));
        if !real.decide(&request).is_allow() {
            continue;
        }
        // Without overflow the faulty bundle agrees.
        let fine = golden
            .request
            .with_fact("operator.log_retention_months", Some(FactValue::Int(0)));
        if real.decide(&fine).is_allow() {
            assert!(faulty.decide(&fine).is_allow(), "{}", golden.json);
        }
        let decision = faulty.decide(&request);
        assert_eq!(decision.decision, Verdict::Deny, "{}", golden.json);
        assert_eq!(
            decision.reason_ids(),
            vec![
                "zhejiang.fault.forbid_overflow",
                "zhejiang.fault.requirement_overflow"
            ],
            "{}",
            decision.to_json_pretty()
        );
        checked += 1;
    }
    assert!(checked > 0, "no allowed zhejiang-chain golden request");
}
