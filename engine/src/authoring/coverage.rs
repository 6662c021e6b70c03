//! Running a set of golden cases, and which rules they exercise: each rule
//! should be seen *deciding* (unmet, fired, attached) in some case and
//! *holding* (applicable and satisfied, not fired, not attached) in another.
//! Rules with no condition at all (`Rule::is_unconditional`) have no holding
//! side and are exempt from it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::cases::Case;
use crate::decide::RuleOutcome;
use crate::engine::Engine;
use crate::load::Bundle;

/// How often one rule was exercised on each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSides {
    /// Catalog id.
    pub id: String,
    /// Its layer.
    pub layer: String,
    /// Cases in which it decided.
    pub deciding: usize,
    /// Cases in which it applied and held.
    pub holding: usize,
    /// Whether it has no holding side (no condition at all).
    pub unconditional: bool,
}

impl RuleSides {
    /// Whether both sides it has were seen.
    pub fn complete(&self) -> bool {
        self.deciding > 0 && (self.holding > 0 || self.unconditional)
    }
}

/// Coverage of one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerCoverage {
    /// Layer id.
    pub layer: String,
    /// Rules (ids) of the layer.
    pub rules: usize,
    /// Rules seen deciding.
    pub deciding: usize,
    /// Rules seen holding.
    pub holding: usize,
    /// Rules that have a holding side.
    pub with_holding_side: usize,
}

/// Rule coverage of a case set.
#[derive(Debug, Clone)]
pub struct Coverage {
    rules: BTreeMap<String, RuleSides>,
    layers: Vec<String>,
}

impl Coverage {
    /// Nothing exercised yet, for every rule id of the bundle.
    pub fn new(bundle: &Bundle) -> Coverage {
        let mut rules = BTreeMap::new();
        for rule in bundle.rules() {
            let entry = rules.entry(rule.id.clone()).or_insert_with(|| RuleSides {
                id: rule.id.clone(),
                layer: rule.layer.clone(),
                deciding: 0,
                holding: 0,
                unconditional: true,
            });
            entry.unconditional &= rule.is_unconditional();
        }
        Coverage {
            rules,
            layers: bundle.layers().iter().map(|l| l.id.clone()).collect(),
        }
    }

    /// Records the outcomes of one evaluation.
    pub fn record(&mut self, outcomes: &[RuleOutcome]) {
        for outcome in outcomes {
            let Some(entry) = self.rules.get_mut(&outcome.rule) else {
                continue;
            };
            if outcome.decides {
                entry.deciding += 1;
            } else if outcome.applies {
                entry.holding += 1;
            }
        }
    }

    /// Every rule id, sorted.
    pub fn rules(&self) -> impl Iterator<Item = &RuleSides> {
        self.rules.values()
    }

    /// Per layer, in bundle order.
    pub fn layers(&self) -> Vec<LayerCoverage> {
        self.layers
            .iter()
            .map(|layer| {
                let rules: Vec<&RuleSides> =
                    self.rules.values().filter(|r| &r.layer == layer).collect();
                LayerCoverage {
                    layer: layer.clone(),
                    rules: rules.len(),
                    deciding: rules.iter().filter(|r| r.deciding > 0).count(),
                    holding: rules
                        .iter()
                        .filter(|r| !r.unconditional && r.holding > 0)
                        .count(),
                    with_holding_side: rules.iter().filter(|r| !r.unconditional).count(),
                }
            })
            .collect()
    }

    /// Rules missing a side: (rule, "deciding" / "holding" / "deciding and holding").
    pub fn not_exercised(&self) -> Vec<(&RuleSides, &'static str)> {
        self.rules
            .values()
            .filter(|r| !r.complete())
            .map(|r| {
                let missing = match (r.deciding == 0, r.holding == 0 && !r.unconditional) {
                    (true, true) => "deciding and holding",
                    (true, false) => "deciding",
                    _ => "holding",
                };
                (r, missing)
            })
            .collect()
    }

    /// Whether every rule was seen on every side it has.
    pub fn complete(&self) -> bool {
        self.rules.values().all(RuleSides::complete)
    }

    /// The report for people.
    pub fn render_text(&self) -> String {
        let mut out = String::from(
            "rule coverage (rules seen deciding / seen holding, per layer; unconditional rules have no holding side):\n",
        );
        for l in self.layers() {
            out.push_str(&format!(
                "  {:<10} {:>3} rules   deciding {:>3}/{:<3}  holding {:>3}/{}\n",
                l.layer, l.rules, l.deciding, l.rules, l.holding, l.with_holding_side
            ));
        }
        let gaps = self.not_exercised();
        if gaps.is_empty() {
            out.push_str("every rule is exercised on both sides\n");
        } else {
            out.push_str(&format!("not exercised ({}):\n", gaps.len()));
            for (r, side) in gaps {
                out.push_str(&format!("  {} [{}]: never {side}\n", r.id, r.layer));
            }
        }
        out
    }

