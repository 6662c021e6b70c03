//! Golden cases: a request and what its decision must say, one JSON file per
//! case (`policies/<layer>/cases/*.json`). Checked by content: the verdict,
//! the exact set of reason rule ids, the missing facts, the obligations with
//! their due dates, the overridden rules, and required satisfied rules.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::decision::Decision;
use crate::engine::{Engine, RuleOutcome};

/// One golden case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// A sentence saying what the case shows.
    pub description: String,
    /// The request, as the contract gives it.
    pub request: Value,
    /// What the decision must say.
    pub expect: Expect,
}

/// Expected content of a decision.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `allow` or `deny`.
    pub decision: String,
    /// Exactly these rule ids in `reasons`.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// These rule ids must be among `satisfied`.
    #[serde(default)]
    pub satisfied: Vec<String>,
    /// Exactly these facts in `missing`.
    #[serde(default)]
    pub missing: Vec<String>,
    /// Exactly these obligations.
    #[serde(default)]
    pub obligations: Vec<ExpectedObligation>,
    /// Exactly these overridden rules.
    #[serde(default)]
    pub overridden: Vec<ExpectedOverride>,
}

/// An expected obligation.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct ExpectedObligation {
    /// Rule id.
    pub rule: String,
    /// Due date, when the law gives one.
    #[serde(default)]
    pub due: Option<String>,
}

/// An expected overridden rule.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct ExpectedOverride {
    /// The displaced rule.
    pub rule: String,
    /// The rule displacing it.
    pub by: String,
}

/// The result of running one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// Every mismatch, as a sentence; empty when the case passed.
    pub failures: Vec<String>,
    /// The decision, when the request could be decided.
    pub decision: Option<Decision>,
    /// Every rule's outcome, for coverage.
    pub outcomes: Vec<RuleOutcome>,
}

impl CaseResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl Case {
    /// Reads a case file.
    pub fn from_file(path: &Path) -> Result<Case, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Runs the case on an engine.
    pub fn run(&self, engine: &Engine) -> CaseResult {
        let request = match engine.parse_request(&self.request.to_string()) {
            Ok(r) => r,
            Err(e) => {
                return CaseResult {
                    failures: vec![format!("the request is rejected: {e}")],
                    decision: None,
                    outcomes: Vec::new(),
                }
            }
        };
        let evaluation = engine.evaluate(&request);
        let d = &evaluation.decision;
        let mut failures = Vec::new();
        let verdict = if d.is_allow() { "allow" } else { "deny" };
        if verdict != self.expect.decision {
            failures.push(format!(
                "decision is {verdict}, expected {}",
                self.expect.decision
            ));
        }
        compare_sets(
            &mut failures,
            "reasons",
            d.reasons.iter().map(|r| r.rule.clone()),
            self.expect.reasons.iter().cloned(),
        );
        compare_sets(
            &mut failures,
            "missing",
            d.missing.iter().cloned(),
            self.expect.missing.iter().cloned(),
        );
        compare_sets(
            &mut failures,
            "obligations",
            d.obligations
                .iter()
                .map(|o| render_obligation(&o.rule, o.due.as_deref())),
            self.expect
                .obligations
                .iter()
                .map(|o| render_obligation(&o.rule, o.due.as_deref())),
        );
        compare_sets(
            &mut failures,
            "overridden",
            d.overridden
                .iter()
                .map(|o| format!("{} by {}", o.rule, o.by)),
            self.expect
                .overridden
                .iter()
                .map(|o| format!("{} by {}", o.rule, o.by)),
        );
        for id in &self.expect.satisfied {
            if !d.satisfied.contains(id) {
                failures.push(format!("`{id}` is not among the satisfied requirements"));
            }
        }
        CaseResult {
            failures,
            decision: Some(evaluation.decision.clone()),
            outcomes: evaluation.outcomes,
        }
    }
}

fn render_obligation(rule: &str, due: Option<&str>) -> String {
    match due {
        Some(d) => format!("{rule} due {d}"),
        None => rule.to_string(),
    }
}

fn compare_sets(
    failures: &mut Vec<String>,
    what: &str,
    actual: impl Iterator<Item = String>,
    expected: impl Iterator<Item = String>,
) {
    let actual: BTreeSet<String> = actual.collect();
    let expected: BTreeSet<String> = expected.collect();
    let extra: Vec<&String> = actual.difference(&expected).collect();
    let lacking: Vec<&String> = expected.difference(&actual).collect();
    if !extra.is_empty() {
        failures.push(format!("{what}: unexpected {}", list(&extra)));
    }
    if !lacking.is_empty() {
        failures.push(format!("{what}: expected but absent {}", list(&lacking)));
    }
}

fn list(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every `*.json` file under `cases/` folders below `root`, sorted.
pub fn find_case_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, false, &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, in_cases: bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            let is_cases = path.file_name().is_some_and(|n| n == "cases");
            walk(&path, in_cases || is_cases, out);
        } else if (in_cases || dir.file_name().is_some_and(|n| n == "cases"))
            && path.extension().is_some_and(|e| e == "json")
        {
            out.push(path);
        }
    }
}
