//! The ready laws of `pdao::testing`, run on the real bundle with 10 000
//! generated requests each (seeded: the same requests on every run); the
//! fail-closed law runs 100 000 with `PDAO_LONG=1`.

// Test helpers outside #[test] functions may fail loudly too (clippy.toml
// allows this inside tests only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Instant;

use pdao::testing::{
    law_determinism, law_fail_closed, law_lex_superior, law_monotone_windows, law_time, Direction,
    LawConfig, LawReport, Removal, Window,
};
use pdao::unstable::RequestEdit as _;
use pdao::Engine;

const CASES: u32 = 10_000;

/// Requests for the fail-closed law: 10 000, or 100 000 with `PDAO_LONG=1`
/// (the switch `tests/tests/fail_closed.rs` uses).
fn fail_closed_cases() -> u32 {
    if std::env::var("PDAO_LONG").is_ok_and(|v| v == "1") {
        100_000
    } else {
        CASES
    }
}

fn engine() -> Engine {
    Engine::embedded().expect("the embedded bundle loads")
}

fn check(report: Result<LawReport, pdao::testing::LawError>, started: Instant) -> LawReport {
    let report = report.unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{}: {} requests ({} allowed, {} denied), {} evaluations, {} bundles, exercised {} — {:.1?}\n  {}",
        report.law,
        report.cases,
        report.allowed,
        report.denied,
        report.evaluations,
        report.bundles,
        report.exercised,
        started.elapsed(),
        report.notes.join("\n  ")
    );
    assert!(report.cases >= u64::from(CASES), "{report:?}");
    assert!(
        report.exercised > 0,
        "the law was never exercised: {report:?}"
    );
    assert!(report.allowed > 0 && report.denied > 0, "{report:?}");
    report
}

#[test]
fn decisions_are_deterministic() {
    let t = Instant::now();
    check(law_determinism(&engine(), &LawConfig::with_cases(CASES)), t);
}

#[test]
fn removing_a_read_fact_never_turns_a_deny_into_an_allow() {
    let t = Instant::now();
    let cases = fail_closed_cases();
    let report = check(law_fail_closed(&engine(), &LawConfig::with_cases(cases)), t);
    assert!(report.cases >= u64::from(cases), "{report:?}");
}

#[test]
fn no_rule_applies_outside_its_documents_window() {
    let t = Instant::now();
    check(law_time(&engine(), &LawConfig::with_cases(CASES)), t);
}

#[test]
fn a_lower_layer_policy_never_lifts_a_deny() {
    let t = Instant::now();
    let report = check(
        law_lex_superior(&engine(), &LawConfig::with_cases(CASES), 8),
        t,
    );
    assert_eq!(report.bundles, 8);
}

#[test]
fn longer_windows_move_decisions_one_way_only() {
    let t = Instant::now();
    let windows = [
        Window {
            definition: "zj_recent_incident".into(),
            layer: Some("zhejiang".into()),
            months: vec![24, 36, 48],
            longer_is: Direction::Stricter,
        },
        Window {
            definition: "zj_audit_fresh".into(),
            layer: Some("zhejiang".into()),
            months: vec![6, 12, 24],
            longer_is: Direction::Laxer,
        },
        Window {
            definition: "hz_review_valid".into(),
            layer: Some("hangzhou".into()),
            months: vec![12, 24, 36],
            longer_is: Direction::Laxer,
        },
    ];
    let report = check(
        law_monotone_windows(&engine(), &windows, &LawConfig::with_cases(CASES)),
        t,
    );
    assert_eq!(report.bundles, 9);
}