    /// The same as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "layers": self.layers().iter().map(|l| json!({
                "layer": l.layer,
                "rules": l.rules,
                "deciding": l.deciding,
                "holding": l.holding,
                "with_holding_side": l.with_holding_side,
            })).collect::<Vec<_>>(),
            "rules": self.rules.values().map(|r| json!({
                "rule": r.id,
                "layer": r.layer,
                "deciding": r.deciding,
                "holding": r.holding,
                "unconditional": r.unconditional,
            })).collect::<Vec<_>>(),
            "not_exercised": self.not_exercised().iter().map(|(r, side)| json!({
                "rule": r.id,
                "layer": r.layer,
                "never": side,
            })).collect::<Vec<_>>(),
            "complete": self.complete(),
        })
    }
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseReport {
    /// The case name (its file name without `.json`).
    pub name: String,
    /// Its layer (the folder above `cases/`, else the request jurisdiction).
    pub layer: String,
    /// The file.
    pub file: PathBuf,
    /// Every mismatch; empty when it passed.
    pub failures: Vec<String>,
    /// How long reading, deciding and checking the case took.
    pub duration: std::time::Duration,
}

impl CaseReport {
    /// Whether it passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The results of a case set.
#[derive(Debug, Clone)]
pub struct SuiteReport {
    /// Every case, in file order.
    pub cases: Vec<CaseReport>,
    /// The rules they exercised.
    pub coverage: Coverage,
}

impl SuiteReport {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed()).count()
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }

    /// `N passed, M failed`.
    pub fn closing_line(&self) -> String {
        format!("{} passed, {} failed", self.passed(), self.failed())
    }

    /// One line per case (`ok   layer: name` / `FAIL layer: name` and its
    /// failures), then the closing line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for case in &self.cases {
            if case.passed() {
                out.push_str(&format!("ok   {}: {}\n", case.layer, case.name));
            } else {
                out.push_str(&format!("FAIL {}: {}\n", case.layer, case.name));
                for f in &case.failures {
                    out.push_str(&format!("       - {f}\n"));
                }
            }
        }
        out.push_str(&self.closing_line());
        out.push('\n');
        out
    }

    /// Machine output: cases with name, layer, file, passed, failures; totals.
    pub fn to_json(&self) -> Value {
        json!({
            "cases": self.cases.iter().map(|c| json!({
                "name": c.name,
                "layer": c.layer,
                "file": c.file.display().to_string(),
                "passed": c.passed(),
                "failures": c.failures,
            })).collect::<Vec<_>>(),
            "total": self.cases.len(),
            "passed": self.passed(),
            "failed": self.failed(),
        })
    }

    /// [`SuiteReport::to_json`] with the rule coverage under `coverage`.
    pub fn to_json_with_coverage(&self) -> Value {
        let mut v = self.to_json();
        if let Some(map) = v.as_object_mut() {
            map.insert("coverage".into(), self.coverage.to_json());
        }
        v
    }
}

/// Runs case files on an engine, recording every rule's outcome.
pub fn run_cases(engine: &Engine, files: &[PathBuf]) -> SuiteReport {
    let mut coverage = Coverage::new(engine.bundle());
    let mut cases = Vec::new();
    for file in files {
        let started = std::time::Instant::now();
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let folder_layer = layer_of(file);
        match Case::from_file(file) {
            Ok(case) => {
                let result = case.run(engine);
                coverage.record(&result.outcomes);
                let layer = folder_layer
                    .or_else(|| {
                        case.request
                            .get("jurisdiction")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| "?".into());
                cases.push(CaseReport {
                    name,
                    layer,
                    file: file.clone(),
                    failures: result.failures,
                    duration: started.elapsed(),
                });
            }
            Err(e) => cases.push(CaseReport {
                name,
                layer: folder_layer.unwrap_or_else(|| "?".into()),
                file: file.clone(),
                failures: vec![format!("the case file cannot be read: {e}")],
                duration: started.elapsed(),
            }),
        }
    }
    SuiteReport { cases, coverage }
}

/// The folder above `cases/`.
fn layer_of(file: &Path) -> Option<String> {
    let dir = file.parent()?;
    if dir.file_name()? != "cases" {
        return None;
    }
    dir.parent()?
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
}
