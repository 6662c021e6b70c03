use super::*;
use crate::decision::ReasonEffect;
use crate::request::FactValue;
use crate::Engine;

/// The engine's pipeline, for looking inside it.
fn pipeline(engine: &Engine) -> (&Bundle, &Pipeline) {
    (engine.bundle(), &engine.pipeline)
}

/// Every case request and each of its one-boolean-flipped variants.
fn requests(engine: &Engine) -> Vec<Request> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    let mut out = Vec::new();
    for path in crate::cases::find_case_files(&root).unwrap() {
        let case = crate::cases::Case::from_file(&path).unwrap();
        let Ok(request) = engine.parse_request(&case.request.to_string()) else {
            // Cases of invalid requests expect the error instead.
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
/// Both sides are the pipeline's own functions on the pipeline's own sets.
#[test]
fn kleene_fallback_agrees_with_cedar_wherever_cedar_decides() {
    let engine = Engine::embedded().unwrap();
    let (bundle, pipeline) = pipeline(&engine);
    let requests = requests(&engine);
    assert!(requests.len() > 1000, "only {} requests", requests.len());
    let mut compared = 0;
    for request in &requests {
        let located = locate(bundle, &pipeline.chains, request).unwrap();
        let compiled = located.compiled.unwrap();
        let facts = Facts::new(request, bundle, compiled);
        let found = pipeline
            .cedar
            .run(compiled.reference(bundle), &facts)
            .unwrap();
        for program in &compiled.programs {
            if found.errored.contains(&program.rule) {
                continue;
            }
            let rule = &bundle.rules[program.rule];
            assert_eq!(
                cedar_state(program.rule, rule, &found),
                rule_state(program, rule, &facts),
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
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hangzhou-apply.json"),
    )
    .unwrap();
    let request = engine.parse_request(&text).unwrap();
    assert!(engine.decide(&request).is_allow());

    // A fresh engine deciding through Cedar, whose set for this request is
    // built here with one rule twice: the second copy's probe ids are taken.
    let engine = Engine::with_options(
        Bundle::embedded().unwrap(),
        EngineOptions::default().evaluator(Evaluator::Cedar),
    );
    let (bundle, pipeline) = pipeline(&engine);
    let chain = &pipeline.chains[request.jurisdiction()];
    let epoch = chain.epoch(request.date()).unwrap();
    let mut rules: Vec<usize> = epoch
        .active
        .iter()
        .copied()
        .filter(|&r| bundle.rules[r].applies_to(request.action()))
        .collect();
    assert!(!rules.is_empty());
    rules.push(rules[0]);
    let broken = Compiled::new(bundle, &chain.layers, request.action(), rules);
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