/// Identifiers fail closed like every other fact (catalog 1.1 §1.4): on the
/// golden case of an outsourcing reported under another arrangement's
/// decision, removing `agreement.id` keeps the request denied and names the
/// id as missing, where catalog 1.0 let the other arrangement's materials
/// count. Every read fact, the id included, can be removed safely.
#[test]
fn an_absent_identifier_fails_closed_like_every_other_fact() {
    let engine = engine();
    let space = pdao::authoring::Space::new(engine.bundle());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../policies/quanzhou/cases/a Quanzhou outsourcing reported under another arrangement's decision is refused.json",
    );
    let case = pdao::cases::Case::from_file(&path).unwrap();
    let request = engine.parse_request(&case.request.to_string()).unwrap();
    let read = pdao::testing::facts_read(&space, &request);
    assert!(read.contains(&"agreement.id".to_string()), "{read:?}");
    for pick in 0..read.len() {
        pdao::testing::check_fail_closed(&engine, &space, &request, Removal::One(pick)).unwrap();
    }
    let without = engine.decide(&request.with_fact("agreement.id", None));
    assert!(!without.is_allow());
    assert_eq!(without.missing, vec!["agreement.id".to_string()]);
    // The decision materials and the design review both carry a ref: whether
    // they concern this arrangement is unknown without its id.
    assert_eq!(
        without.reason_ids(),
        vec![
            "quanzhou.outsource.report_before_implementation",
            "quanzhou.project.design_review_first"
        ]
    );
}

/// A law that does not hold is reported with a shrunk request: the incident
/// look-back declared "laxer" (it is stricter) fails.
#[test]
fn a_window_declared_the_wrong_way_round_is_caught() {
    let windows = [Window {
        definition: "zj_recent_incident".into(),
        layer: None,
        months: vec![24, 36],
        longer_is: Direction::Laxer,
    }];
    let err = law_monotone_windows(&engine(), &windows, &LawConfig::with_cases(3_000))
        .expect_err("the incident window is stricter when longer");
    let text = err.to_string();
    eprintln!("{text}");
    assert!(
        text.contains("law `monotone-windows` does not hold"),
        "{text}"
    );
    assert!(
        text.contains("a longer window denies what a shorter one allows"),
        "{text}"
    );
    assert!(text.contains("security_incident"), "{text}");
}

// ---------------------------------------------------------------------------
// An author's own law (the example of docs/AUTHORS.md, kept compiling here).

mod own_law {
    use std::cell::Cell;
    use std::sync::OnceLock;

    use pdao::dates::last_day;
    use pdao::testing::{requests_for, GenConfig};
    use pdao::{Engine, FactValue, Request};
    use proptest::prelude::*;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};

    fn engine() -> &'static Engine {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        ENGINE.get_or_init(|| Engine::embedded().expect("the embedded bundle loads"))
    }

    /// Signature requests in the Zhejiang chain, half of them near complete,
    /// allowed ones.
    fn signatures() -> impl Strategy<Value = Request> {
        requests_for(
            engine(),
            &GenConfig {
                jurisdictions: Some(vec![
                    "zhejiang".into(),
                    "hangzhou".into(),
                    "zhoushan".into(),
                ]),
                actions: Some(vec!["sign_agreement".into()]),
                ..GenConfig::default()
            },
        )
    }

    /// 四(四) 一般不超过3年: no agreement longer than 36 months is signed
    /// in the Zhejiang chain without an approved exception. The law bites
    /// only on requests that state such a term: they are counted, and a
    /// run with too few of them fails rather than passing vacuously.
    #[test]
    fn no_term_beyond_three_years_without_an_exception() {
        const MINIMUM: u32 = 25;
        let exercised = Cell::new(0u32);
        let mut runner = TestRunner::new_with_rng(
            ProptestConfig::with_cases(500),
            TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        );
        let result = runner.run(&signatures(), |request| {
            let decision = engine().decide(&request);
            if let (Some(FactValue::Date(start)), Some(FactValue::Date(end))) = (
                request.fact("agreement.start"),
                request.fact("agreement.end"),
            ) {
                let exception = request.fact("agreement.term_exception_approved")
                    == Some(&FactValue::Bool(true));
                if *end > last_day(*start, 36) && !exception {
                    exercised.set(exercised.get() + 1);
                    prop_assert!(!decision.is_allow(), "{}", decision.to_json_pretty());
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        eprintln!(
            "terms over 36 months without an exception: {} of 500",
            exercised.get()
        );
        assert!(
            exercised.get() >= MINIMUM,
            "only {} of 500 requests stated a term over 36 months without an exception",
            exercised.get()
        );
    }
}
