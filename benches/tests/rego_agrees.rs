//! The Rego baseline is honest: on a few hundred generated Hangzhou `apply`
//! requests (seeded, varied around every boundary, some facts missing) the
//! Rego policy evaluated by regorus — interpreter and register VM — gives
//! pdao's decision and exactly pdao's set of reason rule ids. And it encodes
//! exactly the rules the bundle applies to that chain and action, with
//! pdao's month arithmetic.

#[path = "../shared/rego.rs"]
mod rego;

use std::collections::BTreeSet;

use pdao::dates::{add_months, format_date, parse_date};
use pdao::{Effect, Engine, Verdict};
use pdao_bench::generate::{self, Rng, SEED};

const REQUESTS: usize = 600;

fn rego_ids() -> BTreeSet<String> {
    rego::POLICY
        .lines()
        .filter_map(|l| l.trim().strip_prefix("deny contains \""))
        .filter_map(|l| l.split('"').next())
        .filter(|id| *id != "pdao.coverage")
        .map(str::to_string)
        .collect()
}

#[test]
fn the_rego_policy_encodes_every_rule_pdao_applies_to_hangzhou_apply() {
    let engine = Engine::embedded().unwrap();
    let chain = ["national", "zhejiang", "hangzhou"];
    let pdao: BTreeSet<String> = engine
        .bundle()
        .rules()
        .iter()
        .filter(|r| chain.contains(&r.layer.as_str()))
        .filter(|r| r.applies_to("apply") && r.effect != Effect::Obligation)
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(
        rego_ids(),
        pdao,
        "benches/rego/hangzhou_apply.rego is out of date with the bundle's Hangzhou apply rules"
    );
}

#[test]
fn rego_month_arithmetic_is_pdaos() {
    let mut engine = rego::engine().unwrap();
    let mut rng = Rng::new(SEED ^ 0xa5a5);
    let mut cases: Vec<(String, i64)> = [
        ("2024-08-31", 6),
        ("2024-02-29", 12),
        ("2023-11-30", 3),
        ("2025-12-31", -3),
        ("2026-05-31", -3),
        ("2021-02-28", 36),
        ("2021-05-01", 36),
        ("2024-01-31", 1),
        ("2100-01-31", 1),
        ("2000-01-31", 1),
    ]
    .iter()
    .map(|(d, n)| (d.to_string(), *n))
    .collect();
    let start = parse_date("2019-01-01").unwrap();
    for _ in 0..400 {
        let day = pdao::dates::add_days(start, rng.range(0, 3650));
        let n = rng.pick(&[-36, -24, -12, -3, -1, 1, 3, 6, 12, 24, 36]);
        cases.push((format_date(day), n));
    }
    for (day, n) in cases {
        let expected = format_date(add_months(parse_date(&day).unwrap(), n)).replace('-', "");
        let query = format!("x := data.pdao.hangzhou_apply.add_months(\"{day}\", {n})");
        let results = engine.eval_query(query, false).unwrap();
        let got = results
            .result
            .first()
            .and_then(|r| r.bindings.as_object().ok())
            .and_then(|b| b.values().next().cloned())
            .unwrap();
        let got = got.to_json_str().unwrap();
        assert_eq!(
            got.trim_end_matches(".0"),
            expected,
            "add_months({day}, {n})"
        );
    }
}

#[test]
fn rego_and_pdao_agree_on_generated_hangzhou_applications() {
    let engine = Engine::embedded().unwrap();
    let mut interpreter = rego::engine().unwrap();
    let program = rego::program().unwrap();
    let mut vm = rego::vm(&program);

    let mut allowed = 0;
    let mut with_missing = 0;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (i, text) in generate::hangzhou_apply(SEED, REQUESTS).iter().enumerate() {
        let decision = engine.decide_json(text).unwrap();
        let pdao: BTreeSet<String> = decision.reasons.iter().map(|r| r.rule.clone()).collect();
        let input = rego::input(text).unwrap();
        let by_interpreter =
            rego::reasons(&rego::eval(&mut interpreter, input.clone()).unwrap()).unwrap();
        let by_vm = rego::reasons(&rego::eval_vm(&mut vm, input).unwrap()).unwrap();
        let rego_decision = interpreter
            .eval_rule("data.pdao.hangzhou_apply.decision".into())
            .unwrap();
        let expected_decision = decision.decision.as_str();
        assert_eq!(
            by_interpreter, pdao,
            "request {i}: Rego (interpreter) and pdao give different reasons\n{text}"
        );
        assert_eq!(
            by_vm, pdao,
            "request {i}: Rego (RVM) and pdao give different reasons\n{text}"
        );
        assert_eq!(
            rego_decision.as_string().unwrap().as_ref(),
            expected_decision,
            "request {i}: different decisions\n{text}"
        );
        if decision.decision == Verdict::Allow {
            allowed += 1;
        }
        if !decision.missing.is_empty() {
            with_missing += 1;
        }
        seen.extend(pdao);
    }

    // The generator reaches every outcome, so agreement means something.
    let mut every = rego_ids();
    every.insert("pdao.coverage".into());
    let unseen: Vec<_> = every.difference(&seen).collect();
    assert!(
        unseen.is_empty(),
        "never a reason in {REQUESTS} requests: {unseen:?}"
    );
    assert!(
        allowed >= REQUESTS / 10,
        "only {allowed} of {REQUESTS} allowed"
    );
    assert!(
        allowed <= REQUESTS * 9 / 10,
        "{allowed} of {REQUESTS} allowed"
    );
    assert!(
        with_missing >= 10,
        "only {with_missing} requests with a missing fact"
    );
}
