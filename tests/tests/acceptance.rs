//! Behaviours the product promises, checked on the embedded bundle: the
//! worked requests of the README and the issues, the catalog and the seed
//! texts, and that every rule is exercised on both its sides by the cases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test helpers

use std::collections::BTreeMap;
use std::path::PathBuf;

use pdao::audit::{catalog_coverage, verify_quotes, verify_scopes};
use pdao::cases::{find_case_files, Case};
use pdao::{Bundle, Engine, Verdict};
use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The specification the bundle is audited against (`sources/`: the
/// catalog and the seed texts).
fn sources() -> PathBuf {
    root().join("sources")
}

fn example() -> Value {
    let text = std::fs::read_to_string(root().join("examples/hangzhou-apply.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn decide(engine: &Engine, request: &Value) -> pdao::Decision {
    engine.decide_json(&request.to_string()).unwrap()
}

#[test]
fn the_example_hangzhou_application_is_allowed_with_its_filing_obligation() {
    let engine = Engine::embedded().unwrap();
    let d = decide(&engine, &example());
    assert_eq!(d.decision, Verdict::Allow, "{}", d.to_json_pretty());
    assert_eq!(d.layers, vec!["national", "zhejiang", "hangzhou"]);
    assert!(d.reasons.is_empty() && d.missing.is_empty());
    assert!(d.satisfied.contains(&"zhejiang.operator.mlps3".to_string()));
    assert_eq!(
        d.obligations
            .iter()
            .map(|o| o.rule.as_str())
            .collect::<Vec<_>>(),
        vec!["zhejiang.grant.publish_and_file"]
    );
}

#[test]
fn removing_the_mlps3_fact_denies_and_names_it_missing() {
    let engine = Engine::embedded().unwrap();
    let mut request = example();
    request["operator"]
        .as_object_mut()
        .unwrap()
        .remove("mlps3_experience");
    let d = decide(&engine, &request);
    assert_eq!(d.decision, Verdict::Deny);
    assert_eq!(d.missing, vec!["operator.mlps3_experience"]);
    assert_eq!(d.reason_ids(), vec!["zhejiang.operator.mlps3"]);
}

#[test]
fn a_false_mlps3_fact_denies_citing_article_and_quote() {
    let engine = Engine::embedded().unwrap();
    let mut request = example();
    request["operator"]["mlps3_experience"] = json!(false);
    let d = decide(&engine, &request);
    assert_eq!(d.decision, Verdict::Deny);
    assert!(d.missing.is_empty());
    let reason = &d.reasons[0];
    assert_eq!(reason.rule, "zhejiang.operator.mlps3");
    assert_eq!(reason.layer, "zhejiang");
    assert_eq!(reason.source.document, "浙政办发〔2023〕44号");
    assert_eq!(reason.source.article, "三(二)2");
    assert!(reason.source.quote.contains("網絡安全等級保護三級標準"));
    assert!(reason
        .explanation
        .contains("operator.mlps3_experience = false"));
}

#[test]
fn a_hangzhou_request_before_the_city_plan_reports_the_city_layer_empty() {
    let engine = Engine::embedded().unwrap();
    let mut request = example();
    request["date"] = json!("2023-09-15");
    let d = decide(&engine, &request);
    let city = d
        .layer_report
        .iter()
        .find(|l| l.layer == "hangzhou")
        .unwrap();
    assert_eq!(city.status, "not_in_force");
    assert_eq!(city.rules_in_force, 0);
    assert!(city.note.contains("2023-10-05"));
    let province = d
        .layer_report
        .iter()
        .find(|l| l.layer == "zhejiang")
        .unwrap();
    assert_eq!(province.status, "in_force");
    assert!(
        !d.reason_ids().contains(&"pdao.coverage"),
        "zhejiang covers the request"
    );
}

#[test]
fn a_zhaoqing_request_after_the_measure_expired_is_not_covered() {
    let engine = Engine::embedded().unwrap();
    let request = json!({"jurisdiction": "zhaoqing", "date": "2028-05-01", "action": "apply"});
    let d = decide(&engine, &request);
    assert_eq!(d.decision, Verdict::Deny);
    assert_eq!(d.reasons[0].rule, "pdao.coverage");
    assert!(
        d.reasons[0].explanation.contains("expired on 2028-04-30"),
        "{}",
        d.reasons[0].explanation
    );
    let text = pdao::explain::render_text(&d);
    assert!(text.contains("expired on 2028-04-30"));
    // The day before, the measure is in force.
    let in_force = decide(
        &engine,
        &json!({"jurisdiction": "zhaoqing", "date": "2028-04-30", "action": "apply"}),
    );
    assert!(!in_force.reason_ids().contains(&"pdao.coverage"));
}

#[test]
fn a_hangzhou_termination_owes_log_retention_with_its_due_date() {
    let engine = Engine::embedded().unwrap();
    let request = json!({"jurisdiction": "hangzhou", "date": "2024-08-31", "action": "terminate"});
    let d = decide(&engine, &request);
    let logs = d
        .obligations
        .iter()
        .find(|o| o.rule == "zhejiang.terminate.retain_network_logs")
        .expect("the log-retention obligation");
    assert_eq!(logs.due.as_deref(), Some("2025-02-28"));
    let text = pdao::explain::render_text(&d);
    assert!(text.contains("zhejiang.terminate.retain_network_logs — due 期限 2025-02-28"));
}

#[test]
fn guangdong_and_fujian_are_never_covered() {
    let engine = Engine::embedded().unwrap();
    for jurisdiction in ["guangdong", "fujian"] {
        let d = decide(
            &engine,
            &json!({"jurisdiction": jurisdiction, "date": "2025-06-01", "action": "operate"}),
        );
        assert_eq!(d.decision, Verdict::Deny);
        assert_eq!(d.reasons[0].rule, "pdao.coverage");
        assert!(d
            .layer_report
            .iter()
            .any(|l| l.layer == jurisdiction && l.status == "empty"));
    }
}

#[test]
fn decisions_are_byte_identical_across_runs_and_engines() {
    let a = Engine::embedded().unwrap();
    let b = Engine::embedded().unwrap();
    let mut compared = 0;
    for path in find_case_files(&root().join("policies"))
        .unwrap()
        .iter()
        .take(120)
    {
        let case = Case::from_file(path).unwrap();
        let text = case.request.to_string();
        // Every golden request is valid: an error here is a failure, not a
        // request to skip.
        let decide = |engine: &Engine| {
            engine
                .decide_json(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .to_json_pretty()
        };
        let x = decide(&a);
        assert_eq!(x, decide(&b), "{}", path.display());
        assert_eq!(x, decide(&a), "{}", path.display());
        compared += 1;
    }
    assert_eq!(compared, 120, "only {compared} requests compared");
}

#[test]
fn every_catalog_rule_is_encoded_and_no_policy_is_outside_the_catalog() {
    let bundle = Bundle::embedded().unwrap();
    let catalog = std::fs::read_to_string(sources().join("CATALOG.md")).unwrap();
    let coverage = catalog_coverage(&bundle, &catalog);
    assert_eq!(coverage.catalog, 119);
    assert!(
        coverage.missing.is_empty(),
        "not encoded: {:?}",
        coverage.missing
    );
    assert!(
        coverage.unknown.is_empty(),
        "not in the catalog: {:?}",
        coverage.unknown
    );
    assert_eq!(coverage.encoded, 119);
}

#[test]
fn every_policy_applies_to_its_catalog_actions_with_its_catalog_effect() {
    let bundle = Bundle::embedded().unwrap();
    let catalog = std::fs::read_to_string(sources().join("CATALOG.md")).unwrap();
    let problems = verify_scopes(&bundle, &catalog);
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A bundle whose policies differ from their entries in scope and in
/// effect: each difference is reported at the policy's file and line.
#[test]
fn a_policy_whose_actions_or_effect_differ_from_the_catalog_is_reported() {
    let fixture = root().join("tests/fixtures/catalog-audit");
    let bundle = Bundle::from_dir(&fixture).unwrap();
    let catalog = std::fs::read_to_string(sources().join("CATALOG.md")).unwrap();
    let problems = verify_scopes(&bundle, &catalog);
    let found: Vec<(&str, &str, Option<usize>)> = problems
        .iter()
        .map(|p| (p.code.as_str(), p.file.as_str(), p.line))
        .collect();
    assert_eq!(
        found,
        vec![
            ("catalog_actions", "zhejiang/operator.cedar", Some(5)),
            ("catalog_effect", "zhejiang/operator.cedar", Some(17)),
        ]
    );
    let actions = &problems[0].message;
    assert!(
        actions
            .starts_with("`zhejiang.operator.mlps3`: actions differ from the catalog entry (line "),
        "{actions}"
    );
    assert!(
        actions.contains("the policy does not apply to `renew` listed by the catalog"),
        "{actions}"
    );
    assert!(
        actions.contains("it applies to `sign_agreement` the catalog does not list"),
        "{actions}"
    );
    assert!(
        problems[1]
            .message
            .contains("`zhejiang.operator.no_recent_incident`: effect `requirement` differs from the catalog entry"),
        "{}",
        problems[1].message
    );

    // The command line reports both, one line each, and fails.
    let out = std::process::Command::new(pdao_tests::pdao_cli())
        .arg("check")
        .arg(&fixture)
        .arg("--catalog")
        .arg(sources().join("CATALOG.md"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("actions and effects: 2 differences from"),
        "{stdout}"
    );
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("pdao: error[catalog_"))
        .collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(
            "pdao: error[catalog_actions]: zhejiang/operator.cedar:5: `zhejiang.operator.mlps3`"
        ),
        "{stderr}"
    );
    assert!(lines[1].starts_with("pdao: error[catalog_effect]: zhejiang/operator.cedar:17: `zhejiang.operator.no_recent_incident`"), "{stderr}");
}

#[test]
fn every_quote_is_verbatim_in_its_seed_text() {
    let bundle = Bundle::embedded().unwrap();
    let problems = verify_quotes(&bundle, &sources().join("seeds"));
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // And rules outside the seeds say so.
    for rule in bundle.rules().iter().filter(|r| r.layer == "national") {
        assert!(
            rule.outside_seeds.is_some(),
            "{} must be marked outside the seeds",
            rule.id
        );
    }
}

#[test]
fn the_check_command_reports_full_catalog_coverage() {
    let exe = pdao_tests::pdao_cli();
    let catalog = sources().join("CATALOG.md");
    let out = std::process::Command::new(exe)
        .args(["check", "--catalog"])
        .arg(&catalog)
        .arg("--seeds")
        .arg(sources().join("seeds"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("catalog: 119/119 catalog ids encoded"),
        "{stdout}"
    );
    assert!(
        stdout.contains("actions and effects: every policy as in"),
        "{stdout}"
    );
    assert!(stdout.contains("every quote found verbatim"), "{stdout}");
}

/// Every rule must be seen deciding (unmet / fired / attached) in some case
/// and checked-and-holding (satisfied / not fired / applicable but not
/// attached) in another.
#[test]
fn every_rule_is_exercised_on_both_sides_by_the_golden_cases() {
    let engine = Engine::embedded().unwrap();
    let mut sides: BTreeMap<String, (usize, usize)> = engine
        .bundle()
        .rules()
        .iter()
        .map(|r| (r.id.clone(), (0, 0)))
        .collect();
    for path in find_case_files(&root().join("policies")).unwrap() {
        let case = Case::from_file(&path).unwrap();
        let result = case.run(&engine);
        for outcome in result.outcomes {
            let entry = sides.entry(outcome.rule).or_default();
            if outcome.decides {
                entry.0 += 1;
            } else if outcome.applies {
                entry.1 += 1;
            }
        }
    }
    let unconditional: Vec<&str> = engine
        .bundle()
        .rules()
        .iter()
        .filter(|r| r.is_unconditional())
        .map(|r| r.id.as_str())
        .collect();
    // Only these decide on every request of their actions, by their text.
    assert_eq!(
        unconditional,
        vec![
            "zhejiang.conduct.no_third_party",
            "zhejiang.terminate.close_access_delete_data",
            "zhejiang.terminate.retain_network_logs",
        ]
    );
    let one_sided: Vec<String> = sides
        .iter()
        .filter(|(id, (d, s))| *d == 0 || (*s == 0 && !unconditional.contains(&id.as_str())))
        .map(|(id, (d, s))| format!("{id}: {d} deciding, {s} holding"))
        .collect();
    assert!(
        one_sided.is_empty(),
        "rules not covered on both sides:\n{}",
        one_sided.join("\n")
    );
}

#[test]
fn pdao_check_into_a_closed_pipe_stops_quietly_instead_of_panicking() {
    // `pdao check | head -0`: the reader is gone before the report is written.
    let mut child = std::process::Command::new(pdao_tests::pdao_cli())
        .arg("check")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
