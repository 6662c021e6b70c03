//! Golden cases: a request and what its decision must say, one JSON file per
//! case (`policies/<layer>/cases/*.json`). Checked by content: the verdict,
//! the exact set of reason rule ids, the missing facts, the obligations with
//! their due dates, the overridden rules, and required satisfied rules.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::decide::RuleOutcome;
use crate::decision::{Decision, Verdict};
use crate::engine::Engine;

/// Why golden cases cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// A case file or a directory of cases cannot be read.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A case file is not a case: not JSON, a field unknown, missing or of
    /// the wrong value (a typo in `expect.decision`, say).
    #[error("{}: field `{field}`: {message}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// The field, as a path (`expect.decision`); `(case)` for the whole file.
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

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
    /// `allow` or `deny` (anything else is refused when the file is read).
    pub decision: Verdict,
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
    pub fn from_file(path: &Path) -> Result<Case, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|e| CaseError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Case::from_json(&text).map_err(|(field, message)| CaseError::Invalid {
            file: path.to_path_buf(),
            field,
            message,
        })
    }

    /// Reads a case from its JSON text; the error names the field.
    fn from_json(text: &str) -> Result<Case, (String, String)> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let case: Case = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let field = e.path().to_string();
            let field = if field == "." { "(case)".into() } else { field };
            (field, e.into_inner().to_string())
        })?;
        deserializer
            .end()
            .map_err(|e| ("(case)".to_string(), e.to_string()))?;
        Ok(case)
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
        if d.decision != self.expect.decision {
            failures.push(format!(
                "decision is {}, expected {}",
                d.decision, self.expect.decision
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

/// Every `*.json` file under `cases/` folders below `root`, sorted; an
/// error when a directory cannot be read (a case missed silently would be
/// a case that never fails).
pub fn find_case_files(root: &Path) -> Result<Vec<PathBuf>, CaseError> {
    let mut out = Vec::new();
    walk(root, false, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, in_cases: bool, out: &mut Vec<PathBuf>) -> Result<(), CaseError> {
    let unreadable = |e: std::io::Error| CaseError::Io {
        path: dir.to_path_buf(),
        message: format!("cannot read the directory: {e}"),
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.is_dir() {
            let is_cases = path.file_name().is_some_and(|n| n == "cases");
            walk(&path, in_cases || is_cases, out)?;
        } else if (in_cases || dir.file_name().is_some_and(|n| n == "cases"))
            && path.extension().is_some_and(|e| e == "json")
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pdao-cases-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const CASE: &str = r#"{
  "description": "an application is refused",
  "request": {"jurisdiction": "hangzhou", "date": "2024-05-01", "action": "apply"},
  "expect": {"decision": "DECISION", "reasons": []}
}"#;

    #[test]
    fn a_typo_in_the_expected_decision_is_refused_naming_file_and_field() {
        let dir = temp_dir("typo");
        let file = dir.join("typo.json");
        std::fs::write(&file, CASE.replace("DECISION", "alow")).unwrap();
        let err = Case::from_file(&file).unwrap_err();
        let CaseError::Invalid {
            file: at,
            field,
            message,
        } = &err
        else {
            panic!("not a field error: {err}");
        };
        assert_eq!(at, &file);
        assert_eq!(field, "expect.decision");
        assert!(message.contains("unknown variant `alow`"), "{message}");
        assert!(
            err.to_string()
                .contains("typo.json: field `expect.decision`"),
            "{err}"
        );

        std::fs::write(&file, CASE.replace("DECISION", "deny")).unwrap();
        let case = Case::from_file(&file).unwrap();
        assert_eq!(case.expect.decision, Verdict::Deny);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unknown_field_and_broken_json_are_refused() {
        let dir = temp_dir("fields");
        let file = dir.join("x.json");
        let misspelt = CASE
            .replace("DECISION", "deny")
            .replace("\"reasons\"", "\"reason\"");
        std::fs::write(&file, misspelt).unwrap();
        let err = Case::from_file(&file).unwrap_err();
        assert!(
            matches!(&err, CaseError::Invalid { field, message, .. }
                if field == "expect.reason" && message.contains("unknown field `reason`")),
            "{err}"
        );
        // Broken JSON: where it broke, or the whole file.
        std::fs::write(&file, "{\"description\": ").unwrap();
        let err = Case::from_file(&file).unwrap_err();
        assert!(
            matches!(&err, CaseError::Invalid { field, message, .. }
                if field == "description" && message.contains("EOF")),
            "{err}"
        );
        std::fs::write(&file, "not json").unwrap();
        let err = Case::from_file(&file).unwrap_err();
        assert!(
            matches!(&err, CaseError::Invalid { field, .. } if field == "(case)"),
            "{err}"
        );
        let err = Case::from_file(&dir.join("absent.json")).unwrap_err();
        assert!(matches!(err, CaseError::Io { .. }), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn case_files_are_found_below_cases_folders_and_an_unreadable_root_is_an_error() {
        let dir = temp_dir("walk");
        std::fs::create_dir_all(dir.join("hangzhou/cases/more")).unwrap();
        for file in [
            "hangzhou/cases/b.json",
            "hangzhou/cases/a.json",
            "hangzhou/cases/more/c.json",
            "hangzhou/cases/notes.txt",
            "hangzhou/not-a-case.json",
        ] {
            std::fs::write(dir.join(file), "{}").unwrap();
        }
        let found: Vec<String> = find_case_files(&dir)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(
            found,
            [
                "hangzhou/cases/a.json",
                "hangzhou/cases/b.json",
                "hangzhou/cases/more/c.json"
            ]
        );
        let err = find_case_files(&dir.join("absent")).unwrap_err();
        assert!(
            err.to_string().contains("cannot read the directory"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
