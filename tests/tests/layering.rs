//! The layering mechanism on a synthetic fixture bundle
//! (`tests/fixtures/layering`): explicit overrides, rules in force only in
//! their window, and no way for a lower layer to lift a higher forbid.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

use std::path::PathBuf;

use pdao::{Bundle, Engine, Verdict};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/layering")
}

fn engine() -> Engine {
    Engine::new(Bundle::from_dir(fixture()).expect("the fixture bundle loads"))
}

fn request(date: &str, facts: &str) -> String {
    format!(
        r#"{{"jurisdiction": "hangzhou", "date": "{date}", "action": "apply", "operator": {{{facts}}}}}"#
    )
}

#[test]
fn a_higher_override_displaces_the_named_lower_rule_once_in_force() {
    let engine = engine();
    let facts = r#""criminal_record": false, "credit_ok": true, "sound_operation": false"#;

    // 2024: the provincial amendment is not in force; the city's stricter rule decides.
    let before = engine.decide_json(&request("2024-06-01", facts)).unwrap();
    assert_eq!(before.decision, Verdict::Deny);
    assert_eq!(before.reason_ids(), vec!["hangzhou.fixture.strict_credit"]);
    assert!(before.overridden.is_empty());

    // 2025: the province displaces it, and says so.
    let after = engine.decide_json(&request("2025-06-01", facts)).unwrap();
    assert_eq!(after.decision, Verdict::Allow, "{}", after.to_json_pretty());
    assert_eq!(after.overridden.len(), 1);
    assert_eq!(after.overridden[0].rule, "hangzhou.fixture.strict_credit");
    assert_eq!(after.overridden[0].by, "zhejiang.fixture.credit");
    assert!(after
        .satisfied
        .contains(&"zhejiang.fixture.credit".to_string()));
    assert!(!after
        .satisfied
        .contains(&"hangzhou.fixture.strict_credit".to_string()));
}

#[test]
fn a_lower_layer_permit_cannot_lift_a_higher_forbid() {
    let engine = engine();
    let facts = r#""criminal_record": true, "credit_ok": true, "sound_operation": true"#;
    let decision = engine.decide_json(&request("2024-06-01", facts)).unwrap();
    assert_eq!(decision.decision, Verdict::Deny);
    assert_eq!(
        decision.reason_ids(),
        vec!["national.fixture.no_criminal_record"]
    );
    // The city's obligation (a Cedar permit) attached, and changed nothing.
    assert_eq!(decision.obligations.len(), 1);
    assert_eq!(decision.obligations[0].rule, "hangzhou.fixture.notify");
}

#[test]
fn a_lower_layer_cannot_override_a_higher_rule() {
    let dir = fixture();
    let mut files: Vec<(String, String)> = Bundle::from_dir(&dir).unwrap().files().to_vec();
    files.push((
        "hangzhou/lift.cedar".into(),
        r#"@id("hangzhou.fixture.lift")
@effect("requirement")
@document("city")
@article("5")
@quote("fixture")
@overrides("national.fixture.no_criminal_record")
forbid (principal, action == Action::"apply", resource)
unless { context.operator.credit_ok };
"#
        .into(),
    ));
    let err = Bundle::from_files(files).unwrap_err();
    let problem = err
        .problems
        .iter()
        .find(|p| p.code == "overrides")
        .expect("an overrides problem");
    assert_eq!(problem.file, "hangzhou/lift.cedar");
    assert_eq!(problem.line, Some(6));
    assert!(problem.message.contains("not below"), "{}", problem.message);
}

#[test]
fn a_missing_fact_in_a_higher_forbid_fails_closed() {
    let engine = engine();
    let decision = engine
        .decide_json(&request(
            "2024-06-01",
            r#""credit_ok": true, "sound_operation": true"#,
        ))
        .unwrap();
    assert_eq!(decision.decision, Verdict::Deny);
    assert_eq!(decision.missing, vec!["operator.criminal_record"]);
    assert_eq!(
        decision.reason_ids(),
        vec!["national.fixture.no_criminal_record"]
    );
}
