//! The tools for policy authors — `pdao test`, `pdao diff`, `pdao why-not` —
//! on the real bundle and on a modified copy of it: Hangzhou's agreement term
//! changed from exactly 2 to exactly 3 years.

// Test helpers outside #[test] functions may fail loudly too (clippy.toml
// allows this inside tests only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pdao::authoring::{
    changed_rules, diff, why_not, Change, DiffOptions, RuleChangeKind, WhyNotOptions,
};
use pdao::dates::last_day;
use pdao::{Bundle, Engine, FactValue, Request, Verdict};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/authoring")
}

fn pdao() -> &'static Path {
    pdao_tests::pdao_cli()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(pdao())
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        status.code().unwrap(),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// A copy of `policies/` (with its cases) in a fresh temporary directory,
/// removed on drop.
struct Copy(PathBuf);

impl Copy {
    fn of_policies(name: &str) -> Copy {
        let dir = std::env::temp_dir().join(format!("pdao-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(&root().join("policies"), &dir);
        Copy(dir)
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.0.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} does not contain {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// Hangzhou's term read as exactly 3 years instead of exactly 2: the `.rules`
/// definition the rule reads, and the rule's reading note.
fn three_year_term(name: &str) -> Copy {
    let copy = Copy::of_policies(name);
    copy.edit(
        "hangzhou/time.rules",
        "fact hz_term_two_years = agreement.end == last_day(agreement.start, 24 months);",
        "fact hz_term_two_years = agreement.end == last_day(agreement.start, 36 months);",
    );
    copy.edit(
        "hangzhou/agreement.cedar",
        "Read as a fixed 2-year term",
        "Read as a fixed 3-year term (amended reading)",
    );
    copy
}

fn case_request(engine: &Engine, file: &str) -> Request {
    let path = root().join("policies/hangzhou/cases").join(file);
    let case = pdao::cases::Case::from_file(&path).unwrap();
    engine.parse_request(&case.request.to_string()).unwrap()
}

// ---------------------------------------------------------------------------
// pdao test

#[test]
fn pdao_test_passes_on_the_real_bundle_and_ends_with_the_closing_line() {
    let (code, stdout, stderr) = run(&["test", "policies"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let cases = pdao::cases::find_case_files(&root().join("policies"))
        .unwrap()
        .len();
    let last = stdout.lines().last().unwrap();
    assert_eq!(last, format!("{cases} passed, 0 failed"));
    assert!(stdout
        .lines()
        .any(|l| l == "ok   hangzhou: a Hangzhou agreement of 24 months is accepted"));
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok   ")).count(),
        cases
    );
}

#[test]
fn pdao_test_reports_a_failing_case_and_exits_1() {
    let dir = fixtures().join("suite");
    let (code, stdout, _) = run(&["test", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(*lines.last().unwrap(), "1 passed, 1 failed");
    let fail = lines
        .iter()
        .position(|l| *l == "FAIL hangzhou: a wrong expectation fails")
        .unwrap();
    assert!(lines[fail + 1].contains("decision is deny, expected allow"));
    assert!(lines.contains(&"ok   hangzhou: the example Hangzhou application is allowed"));

    let (code, stdout, _) = run(&["test", "--json", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 1);
    assert_eq!(v["total"], 2);
    let failing = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["passed"] == false)
        .unwrap();
    assert_eq!(failing["name"], "a wrong expectation fails");
    assert!(!failing["failures"].as_array().unwrap().is_empty());
}

#[test]
fn pdao_test_junit_is_xml_with_one_testcase_per_case_and_the_failures() {
    let dir = fixtures().join("suite");
    let (code, stdout, stderr) = run(&["test", "--format", "junit", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    let xml = roxmltree::Document::parse(&stdout).unwrap();
    let root = xml.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("2"));
    assert_eq!(root.attribute("failures"), Some("1"));
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].attribute("name"), Some("hangzhou"));
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    let failing = cases
        .iter()
        .find(|c| c.attribute("name") == Some("a wrong expectation fails"))
        .unwrap();
    assert_eq!(failing.attribute("classname"), Some("pdao.hangzhou"));
    let failure = failing
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(failure
        .text()
        .unwrap()
        .contains("decision is deny, expected allow"));
    assert!(failure
        .attribute("message")
        .unwrap()
        .contains("decision is deny"));
    let passing = cases
        .iter()
        .find(|c| c.attribute("name") == Some("the example Hangzhou application is allowed"))
        .unwrap();
    assert!(!passing.children().any(|n| n.has_tag_name("failure")));
    assert!(passing.attribute("time").unwrap().parse::<f64>().unwrap() >= 0.0);
}

#[test]
fn pdao_test_junit_on_the_bundle_has_every_case_and_a_coverage_suite() {
    let (code, stdout, stderr) = run(&["test", "--format", "junit", "--coverage", "policies"]);
    assert_eq!(code, 0, "{stderr}");
    let xml = roxmltree::Document::parse(&stdout).unwrap();
    let cases = pdao::cases::find_case_files(&root().join("policies"))
        .unwrap()
        .len();
    let layers = Bundle::embedded().unwrap().layers().len();
    let root = xml.root_element();
    assert_eq!(
        root.attribute("tests"),
        Some((cases + layers).to_string().as_str())
    );
    assert_eq!(root.attribute("failures"), Some("0"));
    let testcases = xml
        .descendants()
        .filter(|n| n.has_tag_name("testcase") && n.attribute("classname") != Some("pdao.coverage"))
        .count();
    assert_eq!(testcases, cases);
    let coverage = xml
        .descendants()
        .find(|n| n.attribute("name") == Some("rule coverage"))
        .unwrap();
    assert_eq!(
        coverage.attribute("tests"),
        Some(layers.to_string().as_str())
    );
    assert_eq!(coverage.attribute("failures"), Some("0"));
    // On one layer's cases, the rules of other layers are never seen: the
    // coverage suite fails for them.
    let (code, stdout, _) = run(&[
        "test",
        "--format",
        "junit",
        "--coverage",
        "policies/hangzhou",
    ]);
    assert_eq!(code, 0);
    let xml = roxmltree::Document::parse(&stdout).unwrap();
    let coverage = xml
        .descendants()
        .find(|n| n.attribute("name") == Some("rule coverage"))
        .unwrap();
    assert_ne!(coverage.attribute("failures"), Some("0"));
    let quanzhou = coverage
        .children()
        .find(|n| {
            n.attribute("name")
                .is_some_and(|a| a.starts_with("quanzhou:"))
        })
        .unwrap();
    assert!(quanzhou
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap()
        .text()
        .unwrap()
        .contains("quanzhou."));
}

#[test]
fn pdao_test_coverage_lists_every_layer_and_keeps_the_closing_line_last() {
    let (code, stdout, _) = run(&["test", "--coverage", "policies"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("rule coverage"), "{stdout}");
    for layer in ["national", "zhejiang", "hangzhou", "zhaoqing", "quanzhou"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(layer) && l.contains("deciding")),
            "{layer}: {stdout}"
        );
    }
    assert!(stdout.contains("every rule is exercised on both sides"));
    assert!(stdout
        .lines()
        .last()
        .unwrap()
        .ends_with(" passed, 0 failed"));

    // Only the Hangzhou cases: the other layers' rules are not exercised.
    let (code, stdout, _) = run(&["test", "--coverage", "--json", "policies/hangzhou"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let gaps = v["coverage"]["not_exercised"].as_array().unwrap();
    assert!(gaps
        .iter()
        .any(|g| g["rule"] == "zhaoqing.report.quarterly" && g["never"] == "deciding and holding"));
    assert!(!gaps.iter().any(|g| g["rule"] == "hangzhou.agreement.term"));
}

#[test]
fn pdao_test_on_a_changed_bundle_names_the_cases_the_change_breaks() {
    let copy = three_year_term("test");
    // The first directory holds a facts.toml: its own bundle decides.
    let (code, stdout, _) = run(&["test", copy.path()]);
    assert_eq!(code, 1, "{stdout}");
    for broken in [
        "FAIL hangzhou: a Hangzhou agreement of 24 months is accepted",
        "FAIL hangzhou: a Hangzhou agreement of 36 months is refused although the province allows it",
    ] {
        assert!(stdout.lines().any(|l| l == broken), "{broken}\n{stdout}");
    }
    // Only Hangzhou cases break (every Hangzhou signature case states a term).
    assert!(stdout
        .lines()
        .all(|l| !l.starts_with("FAIL ") || l.starts_with("FAIL hangzhou: a Hangzhou ")));
    // The same cases against the embedded bundle pass.
    let (code, _, _) = run(&["--policies", "policies", "test", copy.path()]);
    assert_eq!(code, 0);
}

// ---------------------------------------------------------------------------
// pdao diff

/// Whether the term from `start` to `end` (both days included) lasts
/// exactly `months` (catalog §6.1: `end == last_day(start, months)`).
fn exact_term(r: &Request, months: i64) -> bool {
    let (Some(FactValue::Date(start)), Some(FactValue::Date(end))) =
        (r.fact("agreement.start"), r.fact("agreement.end"))
    else {
        return false;
    };
    *end == last_day(*start, months)
}

#[test]
fn diff_finds_exactly_the_hangzhou_term_decisions() {
    let copy = three_year_term("diff-lib");
    let old = Engine::embedded().unwrap();
    let new = Engine::new(Bundle::from_dir(&copy.0).unwrap());

    let changed = changed_rules(old.bundle(), new.bundle());
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].id, "hangzhou.agreement.term");
    assert_eq!(changed[0].kind, RuleChangeKind::Modified);
    assert!(changed[0]
        .details
        .iter()
        .any(|d| d.contains("temporal definition `hz_term_two_years`")));
    assert!(changed[0].details.iter().any(|d| d.contains("annotations")));

    let report = diff(
        &old,
        &new,
        &DiffOptions {
            seed: 7,
            requests: 8_000,
            threads: 0,
        },
    )
    .unwrap();
    assert_eq!(report.requests, 8_000);
    assert!(report.systematic > 1_000, "{}", report.systematic);
    assert_eq!(report.systematic_pairs, vec!["hangzhou/sign_agreement"]);
    assert!(report.decision_changes() > 50, "{}", report.render_text());

    // Every change is a Hangzhou signature, attributed to the one rule.
    assert_eq!(report.groups.len(), 1);
    assert_eq!(report.groups[0].rules, vec!["hangzhou.agreement.term"]);
    let mut up = 0;
    let mut down = 0;
    for c in &report.changed {
        assert_eq!(c.request.jurisdiction(), "hangzhou");
        assert_eq!(c.request.action(), "sign_agreement");
        assert_eq!(c.rules, vec!["hangzhou.agreement.term"]);
        match (c.old, c.new) {
            // Now allowed: a term of exactly 3 years, which 2 years refused.
            (Verdict::Deny, Verdict::Allow) => {
                assert!(exact_term(&c.request, 36) && !exact_term(&c.request, 24));
                assert_eq!(c.old_reasons, vec!["hangzhou.agreement.term"]);
                up += 1;
            }
            // Now refused: a term of exactly 2 years.
            (Verdict::Allow, Verdict::Deny) => {
                assert!(exact_term(&c.request, 24) && !exact_term(&c.request, 36));
                assert_eq!(c.new_reasons, vec!["hangzhou.agreement.term"]);
                down += 1;
            }
            // Reasons only: the term rule joins or leaves other reasons.
            _ => {
                let mut a = c.old_reasons.clone();
                let mut b = c.new_reasons.clone();
                a.retain(|r| r != "hangzhou.agreement.term");
                b.retain(|r| r != "hangzhou.agreement.term");
                assert_eq!(a, b);
            }
        }
    }
    assert!(up > 0 && down > 0, "{up} up, {down} down");

    // The golden cases agree: 36 months was refused and is now allowed,
    // 24 months was allowed and is now refused.
    let months36 = case_request(
        &old,
        "a Hangzhou agreement of 36 months is refused although the province allows it.json",
    );
    assert_eq!(old.decide(&months36).decision, Verdict::Deny);
    assert_eq!(new.decide(&months36).decision, Verdict::Allow);
    let months24 = case_request(&old, "a Hangzhou agreement of 24 months is accepted.json");
    assert_eq!(old.decide(&months24).decision, Verdict::Allow);
    assert_eq!(new.decide(&months24).decision, Verdict::Deny);
    // Zhoushan (same province, no city term rule) is untouched.
    let mut zhoushan = months36.to_json();
    zhoushan["jurisdiction"] = Value::String("zhoushan".into());
    let zhoushan = old.parse_request(&zhoushan.to_string()).unwrap();
    assert_eq!(
        old.decide(&zhoushan)
            .to_json_pretty()
            .replace(old.bundle().version(), ""),
        new.decide(&zhoushan)
            .to_json_pretty()
            .replace(new.bundle().version(), "")
    );
}

#[test]
fn diff_is_deterministic_for_a_seed() {
    let copy = three_year_term("diff-seed");
    let old = Engine::embedded().unwrap();
    let new = Engine::new(Bundle::from_dir(&copy.0).unwrap());
    let options = DiffOptions {
        seed: 42,
        requests: 2_000,
        threads: 0,
    };
    let a = diff(&old, &new, &options).unwrap().render_text();
    let b = diff(
        &old,
        &new,
        &DiffOptions {
            threads: 1,
            ..options
        },
    )
    .unwrap()
    .render_text();
    assert_eq!(a, b);
}

#[test]
fn pdao_diff_reports_the_change_and_exits_2() {
    let copy = three_year_term("diff-cli");
    let (code, stdout, stderr) = run(&[
        "diff",
        "policies",
        copy.path(),
        "--requests",
        "4000",
        "--seed",
        "3",
    ]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("modified hangzhou.agreement.term [hangzhou]"),
        "{stdout}"
    );
    assert!(stdout.contains(
        "- fact hz_term_two_years = agreement.end == last_day(agreement.start, 24 months);"
    ));
    assert!(stdout.contains(
        "+ fact hz_term_two_years = agreement.end == last_day(agreement.start, 36 months);"
    ));
    // The share of decisions that change, by action and by jurisdiction.
    assert!(
        stdout.contains("decision changes by action (changed / generated):"),
        "{stdout}"
    );
    assert!(
        stdout.contains("decision changes by jurisdiction (changed / generated):"),
        "{stdout}"
    );
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("1 rule changed; "))
        .unwrap();
    assert!(
        summary.contains(" of 4 000 requests change decision ("),
        "{summary}"
    );
    assert!(stdout.contains("— hangzhou/sign_agreement"), "{stdout}");
    assert!(stdout.contains("  example ("));

    let (code, stdout, _) = run(&[
        "diff",
        "policies",
        copy.path(),
        "--requests",
        "1000",
        "--json",
    ]);
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["changed_rules"][0]["rule"], "hangzhou.agreement.term");
    assert_eq!(v["groups"][0]["pairs"][0], "hangzhou/sign_agreement");
    // Only Hangzhou signatures change decision; every action and
    // jurisdiction generated is listed with its count.
    let by_action = v["by_action"].as_array().unwrap();
    let by_jurisdiction = v["by_jurisdiction"].as_array().unwrap();
    let total = |rows: &Vec<Value>| {
        rows.iter()
            .map(|r| r["requests"].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(total(by_action), 1000);
    assert_eq!(total(by_jurisdiction), 1000);
    for (rows, key, only) in [
        (by_action, "action", "sign_agreement"),
        (by_jurisdiction, "jurisdiction", "hangzhou"),
    ] {
        for row in rows {
            let changes = row["decision_changes"].as_u64().unwrap();
            assert_eq!(
                changes,
                row["allow_to_deny"].as_u64().unwrap() + row["deny_to_allow"].as_u64().unwrap()
            );
            if row[key] != only {
                assert_eq!(changes, 0, "{row}");
            }
        }
        let changed = rows.iter().find(|r| r[key] == only).unwrap();
        assert_eq!(changed["decision_changes"], v["decision_changes"]);
    }
    assert!(v["groups"][0]["example"]["request"].is_object());
}

#[test]
fn pdao_diff_of_a_bundle_with_itself_changes_nothing_and_exits_0() {
    let (code, stdout, _) = run(&["diff", "policies", "embedded", "--requests", "1500"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("changed rules: none"));
    assert!(stdout.contains(
        "0 rules changed; 0 of 1 500 requests change decision (0 change reasons or obligations)"
    ));
    let (code, _, stderr) = run(&["diff", "policies", "no/such/dir"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("pdao: error[io]"), "{stderr}");
}

// ---------------------------------------------------------------------------
// pdao why-not

fn denied_example(engine: &Engine) -> Request {
    let text = std::fs::read_to_string(
        fixtures().join("why-not/hangzhou-apply-without-mlps3-after-an-incident.json"),
    )
    .unwrap();
    engine.parse_request(&text).unwrap()
}

#[test]
fn why_not_finds_the_verified_minimal_changes() {
    let engine = Engine::embedded().unwrap();
    let request = denied_example(&engine);
    let d = engine.decide(&request);
    assert_eq!(
        d.reason_ids(),
        vec![
            "zhejiang.operator.mlps3",
            "zhejiang.operator.no_recent_incident"
        ]
    );
    let answer = why_not(&engine, &request, &WhyNotOptions::default());
    assert!(!answer.allowed());
    assert!(!answer.solutions.is_empty());
    let first = &answer.solutions[0];
    assert_eq!(
        first.changes,
        vec![
            Change::SetFact {
                path: "operator.mlps3_experience".into(),
                value: FactValue::Bool(true)
            },
            Change::RemoveEvent(
                request
                    .events()
                    .iter()
                    .find(|e| e.kind == "security_incident"
                        && e.reference.is_none()
                        && pdao::dates::format_date(e.date) == "2022-03-01")
                    .unwrap()
                    .clone()
            ),
        ]
    );
    assert_eq!(
        first.describe(),
        "set operator.mlps3_experience = true and remove the security_incident of 2022-03-01"
    );
    // Verified, minimal, smallest first, none a superset of another.
    for (i, s) in answer.solutions.iter().enumerate() {
        assert_eq!(engine.decide(&s.request).decision, Verdict::Allow);
        assert_eq!(pdao::unstable::apply_all(&request, &s.changes), s.request);
        for (j, other) in answer.solutions.iter().enumerate() {
            if i != j {
                assert!(!other.changes.iter().all(|c| s.changes.contains(c)));
            }
        }
        for k in 0..s.changes.len() {
            let mut fewer = s.changes.clone();
            fewer.remove(k);
            let r = pdao::unstable::apply_all(&request, &fewer);
            assert_eq!(
                engine.decide(&r).decision,
                Verdict::Deny,
                "{}",
                s.describe()
            );
        }
    }
    assert!(answer
        .solutions
        .windows(2)
        .all(|w| w[0].changes.len() <= w[1].changes.len()));
}

#[test]
fn why_not_completes_missing_materials_and_fresh_reports() {
    // The same application without its audit report: three reasons, one
    // solution of four verified changes.
    let engine = Engine::embedded().unwrap();
    let mut v = denied_example(&engine).to_json();
    v["materials"]
        .as_array_mut()
        .unwrap()
        .retain(|m| m != "audit_report");
    v["events"]
        .as_array_mut()
        .unwrap()
        .retain(|e| e["kind"] != "audit_report");
    let request = engine.parse_request(&v.to_string()).unwrap();
    let answer = why_not(&engine, &request, &WhyNotOptions::default());
    let lines = answer.solutions[0].lines();
    assert_eq!(lines[0], "set operator.mlps3_experience = true");
    assert_eq!(lines[1], "add audit_report to materials");
    assert_eq!(lines[2], "remove the security_incident of 2022-03-01");
    // Dated at the start of the 12-month look-back, other dates verified too.
    assert!(
        lines[3].starts_with("add an audit_report dated 2023-05-01 (also verified: "),
        "{}",
        lines[3]
    );
}

#[test]
fn pdao_why_not_prints_solutions_and_says_when_there_is_nothing_to_do() {
    let file = fixtures().join("why-not/hangzhou-apply-without-mlps3-after-an-incident.json");
    let (code, stdout, _) = run(&["why-not", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with(
        "deny: 2 reasons — zhejiang.operator.mlps3, zhejiang.operator.no_recent_incident\n"
    ));
    assert!(stdout.contains(
        "  1. set operator.mlps3_experience = true\n     and remove the security_incident of 2022-03-01\n"
    ), "{stdout}");

    let (code, stdout, _) = run(&["why-not", "examples/hangzhou-apply.json"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "allow: the request is already allowed — there is nothing to change.\n"
    );

    // A ban with no condition cannot be lifted by any fact: said honestly.
    let dir = std::env::temp_dir().join(format!("pdao-why-not-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ban = dir.join("third-party.json");
    std::fs::write(
        &ban,
        r#"{"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "provide_to_third_party"}"#,
    )
    .unwrap();
    let (code, stdout, _) = run(&["why-not", ban.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("no change of facts or events found that makes it allowed"));
    assert!(stdout.contains("no change of facts or events clears: zhejiang.conduct.no_third_party"));

    let (code, stdout, _) = run(&["why-not", "--json", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["decision"], "deny");
    assert_eq!(
        v["solutions"][0]["changes"],
        serde_json::json!([
            "set operator.mlps3_experience = true",
            "remove the security_incident of 2022-03-01"
        ])
    );
    assert_eq!(
        v["solutions"][0]["request"]["operator"]["mlps3_experience"],
        true
    );
}
