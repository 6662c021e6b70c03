//! Assembling the decision from the rule outcomes: reasons with their
//! citations and explanations, what is satisfied, cleared and overridden,
//! the obligations with their due dates, what is missing, whether a
//! regulation covers the request at all, and each layer's report.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::condition::Read;
use crate::dates::format_date;
use crate::decision::{
    Decision, LayerReport, LayerStatus, Obligation, Overridden, Reason, ReasonEffect, Source,
    Verdict,
};
use crate::layers::Layer;
use crate::load::Bundle;
use crate::request::Request;
use crate::rule::{Attaches, Rule};

use super::evaluate::RuleState;
use super::facts::Facts;
use super::locate::{Chain, Epoch};

/// Assembles the decisions of one bundle.
pub(crate) struct Assembler<'b> {
    pub(crate) bundle: &'b Bundle,
}

impl Assembler<'_> {
    pub(crate) fn assemble(
        &self,
        request: &Request,
        chain: &Chain,
        epoch: &Epoch,
        results: &[(usize, RuleState)],
        facts: &Facts,
    ) -> Decision {
        let rules = &self.bundle.rules;
        let mut reasons = Vec::new();
        let mut satisfied = Vec::new();
        let mut cleared = Vec::new();
        let mut missing = BTreeSet::new();
        let mut attached = Vec::new();
        for (ri, outcome) in results {
            let Some(rule) = rules.get(*ri) else { continue };
            match outcome {
                RuleState::Satisfied => satisfied.push(rule.id.clone()),
                RuleState::Cleared => cleared.push(rule.id.clone()),
                RuleState::NotApplicable | RuleState::NotAttached => {}
                RuleState::Attached => attached.push(rule),
                RuleState::Unmet(needed)
                | RuleState::Fired(needed)
                | RuleState::Undecided(needed) => {
                    missing.extend(needed.iter().cloned());
                    reasons.push(self.reason(rule, outcome, needed, facts));
                }
            }
        }
        let covered = self.covered(request, chain);
        if let Some(reason) = covered {
            reasons.insert(0, reason);
        }
        let verdict = if reasons.is_empty() {
            Verdict::Allow
        } else {
            Verdict::Deny
        };
        let mut obligations = Vec::new();
        for rule in attached {
            if rule.attaches == Attaches::OnAllow && verdict != Verdict::Allow {
                continue;
            }
            obligations.extend(self.obligations_of(rule, facts, &mut missing));
        }
        let overridden = epoch
            .overridden
            .iter()
            .filter_map(|(r, by)| {
                let rule = rules.get(*r)?;
                rule.applies_to(request.action()).then(|| Overridden {
                    rule: rule.id.clone(),
                    by: rules.get(*by).map(|b| b.id.clone()).unwrap_or_default(),
                    layer: rule.layer.clone(),
                })
            })
            .collect();
        Decision {
            decision: if missing.is_empty() {
                verdict
            } else {
                Verdict::Deny
            },
            jurisdiction: request.jurisdiction().to_string(),
            date: format_date(request.date()),
            action: request.action().to_string(),
            layers: chain
                .layers
                .iter()
                .filter_map(|&l| self.bundle.layers.get(l).map(|l| l.id.clone()))
                .collect(),
            reasons,
            satisfied,
            overridden,
            obligations,
            missing: missing.into_iter().collect(),
            policy_version: self.bundle.version.clone(),
            cleared,
            layer_report: self.layer_report(request.date(), chain, epoch),
        }
    }

    fn source(&self, rule: &Rule) -> Source {
        let doc = self
            .bundle
            .layer(&rule.layer)
            .and_then(|l| l.document(&rule.document));
        Source {
            document: doc.map(|d| d.citation().to_string()).unwrap_or_default(),
            title: doc.map(|d| d.title.clone()).unwrap_or_default(),
            article: rule.article.clone(),
            quote: rule.quote.clone(),
            outside_seeds: rule.outside_seeds.clone(),
        }
    }

    fn reason(
        &self,
        rule: &Rule,
        outcome: &RuleState,
        needed: &BTreeSet<String>,
        facts: &Facts,
    ) -> Reason {
        let what = match outcome {
            RuleState::Unmet(_) if needed.is_empty() => "requirement not met",
            RuleState::Unmet(_) => "requirement cannot be shown to hold",
            RuleState::Fired(_) if needed.is_empty() => "prohibition applies",
            RuleState::Fired(_) => "prohibition cannot be ruled out",
            _ => "obligation cannot be determined",
        };
        let mut explanation = format!("{what}: {}", describe_reads(rule, facts));
        if !needed.is_empty() {
            explanation.push_str(&format!(
                " — missing {}",
                needed
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Reason {
            rule: rule.id.clone(),
            effect: rule.effect.into(),
            layer: rule.layer.clone(),
            source: self.source(rule),
            explanation,
            missing: needed.iter().cloned().collect(),
        }
    }

    fn obligations_of(
        &self,
        rule: &Rule,
        facts: &Facts,
        missing: &mut BTreeSet<String>,
    ) -> Vec<Obligation> {
        let description = rule.obligation.clone().unwrap_or_default();
        let make = |due: Option<NaiveDate>, explanation: String| Obligation {
            rule: rule.id.clone(),
            layer: rule.layer.clone(),
            description: description.clone(),
            due: due.map(format_date),
            source: self.source(rule),
            explanation,
        };
        if let Some(each) = &rule.each {
            if let Some(outcome) = facts.explained(each) {
                return outcome
                    .instances
                    .iter()
                    .map(|i| make(i.due, i.evidence.clone()))
                    .collect();
            }
        }
        let mut explanation = describe_reads(rule, facts);
        let due = match &rule.due {
            Some(name) => match facts.explained(name) {
                Some(o) if o.due.is_some() => {
                    explanation = join(&explanation, &format!("due {}", o.evidence));
                    o.due
                }
                Some(o) => {
                    missing.extend(o.needed.iter().cloned());
                    None
                }
                None => None,
            },
            None => None,
        };
        if explanation.is_empty() {
            explanation = format!("attaches to every `{}`", facts.request().action());
        }
        vec![make(due, explanation)]
    }

    fn covered(&self, request: &Request, chain: &Chain) -> Option<Reason> {
        let date = request.date();
        let jurisdiction = request.jurisdiction();
        let candidates: Vec<(&Layer, &crate::layers::Document)> = chain
            .layers
            .iter()
            .filter_map(|&l| self.bundle.layers.get(l))
            .flat_map(|l| l.documents.iter().map(move |d| (l, d)))
            .filter(|(l, d)| d.covers_chain || l.id == jurisdiction)
            .collect();
        if candidates.iter().any(|(_, d)| d.in_force_on(date)) {
            return None;
        }
        let explanation = if candidates.is_empty() {
            format!(
                "no regulation covers `{jurisdiction}`: no document of its chain ({}) regulates it",
                chain
                    .layers
                    .iter()
                    .filter_map(|&l| self.bundle.layers.get(l).map(|l| l.id.as_str()))
                    .collect::<Vec<_>>()
                    .join(" → ")
            )
        } else {
            let parts: Vec<String> = candidates
                .iter()
                .map(|(_, d)| {
                    let state = if date < d.in_force_from {
                        format!(
                            "is not yet in force on {}: it is in force from {}",
                            format_date(date),
                            format_date(d.in_force_from)
                        )
                    } else {
                        format!(
                            "expired on {} (its last day in force); it was {}",
                            d.in_force_until.map(format_date).unwrap_or_default(),
                            d.window()
                        )
                    };
                    format!("{} 《{}》 {state}", d.citation(), d.title)
                })
                .collect();
            format!(
                "no regulation of the `{jurisdiction}` chain is in force on {}: {}",
                format_date(date),
                parts.join("; ")
            )
        };
        let own = candidates
            .iter()
            .find(|(l, _)| l.id == jurisdiction)
            .or(candidates.first());
        Some(Reason {
            rule: "pdao.coverage".into(),
            effect: ReasonEffect::Coverage,
            layer: jurisdiction.to_string(),
            source: Source {
                document: own
                    .map(|(_, d)| d.citation().to_string())
                    .unwrap_or_default(),
                title: own.map(|(_, d)| d.title.clone()).unwrap_or_default(),
                article: String::new(),
                quote: String::new(),
                outside_seeds: None,
            },
            explanation,
            missing: Vec::new(),
        })
    }

    /// Each layer's report. Epochs start on every date a document comes into
    /// force or leaves it, so which documents are in force — and the report —
    /// is the same on every date of an epoch, except that a layer with no
    /// document in force names the date: the report is built once per epoch
    /// and only those notes are written per request.
    fn layer_report(&self, date: NaiveDate, chain: &Chain, epoch: &Epoch) -> Vec<LayerReport> {
        let mut report = epoch
            .layer_report
            .get_or_init(|| self.build_layer_report(date, chain, epoch))
            .clone();
        for entry in &mut report {
            if entry.status == LayerStatus::NotInForce {
                if let Some(layer) = self.bundle.layer(&entry.layer) {
                    entry.note = not_in_force_note(layer, date);
                }
            }
        }
        report
    }

    fn build_layer_report(
        &self,
        date: NaiveDate,
        chain: &Chain,
        epoch: &Epoch,
    ) -> Vec<LayerReport> {
        chain
            .layers
            .iter()
            .zip(&epoch.in_force_per_layer)
            .filter_map(|(&l, &count)| {
                let layer = self.bundle.layers.get(l)?;
                let in_force: Vec<&crate::layers::Document> = layer
                    .documents
                    .iter()
                    .filter(|d| d.in_force_on(date))
                    .collect();
                let (status, note) = if layer.documents.is_empty() {
                    (
                        LayerStatus::Empty,
                        format!(
                            "layer `{}` has no documents: consulted, nothing applies",
                            layer.id
                        ),
                    )
                } else if in_force.is_empty() {
                    (LayerStatus::NotInForce, not_in_force_note(layer, date))
                } else {
                    (
                        LayerStatus::InForce,
                        format!(
                            "in force: {}",
                            in_force
                                .iter()
                                .map(|d| format!("{} ({})", d.citation(), d.window()))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    )
                };
                Some(LayerReport {
                    layer: layer.id.clone(),
                    status,
                    documents: in_force.iter().map(|d| d.id.clone()).collect(),
                    rules_in_force: count,
                    note,
                })
            })
            .collect()
    }

    pub(crate) fn failure(&self, request: &Request, message: &str) -> Decision {
        Decision {
            decision: Verdict::Deny,
            jurisdiction: request.jurisdiction().to_string(),
            date: format_date(request.date()),
            action: request.action().to_string(),
            layers: Vec::new(),
            reasons: vec![engine_reason(request, message)],
            satisfied: Vec::new(),
            overridden: Vec::new(),
            obligations: Vec::new(),
            missing: Vec::new(),
            policy_version: self.bundle.version.clone(),
            cleared: Vec::new(),
            layer_report: Vec::new(),
        }
    }
}

/// The note of a layer that has documents, none of them in force on `date`.
fn not_in_force_note(layer: &Layer, date: NaiveDate) -> String {
    format!(
        "layer `{}` is empty on {} (no document in force): {}",
        layer.id,
        format_date(date),
        layer
            .documents
            .iter()
            .map(|d| format!("{} {}", d.citation(), d.window()))
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// The reason of a decision whose evaluation failed (a deny).
pub(crate) fn engine_reason(request: &Request, message: &str) -> Reason {
    Reason {
        rule: "pdao.evaluation_error".into(),
        effect: ReasonEffect::Error,
        layer: request.jurisdiction().to_string(),
        source: Source {
            document: String::new(),
            title: String::new(),
            article: String::new(),
            quote: String::new(),
            outside_seeds: None,
        },
        explanation: format!("evaluation failed, so the request is denied: {message}"),
        missing: Vec::new(),
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}; {b}"),
    }
}

/// "operator.mlps3_experience = false; security_incident on … lies within …".
fn describe_reads(rule: &Rule, facts: &Facts) -> String {
    let mut parts = Vec::new();
    for read in &rule.reads {
        match read {
            Read::Temporal(name) => match facts.explained(name) {
                Some(o) => parts.push(o.evidence.clone()),
                None => parts.push(format!("`{name}` was not evaluated")),
            },
            Read::Materials => match facts.request().materials() {
                Some(items) => parts.push(format!("materials = [{}]", items.join(", "))),
                None => parts.push("materials not given".into()),
            },
            Read::Fact(path) | Read::Other(path) => match facts.request().fact(path) {
                Some(v) => parts.push(format!("{path} = {}", v.render())),
                None => parts.push(format!("{path} not given")),
            },
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("; ")
}
